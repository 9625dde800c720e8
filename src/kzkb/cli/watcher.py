"""kzkb watcher"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kzkb.cli.app import KbOption, app


class Action(StrEnum):
    status = "status"
    start = "start"
    stop = "stop"


@app.command("watcher")
def watcher_cmd(
    action: Annotated[Action, typer.Argument(help="status, start or stop.")] = Action.status,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    kb: KbOption = None,
) -> None:
    """Show, start or stop the watcher that keeps a large KB's file list current.

    A background process follows the kernel's change events (Linux), so that
    commands on a large KB need not check every file first.

    It starts by itself after a command on a KB of 20,000 files or more, and
    leaves after 30 minutes without a question. Turn it off with
    `[index] watch = false` in kzkb.toml or KZKB_WATCH=off; `watch = true`
    watches a KB of any size.

    Examples:

      kzkb watcher

      kzkb watcher stop --kb kb
    """
    import sys

    from kzkb import views
    from kzkb.listing import client as watch
    from kzkb.model import KzkbError
    from kzkb.settings.config import open_config

    if fmt not in ("table", "json"):
        raise KzkbError(f"unknown format {fmt!r}", "use table or json")
    config = open_config(kb)
    if action is Action.stop:
        was = watch.stop(config)
        views.note("watcher stopped" if was else "no watcher was running")
    elif action is Action.start:
        if not sys.platform.startswith("linux"):
            raise KzkbError("the watcher needs Linux (inotify)", "commands scan the KB instead")
        if watch.setting(config) == "off":
            raise KzkbError(
                "watching this KB is turned off",
                "unset KZKB_WATCH, or remove `watch = false` from kzkb.toml's [index]",
            )
        # wait for its first scan, so that `status` right after tells the truth
        reason = watch.start_and_wait(config)
        if reason is not None:
            raise KzkbError(
                f"the watcher declined to start: {reason}",
                "commands scan the KB instead; `kzkb watcher status` says why later",
            )
    views.watcher_status(watch.status(config), fmt)
