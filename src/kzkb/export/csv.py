"""CSV: a header and a row a record, quoted as the csv module quotes (RFC 4180),
encoded with str's `in` and `replace` rather than the csv module (csv_line)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from kzkb.export.shapes import Rows, dumps


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        if all(type(item) is str for item in value):  # terms, aliases: the common case
            return "; ".join(value)
        return "; ".join(
            item["target"] if isinstance(item, dict) and "target" in item else _cell(item)
            for item in value
        )
    if isinstance(value, dict):
        return dumps(value)
    return str(value)


def _quote(cell: str) -> str:
    """One CSV field as the csv module's QUOTE_MINIMAL writes it (RFC 4180):
    quoted when it holds a quote, a comma or a line break, quotes doubled."""
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


def csv_line(cells: list[str], end: str = "\n") -> str:
    """One CSV row of text cells, ending in `end`.

    The bytes csv.writer's writerow writes (tests/cli/test_export.py compares
    them over generated text), four times faster: the csv module copies each
    character through its own buffer, which for a 4 kB body is most of an
    export's time; str's `in` and `replace` scan at memory speed. One
    difference: a lone carriage return is quoted with \n line ends too, where
    csv.writer leaves it bare and spreadsheet programs see a line break."""
    if len(cells) == 1 and not cells[0]:
        return '""' + end  # a lone empty field, else the row reads back as no row
    return ",".join([_quote(c) for c in cells]) + end


# what a spreadsheet program reads a cell starting with as a formula (OWASP's
# CSV injection list): =HYPERLINK(…), +cmd|…, @SUM(…), -2+3, and a tab or
# carriage return before one
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: str) -> str:
    """A cell a spreadsheet program shows as text, never runs: a formula-like
    cell gets a leading ' (--excel only: plain CSV keeps every byte)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_cells(row: dict[str, Any], columns: list[str], excel: bool = False) -> list[str]:
    # most cells are text already: a converter call each is a fifth of the time
    cells = [v if type(v) is str else _cell(v) for v in map(row.get, columns)]
    return [as_text(c) for c in cells] if excel else cells


def csv_end(excel: bool) -> str:
    return "\r\n" if excel else "\n"


def csv_head(columns: list[str], excel: bool) -> str:
    """The header row (after the byte-order mark spreadsheet programs need to
    read UTF-8, Cyrillic included, with `excel`)."""
    return ("\ufeff" if excel else "") + _header(columns, excel)


def _header(columns: list[str], excel: bool) -> str:
    # a column may be named in kzkb.toml (a taxonomy): text as the cells are
    return csv_line([as_text(c) for c in columns] if excel else columns, csv_end(excel))


def write_csv(
    rows: Rows,
    out: IO[str],
    header: dict[str, Any],
    excel: bool = False,
    columns: list[str] | None = None,
) -> int:
    """A header and a row a record; lists joined with "; ", front matter as
    JSON, links as their targets. Quoting as the csv module's (RFC 4180).
    With `excel`, a byte-order mark, CRLF line ends and formulas as text.
    `columns`: the header when no record is written (a file of no rows still
    says its columns, as a spreadsheet or csvkit expects)."""
    if excel:
        out.write("\ufeff")  # spreadsheet programs read UTF-8 (Cyrillic) only after a BOM
    end = csv_end(excel)
    count = 0
    empty_columns, columns = columns, []
    lines: list[str] = []
    for row in rows:
        if not count:
            columns = list(row)
            lines.append(_header(columns, excel))
        lines.append(csv_line(csv_cells(row, columns, excel), end))
        count += 1
        if len(lines) >= 256:  # one write a batch: the text layer's cost is per call
            out.write("".join(lines))
            lines.clear()
    if not count and empty_columns:
        lines.append(_header(empty_columns, excel))
    out.write("".join(lines))
    return count
