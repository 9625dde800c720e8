"""The table of lazily loaded commands (kzkb.cli.commands) names every
command there is: a command module missing from it would never run."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from kzkb.cli.commands import COMMAND_MODULES, load_commands

CLI = Path(__file__).resolve().parents[2] / "src" / "kzkb" / "cli"


def test_every_module_that_registers_a_command_is_in_the_table() -> None:
    registering = {
        path.stem
        for path in CLI.glob("*.py")
        if re.search(r"^@app\.command\(", path.read_text(), re.M)
    }
    assert registering == set(COMMAND_MODULES.values())


def test_the_table_names_each_command_as_its_module_registers_it() -> None:
    app = load_commands()
    names = {}
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        names[name] = info.callback.__module__.rsplit(".", 1)[-1]
    assert names == COMMAND_MODULES


def test_a_command_is_found_whichever_was_loaded_first() -> None:
    from typer.main import get_command

    group = get_command(load_commands(["stats"]))
    assert sorted(group.list_commands(None)) == sorted(COMMAND_MODULES)  # type: ignore[arg-type]
    assert group.get_command(None, "nope") is None  # type: ignore[arg-type]
    assert group.get_command(None, "mv").name == "mv"  # type: ignore[arg-type,union-attr]
