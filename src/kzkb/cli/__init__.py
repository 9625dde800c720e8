"""The kzkb command line: a thin shell over kzkb.kb."""

from __future__ import annotations

from kzkb.cli import (  # noqa: F401 - registers commands
    check_links,
    cite,
    completion,
    export,
    index,
    lint,
    list,
    lsp,
    mv,
    new,
    search,
    show,
    stats,
    terms,
    watcher,
)
from kzkb.cli.app import app


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


__all__ = ["app", "main"]
