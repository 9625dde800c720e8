"""The two consoles (stdout for answers, stderr for messages) and the one-line messages.

Rich leaves out colour when stdout is not a terminal and honours NO_COLOR,
so a pipe gets plain text. Rich is imported where it is used: a command
writing JSON or CSV never loads it (50 ms of start-up).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from kzkb.model import Skipped

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

_out: Console | None = None
_err: Console | None = None


def _console() -> Callable[..., Console]:
    """A Console for which a string is text: no console markup ([red] stays
    [red]), no :emoji: codes, no highlighting, and what a terminal would obey
    made visible. Record text is put in as data() (a Text, visible already);
    this holds for any string that reaches Rich otherwise."""
    from rich.console import Console

    class DataConsole(Console):
        def render_str(self, text: str, **options: Any) -> Text:
            return super().render_str(lines(text), **options)

    return partial(DataConsole, markup=False, emoji=False, highlight=False)


def out() -> Console:
    global _out
    if _out is None:
        # A pipe has no width: keep rows whole rather than wrap at 80 columns.
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        _out = _console()(width=width, soft_wrap=False)
    return _out


def err() -> Console:
    global _err
    if _err is None:
        # soft_wrap: an error is one line, whatever the terminal's width
        _err = _console()(stderr=True, soft_wrap=True)
    return _err


def reset() -> None:
    """Forget the consoles (tests swap stdout between commands)."""
    global _out, _err
    _out = _err = None


def error(message: str) -> None:
    from rich.text import Text

    err().print(Text("kzkb: error: ", style="bold red") + data(message))


def warn(message: str) -> None:
    from rich.text import Text

    err().print(Text("kzkb: warning: ", style="yellow") + data(message))


def note(message: str) -> None:
    err().print(data(message, style="dim"))


def plain_note(message: str) -> None:
    """A note on stderr without Rich: for commands writing JSON or CSV, which
    never load it (see the module doc)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def skipped_warnings(skipped: Iterable[Skipped]) -> None:
    """Each unusable file once, on stderr, so stdout stays clean for pipes."""
    for s in skipped:
        warn(f"skipped {s}")


# what a record's text may hold that a terminal would obey rather than show:
# C0 controls as their Unicode pictures (ESC as ␛), DEL as ␡, C1 controls and
# the bidirectional overrides as �; a line break or tab in a cell is a space
_VISIBLE = {
    **{code: 0x2400 + code for code in range(0x20)},
    0x09: " ", 0x0A: " ", 0x0D: " ", 0x7F: "\u2421",
    **dict.fromkeys(range(0x80, 0xA0), "\ufffd"),
    **dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)], "\ufffd"),
}  # fmt: skip


_LINES = {**_VISIBLE, 0x09: 0x09, 0x0A: 0x0A}


def visible(text: str) -> str:
    """Record text as it is written, with nothing a terminal would act on."""
    return text.translate(_VISIBLE)


def lines(text: str) -> str:
    """visible() for text of several lines (a body, a diff): tabs and line
    breaks kept, a CRLF line end as a line break."""
    return text.replace("\r\n", "\n").translate(_LINES)


def data(text: str, style: str = "") -> Text:
    """Record text for a Rich table or line: never read as console markup
    ([red] stays [red]) and never terminal control (see visible)."""
    from rich.text import Text

    return Text(visible(text), style=style)


def data_lines(text: str, style: str = "") -> Text:
    """data() for text of several lines (a description): its line breaks kept."""
    from rich.text import Text

    return Text(lines(text), style=style)


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
