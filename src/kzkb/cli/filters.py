"""The filter options `list`, `search` and `export` share; one per taxonomy
comes from the KB's configuration (kzkb.cli.taxonomies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kzkb.cli import complete

if TYPE_CHECKING:  # the core loads only when a command runs, not for --help
    from kzkb.kb import KnowledgeBase
    from kzkb.search.results import Filters

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
# runs on the bundled KB (a test holds it): the help's example must work as shown
TERM_EXAMPLE = "country:kazakhstan"
TermOption = Annotated[
    list[str] | None,
    typer.Option(
        "--term",
        metavar="TAXONOMY:TERM",
        help=f"Only records with this term of any taxonomy ({TERM_EXAMPLE}).",
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
    given: dict[str, list[str]],
    kind: list[str] | None,
    lang: list[str] | None,
    term: list[str] | None = None,
) -> Filters:
    """Filters from --term pairs and `given`, the taxonomy options' terms."""
    from kzkb.model import KzkbError

    terms: dict[str, list[str]] = {}
    for pair in term or []:
        taxonomy, colon, value = pair.partition(":")
        if not colon or not taxonomy.strip() or not value.strip():
            raise KzkbError(f"--term {pair!r} is not TAXONOMY:TERM", f"write --term {TERM_EXAMPLE}")
        terms.setdefault(taxonomy.strip(), []).append(value.strip())
    for taxonomy, values in given.items():
        if values:
            terms.setdefault(taxonomy, []).extend(values)
    return base.filters(terms, list(kind or []), list(lang or []))
