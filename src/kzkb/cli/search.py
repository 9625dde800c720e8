"""kzkb search QUERY"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kzkb.cli.app import FormatOption, IndexOption, KbOption, LimitOption, app, fresh, open_kb
from kzkb.cli.filters import (
    CategoryOption,
    CountryOption,
    KindOption,
    LangOption,
    LanguageOption,
    TagOption,
    TermOption,
    build_filters,
)

if TYPE_CHECKING:
    from kzkb.kb import Hit


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", -excluded, field:value.')],
    category: CategoryOption = None,
    country: CountryOption = None,
    tag: TagOption = None,
    language: LanguageOption = None,
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
        filters = build_filters(base, category, country, tag, language, kind, lang, term)
        return base.search(query, filters, limit=limit or 20)

    hits = fresh(base, run)
    config = base.config
    if fmt.value == "table":
        if hits:
            views.search_table(hits)
        else:
            views.note(f"No record matches {query!r}.")
    else:
        views.write_rows([views.hit_dict(i, h, config) for i, h in enumerate(hits, 1)], fmt.value)
    if not hits:
        raise typer.Exit(1)
