"""The kzkb command line: a thin shell over kzkb.kb."""

from __future__ import annotations

from kzkb.cli import index, list, search, show, terms  # noqa: F401 - registers commands
from kzkb.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
