"""The kzkb command line: a thin shell over kzkb.kb.

Each command's module loads when the command is asked for
(kzkb.cli.commands); `load_commands()` registers them all.
"""

from __future__ import annotations

from kzkb.cli.app import app
from kzkb.cli.commands import load_commands


def main() -> None:
    import sys

    for arg in sys.argv[1:]:
        # bytes that are not UTF-8 reach Python as lone surrogates, which no
        # file, index or terminal can take: say so, not a UnicodeEncodeError
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            from kzkb import views

            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            views.error(f"argument '{shown}' is not UTF-8 text — give it as UTF-8")
            sys.exit(2)
    app()


__all__ = ["app", "load_commands", "main"]
