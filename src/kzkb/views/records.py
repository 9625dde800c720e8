"""Records for a terminal: list, search and terms as tables (as blocks when a
table would not fit), and as tab-separated lines for a pipe.

A path is what people copy to `kzkb show` or an editor: it is never cut or
folded. Its column is as wide as the longest path; titles and snippets wrap
first; and when even that does not fit the terminal, each record is printed
as a block of lines (title, path, terms, snippet), as gh does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kzkb.model import Record, Term
from kzkb.search.results import Hit
from kzkb.settings.config import Config
from kzkb.views.console import data, out, shorten, visible
from kzkb.views.lines import path_display, write_tsv

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# the narrowest a wrapping column may become before the table gives way to blocks
TITLE_MIN, SNIPPET_MIN = 16, 30


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


def plain_snippet(snippet: str) -> str:
    return snippet.replace("\x02", "").replace("\x03", "")


def _width(values: Sequence[str], cap: int) -> int:
    return min(max((len(v) for v in values), default=4), cap)


def fits(widths: Sequence[int], console_width: int) -> bool:
    """Whether columns of these widths fit: a borderless table without outer
    padding takes three columns a column besides its content, less one."""
    return sum(widths) + 3 * len(widths) - 1 <= console_width


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


def _how_many(
    console_width: int, before: list[int], taxes: list[int], after: list[int]
) -> int | None:
    """How many of the taxonomy columns fit beside the others (the most that
    do), or None when not even the others fit: then blocks."""
    for k in range(len(taxes), -1, -1):
        if fits([*before, *taxes[:k], *after], console_width):
            return k
    return None


def _path_line(console: Console, path: str, indent: int) -> None:
    """A path on a line of its own, whole: indented when it fits, at the
    margin when not, and longer than the terminal only if it is itself."""

    pad = indent if indent + len(path) <= console.width else 0
    line = data(" " * pad) + data(path, style="cyan")
    console.print(line, no_wrap=True, overflow="ignore", crop=False)


def _block_text(console: Console, text: Text, indent: int) -> None:
    from rich.padding import Padding

    console.print(Padding(text, (0, 0, 0, indent)))


def _terms_line(names: Sequence[str], values: Sequence[str]) -> Text:
    from rich.text import Text

    line = Text(style="dim")
    for name, value in zip(names, values, strict=True):
        if value:
            if line:
                line.append(" · ")
            line += data(f"{name}: ") + data(value)
    return line


def search_table(hits: Sequence[Hit], config: Config) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    display = path_display(config.content_dir)
    records = [h.record for h in hits]
    columns = table_taxonomies(config)
    values = [[_terms(r, column[0]) for r in records] for column in columns]
    paths = [display(r.path) for r in records]
    longest = _width(paths, 10_000)
    number = len(str(len(hits)))
    taxes = [_width(v, cap) for (_, _, cap, _), v in zip(columns, values, strict=True)]
    shown = _how_many(console.width, [number, TITLE_MIN], taxes, [SNIPPET_MIN, longest])
    if shown is None:
        names = [heading for _, heading, _, _ in columns]
        for i, hit in enumerate(hits):
            if i:
                console.print()
            head = data(f"{i + 1:>{number}} ", style="dim") + data(hit.record.title, style="bold")
            _block_text(console, head, 0)
            _path_line(console, paths[i], number + 1)
            terms = _terms_line(names, [v[i] for v in values])
            if terms:
                _block_text(console, terms, number + 1)
            _block_text(console, highlight(hit.snippet), number + 1)
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Title", style="bold", min_width=TITLE_MIN, max_width=30)
    for (_, heading, _, most), width in zip(columns[:shown], taxes, strict=False):
        # a heading is a field name from kzkb.toml: data too
        table.add_column(data(heading), min_width=width, max_width=most)
    table.add_column("Snippet", min_width=SNIPPET_MIN)
    table.add_column("Path", style="cyan", no_wrap=True, min_width=longest)
    for i, hit in enumerate(hits):
        record = hit.record
        table.add_row(
            str(i + 1),
            data(record.title),
            *(data(v[i]) for v in values[:shown]),
            highlight(hit.snippet),
            data(paths[i]),
        )
    console.print(table)


def search_lines(hits: Sequence[Hit], config: Config) -> None:
    """One hit a line for a pipe: path, title, the first two taxonomies' terms, snippet."""
    display = path_display(config.content_dir)
    columns = table_taxonomies(config)
    write_tsv(
        [
            display(h.record.path),
            h.record.title,
            *(_terms(h.record, c[0]) for c in columns),
            plain_snippet(h.snippet),
        ]
        for h in hits
    )


def records_table(records: Sequence[Record], config: Config) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    display = path_display(config.content_dir)
    columns = table_taxonomies(config)
    values = [[_terms(r, column[0]) for r in records] for column in columns]
    paths = [display(r.path) for r in records]
    longest = _width(paths, 10_000)
    kind = _width([r.kind for r in records], 40)
    lang = max(4, _width([r.lang for r in records], 20))
    taxes = [_width(v, cap) for (_, _, cap, _), v in zip(columns, values, strict=True)]
    shown = _how_many(console.width, [TITLE_MIN, kind, lang], taxes, [longest])
    if shown is None:
        names = ["kind", "lang", *(heading for _, heading, _, _ in columns)]
        for i, r in enumerate(records):
            if i:
                console.print()
            _block_text(console, data(r.title, style="bold"), 0)
            _path_line(console, paths[i], 2)
            _block_text(console, _terms_line(names, [r.kind, r.lang, *(v[i] for v in values)]), 2)
        return
    wide = fits([36, kind, lang, *taxes[:shown], 40, longest], console.width)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Title", style="bold", min_width=TITLE_MIN, max_width=36)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Lang", no_wrap=True)
    for (_, heading, _, most), width in zip(columns[:shown], taxes, strict=False):
        table.add_column(data(heading), min_width=width, max_width=most)
    if wide:
        table.add_column("Description", min_width=24)
    table.add_column("Path", style="cyan", no_wrap=True, min_width=longest)
    for i, r in enumerate(records):
        cells = [r.title, r.kind, r.lang, *(v[i] for v in values[:shown])]
        if wide:
            cells.append(shorten(r.description))
        table.add_row(*map(data, cells), data(paths[i]))
    console.print(table)


def records_lines(records: Sequence[Record], config: Config) -> None:
    """One record a line for a pipe: path, title, kind, lang, the first two
    taxonomies' terms."""
    display = path_display(config.content_dir)
    columns = table_taxonomies(config)
    write_tsv(
        [display(r.path), r.title, r.kind, r.lang, *(_terms(r, c[0]) for c in columns)]
        for r in records
    )


def terms_table(terms: Sequence[Term], taxonomy: str) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=data(f"{taxonomy} terms"))
    table.add_column("Slug", style="cyan", no_wrap=True)
    table.add_column("Label", min_width=min(12, _width([t.label for t in terms], 12)))
    table.add_column("Count", justify="right", no_wrap=True)
    table.add_column("Description")
    for term in terms:
        table.add_row(data(term.slug), data(term.label), str(term.count), data(term.description))
    out().print(table)


def terms_lines(terms: Sequence[Term]) -> None:
    """One term a line for a pipe: slug, label, count, description."""
    write_tsv([t.slug, t.label, t.count, t.description] for t in terms)


def aligned(
    console: Console, pairs: Sequence[tuple[str, str]], indent: int = 2, style: str = "cyan"
) -> None:
    """Titles with their paths in one aligned column when they fit side by
    side; otherwise each path on the line under its title."""
    from rich.padding import Padding
    from rich.table import Table

    longest = _width([p for _, p in pairs], 10_000)
    if TITLE_MIN + 2 + longest + indent <= console.width:
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column("title", max_width=console.width - longest - indent - 2)
        table.add_column("path", style=style, no_wrap=True, min_width=longest)
        for title, path in pairs:
            table.add_row(data(title), data(path))
        console.print(Padding(table, (0, 0, 0, indent)))
        return
    for title, path in pairs:
        _block_text(console, data(title), indent)
        _path_line(console, path, indent + 2)


def row_values(
    record: Record,
    config: Config,
    display: Callable[[str], str],
    translations: Sequence[Record] = (),
) -> list[Any]:
    """The fields `show` prints, in order, as (name, text)."""
    from kzkb.views.machine import cell

    rows = [("path", display(record.path)), ("url", record.url), ("kind", record.kind)]
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
        rows.append(
            ("translations", ", ".join(f"{t.lang}: {display(t.path)}" for t in translations))
        )
    return rows
