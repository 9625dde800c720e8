"""A query as typed: words (each also a prefix: femin finds feminist),
"quoted phrases", -excluded words, field:value filters (category:local-ngo,
category:"Local NGO"), words searched in one field (title:feminita,
description:, body:, url:), and site addresses (feminita.kz,
https://feminita.kz/), which find the organisation whose `url` it is.

A prefix that is no field is an error naming the known ones, never a silent
search for nothing; quoted, "ru:women" is text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kzkb.model import KzkbError
from kzkb.text.fold import words as split_words

FILTER_FIELDS = ("kind", "lang")
# fields searched for words: the FTS columns, and the organisation's site
TEXT_FIELDS = ("title", "description", "body")
URL_FIELD = "url"

# a token: an optional minus, then a quoted phrase, a field with a quoted
# value (category:"Local NGO"), or a run of non-space
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s":]+):"([^"]*)"?|(\S+))')
# what a field's name looks like: letters, digits after the first, _ and -
_NAME = re.compile(r"[^\W\d][\w-]*")
# a site's address: an optional scheme, a host of two labels or more whose
# last is letters (feminita.kz, www.un.org, қазақстан.қаз), a path
_ADDRESS = re.compile(
    r"(?:(?:https?|ftp)://)?(?:www\.)?((?:[^\W_][\w-]*\.)+[^\W\d_]{2,})\.?(?::\d+)?(/\S*)?",
)


@dataclass(slots=True)
class Query:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    # filter name as typed (category, countries, kind ...) -> values
    filters: dict[str, list[str]] = field(default_factory=dict)
    # title, description or body -> the words or phrases to find in it
    fields: dict[str, list[str]] = field(default_factory=dict)
    # url: values, each a part of the organisation's site address a record must have
    urls: list[str] = field(default_factory=list)
    # hosts typed as addresses (feminita.kz): the records whose site it is come first
    addresses: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.fields or self.urls)


def site_host(text: str) -> str | None:
    """The host a site address names, folded (www. and a final dot left
    out): feminita.kz for https://www.Feminita.kz/en/; None for a word."""
    match = _ADDRESS.fullmatch(text.strip().casefold())
    return match.group(1) if match else None


def parse_query(text: str, filter_names: set[str]) -> Query:
    """Split a query string; `filter_names` are the field: prefixes that filter."""
    query = Query()
    text = unicodedata.normalize("NFC", text)
    for match in _TOKEN.finditer(text):
        negate = match.group(1) == "-"
        phrase, name, quoted, bare = match.group(2, 3, 4, 5)
        if phrase is not None:
            found = split_words(phrase)
            if found:
                (query.excluded if negate else query.phrases).append(" ".join(found))
            continue
        if name is not None:
            value: str | None = quoted
        else:
            name, colon, value = bare.partition(":")
            if not colon or not value or not _NAME.fullmatch(name) or "://" in bare:
                name = value = None
        if name is not None and value is not None and not negate:
            if _field(query, name.casefold(), value.strip(), filter_names, text):
                continue
        elif name is not None and value is not None and negate:
            _known(name.casefold(), filter_names, text)
            if name.casefold() in (*TEXT_FIELDS, URL_FIELD):
                query.excluded.extend(split_words(value))
                continue
        raw = bare if bare is not None else f"{name}:{quoted}"
        host = site_host(raw)
        if host is not None and not negate:
            query.addresses.append(host)
        found = split_words(raw)
        (query.excluded if negate else query.words).extend(found)
    return query


def _field(query: Query, name: str, value: str, filter_names: set[str], text: str) -> bool:
    """Take `name:value` into the query; False when the value is empty (a word then)."""
    _known(name, filter_names, text)
    if not value:
        return False
    if name in filter_names:
        query.filters.setdefault(name, []).append(value)
    elif name == URL_FIELD:
        host = site_host(value)
        query.urls.append(host if host is not None else value.casefold())
    else:
        found = split_words(value)
        if not found:
            return False
        query.fields.setdefault(name, []).append(" ".join(found))
    return True


def _known(name: str, filter_names: set[str], text: str) -> None:
    if name in filter_names or name in TEXT_FIELDS or name == URL_FIELD:
        return
    known = sorted({*TEXT_FIELDS, URL_FIELD} | filter_names)
    raise KzkbError(
        f"unknown field '{name}:' in the query {text!r}",
        f"use one of {', '.join(k + ':' for k in known)}; quote the text to search for it"
        f' as it is ("{name}:…")',
    )
