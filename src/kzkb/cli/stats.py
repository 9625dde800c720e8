"""kzkb stats"""

from __future__ import annotations

from typing import Annotated

import typer

from kzkb.cli.app import IndexOption, KbOption, app, count, open_kb


@app.command("stats")
def stats_cmd(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="table, tsv or json (default: table on a terminal, tsv in a pipe).",
            show_default=False,
        ),
    ] = "",
    top: Annotated[
        int, typer.Option("--top", parser=count(1), metavar="N", help="Show the N largest of each.")
    ] = 15,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Coverage at a glance, as bar charts.

    Records per category, country, tag, language, data type, kind and
    language of the text, and records added per year (front matter `created`).

    Examples:

      kzkb stats

      kzkb stats --format json | jq .taxonomies.countries
    """
    from kzkb import views
    from kzkb.model import KzkbError

    if fmt not in ("", "table", "tsv", "json"):
        raise KzkbError(f"unknown format {fmt!r}", "use table, tsv or json")
    base = open_kb(kb, index)
    views.stats(base.stats(), views.layout(fmt), top)
