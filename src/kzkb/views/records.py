"""Tables of records for a terminal: list, search, terms and show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kzkb.config import Config
from kzkb.kb import Hit
from kzkb.model import Record, Term
from kzkb.views.console import out, shorten
from kzkb.views.machine import cell

if TYPE_CHECKING:
    from rich.text import Text


def _terms(record: Record, taxonomy: str) -> str:
    return ", ".join(record.term_labels.get(taxonomy, []))


def highlight(snippet: str) -> Text:
    """A snippet with \x02...\x03 marks as Rich text with the matches in bold."""
    from rich.text import Text

    text = Text()
    parts = snippet.replace("\n", " ").split("\x02")
    text.append(parts[0])
    for part in parts[1:]:
        match, _, rest = part.partition("\x03")
        text.append(match, style="bold yellow")
        text.append(rest)
    return text


def _width(values: Sequence[str], cap: int) -> int:
    return min(max((len(v) for v in values), default=4), cap)


def _title_width(console_width: int, fixed: Sequence[int], ideal: int) -> int:
    """What the title column may take once the fixed columns (and the
    two-space gaps between columns) have theirs."""
    left = console_width - sum(fixed) - 3 * (len(fixed) + 1)
    return max(10, min(ideal, left))


def search_table(hits: Sequence[Hit]) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    records = [h.record for h in hits]
    cats = [_terms(r, "category") for r in records]
    countries = [_terms(r, "country") for r in records]
    paths = [r.path for r in records]
    wide = console.width >= 120
    roomy = console.width >= 100  # below that, the category gives way to the path
    fixed = [3, _width(paths, 60), 24]
    if roomy:
        fixed.append(_width(cats, 22))
    if wide:
        fixed.append(_width(countries, 14))
    title_width = _title_width(console.width, fixed, 30)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Title", style="bold", max_width=title_width)
    if roomy:
        table.add_column("Category", min_width=_width(cats, 22), max_width=26)
    if wide:
        table.add_column("Countries", min_width=_width(countries, 14), max_width=20)
    table.add_column("Snippet", ratio=1, min_width=20)
    # a path is what one copies to `kzkb show`: fold it, never cut it
    table.add_column("Path", style="cyan", overflow="fold", min_width=_width(paths, 60))
    for rank, (hit, cat, country) in enumerate(zip(hits, cats, countries, strict=True), 1):
        cells = [str(rank), hit.record.title]
        if roomy:
            cells.append(cat)
        if wide:
            cells.append(country)
        table.add_row(*cells, highlight(hit.snippet), hit.record.path)
    console.print(table)


def records_table(records: Sequence[Record]) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    cats = [_terms(r, "category") for r in records]
    countries = [_terms(r, "country") for r in records]
    paths = [r.path for r in records]
    wide = console.width >= 140
    fixed = [6, 4, _width(cats, 22), _width(countries, 14), _width(paths, 60)]
    if wide:
        fixed.append(40)
    title_width = _title_width(console.width, fixed, 36)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Title", style="bold", max_width=title_width)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Lang", no_wrap=True)
    table.add_column("Category", min_width=_width(cats, 22), max_width=26)
    table.add_column("Countries", min_width=_width(countries, 14), max_width=20)
    if wide:
        table.add_column("Description", ratio=1, min_width=24)
    table.add_column("Path", style="cyan", overflow="fold", min_width=_width(paths, 60))
    for r, cat, country in zip(records, cats, countries, strict=True):
        cells = [r.title, r.kind, r.lang, cat, country]
        if wide:
            cells.append(shorten(r.description))
        table.add_row(*cells, r.path)
    console.print(table)


def terms_table(terms: Sequence[Term], taxonomy: str) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=f"{taxonomy} terms")
    table.add_column("Slug", style="cyan", no_wrap=True)
    table.add_column("Label")
    table.add_column("Count", justify="right")
    table.add_column("Description", ratio=1)
    for term in terms:
        table.add_row(term.slug, term.label, str(term.count), term.description)
    out().print(table)


def record_detail(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = out()
    console.print(Text(record.title, style="bold"))
    fields = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    fields.add_column("Field", style="dim", no_wrap=True)
    fields.add_column("Value", ratio=1)
    fields.add_row("path", record.path)
    fields.add_row("url", record.url)
    fields.add_row("kind", record.kind)
    fields.add_row("lang", record.lang)
    shown = {"title", "url", "aliases", *config.taxonomies.values()}
    for key, value in record.fields.items():
        if key in shown or value in (None, "", []):
            continue
        fields.add_row(key, cell(value) if key != "description" else str(value).strip())
    for singular, plural in config.taxonomies.items():
        if record.term_labels.get(singular):
            fields.add_row(plural, _terms(record, singular))
    if record.website:
        fields.add_row("website", record.website)
    if record.aliases:
        fields.add_row("aliases", ", ".join(record.aliases))
    if translations:
        fields.add_row("translations", ", ".join(f"{t.lang}: {t.path}" for t in translations))
    console.print(fields)
    if record.body.strip():
        from rich.markdown import Markdown  # markdown-it under it: only `show` pays for it

        console.rule(style="dim")
        console.print(Markdown(record.body))
    console.rule(style="dim")
    if backlinks:
        console.print(Text(f"Linked from {len(backlinks)} record(s):", style="bold"))
        for r in backlinks:
            console.print(Text("  ") + Text(r.title) + Text(f"  {r.path}", style="cyan"))
    else:
        console.print(Text("No record links here.", style="dim"))
