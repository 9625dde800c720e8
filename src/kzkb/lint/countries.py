"""Countries as lint knows them: the names kzkb's gazetteer ships (pycountry's
names and their translations in the region's languages, kzkb.search's
data/gazetteer.json), the ISO codes, and the slugs Hugo makes of them.

Two uses: a value of the KB's country taxonomy that names no country
(`Kazakstan`), and the country a record's file name or title says it is
about (`fes_uz.md`, "LSMS Kyrgyzstan"), which makes an organisation's country
offices records of their own, not near-duplicates."""

from __future__ import annotations

import re
from functools import cache

from kzkb.settings.config import Config
from kzkb.urls import term_slug

# the two-letter codes that are English words too: never read as a country
# at the end of a file name (report_in.md, guide_to.md)
_WORDS = frozenset({"am", "as", "at", "be", "by", "do", "id", "in", "is", "it", "me", "my", "no"})
_LONGEST = 6  # words in the longest country name looked for in a title
_SPLIT = re.compile(r"[-_\s]+")


@cache
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """(slug of every country name -> ISO code, ISO code -> English name)."""
    from kzkb.search.resources import gazetteer_places

    by_name: dict[str, str] = {}
    english: dict[str, str] = {}
    for place in gazetteer_places():
        if place["kind"] != "country":
            continue
        code = place["country"]
        english[code] = place["name"]
        for name in [place["name"], *place["names"]]:
            by_name.setdefault(term_slug(name), code)
    return by_name, english


def country_field(config: Config) -> str | None:
    """The front-matter field of the KB's country taxonomy (Hugo's
    `country = "countries"`, or a portal's `countries = "countries"`), unless
    kzkb.toml gives it a vocabulary (then unknown-term speaks for it)."""
    for singular, plural in config.taxonomies.items():
        if {singular, plural} & {"country", "countries"}:
            return None if config.vocabulary.get(singular) else plural
    return None


def code_of(value: str) -> str | None:
    """The ISO code of a country written by name (any language the gazetteer
    holds, any case), slug or code; None if it names no country."""
    by_name, english = _countries()
    slug = term_slug(value)
    if slug.upper() in english:
        return slug.upper()
    return by_name.get(slug)


def nearest(value: str) -> str:
    """The English name of the country `value` most likely misspells, or ""."""
    from kzkb.text.fold import fold
    from kzkb.text.suggest import closest_one

    by_name, english = _countries()
    folded = fold(value)
    for slug, code in by_name.items():
        if fold(slug.replace("-", " ")) == folded:
            return english[code]
    return closest_one(value, sorted(english.values()), cutoff=75)


def named_in(title: str, stem: str) -> frozenset[str]:
    """The countries a record's title or file name says it is about: a
    country's name in either, or a code ending the file name (fes_uz)."""
    by_name, english = _countries()
    found: set[str] = set()
    for text in (title, stem):
        words = [w for w in _SPLIT.split(term_slug(text)) if w]
        for size in range(1, _LONGEST + 1):
            for i in range(len(words) - size + 1):
                code = by_name.get("-".join(words[i : i + size]))
                if code:
                    found.add(code)
    last = [w for w in _SPLIT.split(stem.lower()) if w]
    if len(last) > 1 and len(last[-1]) == 2 and last[-1] not in _WORDS:
        code = last[-1].upper()
        if code in english:
            found.add(code)
    return frozenset(found)
