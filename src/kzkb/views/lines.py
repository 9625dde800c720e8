"""What every listing shares: the layout a command's output takes (a table on
a terminal, lines for a pipe), tab-separated lines, and the one way a
record's file is named on screen.

Nothing here imports Rich: a pipe's lines are written directly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from kzkb.views.console import visible


def layout(fmt: str | None) -> str:
    """The format asked for, or, when none was, a table on a terminal and
    tab-separated lines for a pipe (gh's convention)."""
    if fmt:
        return fmt
    return "table" if sys.stdout.isatty() else "tsv"


def shown(text: str) -> str:
    """visible(), with text that has nothing to make visible (the most) passed
    through untouched: str.translate costs 5 µs a value, isprintable 0.1."""
    return text if text.isprintable() else visible(text)


def tsv_line(values: Iterable[object]) -> str:
    """One record as one line: its fields separated by tabs, each whole, with
    the tabs and line breaks inside a value as spaces (visible() turns them
    into spaces, and makes what a terminal would obey visible)."""
    return "\t".join(shown(str(v)).strip(" ") for v in values)


def write_tsv(rows: Iterable[Iterable[object]]) -> None:
    sys.stdout.write("".join(tsv_line(row) + "\n" for row in rows))
    sys.stdout.flush()


def path_display(content: Path) -> Callable[[str], str]:
    """How a record's file (a path in the content folder) is named on screen:
    relative to the working folder when it lies below it, absolute when not,
    as rg and lychee do; so a path copied from any command's output names the
    file from where the user stands. Worked out once for all the paths: with
    thousands of findings a path computation each costs a second."""
    try:
        rel = os.path.relpath(content)
    except ValueError:  # another drive on Windows
        rel = ""
    if rel and not rel.startswith(".."):
        if rel == ".":
            return lambda path: path
        prefix = rel.rstrip(os.sep) + os.sep
        return lambda path: prefix + path
    absolute = content.resolve()
    here = Path.cwd()
    try:
        here.relative_to(absolute)
    except ValueError:  # the KB is elsewhere: absolute paths
        start = str(absolute).rstrip(os.sep) + os.sep
        return lambda path: start + path

    def inside(path: str) -> str:  # working inside the KB: each file on its own
        full = absolute / path
        shown = os.path.relpath(full, here)
        return str(full) if shown.startswith("..") else shown

    return inside
