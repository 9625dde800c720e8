"""The commands of the command line, each loaded when it is asked for.

A command's module is imported, and its Click command built, only when that
command runs: `kzkb search` loads search's module and what it uses, not the
fourteen others (about 40 ms of start-up, a third of a search at 1,000
records). Help, completion and suggestions iterate the table, which loads
them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

# each command's module, kzkb.cli.<module>
COMMAND_MODULES = {
    "check-links": "check_links",
    "cite": "cite",
    "completion": "completion",
    "export": "export",
    "index": "index",
    "lint": "lint",
    "list": "list",
    "lsp": "lsp",
    "mv": "mv",
    "new": "new",
    "search": "search",
    "show": "show",
    "stats": "stats",
    "terms": "terms",
    "watcher": "watcher",
}


def load_commands(names: Iterable[str] | None = None) -> Any:
    """The Typer app with the named commands registered (all of them by
    default), for code that reads `app.registered_commands` rather than running it."""
    for name in COMMAND_MODULES if names is None else names:
        importlib.import_module(f"kzkb.cli.{COMMAND_MODULES[name]}")
    return importlib.import_module("kzkb.cli.app").app


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, each built when it is first asked for.
    Click and Typer reach commands only through this mapping (get, `in`,
    iteration for help and completion), so every path sees all of them."""

    def __init__(self, built: MutableMapping[str, Any], app: Any) -> None:
        self._built = dict(built)
        self._app = app

    def _load(self, name: str) -> None:
        if name in self._built or name not in COMMAND_MODULES:
            return
        load_commands([name])
        from typer.main import get_command_from_info, get_command_name

        app = self._app
        for info in app.registered_commands:
            assert info.callback is not None
            built = info.name or get_command_name(info.callback.__name__)
            if built not in self._built:
                self._built[built] = get_command_from_info(
                    info,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                )

    def _load_all(self) -> None:
        for name in COMMAND_MODULES:
            self._load(name)

    def __getitem__(self, name: str) -> Any:
        self._load(name)
        return self._built[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self._load(name)
        return name in self._built

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(dict(self._built))

    def __len__(self) -> int:
        self._load_all()
        return len(self._built)
