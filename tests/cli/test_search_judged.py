"""The judged query set over the bundled KB (tests/data/judged): search must
put a relevant record in the top five for 95% of the queries and reach an MRR
of 0.90 overall. The figures per kind are printed at the end of the run.

The judgements were written from the records' text before search was tuned
(see tests/judged.py); a failure names the queries it missed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from tests import judged
from tests.conftest import KB

HIT5_TARGET = 0.95
MRR_TARGET = 0.90


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[str]]:
    return judged.library_search(KB, tmp_path_factory.mktemp("judged") / "index.sqlite")


def test_the_judged_set_is_whole() -> None:
    queries = judged.load()
    assert len(queries) >= 150
    kinds = Counter(q.kind for q in queries)
    assert set(kinds) == set(judged.KINDS), kinds
    assert all(n >= 10 for n in kinds.values()), kinds
    texts = [q.text for q in queries]
    assert len(texts) == len(set(texts)), "a query is judged twice"
    missing = sorted({p for q in queries for p in q.relevant if not (KB / p).is_file()})
    assert not missing
    assert all(q.relevant for q in queries)


def test_search_meets_the_targets_on_the_judged_set(search) -> None:
    figures = judged.evaluate(judged.load(), search)
    judged.REPORT.append(judged.table(figures))
    overall = figures["all"]
    missed = "\n".join(f"  {text!r}: {top}" for text, top in overall.missed)
    assert overall.hit5 >= HIT5_TARGET and overall.mrr >= MRR_TARGET, (
        f"\n{judged.table(figures)}\nmissed in the top 5:\n{missed}"
    )


# the issue's own examples: the right record first, on the bundled KB
FIRST = [
    "права женщин",
    "organisations helping women who left violent homes",
    "Алматыдағы әйелдер ұйымдары",
    "Tselinograd akimat",
]


@pytest.mark.parametrize("text", FIRST)
def test_the_right_record_comes_first(search, text: str) -> None:
    relevant = next(q.relevant for q in judged.load() if q.text == text)
    found = search(text)
    assert found and found[0] in relevant, f"{text!r}: first {found[:3]}, wanted one of {relevant}"


SAME_QUERY = [
    # every apostrophe Uzbek is typed with
    ["Oʻzbekiston jurnalistlari", "O'zbekiston jurnalistlari", "O‘zbekiston jurnalistlari",
     "O’zbekiston jurnalistlari", "Ўзбекистон журналистлари"],
    # Kazakh: the 2021, 2018 and 2017 Latin alphabets, informal Latin, Cyrillic
    ["äielder qūqyğy", "áıelder quqyǵy", "a'i'elder quqyg'y", "aielder kukygy"],
    ["Toshkentdagi oʻquv", "Toshkentdagi o'quv", "Toshkentdagi o‘quv"],
]  # fmt: skip


@pytest.mark.parametrize("variants", SAME_QUERY, ids=[v[0] for v in SAME_QUERY])
def test_spellings_of_one_query_give_one_answer(search, variants: list[str]) -> None:
    answers = {v: search(v)[:5] for v in variants}
    assert len({tuple(a) for a in answers.values()}) == 1, answers


def test_every_spelling_of_the_country_finds_the_kazakhstan_guide_first(search) -> None:
    for spelling in ("Kazakhstan", "Казахстан", "Қазақстан", "Qazaqstan", "Qozogʻiston"):
        assert search(spelling)[:1] == ["guides/kazakhstan.md"], spelling
