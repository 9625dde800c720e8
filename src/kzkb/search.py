"""Query parsing and the text a record is searched by.

A query is words (each also a prefix: femin finds feminist), "quoted
phrases", -excluded words, and field:value filters (category:local-ngo).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kzkb.model import Record

FILTER_FIELDS = ("kind", "lang")

_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+", re.UNICODE)


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
            words = _WORD.findall(phrase)
            if not words:
                continue
            if negate:
                query.excluded.append(" ".join(words))
            else:
                query.phrases.append(" ".join(words))
            continue
        name, colon, value = bare.partition(":")
        if colon and value and name.casefold() in filter_names:
            query.filters.setdefault(name.casefold(), []).append(value)
            continue
        words = _WORD.findall(bare)
        if negate:
            query.excluded.extend(words)
        else:
            query.words.extend(words)
    return query


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_match(query: Query) -> str:
    """The FTS5 MATCH expression: every word (as a prefix) and phrase, none excluded."""
    parts = [_quote(w) + "*" for w in query.words] + [_quote(p) for p in query.phrases]
    expr = " AND ".join(parts)
    for word in query.excluded:
        expr = f"({expr}) NOT {_quote(word)}"
    return expr


_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REFLINK = re.compile(r"\[([^\]]*)\]\[[^\]]*\]")
_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_HTML = re.compile(r"<[^>\n]+>")
_MARKS = re.compile(r"(^|\s)#{1,6}\s+|[*_`>|]+|\\(?=[\[\]()*_#.\-$])", re.M)
_SPACE = re.compile(r"[ \t]+")


def plain_text(markdown: str) -> str:
    """Readable text of a Markdown body for indexing and snippets.

    Link targets would make every guide match the slugs it links to, and
    markup noise would fill snippets, so both go; link text stays.
    """
    text = _SHORTCODE.sub(" ", markdown)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REFLINK.sub(r"\1", text)
    text = _REFDEF.sub("", text)
    text = _HTML.sub(" ", text)
    text = _MARKS.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def fts_columns(record: Record) -> tuple[str, str, str, str]:
    """(title, terms, description, body) as the FTS table indexes them."""
    terms = " ".join(label for labels in record.term_labels.values() for label in labels)
    link_title = record.fields.get("linkTitle")
    title = record.title
    if isinstance(link_title, str) and link_title and link_title != title:
        title = f"{title} {link_title}"
    return title, terms, record.description, plain_text(record.body)
