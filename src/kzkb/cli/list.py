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
    fmt: FormatOption = None,
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
    if sort is Sort.title:
        from kzkb.text.collate import sort_key

        # each title by its own language's alphabet (by code point Қ came after Л)
        records.sort(key=lambda r: sort_key(r.title, r.lang))
    if limit:
        records = records[:limit]
    how = views.layout(fmt)
    if not records and how in ("table", "tsv"):
        views.note("No record matches these filters.")
    elif how == "table":
        views.records_table(records, base.config)
    elif how == "tsv":
        views.records_lines(records, base.config)
    if how not in ("table", "tsv"):
        views.write_rows([views.record_dict(r, base.config) for r in records], how)
    if not records:
        raise typer.Exit(1)
