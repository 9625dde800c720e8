"""kzkb search QUERY"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kzkb.cli.app import FormatOption, IndexOption, KbOption, LimitOption, app, fresh, open_kb
from kzkb.cli.filters import KindOption, LangOption, TermOption, build_filters
from kzkb.cli.taxonomies import TaxonomyCommand, taxonomy_terms

if TYPE_CHECKING:
    from kzkb.kb import Hit


@app.command(cls=TaxonomyCommand)
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "phrases", -excluded, field:value.')],
    kind: KindOption = None,
    lang: LangOption = None,
    term: TermOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = "table",
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Ranked full-text search over titles, terms, descriptions and bodies.

    Examples:

      kzkb search feminist

      kzkb search "statelessness" --country kazakhstan --format json

      kzkb search 'media category:independent-media -state'
    """
    from kzkb import views

    base = open_kb(kb, index, defer=True)

    def run() -> list[Hit]:
        filters = build_filters(base, taxonomy_terms(ctx), kind, lang, term)
        return base.search(query, filters, limit=limit or 20)

    hits = fresh(base, run)
    config = base.config
    if fmt.value == "table":
        if hits:
            views.search_table(hits, config)
        else:
            views.note(f"No record matches {query!r}.")
    else:
        views.write_rows([views.hit_dict(i, h, config) for i, h in enumerate(hits, 1)], fmt.value)
    if not hits:
        raise typer.Exit(1)
