"""kzkb list"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kzkb.cli.app import FormatOption, IndexOption, KbOption, LimitOption, app, open_kb
from kzkb.cli.filters import KindOption, LangOption, TermOption, build_filters
from kzkb.cli.taxonomies import TaxonomyCommand, taxonomy_terms


class Sort(StrEnum):
    path = "path"
    title = "title"
    date = "date"


@app.command("list", cls=TaxonomyCommand)
def list_records(
    ctx: typer.Context,
    kind: KindOption = None,
    lang: LangOption = None,
    term: TermOption = None,
    sort: Annotated[
        Sort, typer.Option("--sort", "-s", help="Order: path, title, or date (newest first).")
    ] = Sort.path,
    limit: LimitOption = None,
    fmt: FormatOption = "table",
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Browse records by the terms of any taxonomy, kind or lang.

    Examples:

      kzkb list --category local-ngo

      kzkb list --kind source --country kazakhstan --sort title

      kzkb list --tag refugees --format csv
    """
    from kzkb import views

    base = open_kb(kb, index)
    filters = build_filters(base, taxonomy_terms(ctx), kind, lang, term)
    records = base.list(filters, sort=sort.value)
    if limit:
        records = records[:limit]
    if fmt.value == "table":
        if records:
            views.records_table(records, base.config)
        else:
            views.note("No record matches these filters.")
    else:
        views.write_rows([views.record_dict(r, base.config) for r in records], fmt.value)
    if not records:
        raise typer.Exit(1)
