"""What search says besides its table: how many matched, and why each ranks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kzkb.views.console import data, out, visible

if TYPE_CHECKING:
    from kzkb.search.explain import Explanation
    from kzkb.search.results import Results

# how --explain names a kind of match, where its code name would not do
_HOW = {"turkic": "Turkic stem"}


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
        lines.append(f"{' '.join(p.facets.words)} read as a {how}: " + ", ".join(asked))
    named: dict[tuple[str, str, str], list[str]] = {}
    for typed, entry in p.found:
        named.setdefault((typed, entry.kind, entry.name), []).append(entry.id)
    for (typed, kind, name), ids in named.items():
        lines.append(f"{typed} → {kind} {name} ({', '.join(ids)})")
    return lines


def explanations(results: Results) -> None:
    """Per hit, a small table: each query word, what matched it, where, and
    what it added to the score (weights and IDF are in --format json)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = out()
    console.print()  # apart from the results above, which may end in a block of lines
    for line in reading(results):
        console.print(data(line, style="dim"))
    for i, hit in enumerate(results.hits, 1):
        why = hit.explanation
        if why is None:
            continue
        head = Text(f"{i}. ", style="bold")
        head.append(data(hit.record.title, style="bold"))
        sums = (
            f"{why.score:.3f} = coverage {why.coverage:.3f} + BM25 {why.bm25 * why.bm25_share:.3f}"
        )
        if why.bonus:
            sums += f" + title {why.bonus:.2f}"
        if why.facet:
            sums += f" + kind or language asked for {why.facet:.2f}"
        head.append(f"  {sums}", style="dim")
        console.print(head)
        table = Table(box=box.SIMPLE, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column("word", style="bold", max_width=24, overflow="fold")
        table.add_column("matched as", ratio=2)
        table.add_column("in", style="dim", ratio=1)
        table.add_column("adds", justify="right", no_wrap=True)
        for part in why.parts:
            how = data(_HOW.get(part.how, part.how), style="cyan")
            if part.form and part.how != "word":
                how.append(" " + visible(part.form))
            if part.entry:
                how.append(visible(f" [{part.entry}]"), style="dim")
            where = data(", ".join(part.fields))
            table.add_row(data(part.text), how, where, f"+{part.share:.3f}")
        for word in why.missing:
            table.add_row(data(word), Text("not matched", style="dim"), "", "")
        console.print(table)


def explanation_dict(why: Explanation) -> dict[str, Any]:
    return {
        "score": round(why.score, 4),
        "coverage": round(why.coverage, 4),
        "bm25": round(why.bm25, 4),
        "title_bonus": why.bonus,
        "facet_bonus": why.facet,
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
