"""kzkb index"""

from __future__ import annotations

from typing import Annotated

import typer

from kzkb.cli.app import IndexOption, KbOption, app, keep_watching, open_kb


@app.command("index")
def index_cmd(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild the index from scratch.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Bring the index up to date and show what the KB holds.

    Records per kind and language, what the refresh did, and every file
    skipped with the reason.

    Every command refreshes the index by itself; this one shows it.

    Examples:

      kzkb index

      kzkb index --rebuild --kb kb --format json
    """
    from kzkb import views
    from kzkb.model import KzkbError

    if fmt not in ("table", "json", "jsonl"):
        raise KzkbError(f"unknown format {fmt!r}", "use table or json")
    base = open_kb(kb, index, rebuild=rebuild) if fmt == "table" else _quiet(kb, index, rebuild)
    views.index_summary(
        str(base.root),
        base.summary(),
        base.skipped(),
        fmt,
        refresh=base.last_refresh.as_dict(),
        index_path=base.index.path,
    )


def _quiet(kb: str | None, index: str | None, rebuild: bool) -> object:
    """Machine output: skipped files are in the JSON, not repeated on stderr."""
    from kzkb.kb import KnowledgeBase

    base = KnowledgeBase.open(kb, index_path=index, rebuild=rebuild)
    keep_watching(base)
    return base
