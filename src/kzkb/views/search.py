"""What search says besides its table: how many matched, and why each ranks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kzkb.views.console import out

if TYPE_CHECKING:
    from kzkb.search.explain import Explanation
    from kzkb.searcher import Results

_HOW = {
    "word": "word", "stem": "stem", "turkic": "Turkic stem", "split": "split",
    "joined": "joined", "concept": "concept", "place": "place", "typo": "typo",
    "phrase": "phrase", "facet": "facet",
}  # fmt: skip


def search_count(results: Results, limit: int) -> None:
    """'20 of 36', or the count alone when every match is shown."""
    from rich.text import Text

    shown, total = len(results.hits), results.total
    if not total:
        return
    line = Text(f"{shown} of {total} results", style="dim")
    if shown < total:
        line.append(" · --limit 0 shows all", style="dim")
    elif total == 1:
        line = Text("1 result", style="dim")
    else:
        line = Text(f"{total} results", style="dim")
    out().print(line)


def reading(results: Results) -> list[str]:
    """How the query was read: stop words dropped, facets taken, concepts and
    places recognised."""
    p = results.plan
    if p is None:
        return []
    lines = []
    if p.dropped:
        lines.append("left out as stop words: " + ", ".join(p.dropped))
    if p.facets:
        asked = [f"kind {k}" for k in p.facets.kinds] + [f"language {c}" for c in p.facets.langs]
        how = "filter" if results.facets_as_filters else "boost"
        lines.append(f"{' '.join(p.facets.words)!s} read as {how}: " + ", ".join(asked))
    for typed, entry in p.found:
        lines.append(f"{typed} → {entry.kind} {entry.name} ({entry.id})")
    return lines


def explanations(results: Results) -> None:
    """Per hit, one line per query word: what matched it, where, and its share."""
    from rich.text import Text

    console = out()
    for line in reading(results):
        console.print(Text(line, style="dim"))
    for i, hit in enumerate(results.hits, 1):
        why = hit.explanation
        if why is None:
            continue
        head = Text(f"{i}. ", style="bold")
        head.append(hit.record.title, style="bold")
        head.append(
            f"  score {why.score:.3f} = coverage {why.coverage:.3f}"
            f" + BM25 {why.bm25:.2f}×{why.bm25_share:.2f}"
            + (f" + title {why.bonus:.1f}" if why.bonus else ""),
            style="dim",
        )
        console.print(head)
        for part in why.parts:
            row = Text("   ")
            row.append(part.text or "(facet)")
            how = _HOW.get(part.how, part.how)
            row.append(f"  {how}", style="cyan")
            if part.form and part.how != "word":
                row.append(f" {part.form}")
            if part.entry:
                row.append(f" [{part.entry}]", style="dim")
            if part.fields:
                row.append(" in " + ", ".join(part.fields), style="dim")
            row.append(
                f"  +{part.share:.3f} (weight {part.weight:.2f}, idf {part.idf:.2f})", style="dim"
            )
            console.print(row)
        for word in why.missing:
            console.print(Text(f"   {word}  not matched", style="dim"))


def explanation_dict(why: Explanation) -> dict[str, Any]:
    return {
        "score": round(why.score, 4),
        "coverage": round(why.coverage, 4),
        "bm25": round(why.bm25, 4),
        "title_bonus": why.bonus,
        "parts": [
            {
                "query": p.text,
                "how": p.how,
                "form": p.form,
                "entry": p.entry,
                "fields": list(p.fields),
                "weight": p.weight,
                "idf": round(p.idf, 4),
                "share": round(p.share, 4),
            }
            for p in why.parts
        ],
        "missing": list(why.missing),
    }
