"""The judged query set (tests/data/judged) on the bundled KB among 1,500
generated records on the same subjects (bench/generate.py: feminism,
violence, refugees, media ... in English, Russian and Kazakh, with names like
the real organisations'). On the bundled KB alone a query ranks ~90 records,
so a ranking that put relevant records 4th instead of 1st could still pass;
here each query has hundreds of records to beat.

The floors sit a little under the figures measured when the test was written
(hit@5 0.756, MRR 0.669 over 271 queries; 0.95 and
0.90 are the targets on the bundled KB alone): they catch a ranking that gets worse, not one
that is already as good as it can be.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from bench.generate import MARKER, generate

from tests import judged
from tests.conftest import KB

DISTRACTORS = 1500
SEED = 20240308  # bench/generate.py's default: the records are a function of it
HIT5_FLOOR = 0.73
MRR_FLOOR = 0.64

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[str]]:
    base = tmp_path_factory.mktemp("distractors")
    generated, root = base / "generated", base / "kb"
    generate(generated, DISTRACTORS, SEED)
    shutil.copytree(KB, root)
    added = 0
    for path in sorted(generated.rglob("*.md")):
        rel = path.relative_to(generated)
        if path.name == "_index.md":  # the bundled KB's own section pages stay
            continue
        target = root / rel
        assert not target.exists(), f"a generated record would replace {rel}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        added += 1
    assert (generated / MARKER).is_file()
    assert added == DISTRACTORS - 4  # all but the four section pages
    return judged.library_search(root, base / "index.sqlite")


def test_the_judged_set_holds_among_generated_records(crowded) -> None:
    figures = judged.evaluate(judged.load(), crowded)
    judged.REPORT.append(f"among {DISTRACTORS} generated records:\n{judged.table(figures)}")
    overall = figures["all"]
    missed = "\n".join(f"  {text!r}: {top}" for text, top in overall.missed)
    assert overall.hit5 >= HIT5_FLOOR and overall.mrr >= MRR_FLOOR, (
        f"\n{judged.table(figures)}\nmissed in the top 5:\n{missed}"
    )
