"""The kzkb command line: a thin shell over kzkb.kb."""

from __future__ import annotations

from kzkb.cli import (  # noqa: F401 - registers commands
    check_links,
    export,
    index,
    lint,
    list,
    new,
    search,
    show,
    stats,
    terms,
    watcher,
)
from kzkb.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
