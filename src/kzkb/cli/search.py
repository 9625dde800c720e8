"""kzkb search QUERY"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kzkb.cli.app import FormatOption, IndexOption, KbOption, app, count, fresh, open_kb
from kzkb.cli.filters import KindOption, LangOption, TermOption, build_filters
from kzkb.cli.taxonomies import TaxonomyCommand, taxonomy_terms

if TYPE_CHECKING:
    from kzkb.searcher import Results

DEFAULT_LIMIT = 20

SearchLimitOption = Annotated[
    int,
    typer.Option(
        "--limit",
        "-n",
        parser=count(0),
        metavar="N",
        help=f"Show at most N results; 0 shows all. [default: {DEFAULT_LIMIT}]",
    ),
]


@app.command(cls=TaxonomyCommand)
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "phrases", -excluded, field:value.')],
    kind: KindOption = None,
    lang: LangOption = None,
    term: TermOption = None,
    limit: SearchLimitOption = DEFAULT_LIMIT,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Say, for each result, which words, stems, concepts and places"
            " matched and how they scored.",
        ),
    ] = False,
    fmt: FormatOption = None,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Ranked search, in any of the region's languages and scripts.

    Every word counts, with its other forms, the concepts of the thesaurus
    and the places of the gazetteer it names; records matching the most of
    the query come first.

    Examples:

      kzkb search "права женщин"

      kzkb search "organisations helping women who left violent homes"

      kzkb search "statelessness" --country kazakhstan --format json

      kzkb search 'media category:independent-media -state'

      kzkb search "Tselinograd akimat" --explain
    """
    from kzkb import views

    base = open_kb(kb, index, defer=True)

    def run() -> Results:
        filters = build_filters(base, taxonomy_terms(ctx), kind, lang, term)
        return base.query(query, filters, limit=limit or None, explain_hits=explain)

    results = fresh(base, run)
    config = base.config
    hits = results.hits
    how = views.layout(fmt)
    if how == "table":
        if hits:
            views.search_table(hits, config)
            if explain:
                views.explanations(results)
        else:
            views.note(f"No record matches {query!r}.")
        views.search_count(results, limit)
    else:
        if how == "tsv":
            views.search_lines(hits, config)
            if not hits:
                views.plain_note(f"No record matches {query!r}.")
        else:
            rows = [views.hit_dict(i, h, config) for i, h in enumerate(hits, 1)]
            views.write_rows(rows, how)
        if len(hits) < results.total:
            views.plain_note(f"{len(hits)} of {results.total} results; --limit 0 shows all")
    if not hits:
        raise typer.Exit(1)
