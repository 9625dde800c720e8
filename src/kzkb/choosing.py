"""The filters a command is given, checked against the KB: a term by any
spelling or its label, a kind or language the index holds; anything else is an
error naming the nearest known values."""

from __future__ import annotations

from typing import Any

from kzkb.model import KzkbError
from kzkb.search.results import Filters
from kzkb.text.suggest import closest
from kzkb.urls import term_slug


def suggest(word: str, choices: list[str]) -> list[str]:
    """The known values closest to a mistyped one, best first; "feminita"
    and "Feminita" are one suggestion."""
    return closest(word, choices, limit=3, scorer="weighted", unique=str.casefold)


def validated_filters(
    kb: Any,  # a kzkb.kb.KnowledgeBase, which imports this module
    terms: dict[str, list[str]] | None = None,
    kinds: list[str] | None = None,
    langs: list[str] | None = None,
) -> Filters:
    """Validated filters: terms by any spelling; unknown values are errors
    that name the nearest known ones."""
    out = Filters()
    for name, values in (terms or {}).items():
        taxonomy = kb.config.taxonomy_for(name)
        if taxonomy is None:
            raise KzkbError(
                f"unknown taxonomy {name!r}",
                f"use one of: {', '.join(kb.config.taxonomies)}",
            )
        known = kb.known_terms(taxonomy)
        for value in values:
            slug = term_slug(value)
            if slug not in known:  # a label: category:"International NGO"
                wanted = " ".join(value.split()).casefold()
                labelled = [t.slug for t in kb.terms(taxonomy) if t.label.casefold() == wanted]
                slug = labelled[0] if labelled else slug
            if slug not in known:
                near = suggest(slug, sorted(known))
                hint = (
                    f"did you mean {' or '.join(near)}?"
                    if near
                    else (f"run `kzkb terms {taxonomy}` to see the terms")
                )
                raise KzkbError(f"unknown {taxonomy} {value!r}", hint)
            out.terms.setdefault(taxonomy, []).append(slug)
    for column, values, target in (("kind", kinds, out.kinds), ("lang", langs, out.langs)):
        if not values:
            continue  # counting every record's kind costs a table scan
        known_values = set(kb.index.records.counts(column))
        for value in values or []:
            if value not in known_values:
                near = suggest(value, sorted(known_values))
                hint = (
                    f"did you mean {' or '.join(near)}?"
                    if near
                    else (f"known: {', '.join(sorted(known_values))}")
                )
                raise KzkbError(f"unknown {column} {value!r}", hint)
            target.append(value)
    return out
