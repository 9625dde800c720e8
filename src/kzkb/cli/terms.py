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
    fmt: FormatOption = None,
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
    from kzkb.text.collate import sort_key

    # the most used first; among equals, by the label's alphabet (Қ before Л)
    lang = base.config.languages[0] if base.config.languages else ""
    found.sort(key=lambda t: (-t.count, sort_key(t.label, lang)))
    if limit:
        found = found[:limit]
    how = views.layout(fmt)
    if how == "table":
        views.terms_table(found, found[0].taxonomy if found else taxonomy)
    elif how == "tsv":
        views.terms_lines(found)
    else:
        views.write_rows([views.term_dict(t) for t in found], how)
    if not found:
        raise typer.Exit(1)
