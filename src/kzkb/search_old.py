"""Query parsing and the text a record is searched by.

A query is words (each also a prefix: femin finds feminist), "quoted
phrases", -excluded words, and field:value filters (category:local-ngo).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from kzkb.model import Record
from kzkb.text.fold import fold

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


# --- the text a record is searched by ---------------------------------------------


def fts_columns(record: Record) -> tuple[str, str, str, str]:
    """(title, terms, description, body) as the FTS table indexes them: folded,
    so that a query in one script or spelling finds text in any other."""

    terms = " ".join(label for labels in record.term_labels.values() for label in labels)
    title = record.title
    link_title = record.fields.get("linkTitle")
    if isinstance(link_title, str) and link_title and link_title != title:
        title = f"{title} {link_title}"
    return fold(title), fold(terms), fold(record.description), fold(record.text)


# --- planning a query against the index's vocabulary ------------------------------


class Vocabulary(Protocol):
    def has_prefix(self, prefix: str) -> bool: ...
    def has_word(self, word: str) -> bool: ...
    def words_from(self, first: str) -> list[tuple[str, int]]: ...


@dataclass(slots=True)
class Plan:
    match: str  # the FTS5 MATCH expression
    prefixes: list[str]  # folded prefixes a matching word may start with
    words: list[str]  # folded whole words that match exactly (typo corrections)
    folded_query: str  # the whole query folded, for exact-title ranking


_STEMMERS: dict[str, Any] = {}


def _stem(word: str) -> str:
    """English or Russian stem of a query word, by its script."""
    import Stemmer  # PyStemmer: Snowball in C, one language loaded at a time

    language = "russian" if re.search("[а-яё]", word.lower()) else "english"
    stemmer = _STEMMERS.get(language)
    if stemmer is None:
        stemmer = _STEMMERS[language] = Stemmer.Stemmer(language)
    return stemmer.stemWord(word.lower())


def _typo_candidates(word: str, vocab: Vocabulary) -> list[str]:
    """Indexed words one or two edits from `word` (two for longer words),
    the most widely used first."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    if len(word) < 4:
        return []
    limit = 1 if len(word) < 7 else 2
    pool = vocab.words_from(word[0])
    if not pool:
        return []
    docs = dict(pool)
    found = process.extract(
        word, list(docs), scorer=Levenshtein.distance, score_cutoff=limit, limit=50
    )
    found.sort(key=lambda item: (item[1], -docs[item[0]]))
    return [term for term, _, _ in found[:5]]


def _splits(word: str, vocab: Vocabulary) -> list[str]:
    """'akorda' -> ['ak orda'] when both halves are indexed words."""
    if len(word) < 5:
        return []
    out = []
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        if vocab.has_word(left) and vocab.has_prefix(right):
            out.append(f"{left} {right}")
    return out[:3]


def plan(query: Query, vocab: Vocabulary) -> Plan:
    """Each query word becomes a group of alternatives, all ANDed:
    the word as a prefix, its stem as a prefix, its split into two indexed
    words, and, when nothing starts with it, the indexed words a typo or two
    away. Two neighbouring words may also match as one (kaz fem -> kazfem).
    """

    prefixes: list[str] = []
    exact: list[str] = []
    groups: list[str] = []
    folded_words = [fold(w) for w in query.words]
    for raw, word in zip(query.words, folded_words, strict=True):
        if not word:
            continue
        options = [_quote(word) + "*"]
        prefixes.append(word)
        stem = fold(_stem(raw))
        if stem and stem != word and len(stem) >= 3:
            options.append(_quote(stem) + "*")
            prefixes.append(stem)
        for split in _splits(word, vocab):
            options.append(_quote(split) + "*")
            prefixes.append(split)  # a phrase: the halves match only side by side
        if not vocab.has_prefix(word) and not (stem and vocab.has_prefix(stem)):
            for fix in _typo_candidates(word, vocab):
                options.append(_quote(fix))
                exact.append(fix)
        groups.append(options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")")
    # neighbours written apart that the KB writes together
    merged: list[str] = []
    i = 0
    while i < len(groups):
        if i + 1 < len(groups):
            joined = folded_words[i] + folded_words[i + 1]
            if vocab.has_prefix(joined):
                merged.append(f"(({groups[i]} AND {groups[i + 1]}) OR {_quote(joined)}*)")
                prefixes.append(joined)
                i += 2
                continue
        merged.append(groups[i])
        i += 1
    for phrase in query.phrases:
        folded = fold(phrase)
        if folded.strip():
            merged.append(_quote(folded))
            exact.extend(folded.split())
    expr = " AND ".join(merged)
    for word in query.excluded:
        folded = fold(word)
        if folded.strip():
            expr = f"({expr}) NOT {_quote(folded)}*"
    return Plan(expr, prefixes, exact, fold(" ".join(query.words + query.phrases)))


# --- what matched, where, and the passage to show ------------------------------------


def _matcher(plan_: Plan) -> re.Pattern[str] | None:
    parts = [
        re.escape(p).replace(r"\ ", r"\W+")
        for p in sorted(set(plan_.prefixes), key=len, reverse=True)
    ]
    parts_exact = [re.escape(w) + r"\b" for w in set(plan_.words)]
    alternatives = parts + parts_exact
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")")


def matched_fields(record: Record, plan_: Plan) -> tuple[str, ...]:
    pattern = _matcher(plan_)
    if pattern is None:
        return ()
    names = ("title", "terms", "description", "body")
    return tuple(
        name for name, text in zip(names, fts_columns(record), strict=True) if pattern.search(text)
    )


def snippet(record: Record, plan_: Plan, width: int = 24) -> str:
    """The passage of the description or body with the most matched words,
    matches wrapped in \x02...\x03, in the record's own script."""

    pattern = _matcher(plan_)
    best = ("", -1)
    for source in (record.description, record.text):
        tokens = list(_WORD.finditer(source))
        if not tokens:
            continue
        hits = [
            i
            for i, m in enumerate(tokens)
            if pattern is not None and pattern.match(fold(m.group()))
        ]
        if not hits:
            if best[1] < 0:
                best = (_window(source, tokens, set(), 0, width), 0)
            continue
        # the window of `width` words holding the most distinct matched words
        start, score = 0, -1
        for h in hits:
            first = max(0, h - 3)
            inside = {fold(tokens[i].group()) for i in hits if first <= i < first + width}
            if len(inside) > score:
                start, score = first, len(inside)
        if score > best[1]:
            best = (_window(source, tokens, set(hits), start, width), score)
        if source is record.description and score >= len(set(plan_.prefixes)):
            break  # the description already shows every word
    return best[0]


def _window(
    source: str, tokens: list[re.Match[str]], hits: set[int], start: int, width: int
) -> str:
    end = min(len(tokens), start + width)
    if end <= start:
        return ""
    out = ["…" if start > 0 else ""]
    pos = tokens[start].start()
    for i in range(start, end):
        m = tokens[i]
        out.append(source[pos : m.start()])
        out.append(f"\x02{m.group()}\x03" if i in hits else m.group())
        pos = m.end()
    if end < len(tokens):
        out.append("…")
    else:
        out.append(source[pos:])
    return " ".join("".join(out).split())
