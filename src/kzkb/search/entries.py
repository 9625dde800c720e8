"""What the lexicon holds and finds: entries (a concept or a place with its
labels) and the spans of a query that name one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    id: str  # "womens-rights", "geonames:1526384", "iso3166:KZ"
    kind: str  # "concept" or "place"
    name: str  # what --explain calls it: the English label or name
    labels: tuple[tuple[str, str], ...]  # every (language, label), as written


@dataclass(frozen=True, slots=True)
class Found:
    """Entries whose label matched the query's words start..end (end excluded)."""

    start: int
    end: int
    entries: tuple[Entry, ...]
    label: str  # the label that matched, as written


# (keys of each word of a label, the label, its entry's position)
Candidate = tuple[tuple[frozenset[str], ...], str, int]
