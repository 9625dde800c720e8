"""A query as typed: words (each also a prefix: femin finds feminist),
"quoted phrases", -excluded words, and field:value filters (category:local-ngo).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kzkb.text.fold import words as split_words

FILTER_FIELDS = ("kind", "lang")

# a token: an optional minus, then a quoted phrase or a run of non-space
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


@dataclass(slots=True)
class Query:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    # filter name as typed (category, countries, kind ...) -> values
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)


def parse_query(text: str, filter_names: set[str]) -> Query:
    """Split a query string; `filter_names` are the field: prefixes understood."""
    query = Query()
    text = unicodedata.normalize("NFC", text)
    for match in _TOKEN.finditer(text):
        negate, phrase, bare = match.group(1) == "-", match.group(2), match.group(3)
        if phrase is not None:
            found = split_words(phrase)
            if not found:
                continue
            (query.excluded if negate else query.phrases).append(" ".join(found))
            continue
        name, colon, value = bare.partition(":")
        if colon and value and name.casefold() in filter_names:
            query.filters.setdefault(name.casefold(), []).append(value)
            continue
        found = split_words(bare)
        if negate:
            query.excluded.extend(found)
        else:
            query.words.extend(found)
    return query
