"""kzkb terms [TAXONOMY]"""

from __future__ import annotations

from typing import Annotated

import typer

from kzkb.cli import complete
from kzkb.cli.app import FormatOption, IndexOption, KbOption, LimitOption, app, open_kb


@app.command()
def terms(
    taxonomy: Annotated[
        str,
        typer.Argument(
            help="category, country, tag, language, data_type ...",
            autocompletion=complete.taxonomies,
        ),
    ] = "category",
    limit: LimitOption = None,
    fmt: FormatOption = "table",
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """The terms of a taxonomy with slug, label and how many records use each.

    Examples:

      kzkb terms

      kzkb terms tags --format csv
    """
    from kzkb import views

    base = open_kb(kb, index)
    found = base.terms(taxonomy)
    if limit:
        found = found[:limit]
    if fmt.value == "table":
        views.terms_table(found, found[0].taxonomy if found else taxonomy)
    else:
        views.write_rows([views.term_dict(t) for t in found], fmt.value)
    if not found:
        raise typer.Exit(1)
