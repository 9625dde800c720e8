"""Tables of records for a terminal: list, search, terms and show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kzkb.model import Record, Term
from kzkb.searcher import Hit
from kzkb.settings.config import Config
from kzkb.views.console import data, data_lines, lines, out, shorten, visible
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
    text.append(visible(parts[0]))
    for part in parts[1:]:
        match, _, rest = part.partition("\x03")
        text.append(visible(match), style="bold yellow")
        text.append(visible(rest))
    return text


def _width(values: Sequence[str], cap: int) -> int:
    return min(max((len(v) for v in values), default=4), cap)


def _title_width(console_width: int, fixed: Sequence[int], ideal: int) -> int:
    """What the title column may take once the fixed columns (and the
    two-space gaps between columns) have theirs."""
    left = console_width - sum(fixed) - 3 * (len(fixed) + 1)
    return max(10, min(ideal, left))


# the KB's first taxonomies get a column each: (width it may ask for, most it takes)
_COLUMNS = ((22, 26), (14, 20))


def table_taxonomies(config: Config) -> list[tuple[str, str, int, int]]:
    """(singular, heading, width cap, most width) of the taxonomies the tables
    show: the KB's first two, headed by their front-matter field (Category,
    Countries)."""
    first = list(config.taxonomies.items())[: len(_COLUMNS)]
    return [
        (singular, field.replace("_", " ").capitalize(), *sizes)
        for (singular, field), sizes in zip(first, _COLUMNS, strict=False)
    ]


def search_table(hits: Sequence[Hit], config: Config) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    records = [h.record for h in hits]
    columns = table_taxonomies(config)
    values = [[_terms(r, column[0]) for r in records] for column in columns]
    paths = [r.path for r in records]
    # below 100 columns the first taxonomy gives way to the path, below 120 the second
    shown = [console.width >= 100, console.width >= 120][: len(columns)]
    fixed = [3, _width(paths, 60), 24]
    for (_, _, cap, _), v, show in zip(columns, values, shown, strict=True):
        if show:
            fixed.append(_width(v, cap))
    title_width = _title_width(console.width, fixed, 30)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Title", style="bold", max_width=title_width)
    for (_, heading, cap, most), v, show in zip(columns, values, shown, strict=True):
        if show:  # a heading is a field name from kzkb.toml: data too
            table.add_column(data(heading), min_width=_width(v, cap), max_width=most)
    table.add_column("Snippet", ratio=1, min_width=20)
    # a path is what one copies to `kzkb show`: fold it, never cut it
    table.add_column("Path", style="cyan", overflow="fold", min_width=_width(paths, 60))
    for i, hit in enumerate(hits):
        terms = [v[i] for v, show in zip(values, shown, strict=True) if show]
        record = hit.record
        table.add_row(
            str(i + 1),
            data(record.title),
            *map(data, terms),
            highlight(hit.snippet),
            data(record.path),
        )
    console.print(table)


def records_table(records: Sequence[Record], config: Config) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    columns = table_taxonomies(config)
    values = [[_terms(r, column[0]) for r in records] for column in columns]
    paths = [r.path for r in records]
    wide = console.width >= 140
    sized = zip(columns, values, strict=True)
    fixed = [6, 4, *(_width(v, cap) for (_, _, cap, _), v in sized), _width(paths, 60)]
    if wide:
        fixed.append(40)
    title_width = _title_width(console.width, fixed, 36)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Title", style="bold", max_width=title_width)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Lang", no_wrap=True)
    for (_, heading, cap, most), v in zip(columns, values, strict=True):
        table.add_column(data(heading), min_width=_width(v, cap), max_width=most)
    if wide:
        table.add_column("Description", ratio=1, min_width=24)
    table.add_column("Path", style="cyan", overflow="fold", min_width=_width(paths, 60))
    for i, r in enumerate(records):
        cells = [r.title, r.kind, r.lang, *(v[i] for v in values)]
        if wide:
            cells.append(shorten(r.description))
        table.add_row(*map(data, cells), data(r.path))
    console.print(table)


def terms_table(terms: Sequence[Term], taxonomy: str) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=data(f"{taxonomy} terms"))
    table.add_column("Slug", style="cyan", no_wrap=True)
    table.add_column("Label")
    table.add_column("Count", justify="right")
    table.add_column("Description", ratio=1)
    for term in terms:
        table.add_row(data(term.slug), data(term.label), str(term.count), data(term.description))
    out().print(table)


def record_detail(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = out()
    console.print(data(record.title, style="bold"))
    fields = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    fields.add_column("Field", style="dim", no_wrap=True)
    fields.add_column("Value", ratio=1)
    rows = [("path", record.path), ("url", record.url), ("kind", record.kind)]
    rows.append(("lang", record.lang))
    shown = {"title", "url", "aliases", *config.taxonomies.values()}
    for key, value in record.fields.items():
        if key in shown or value in (None, "", []):
            continue
        rows.append((key, cell(value) if key != "description" else str(value).strip()))
    for singular, plural in config.taxonomies.items():
        if record.term_labels.get(singular):
            rows.append((plural, _terms(record, singular)))
    if record.website:
        rows.append(("website", record.website))
    if record.aliases:
        rows.append(("aliases", ", ".join(record.aliases)))
    if translations:
        rows.append(("translations", ", ".join(f"{t.lang}: {t.path}" for t in translations)))
    for key, value in rows:
        fields.add_row(data(key), data_lines(value))  # a description's paragraphs kept
    console.print(fields)
    if record.body.strip():
        console.rule(style="dim")
        console.print(body(record.body))
    console.rule(style="dim")
    if backlinks:
        console.print(Text(f"Linked from {len(backlinks)} record(s):", style="bold"))
        for r in backlinks:
            console.print(Text("  ") + data(r.title) + data(f"  {r.path}", style="cyan"))
    else:
        console.print(Text("No record links here.", style="dim"))


def body(markdown: str) -> Any:
    """A record's body rendered as Markdown, its text shown as written: HTML
    as text (Rich would drop it), controls visible, a link's destination
    printed after its text rather than hidden behind it (OSC 8)."""
    from markdown_it import MarkdownIt
    from rich.markdown import Markdown  # markdown-it under it: only `show` pays for it

    rendered = Markdown("", hyperlinks=False)
    rendered.markup = lines(markdown)
    parser = MarkdownIt().enable("strikethrough").enable("table")
    rendered.parsed = parser.disable(["html_block", "html_inline"]).parse(rendered.markup)
    return rendered
