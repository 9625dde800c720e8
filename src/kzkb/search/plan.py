"""From a query to groups of alternatives, one group per word the user meant.

A group holds every form that counts as the word: the word itself and its
stem as prefixes (weight 1), its split into two indexed words or its join
with the next word, the labels of a concept or the names of a place it is
part of (weighted below the word itself), and, when the word's own matches
are weak, its Turkic stem and the indexed words a typo or two away. Groups
are not ANDed: kzkb.search.rank scores a record by how much of the query its
groups cover, so one missing word costs rank, not the answer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kzkb.search.entries import Entry, Found
from kzkb.search.facets import Facets, take_facets
from kzkb.search.lexicon import SNOWBALL_LANGUAGES, find
from kzkb.search.morph import MIN_STEM, prefix_of, snowball, turkic
from kzkb.search.query import Query
from kzkb.text.fold import fold, fold_word
from kzkb.text.fold import words as split_words

if TYPE_CHECKING:
    from kzkb.search.ports import LexiconSource, Vocabulary

# how much a match through each kind of alternative counts, the word itself 1
WEIGHTS = {
    "word": 1.0, "stem": 1.0, "split": 1.0, "joined": 1.0, "phrase": 1.0,
    "turkic": 0.9, "place": 0.9, "concept": 0.8, "typo": 0.7, "field": 1.0,
}  # fmt: skip
# a word found in at most this many records has weak matches of its own:
# typo corrections and its Turkic stem join in
WEAK = 2


@dataclass(frozen=True, slots=True)
class Alternative:
    match: str  # an FTS5 expression over the folded columns
    how: str  # a key of WEIGHTS
    form: str  # what matched, for --explain: the folded form or the label
    pattern: str  # a regex on folded text finding it, for snippets
    entry: str = ""  # the concept or place, for --explain
    prefixes: tuple[str, ...] = ()  # the prefixes `match` asks for, all of them

    @property
    def weight(self) -> float:
        return WEIGHTS[self.how]


@dataclass(slots=True)
class Group:
    text: str  # the word (or phrase) as typed
    alternatives: list[Alternative] = field(default_factory=list)
    required: bool = False  # a "quoted phrase" must match
    folded: str = ""
    raw: str = ""  # the word as typed, for its Turkic stem and typo fallback

    def add(self, alt: Alternative) -> None:
        for i, have in enumerate(self.alternatives):
            if have.match == alt.match:
                if alt.weight > have.weight:
                    self.alternatives[i] = alt
                return
        self.alternatives.append(alt)

    def prune(self) -> None:
        """Drop the alternatives another one of at least their weight already
        finds: "kazakstan"* finds all that "kazakstanda"* and NEAR("republic"*
        "kazakstan"*) find, and each alternative costs an index pass."""
        singles = [(a.prefixes[0], a.weight) for a in self.alternatives if len(a.prefixes) == 1]
        self.alternatives = [
            a
            for a in self.alternatives
            if not any(
                w >= a.weight and p.startswith(q) and (len(a.prefixes) > 1 or p != q)
                for p in a.prefixes
                for q, w in singles
            )
        ]


@dataclass(slots=True)
class Plan:
    groups: list[Group]
    excluded: list[str]  # FTS5 expressions a record must not match
    facets: Facets
    dropped: list[str]  # stop words left out
    folded_query: str  # the words and phrases folded, for exact-title ranking
    found: list[tuple[str, Entry]] = field(default_factory=list)  # (words, entry)
    # titles that are the query: its own words, or, when the whole query names
    # one place or concept, any of its names (Qozogʻiston: the Kazakhstan guide)
    titles: frozenset[str] = frozenset()
    typed: list[str] = field(default_factory=list)  # the words searched for, as typed


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _word_alt(form: str, how: str, label: str = "", entry: str = "") -> Alternative:
    return Alternative(_quote(form) + "*", how, label or form, re.escape(form), entry, (form,))


def _label_alt(label: str, lang: str, how: str, entry: Entry, stop: frozenset[str]) -> Alternative:
    """A concept's label or a place's name as an alternative: each word as a
    prefix of its stem, several words near each other in any order."""
    snow = lang.split("_")[0] in SNOWBALL_LANGUAGES
    prefixes = []
    label_words = split_words(label)
    for w in label_words:
        folded = fold_word(w)
        # in a phrase, a short word or a stop word would be a prefix of half
        # the index ('il' of ill-treatment): the others place the phrase
        if len(label_words) > 1 and (w.lower() in stop or len(folded) < MIN_STEM):
            continue
        if how == "place":  # a name: its case endings are the text's, found as a prefix
            prefixes.append(folded)
            continue
        stem = snowball(w) if snow else prefix_of(turkic(w) or folded)
        prefixes.append(stem if stem and len(stem) >= MIN_STEM else folded)
    prefixes = [p for p in prefixes if p]
    if not prefixes:
        prefixes = [fold(label)]
    if len(prefixes) == 1:
        return Alternative(
            _quote(prefixes[0]) + "*", how, label, re.escape(prefixes[0]), entry.id, (prefixes[0],)
        )
    near = " ".join(_quote(p) + "*" for p in prefixes)
    return Alternative(
        f"NEAR({near}, {2 + len(prefixes)})",
        how,
        label,
        "|".join(re.escape(p) for p in prefixes),
        entry.id,
        tuple(prefixes),
    )


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


def typo_candidates(word: str, vocab: Vocabulary) -> list[str]:
    """Indexed words one or two edits from `word` (two for longer words),
    the most widely used first."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA  # a swap of two letters is one edit

    if len(word) < 4:
        return []
    limit = 1 if len(word) < 7 else 2
    pool = vocab.words_from(word[0])
    if not pool:
        return []
    docs = dict(pool)
    found = process.extract(word, list(docs), scorer=OSA.distance, score_cutoff=limit, limit=50)
    found = [f for f in found if f[0] != word]
    found.sort(key=lambda item: (item[1], -docs[item[0]]))
    return [term for term, _, _ in found[:5]]


def fallbacks(group: Group, vocab: Vocabulary) -> list[Alternative]:
    """What a word whose own matches are weak may also mean: its Turkic
    stem, and the indexed words a typo or two away, in any script."""
    if not group.raw or vocab.has_word(group.folded):
        return []  # a word the KB has as it is was meant as it is
    out = []
    stem = turkic(group.raw)
    if stem:
        out.append(_word_alt(prefix_of(stem), "turkic", stem))
    out += [
        Alternative(_quote(fix), "typo", fix, re.escape(fix) + r"\b")
        for fix in typo_candidates(group.folded, vocab)
    ]
    return out


def plan(
    query: Query,
    vocab: Vocabulary,
    lexicon: LexiconSource,
    stopwords: frozenset[str],
    kinds: Sequence[str] = (),
) -> Plan:
    """The groups of a query; see the module doc."""
    words, facets = take_facets(list(query.words), set(kinds))
    found = find(lexicon, words) if words else []
    spans: dict[int, Found] = {}
    for f in found:
        for i in range(f.start, f.end):
            spans[i] = f
    # stop words go, unless the query is nothing else or they are part of a label
    keep = [
        i
        for i, w in enumerate(words)
        if i in spans
        or w.lower() not in stopwords
        or (len(w) > 1 and w.isupper())
        or _joins(words, i, vocab)
    ]
    if not keep and not query.phrases:
        keep = list(range(len(words)))
    dropped = [w for i, w in enumerate(words) if i not in keep]
    groups: list[Group] = []
    entries_seen: list[tuple[str, Entry]] = []
    for i in keep:
        span = spans.get(i)
        if span is not None and i > span.start and _content(words, span, stopwords) > 1:
            continue  # a word of a name or concept of several words: in its group
        if span is not None and _content(words, span, stopwords) > 1:
            group = _span_group(words[span.start : span.end], stopwords)
        else:
            group = _word_group(words[i], vocab)
            if group is None:
                continue
        if span is not None:
            for entry in span.entries:
                how = "place" if entry.kind == "place" else "concept"
                for lang, label in entry.labels:
                    group.add(_label_alt(label, lang, how, entry, stopwords))
                if i == span.start:
                    entries_seen.append((" ".join(words[span.start : span.end]), entry))
        groups.append(group)
    _join_neighbours(groups, vocab)
    for group in groups:
        group.prune()
    for phrase in query.phrases:
        folded = fold(phrase)
        if folded.strip():
            groups.append(
                Group(
                    phrase,
                    [
                        Alternative(
                            _quote(folded),
                            "phrase",
                            folded,
                            re.escape(folded).replace(r"\ ", r"\W+") + r"\b",
                        )
                    ],
                    required=True,
                    folded=folded,
                )
            )
    for name, values in query.fields.items():
        for value in values:
            group = _field_group(name, value)
            if group is not None:
                groups.append(group)
    excluded = exclusions(query.excluded)
    folded_query = fold(" ".join(query.words + query.phrases))
    titles = {folded_query}
    whole = len(found) == 1 and (found[0].start, found[0].end) == (0, len(query.words))
    if whole and not facets and not query.phrases:
        titles |= {fold(label) for entry in found[0].entries for _, label in entry.labels}
    return Plan(
        groups,
        excluded,
        facets,
        dropped,
        # the whole query as typed, facet and stop words too: a title is exact
        # only when it is all the user typed
        folded_query,
        entries_seen,
        frozenset(titles),
        [g.text for g in groups if not g.required],
    )


def exclusions(words: Sequence[str]) -> list[str]:
    """The FTS5 expressions of -excluded words: each a prefix, as a word is."""
    return [_quote(folded) + "*" for folded in map(fold, words) if folded.strip()]


def _field_group(name: str, value: str) -> Group | None:
    """title:feminita, description:"local ngo": every word of the value, as a
    prefix, in that FTS column; a record must match (as a quoted phrase)."""
    folded = fold(value).split()
    if not folded:
        return None
    words = " AND ".join(_quote(w) + "*" for w in folded)
    pattern = r"\W+".join(re.escape(w) for w in folded)
    return Group(
        f"{name}:{value}",
        [Alternative(f"{name} : ({words})", "field", " ".join(folded), pattern)],
        required=True,
        folded=" ".join(folded),
    )


def _word_group(raw: str, vocab: Vocabulary) -> Group | None:
    """A word's own forms: itself and its stem as prefixes, its split in two."""
    folded = fold_word(raw)
    if not folded:
        return None
    group = Group(raw, folded=folded, raw=raw)
    group.add(_word_alt(folded, "word"))
    stem = snowball(raw)
    if stem and stem != folded and len(stem) >= MIN_STEM:
        group.add(_word_alt(stem, "stem"))
    for split in _splits(folded, vocab):
        pattern = re.escape(split).replace(r"\ ", r"\W+")
        group.add(Alternative(_quote(split) + "*", "split", split, pattern))
    return group


def _content(words: Sequence[str], span: Found, stop: frozenset[str]) -> int:
    return sum(1 for w in words[span.start : span.end] if w.lower() not in stop)


def _span_group(span_words: Sequence[str], stop: frozenset[str]) -> Group:
    """Words that together name one concept or place (права женщин, Nur-Sultan)
    are one group: as typed they must stand near each other, so a page with
    'права' in one place and 'женщин' in another is not about women's rights."""
    typed = " ".join(span_words)
    prefixes = []
    for w in span_words:
        if w.lower() in stop:
            continue
        folded = fold_word(w)
        stem = snowball(w) or turkic(w)
        prefixes.append(
            stem if stem and len(stem) >= MIN_STEM and len(stem) < len(folded) else folded
        )
    near = " ".join(_quote(p) + "*" for p in prefixes)
    pattern = "|".join(re.escape(p) for p in prefixes)
    group = Group(typed)
    group.add(
        Alternative(
            f"NEAR({near}, {2 + len(prefixes)})", "word", typed, pattern, "", tuple(prefixes)
        )
    )
    return group


def _joins(words: Sequence[str], i: int, vocab: Vocabulary) -> bool:
    """Whether a stop word is part of a name written apart (Ne Molchi: NeMolchi)."""
    here = fold_word(words[i])
    after = fold_word(words[i + 1]) if i + 1 < len(words) else ""
    return bool(after) and vocab.has_prefix(here + after)


def _join_neighbours(groups: list[Group], vocab: Vocabulary) -> None:
    """Two words written apart that the KB writes together (kaz fem: kazfem)
    count for both: each group gets the joined word."""
    for left, right in itertools.pairwise(groups):
        if not left.folded or not right.folded:
            continue
        joined = left.folded + right.folded
        if vocab.has_prefix(joined):
            alt = _word_alt(joined, "joined")
            left.add(alt)
            right.add(alt)
