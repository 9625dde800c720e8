"""The filter options `list`, `search` and `export` share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the core loads only when a command runs, not for --help
    from kzkb.kb import Filters, KnowledgeBase

CategoryOption = Annotated[
    list[str] | None,
    typer.Option("--category", "-c", metavar="TERM", help="Only records in this category."),
]
CountryOption = Annotated[
    list[str] | None, typer.Option("--country", metavar="TERM", help="Only this country.")
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="TERM", help="Only records with this tag."),
]
LanguageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--language",
        metavar="TERM",
        help="Only sources published in this language (the `language` field).",
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option("--kind", "-k", metavar="KIND", help="guide, source, document, section, page."),
]
LangOption = Annotated[
    list[str] | None,
    typer.Option("--lang", metavar="CODE", help="Language of the record's own text (en, kk ...)."),
]


def build_filters(
    base: KnowledgeBase,
    category: list[str] | None,
    country: list[str] | None,
    tag: list[str] | None,
    language: list[str] | None,
    kind: list[str] | None,
    lang: list[str] | None,
) -> Filters:
    terms: dict[str, list[str]] = {}
    for taxonomy, values in (
        ("category", category),
        ("country", country),
        ("tag", tag),
        ("language", language),
    ):
        if values:
            terms[taxonomy] = list(values)
    return base.filters(terms, list(kind or []), list(lang or []))
