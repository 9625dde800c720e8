"""Scoring records against a plan: coverage of the query first, then BM25.

Every group's alternatives are looked up in the full-text index as sets of
record ids, one set per weight. A record's coverage is the share of the
query's weight it matches, each group counted by its IDF (a rare word counts
more than a common one) times the weight of the best alternative it matched:
the word itself 1, a concept's label 0.8 ... So records matching every word
come first, then the best partial matches, and an answer is empty only when
nothing matches at all. BM25 over every alternative, field-weighted, orders
records of similar coverage; an exact title match goes first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kzkb.search.plan import WEAK, Group, Plan, fallbacks
from kzkb.text.fold import fold
from kzkb.text.fold import words as split_words

if TYPE_CHECKING:
    from kzkb.search.ports import TextIndex

# how far BM25 (scaled to 0..1 among the matches) may move a record against
# coverage (0..1): enough to order records of near-equal coverage, never to
# put a record that misses a rare word above one that has it
BM25_SHARE = 0.2
# a record must match at least this share of the best record's coverage
MIN_SHARE = 0.5
EXACT_TITLE = 2.0  # the title is the query
OTHER_NAME = 1.0  # the title is another name of the place or concept the query is
# a record of the kind or language the query's words asked for ("in Kazakh",
# "guide"): more than a title match, so the Kazakh guide passes the English one
FACET = 0.75
TITLE_WORDS = 0.5  # every query word starts a word of the title
TITLE_FOLDED = 0.35  # ... but only once folded: written in another script
# the alternatives that are the word as typed, which a title bonus asks for
LITERAL = frozenset({"word", "stem", "split", "joined", "phrase"})
# a word found in the body alone counts this much of a match in the title,
# terms or description: the guides that mention everything in passing are
# not what a word is about
BODY_ONLY = 0.5
HEAD = ("title", "terms", "description")
# coverage: this share by the count of words matched, the rest by their IDF
COUNT_SHARE = 0.5
# the least an all-matching word counts, so that it still orders records
MIN_IDF = 0.05


@dataclass(slots=True)
class GroupScore:
    group: Group
    idf: float
    matched: dict[int, float]  # record id -> weight of its best alternative
    bm25: dict[int, float]  # record id -> BM25 of that alternative's match


@dataclass(slots=True)
class Scored:
    id: int
    score: float
    coverage: float
    bm25: float  # scaled to 0..1 among the matches
    bonus: float


@dataclass(slots=True)
class Ranking:
    hits: list[Scored]
    total: int  # every record that matched, before the limit
    groups: list[GroupScore] = field(default_factory=list)


def _sets(
    group: Group, index: TextIndex, allowed: set[int] | None
) -> tuple[dict[int, float], dict[int, float], int]:
    """(record id -> what `group` counts in it: the weight of the best
    alternative it matches, less for a match in the body alone; record id ->
    the BM25 of that match; how many records the word itself matches).

    One index pass per weight: the pass scores BM25 twice, once with the
    field weights and once with the body weighted 0, which is 0 exactly when
    the match is in the body alone."""
    by_weight: dict[float, list[str]] = {}
    for alt in group.alternatives:
        by_weight.setdefault(alt.weight, []).append(alt.match)
    matched: dict[int, float] = {}
    bm25: dict[int, float] = {}
    own = 0
    for weight, matches in by_weight.items():
        rows = index.matches(" OR ".join(matches))
        if allowed is not None:
            rows = {rid: row for rid, row in rows.items() if rid in allowed}
        if weight >= 1.0:
            own = len(rows)
        for rid, (score, head) in rows.items():
            value = weight if head else weight * BODY_ONLY
            if value > matched.get(rid, 0.0):
                matched[rid] = value
                bm25[rid] = score
    return matched, bm25, own


def idf(total: int, n: int) -> float:
    return max(MIN_IDF, math.log(1 + (total - n + 0.5) / (n + 0.5)))


def rank(
    plan: Plan,
    index: TextIndex,
    *,
    total: int,
    allowed: set[int] | None = None,
    boosted: set[int] | None = None,
    titles: Callable[[Iterable[int]], dict[int, str]],
    limit: int | None = None,
) -> Ranking:
    """The records `plan` finds among `allowed` (None: all `total`), best first.

    `boosted`: the records of the kind or language the query's facet words
    asked for; they count as one more matched group. `limit` None: all.
    """
    scores: list[GroupScore] = []
    for group in plan.groups:
        matched, bm25, own = _sets(group, index, allowed)
        if not group.required and own <= WEAK:
            extra = [a for a in fallbacks(group, index) if a.match not in _matches(group)]
            if extra:
                group.alternatives += extra
                matched, bm25, own = _sets(group, index, allowed)
        scores.append(GroupScore(group, idf(total, len(matched)), matched, bm25))
    candidates: set[int] = set()
    for s in scores:
        if not s.group.required:
            candidates |= s.matched.keys()
    for s in scores:
        if s.group.required:
            candidates = (candidates & s.matched.keys()) if candidates else set(s.matched)
    if plan.excluded and candidates:
        candidates -= index.ids(" OR ".join(plan.excluded))
    if not candidates:
        return Ranking([], 0, scores)
    # half by how many of the query's words a record matches ("records
    # matching all words first"), half by how rare they are
    idf_sum = sum(s.idf for s in scores) or 1.0
    coverage = {
        rid: COUNT_SHARE * sum(s.matched.get(rid, 0.0) for s in scores) / len(scores)
        + (1 - COUNT_SHARE) * sum(s.idf * s.matched.get(rid, 0.0) for s in scores) / idf_sum
        for rid in candidates
    }
    best = max(coverage.values())
    kept = [rid for rid, c in coverage.items() if c >= MIN_SHARE * best]
    # BM25 per word, scaled to 0..1 within the word and weighted as coverage
    # is: a page that holds every synonym of one word (a guide) gains no more
    # from that word than a record that holds one synonym in its title
    text_weight = sum(s.idf for s in scores) or 1.0
    bm25: dict[int, float] = dict.fromkeys(kept, 0.0)
    for s in scores:
        top = max((s.bm25[rid] for rid in kept if rid in s.bm25), default=0.0) or 1.0
        for rid in kept:
            if rid in s.bm25:
                bm25[rid] += s.idf * s.matched[rid] * s.bm25[rid] / top / text_weight
    ranked = sorted(
        (
            Scored(rid, coverage[rid] + BM25_SHARE * bm25[rid]
                   + (FACET if boosted and rid in boosted else 0.0),
                   coverage[rid], bm25[rid], 0.0)
            for rid in kept
        ),
        key=lambda s: -s.score,
    )  # fmt: skip
    # titles: only records whose title holds every word can earn a bonus
    whole = len(plan.titles) > 1  # the query is one place's or concept's name
    literal = [
        " OR ".join(a.match for a in s.group.alternatives if whole or a.how in LITERAL)
        for s in scores
    ]
    if literal and all(literal):
        in_title = index.ids(" AND ".join(f"title : ({expr})" for expr in literal))
        in_title &= set(kept)
        if in_title:
            by_id = {s.id: s for s in ranked}
            _title_bonus([by_id[i] for i in in_title], plan, titles(in_title))
            ranked.sort(key=lambda s: -s.score)
    hits = ranked if limit is None else ranked[:limit]
    return Ranking(hits, len(kept), scores)


def _matches(group: Group) -> set[str]:
    return {a.match for a in group.alternatives}


def _title_bonus(scored: list[Scored], plan: Plan, titles: dict[int, str]) -> None:
    """Every word of these titles matched: the exact title first, then a
    title that is another name of what the query names."""
    for s in scored:
        title = fold(titles.get(s.id, ""))
        if title == plan.folded_query:
            s.bonus = EXACT_TITLE
        elif title in plan.titles:
            s.bonus = OTHER_NAME
        elif _as_typed(plan.typed, titles.get(s.id, "")):
            s.bonus = TITLE_WORDS
        else:  # in another script or spelling: Kazakhstan in "Қазақстан нұсқаулығы"
            s.bonus = TITLE_FOLDED
        s.score += s.bonus


def _as_typed(typed: list[str], title: str) -> bool:
    """Whether every typed word starts a word of the title, letter for letter."""
    words = [w.casefold() for w in split_words(title)]
    return all(any(t.startswith(w.casefold()) for t in words) for w in typed)
