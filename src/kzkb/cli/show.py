"""kzkb show REF"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kzkb.cli import complete
from kzkb.cli.app import IndexOption, KbOption, app, open_kb


class ShowFormat(StrEnum):
    table = "table"
    text = "text"
    json = "json"


@app.command()
def show(
    ref: Annotated[
        str,
        typer.Argument(
            help=(
                "The record's file (relative to here, absolute, or in the content folder),"
                " its URL or an alias (/sources/x/, or the full URL under the site's"
                " baseURL), its slug or its title."
            ),
            autocompletion=complete.records,
        ),
    ],
    fmt: Annotated[
        ShowFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on a terminal, plain text in a pipe).",
            show_default=False,
        ),
    ] = None,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """One record: its fields, its body rendered, and the records that link to it.

    Examples:

      kzkb show feminita

      kzkb show /sources/sources/akimat_of_the_city_of_nur_sultan/

      kzkb show guides/kazakhstan.kk.md --format json
    """
    from kzkb import views

    base = open_kb(kb, index)
    record = base.find(ref)
    backlinks = base.backlinks(record)
    translations = base.translations(record)
    how = views.layout(fmt)
    if how == "json":
        views.record_json(record, base.config, backlinks, translations)
    elif how == "table":
        views.record_detail(record, base.config, backlinks, translations)
    else:  # a pipe: plain text, no box drawing
        views.record_text(record, base.config, backlinks, translations)
