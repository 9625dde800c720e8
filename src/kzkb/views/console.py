"""The two consoles (stdout for answers, stderr for messages), the one-line
messages, colour (--color, NO_COLOR, FORCE_COLOR) and the pager.

Colour is left out when the output is not a terminal, unless --color always
or FORCE_COLOR says otherwise; NO_COLOR and --color never leave it out on a
terminal too (--color beats both variables: it is typed for this run).
On a terminal, `show` and the listings go through a pager as git's do:
$KZKB_PAGER, else $PAGER, else `less -FRX`; an empty value or `cat` means
none. Whether stdout is a terminal is decided once, before the pager takes
it (terminal()): views ask that, not sys.stdout.isatty().
Rich is imported where it is used: a command writing JSON or CSV never
loads it (50 ms of start-up).
"""

from __future__ import annotations

import io
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

COLOR_MODES = ("auto", "always", "never")
_color = "auto"  # --color, for this run
_terminal: bool | None = None  # stdout a terminal, as it was before any pager
_columns: int | None = None  # the terminal's width, kept when a pager takes stdout
_pager: Any = None  # the pager's process while it reads our stdout


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


def terminal() -> bool:
    """Whether stdout is a terminal a person reads (a pager counts as one)."""
    global _terminal
    if _terminal is None:
        _terminal = sys.stdout.isatty()
    return _terminal


def set_color(mode: str) -> None:
    """--color auto|always|never for this run (before anything is printed)."""
    global _color, _out, _err
    if mode not in COLOR_MODES:
        raise ValueError(mode)
    _color = mode
    _out = _err = None


def colored(is_terminal: bool, environ: Any = None) -> bool:
    """Whether output to a stream (a terminal or not) gets colour: --color
    first, then NO_COLOR, then FORCE_COLOR (no-color.org, force-color.org:
    set and not empty), then whether it is a terminal."""
    env = os.environ if environ is None else environ
    if _color != "auto":
        return _color == "always"
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    return is_terminal


def _color_options(is_terminal: bool) -> dict[str, Any]:
    if not colored(is_terminal):
        # no escape of any kind: not even bold, which a pipe would keep
        return {"color_system": None, "force_terminal": False, "no_color": True}
    # a terminal's colour depth from TERM and COLORTERM; at least 16 colours when
    # forced into a pipe or a terminal that says it is dumb
    term = os.environ.get("TERM", "")
    system = "auto" if is_terminal and term not in ("", "dumb") else "standard"
    return {"color_system": system, "force_terminal": True, "no_color": False}


def out() -> Console:
    global _out
    if _out is None:
        on_terminal = terminal()
        if _pager is not None:
            width: int | None = _columns  # the pager's pipe has no width of its own
        elif on_terminal or os.environ.get("COLUMNS"):
            width = None
        else:
            width = 160  # a pipe has no width: keep rows whole rather than wrap at 80
        _out = _console()(width=width, soft_wrap=False, **_color_options(on_terminal))
    return _out


def err() -> Console:
    global _err
    if _err is None:
        # soft_wrap: an error is one line, whatever the terminal's width
        _err = _console()(stderr=True, soft_wrap=True, **_color_options(sys.stderr.isatty()))
    return _err


def reset() -> None:
    """Forget the consoles and this run's choices (tests run many commands in one process)."""
    global _out, _err, _color, _terminal, _columns
    _out = _err = None
    _color = "auto"
    _terminal = _columns = None


def pager_command(environ: Any = None) -> str | None:
    """The pager to use, as git chooses it: $KZKB_PAGER, else $PAGER, else
    `less -FRX` (quit when it fits one screen, keep colours, leave the screen
    as it is); None for no pager (an empty value, or `cat`)."""
    import shutil

    env = os.environ if environ is None else environ
    for name in ("KZKB_PAGER", "PAGER"):
        value = env.get(name)
        if value is not None:
            value = value.strip()
            return None if value in ("", "cat") else value
    return "less -FRX" if shutil.which("less") else None


def start_pager() -> None:
    """Send stdout through the pager, if stdout is a terminal and one is set.

    The pager gets our file descriptor 1, so everything written to stdout
    reaches it; stderr stays on the terminal. The pager's exit is waited for
    when kzkb exits (a person reads it after the command is done)."""
    global _pager, _columns, _out
    if _pager is not None or not terminal():
        return
    command = pager_command()
    if command is None:
        return
    import atexit
    import subprocess

    try:
        _columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except OSError:
        _columns = None
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # git's: a bare `less` as $PAGER behaves the same
    env.setdefault("LV", "-c")
    try:
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return  # no pager to start: the terminal shows it all
    assert process.stdin is not None
    sys.stdout.flush()
    fd = sys.stdout.fileno()
    os.dup2(process.stdin.fileno(), fd)
    process.stdin.close()
    _pager = process
    # what is written reaches the terminal through the pager: stdout says it is
    # one, so a view's isatty() (and Rich's) answers as it would without a pager
    sys.stdout = _Paged(
        open(fd, "wb", closefd=False),  # noqa: SIM115 - stdout, for the life of the process
        encoding=sys.stdout.encoding,
        errors=sys.stdout.errors,
    )
    _out = None  # made again, for the pager: the terminal's width and colours
    atexit.register(stop_pager)


class _Paged(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def stop_pager() -> None:
    """Let the pager see the end of the output, and wait for the person to quit it."""
    global _pager
    if _pager is None:
        return
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the pipe's last writer gone: the pager's EOF
    os.close(devnull)
    while True:
        try:
            _pager.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C is the pager's to handle while it shows the output
    _pager = None


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
