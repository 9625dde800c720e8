"""kzkb completion SHELL"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kzkb.cli.app import app


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"
    pwsh = "pwsh"


@app.command("completion")
def completion_cmd(
    ctx: typer.Context,
    shell: Annotated[
        Shell | None,
        typer.Argument(
            help="bash, zsh, fish or powershell (default: the shell kzkb runs in).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    install: Annotated[
        bool, typer.Option("--install", help="Add the script to the shell's start-up file.")
    ] = False,
) -> None:
    """Print the shell completion script for SHELL.

    The shell named is the one the script is for, whatever shell runs kzkb
    (a Dockerfile's RUN line and CI runners run sh).

    Examples:

      kzkb completion bash

      kzkb completion zsh
    """
    from typer._completion_shared import get_completion_script
    from typer._completion_shared import install as install_script
    from typer.completion import completion_init

    from kzkb import views

    completion_init()  # Typer's scripts (and its completion of values)
    name = shell.value if shell is not None else _detected()
    prog = ctx.find_root().info_name or "kzkb"
    if install:
        where, path = install_script(shell=name, prog_name=prog)
        views.note(f"{where} completion installed in {path}; it works in a new terminal")
        return
    variable = "_{}_COMPLETE".format(prog.replace("-", "_").upper())
    print(get_completion_script(prog_name=prog, complete_var=variable, shell=name))


def _detected() -> str:
    """The shell that runs kzkb, when none is named: one kzkb completes, or an error."""
    from kzkb.model import KzkbError

    try:
        import shellingham

        name = shellingham.detect_shell()[0]
    except Exception:
        name = ""
    if name not in {s.value for s in Shell}:
        shown = f"the shell {name!r}" if name else "an unknown shell"
        raise KzkbError(
            f"kzkb runs in {shown}, which it has no completion for",
            "name the shell: kzkb completion bash|zsh|fish|powershell",
        )
    return name
