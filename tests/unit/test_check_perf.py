"""check-links takes the quick ways and says what the slow ways said: titles
slugged all at once equal term_slug title by title; the title index read
from the records equals the one the old lookup built from every URL; the key
a finding carries is the one explain used to work out again from the page's
URL; asking at once which pages exist changes no answer; a KB in a folder
git ignores, or whose history only added files, is explained as before
(other names, no history) without reading every record; and the missing
translations, now looked for by path only where the URL is not there, are
the ones the old code reported.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzkb.check import history
from kzkb.check.explain import EXPLAINED, key_of
from kzkb.check.internal import check_links
from kzkb.check.othernames import OtherNames
from kzkb.check.resolve import Site
from kzkb.check.slugs import slugs_beside, term_slugs
from kzkb.kb import KnowledgeBase
from kzkb.urls import term_slug
from tests.helpers import record, write_kb

# What urlize treats specially, mixed into any text: a % with and without
# hex digits, the separator term_slugs joins by, final sigma, combining
# marks before and after a letter, white space of every kind, slashes at
# the edges, letters whose lower case is longer (İ) or that NFC changes (K).
SPECIAL = st.sampled_from(
    ["%", "%2", "%20", "%aF", "%G1", "\0", "Σ", "ς", "\u0301", "e\u0301", " ", "\t", "\n",
     "\u00a0", "\u2028", "\u3000", "\x1c", "/", "//", ".", "-", "_", "İ", "\u212a", "ß",
     "ǅ", "ﬁ", "«", "»", "—", "’", "Қазақстан", "ӘЖ", "A", "z", "7", "٣", "Ⅻ", "\u200f"]
)  # fmt: skip
TEXT = st.lists(st.characters(exclude_categories=["Cs"]) | SPECIAL, max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(TEXT, max_size=8))
def test_slugging_titles_at_once_equals_term_slug_one_by_one(titles: list[str]) -> None:
    assert term_slugs(titles) == [term_slug(t) for t in titles]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT | st.text(alphabet="Ab %2/-", max_size=8), max_size=8))
def test_ascii_titles_slugged_apart_keep_their_keys(titles: list[str]) -> None:
    slugs, keys = slugs_beside(titles, list(range(len(titles))))
    assert sorted(zip(keys, slugs, strict=True)) == [
        (i, term_slug(t)) for i, t in enumerate(titles)
    ]


def test_a_title_holding_the_separator_and_a_crowd_of_symbols_take_the_slower_ways() -> None:
    # a NUL in a title: each slugged alone
    titles = ["A\0B", "Almaty Σ", "%41 x"]
    assert term_slugs(titles) == [term_slug(t) for t in titles]
    # more distinct non-ASCII characters to drop than are replaced one by one
    symbols = [chr(c) for c in range(0x2190, 0x2190 + 400)]  # arrows and maths: all dropped
    titles = ["".join(symbols[i : i + 9]) + f" Title {i}" for i in range(0, 400, 9)]
    titles += ["Қазақ ӘЛІППЕСІ", "ΟΔΟΣ ΣΑΣ"]
    assert term_slugs(titles) == [term_slug(t) for t in titles]


def test_the_gazetteer_names_slug_as_term_slug() -> None:
    from kzkb.search.resources import gazetteer_places

    names = [n for place in gazetteer_places() for n in [place["name"], *place["names"]]]
    assert len(names) > 1000
    assert term_slugs(names) == [term_slug(n) for n in names]


CONFIG = 'languages = ["en", "kk", "ru"]\nbase_url = "https://portal.example.org/"\n'


def _kb(root: Path) -> Path:
    """Titles that collide once slugged, a title twice, hostile titles, aliases
    (the old lookup read a record once per URL), and links of every form."""
    files: dict[str, str | bytes] = {
        "guides/apply.md": record("Applying", aliases="[/old/apply/, /older/apply/]"),
        "guides/apply.kk.md": record("Otinish beru"),
        "guides/how-to-apply.md": record("How to apply"),
        "guides/how-to-apply.kk.md": "---\ntitle: Өтініш беру\nslug: otinish-beru\n---\n\nМәтін.\n",
        "guides/same-a.md": record("Same title"),
        "guides/same-b.md": record("Same, title!"),  # slugs as "same-title" too
        "guides/twice-a.md": record("Twice"),
        "guides/twice-b.md": record("Twice"),
        # same-a's Russian translation found by its URL alone
        "notes/same-ru.ru.md": record("То же", url="/ru/guides/same-a/"),
        "kk/guides/only.md": record("Тек қана %20 «бір»"),
        "sources/almaty-shelter.md": record("Shelter Σ"),
        "sources/hostile.md": record("[bold]x[/] \\u0000 ‘q’ e\u0301 /edge/"),
        "notes/n.md": record(
            "N",
            "[a](/sources/alma-ata-shelter/) [b](/guides/otinish-beru/) [c](/nowhere/)"
            " [d](../guides/same-title/) [e](https://portal.example.org/guides/twice/?q=1#top)"
            ' [f](missing.md) [g](/guides/gone.md#x) [h]({{< ref "nothing.md" >}})'
            ' [i]({{< relref "/guides/absent" >}}) [j](/kk/guides/how-to-apply/)'
            " [k](/sources/almaty-sheltr/) [l](/files/report.pdf) [m](/tags/nothing/)",
        ),
        "kk/notes/m.md": record("М", "[a](/kk/guides/applying/) [b](../../x/) [c](/ru/y/)"),
        "notes/m.ru.md": record("М", "[a](/ru/guides/how-to-apply/) [b](/ru/guides/applying/)"),
    }
    return write_kb(root, files, CONFIG)


def _old_titles(kb: KnowledgeBase) -> dict[str, list[str]]:
    """The title index as the old lookup built it: every URL's row, a record once."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for title, _, path in kb.index.records.titles_and_urls():
        if path not in seen:
            seen.add(path)
            out.setdefault(term_slug(title), []).append(path)
    return out


def test_the_title_index_is_the_one_built_from_every_url(tmp_path: Path) -> None:
    with KnowledgeBase.open(_kb(tmp_path / "kb"), index_path=":memory:") as kb:
        old = _old_titles(kb)
        others = OtherNames(kb, Site(kb))
        assert {"same-title", "twice", "otinish-beru"} <= set(old)
        for slug, paths in [*old.items(), ("no-such-title", [])]:
            assert others.titled(slug) == (paths[0] if len(paths) == 1 else ""), slug


def test_a_title_holding_a_nul_is_found_all_the_same(tmp_path: Path) -> None:
    """The titles are read as one string NUL joins: one holding a NUL is read row by row."""
    kb_dir = write_kb(
        tmp_path / "kb",
        {
            "a.md": '---\ntitle: "Al\\0pha"\n---\n\nx\n',
            "b.md": record("Beta"),
            "c.md": record("Beta"),
        },
    )
    with KnowledgeBase.open(kb_dir, index_path=":memory:") as kb:
        assert kb.index.records.titles() == ["Al\0pha", "Beta", "Beta"]
        others = OtherNames(kb, Site(kb))
        assert (others.titled("alpha"), others.titled("beta")) == ("a.md", "")


def test_titles_read_before_the_index_changed_are_read_again(tmp_path: Path) -> None:
    """The paths are read only once a title matches, with the titles again:
    should the index have changed since, the titles read first are not trusted."""
    kb_dir = write_kb(tmp_path / "kb", {"a.md": record("Alpha"), "b.md": record("Beta")})
    with KnowledgeBase.open(kb_dir, index_path=str(tmp_path / "i.db")) as kb:
        others = OtherNames(kb, Site(kb))
        assert others.titled("gamma") == ""  # the titles are read
        (kb_dir / "a.md").unlink()
        kb.index.refresh(kb.config)
        assert (others.titled("beta"), others.titled("alpha")) == ("b.md", "")


def test_a_finding_carries_the_key_explain_worked_out_again(tmp_path: Path) -> None:
    with KnowledgeBase.open(_kb(tmp_path / "kb"), index_path=":memory:") as kb:
        pages = {p: ref.url for p, ref in kb.index.records.record_ids().items()}
        findings = [f for f in check_links(kb).findings if f.reason in EXPLAINED]
        assert {f.reason for f in findings} == set(EXPLAINED)
        assert len(findings) >= 12
        for f in findings:
            assert f.key is not None
            assert f.key == key_of(kb, f, pages[f.file]), f


def test_asking_at_once_which_pages_exist_changes_no_answer(tmp_path: Path) -> None:
    with KnowledgeBase.open(_kb(tmp_path / "kb"), index_path=":memory:") as kb:
        keys = [f.key for f in check_links(kb).findings if f.key] + ["/ru/guides/how-to-apply/"]
        told, untold = OtherNames(kb, Site(kb)), OtherNames(kb, Site(kb))
        told.expect(keys)
        answers = [told.find(k) for k in keys]
        assert answers == [untold.find(k) for k in keys]
        assert {a.via for a in answers if a is not None} == {"place", "translation", "title"}


# --- end to end: the JSON the old code wrote ------------------------------------------------

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Curator",
    "GIT_AUTHOR_EMAIL": "curator@example.org",
    "GIT_COMMITTER_NAME": "Curator",
    "GIT_COMMITTER_EMAIL": "curator@example.org",
    "GIT_AUTHOR_DATE": "2024-03-01T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2024-03-01T10:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, capture_output=True, check=True
    )


def _repo(root: Path, how: str) -> Path:
    """The KB in kb/ of a git work tree: ignored by git, or committed once
    (history that only added files)."""
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    kb = _kb(root / "kb")
    if how == "ignored":
        (root / ".gitignore").write_text("kb/\n", encoding="utf-8")
        _git(root, "add", ".gitignore")
    else:
        _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Start")
    return kb


# What check-links --format json said of _kb's broken links before the quick
# ways (commit dd4868d), the same whether git ignores the KB or only added it:
# (target, reason, suggestion, the other name's "via")
EXPECTED = [
    ("/kk/guides/applying/", "no such page",
     "did you mean /kk/guides/apply/? (the kk translation of 'Applying')", "title"),
    ("../../x/", "no such page", "", None),
    ("/ru/y/", "no such page", "", None),
    ("/ru/guides/how-to-apply/", "no such page", "", None),
    ("/ru/guides/applying/", "no such page", "", None),
    ("/sources/alma-ata-shelter/", "no such page",
     "did you mean /sources/almaty-shelter/? (Alma-Ata is another name of Almaty)", "place"),
    ("/guides/otinish-beru/", "no such page",
     "did you mean /guides/how-to-apply/? (the en translation of /kk/guides/otinish-beru/)",
     "translation"),
    ("/nowhere/", "no such page", "", None),
    ("../guides/same-title/", "no such page", "", None),
    ("https://portal.example.org/guides/twice/?q=1#top", "no such page", "", None),
    ("missing.md", "no such file in the KB", "", None),
    ("/guides/gone.md#x", "no such file in the KB", "", None),
    ("nothing.md", "ref to no such page (Hugo stops the build)", "", None),
    ("/guides/absent", "ref to no such page (Hugo stops the build)", "", None),
    ("/kk/guides/how-to-apply/", "no such page",
     "did you mean /kk/guides/otinish-beru/? (the kk translation of /guides/how-to-apply/)",
     "translation"),
    ("/sources/almaty-sheltr/", "no such page", "did you mean /sources/almaty-shelter/?", None),
    ("/files/report.pdf", "no such file", "", None),
    ("/tags/nothing/", "unknown tag term 'nothing'", "", None),
]  # fmt: skip
# the warnings, by the same code: (file, reason, suggestion)
WARNINGS = [
    ("guides/apply.kk.md", "guide has no 'ru' translation", "add guides/apply.ru.md"),
    ("guides/apply.md", "guide has no 'ru' translation", "add guides/apply.ru.md"),
    ("guides/how-to-apply.kk.md", "guide has no 'ru' translation", "add guides/how-to-apply.ru.md"),
    ("guides/how-to-apply.md", "guide has no 'ru' translation", "add guides/how-to-apply.ru.md"),
    ("guides/same-a.md", "guide has no 'kk' translation", "add guides/same-a.kk.md"),
    ("guides/same-b.md", "guide has no 'kk' translation", "add guides/same-b.kk.md"),
    ("guides/same-b.md", "guide has no 'ru' translation", "add guides/same-b.ru.md"),
    ("guides/twice-a.md", "guide has no 'kk' translation", "add guides/twice-a.kk.md"),
    ("guides/twice-a.md", "guide has no 'ru' translation", "add guides/twice-a.ru.md"),
    ("guides/twice-b.md", "guide has no 'kk' translation", "add guides/twice-b.kk.md"),
    ("guides/twice-b.md", "guide has no 'ru' translation", "add guides/twice-b.ru.md"),
    ("kk/guides/only.md", "guide has no 'en' translation", "add guides/only.md"),
    ("kk/guides/only.md", "guide has no 'ru' translation", "add ru/guides/only.md"),
    ("sources/almaty-shelter.md", "orphan source: no record links here", "link it from a guide"),
    ("sources/hostile.md", "orphan source: no record links here", "link it from a guide"),
]  # fmt: skip


@pytest.mark.parametrize("how", ["ignored", "added"])
def test_a_kb_with_no_renames_in_git_is_explained_as_before(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    kb = _repo(tmp_path / "repo", how)
    monkeypatch.chdir(tmp_path)
    result = run("check-links", "--kb", str(kb), "--index", str(tmp_path / "i.db"), "-f", "json")
    got = json.loads(result.stdout)["findings"]
    errors = [f for f in got if f["severity"] == "error"]
    assert [
        (f["target"], f["reason"], f["suggestion"], f.get("other_name", {}).get("via"))
        for f in errors
    ] == EXPECTED
    assert not [f for f in got if "history" in f]
    assert [
        (f["file"].removeprefix("repo/kb/"), f["reason"], f["suggestion"])
        for f in got
        if f["severity"] == "warning"
    ] == WARNINGS


@pytest.mark.parametrize("how", ["ignored", "added"])
def test_history_with_nothing_renamed_or_deleted_reads_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Every record's URL is read only to explain an old path: at 100,000
    records that read cost more than git itself."""
    kb_dir = _repo(tmp_path / "repo", how)
    with KnowledgeBase.open(kb_dir, index_path=":memory:") as kb:
        monkeypatch.setattr(type(kb.index.records), "record_ids", _refused)
        found = history.read_history(kb)
    assert found is not None
    assert (found.commits, found.urls, found.paths) == (0 if how == "ignored" else 1, {}, {})


def _refused(*_: Any) -> Any:
    raise AssertionError("every record read")
