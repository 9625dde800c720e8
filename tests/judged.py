"""The judged query set (tests/data/judged/*.toml) and its measures.

Each query names every record of the bundled KB a reader would count as an
answer. hit@5: a relevant record is among the first five; MRR: the mean of
1/rank of the first relevant record (0 when none is in the first `depth`).

Run as a script to print the figures for whatever kzkb is importable:

    python -m tests.judged            # this checkout
    PYTHONPATH=/elsewhere/src python -m tests.judged   # another version
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

JUDGED = Path(__file__).resolve().parent / "data" / "judged"
KINDS = ("name", "need", "ru", "kk-cyrl", "kk-latn", "uz", "typo", "cross", "facet")
DEPTH = 20
# tables the test run printed at its end (tests/conftest.py)
REPORT: list[str] = []


@dataclass(frozen=True, slots=True)
class Judged:
    text: str
    kind: str
    relevant: tuple[str, ...]
    why: str


@dataclass(slots=True)
class Figures:
    queries: int = 0
    hits: int = 0  # queries with a relevant record in the top 5
    reciprocal: float = 0.0
    missed: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def hit5(self) -> float:
        return self.hits / self.queries if self.queries else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.queries if self.queries else 0.0


def load() -> list[Judged]:
    out = []
    for path in sorted(JUDGED.glob("*.toml")):
        for q in tomllib.loads(path.read_text(encoding="utf-8"))["query"]:
            out.append(Judged(q["text"], q["kind"], tuple(q["relevant"]), q.get("why", "")))
    return out


def evaluate(queries: Iterable[Judged], search: Callable[[str], list[str]]) -> dict[str, Figures]:
    """Figures per kind and "all"; `search` returns ranked record paths."""
    figures = {kind: Figures() for kind in (*KINDS, "all")}
    for q in queries:
        found = search(q.text)[:DEPTH]
        rank = next((i for i, p in enumerate(found, 1) if p in q.relevant), None)
        for f in (figures[q.kind], figures["all"]):
            f.queries += 1
            if rank is not None:
                f.reciprocal += 1 / rank
                f.hits += rank <= 5
        if rank is None or rank > 5:
            figures["all"].missed.append((q.text, found[:5]))
    return figures


def table(figures: dict[str, Figures]) -> str:
    lines = ["kind       queries  hit@5    MRR", "---------- -------  -----  -----"]
    for kind, f in figures.items():
        if f.queries:
            lines.append(f"{kind:<10} {f.queries:>7}  {f.hit5:5.3f}  {f.mrr:5.3f}")
    return "\n".join(lines)


def library_search(kb: Path, index: Path) -> Callable[[str], list[str]]:
    from kzkb.kb import KnowledgeBase

    base = KnowledgeBase.open(kb, index_path=index)

    def search(text: str) -> list[str]:
        try:
            return [h.record.path for h in base.search(text, limit=DEPTH)]
        except Exception as exc:  # a query the version cannot parse finds nothing
            if type(exc).__name__ != "KzkbError":
                raise
            return []

    return search


if __name__ == "__main__":
    import sys
    import tempfile

    kb = Path(__file__).resolve().parent.parent / "kb"
    with tempfile.TemporaryDirectory() as tmp:
        figures = evaluate(load(), library_search(kb, Path(tmp) / "index.sqlite"))
    print(table(figures))
    if "-v" in sys.argv:
        for text, top in figures["all"].missed:
            print(f"MISS {text!r}: {top}")
