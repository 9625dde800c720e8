"""kzkb index"""

from __future__ import annotations

from typing import Annotated

import typer

from kzkb.cli.app import KbOption, app


@app.command("index")
def index_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    kb: KbOption = None,
) -> None:
    """Index the KB and report what was found: records per kind and language,
    and every file skipped with the reason.

    Examples:

      kzkb index

      kzkb index --kb ~/portal/content --format json
    """
    from kzkb import views
    from kzkb.kb import KnowledgeBase
    from kzkb.model import KzkbError

    if fmt not in ("table", "json", "jsonl"):
        raise KzkbError(f"unknown format {fmt!r}", "use table or json")
    base = KnowledgeBase.open(kb)
    views.index_summary(str(base.root), base.summary(), base.skipped(), fmt)
