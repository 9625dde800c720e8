"""The kzkb command line: a thin shell over kzkb.kb."""

from __future__ import annotations

from kzkb.cli import (  # noqa: F401 - registers commands
    check_links,
    export,
    index,
    list,
    search,
    show,
    terms,
    watcher,
)
from kzkb.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
