"""The filter options `list`, `search` and `export` share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kzkb.cli import complete

if TYPE_CHECKING:  # the core loads only when a command runs, not for --help
    from kzkb.kb import Filters, KnowledgeBase

CategoryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--category",
        "-c",
        metavar="TERM",
        help="Only records in this category.",
        autocompletion=complete.terms_of("category"),
    ),
]
CountryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--country",
        metavar="TERM",
        help="Only this country.",
        autocompletion=complete.terms_of("country"),
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        "-t",
        metavar="TERM",
        help="Only records with this tag.",
        autocompletion=complete.terms_of("tag"),
    ),
]
LanguageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--language",
        metavar="TERM",
        help="Only sources published in this language (the `language` field).",
        autocompletion=complete.terms_of("language"),
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-k",
        metavar="KIND",
        help="guide, source, document, section, page.",
        autocompletion=complete.kinds,
    ),
]
TermOption = Annotated[
    list[str] | None,
    typer.Option(
        "--term",
        metavar="TAXONOMY:TERM",
        help="Only records with this term of any taxonomy (topics:health).",
        autocompletion=complete.any_term,
    ),
]
LangOption = Annotated[
    list[str] | None,
    typer.Option(
        "--lang",
        metavar="CODE",
        help="Language of the record's own text (en, kk ...).",
        autocompletion=complete.languages,
    ),
]


def build_filters(
    base: KnowledgeBase,
    category: list[str] | None,
    country: list[str] | None,
    tag: list[str] | None,
    language: list[str] | None,
    kind: list[str] | None,
    lang: list[str] | None,
    term: list[str] | None = None,
) -> Filters:
    from kzkb.model import KzkbError

    terms: dict[str, list[str]] = {}
    for pair in term or []:
        taxonomy, colon, value = pair.partition(":")
        if not colon or not taxonomy.strip() or not value.strip():
            raise KzkbError(f"--term {pair!r} is not TAXONOMY:TERM", "write --term topics:health")
        terms.setdefault(taxonomy.strip(), []).append(value.strip())
    for taxonomy, values in (
        ("category", category),
        ("country", country),
        ("tag", tag),
        ("language", language),
    ):
        if values:
            terms.setdefault(taxonomy, []).extend(values)
    return base.filters(terms, list(kind or []), list(lang or []))
