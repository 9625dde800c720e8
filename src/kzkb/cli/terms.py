"""kzkb terms [TAXONOMY]"""

from __future__ import annotations

from typing import Annotated

import typer

from kzkb.cli import complete
from kzkb.cli.app import FormatOption, IndexOption, KbOption, LimitOption, app, open_kb


@app.command()
def terms(
    taxonomy: Annotated[
        str | None,
        typer.Argument(
            help="A taxonomy of the KB, singular or plural (default: its first).",
            autocompletion=complete.taxonomies,
            show_default=False,
        ),
    ] = None,
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
    if taxonomy is None:
        taxonomy = next(iter(base.config.taxonomies), "category")
    found = base.terms(taxonomy)
    if limit:
        found = found[:limit]
    if fmt.value == "table":
        views.terms_table(found, found[0].taxonomy if found else taxonomy)
    else:
        views.write_rows([views.term_dict(t) for t in found], fmt.value)
    if not found:
        raise typer.Exit(1)
