"""One record, as `show` prints it: on a terminal its fields, its body
rendered and the records linking to it; for a pipe the same as plain text,
wrapped to the terminal's width (or 80), without box drawing."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from kzkb.model import Record
from kzkb.settings.config import Config
from kzkb.views.console import data, data_lines, lines, out, visible
from kzkb.views.lines import path_display
from kzkb.views.records import aligned, row_values


def record_detail(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = out()
    display = path_display(config.content_dir)
    console.print(data(record.title, style="bold"))
    fields = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    fields.add_column("Field", style="dim", no_wrap=True)
    fields.add_column("Value", ratio=1)
    rows = row_values(record, config, display, translations)
    for key, value in rows:
        fields.add_row(data(key), data_lines(value))  # a description's paragraphs kept
    console.print(fields)
    if record.body.strip():
        console.rule(style="dim")
        console.print(body(record.body))
    console.rule(style="dim")
    if backlinks:
        console.print(Text(f"Linked from {len(backlinks)} record(s):", style="bold"))
        aligned(console, [(r.title, display(r.path)) for r in backlinks])
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


def text_width() -> int:
    """The terminal's width though stdout is a pipe (COLUMNS, else the
    terminal stderr or stdin is on), else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for stream in (sys.stderr, sys.stdin):
        try:
            return os.get_terminal_size(stream.fileno()).columns or 80
        except (OSError, ValueError, AttributeError):
            continue
    return 80


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Words wrapped, never broken: a path or URL longer than the line stays whole."""
    return textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest,
        break_long_words=False, break_on_hyphens=False,
    ) or [first.rstrip()]  # fmt: skip


def _body_lines(markdown: str, width: int) -> list[str]:
    """The body as written, its long prose lines wrapped; code, tables and
    indented blocks as they are."""
    out_lines: list[str] = []
    fenced = False
    for line in lines(markdown).expandtabs(4).splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        if fenced or len(line) <= width or stripped.startswith("|") or line.startswith("    "):
            out_lines.append(line.rstrip())
            continue
        lead = line[: len(line) - len(stripped)]
        marker = ""
        head = stripped.split(" ", 1)[0]
        if head in ("-", "*", "+", ">") or (head[:-1].isdigit() and head[-1:] in ".)"):
            marker = head + " "
        out_lines += _wrap(stripped[len(marker) :], width, lead + marker, lead + " " * len(marker))
    return out_lines


def record_text(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    """`show` for a pipe: plain text, `field: value` lines, the body as
    written, then the records linking here."""
    width = text_width()
    display = path_display(config.content_dir)
    text = [visible(record.title), ""]
    for key, value in row_values(record, config, display, translations):
        paragraphs = lines(str(value)).split("\n")
        first = f"{visible(key)}: "
        for i, paragraph in enumerate(paragraphs):
            start = first if i == 0 else "  "
            text += _wrap(visible(paragraph), width, start, "  ")
    if record.body.strip():
        text += ["", *_body_lines(record.body.strip("\n"), width)]
    text.append("")
    if backlinks:
        text.append(f"Linked from {len(backlinks)} record(s):")
        titles = [visible(r.title) for r in backlinks]
        paths = [visible(display(r.path)) for r in backlinks]
        side = max(map(len, titles))
        if 2 + side + 2 + max(map(len, paths)) <= width:
            text += [f"  {t.ljust(side)}  {p}" for t, p in zip(titles, paths, strict=True)]
        else:
            for t, p in zip(titles, paths, strict=True):
                text += [*_wrap(t, width, "  ", "  "), f"    {p}"]
    else:
        text.append("No record links here.")
    sys.stdout.write("".join(line.rstrip() + "\n" for line in text))
    sys.stdout.flush()
