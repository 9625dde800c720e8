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

import heapq
import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kzkb.search.plan import WEAK, Group, Plan, fallbacks
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
# a word matching more records than this and a third of them is common
# (see _common); below it every word is weighed in full
COMMON = 10_000
# coverage: this share by the count of words matched, the rest by their IDF
COUNT_SHARE = 0.5
# the least an all-matching word counts, so that it still orders records
MIN_IDF = 0.05


@dataclass(slots=True)
class GroupScore:
    group: Group
    idf: float
    matched: dict[int, float]  # record id -> weight of its best alternative
    levels: list[tuple[float, set[int]]]  # the same as (weight, ids), as found


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
) -> tuple[list[tuple[float, set[int]]], int]:
    """(the records `group` matches, as (value, ids) levels: the weight of an
    alternative, less for a match in the body alone; how many records the
    word itself matches). Ids only: no ranking function runs."""
    by_weight: dict[float, list[str]] = {}
    for alt in group.alternatives:
        by_weight.setdefault(alt.weight, []).append(alt.match)
    levels: list[tuple[float, set[int]]] = []
    own = 0
    for weight, matches in by_weight.items():
        expr = " OR ".join(matches)
        ids = index.ids(expr)
        if allowed is not None:
            ids &= allowed
        if not ids:
            continue
        if weight >= 1.0:
            own = len(ids)
        head = index.ids(f"{{{' '.join(HEAD)}}} : ({expr})") & ids
        levels += [(weight * BODY_ONLY, ids - head), (weight, head)]
    return levels, own


def _by_value(levels: list[tuple[float, set[int]]], scale: float = 1.0) -> dict[int, float]:
    """record id -> the best value of the levels holding it, times `scale`:
    set and dict operations in C, lowest value first, so the best one stays."""
    out: dict[int, float] = {}
    for value, ids in sorted(levels, key=lambda level: level[0]):
        out.update(dict.fromkeys(ids, value * scale))
    return out


def idf(total: int, n: int) -> float:
    return max(MIN_IDF, math.log(1 + (total - n + 0.5) / (n + 0.5)))


def rank(
    plan: Plan,
    index: TextIndex,
    *,
    total: int,
    allowed: set[int] | None = None,
    boosted: set[int] | None = None,
    titles: Callable[[Iterable[int]], dict[int, tuple[str, str]]],
    limit: int | None = None,
) -> Ranking:
    """The records `plan` finds among `allowed` (None: all `total`), best first.

    `boosted`: the records of the kind or language the query's facet words
    asked for; they count as one more matched group. `limit` None: all.
    """
    scores: list[GroupScore] = []
    for group in plan.groups:
        levels, own = _sets(group, index, allowed)
        if not group.required and own <= WEAK:
            extra = [a for a in fallbacks(group, index) if a.match not in _matches(group)]
            if extra:
                group.alternatives += extra
                levels, own = _sets(group, index, allowed)
        matched = _by_value(levels)
        scores.append(GroupScore(group, idf(total, len(matched)), matched, levels))
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
    shares = [COUNT_SHARE / len(scores) + (1 - COUNT_SHARE) * s.idf / idf_sum for s in scores]
    # the word matching the most records first, its shares set in C; the
    # others added one record at a time
    order = sorted(range(len(scores)), key=lambda i: -len(scores[i].matched))
    first = scores[order[0]]
    coverage = first.matched if len(order) == 1 else _by_value(first.levels, shares[order[0]])
    if len(order) > 1:
        get = coverage.get
        for i in order[1:]:
            share = shares[i]
            for rid, value in scores[i].matched.items():
                coverage[rid] = get(rid, 0.0) + share * value
    if len(coverage) != len(candidates):
        coverage = {rid: coverage[rid] for rid in candidates}
    best = max(coverage.values())
    kept: Collection[int] = coverage.keys()
    if min(coverage.values()) < MIN_SHARE * best:
        kept = [rid for rid, c in coverage.items() if c >= MIN_SHARE * best]
    # only records that BM25 and the facet could lift into the first `limit`
    # need BM25: a word in every other record of 100,000 costs its pass
    reach = BM25_SHARE + (FACET if boosted else 0.0)
    contenders = kept
    if limit is not None and len(kept) > limit:
        floor = heapq.nlargest(limit, map(coverage.__getitem__, kept))[-1] - reach
        if min(map(coverage.__getitem__, kept)) < floor:
            contenders = [rid for rid in kept if coverage[rid] >= floor]
    bm25 = _bm25(scores, contenders, index)
    facet = dict.fromkeys(boosted or (), FACET)
    if bm25 or facet:
        score = {
            rid: coverage[rid] + BM25_SHARE * bm25.get(rid, 0.0) + facet.get(rid, 0.0)
            for rid in contenders
        }
    else:
        score = (
            coverage
            if contenders is kept and kept is coverage.keys()
            else {rid: coverage[rid] for rid in contenders}
        )
    # titles: only records whose title holds every word can earn a bonus;
    # every other score is final, so the first `limit` of them and the
    # records with a bonus are all that can come first
    in_title = _in_title(plan, scores, index) & set(kept)
    if in_title - score.keys():  # a title may lift a record from far below
        score = dict(score) if score is coverage else score
        for rid in in_title - score.keys():
            score[rid] = coverage[rid] + facet.get(rid, 0.0)
    bonus = _title_bonuses(plan, in_title, score, limit, titles)
    plain = score.keys() if limit is None else heapq.nlargest(limit, score, key=score.__getitem__)
    final = {rid: score[rid] + bonus.get(rid, 0.0) for rid in (*plain, *bonus)}
    best_ids = sorted(final, key=lambda rid: -final[rid])
    ordered = [
        Scored(rid, final[rid], coverage[rid], bm25.get(rid, 0.0), bonus.get(rid, 0.0))
        for rid in (best_ids if limit is None else best_ids[:limit])
    ]
    return Ranking(ordered, len(kept), scores)


def _title_bonuses(
    plan: Plan,
    in_title: set[int],
    score: dict[int, float],
    limit: int | None,
    titles: Callable[[Iterable[int]], dict[int, tuple[str, str]]],
) -> dict[int, float]:
    """The title bonus of each record whose title holds every query word:
    the exact title first, then a title that is another name of what the
    query names, then the words as typed, then the words only once folded.
    A record that even the word bonus would not bring into the first `limit`
    is not looked at: a word in 12,000 titles costs no 12,000 comparisons."""
    if not in_title:
        return {}
    found = titles(in_title)
    bonus: dict[int, float] = {}
    for rid, (_, folded) in found.items():
        if folded == plan.folded_query:
            bonus[rid] = EXACT_TITLE
        elif folded in plan.titles:
            bonus[rid] = OTHER_NAME
    floor = float("-inf")
    if limit is not None and len(score) > limit:
        # the scores without the exact bonuses: a floor no higher than the true one
        floor = heapq.nlargest(limit, score.values())[-1]
    for rid in in_title - bonus.keys():
        if score[rid] + TITLE_WORDS >= floor:
            typed = _as_typed(plan.typed, found[rid][0])
            bonus[rid] = TITLE_WORDS if typed else TITLE_FOLDED
    return bonus


def _in_title(plan: Plan, scores: list[GroupScore], index: TextIndex) -> set[int]:
    """Records whose title holds every word of the query, as typed or
    (when the query is one place's or concept's name) as any of its names."""
    whole = len(plan.titles) > 1
    literal = [
        " OR ".join(a.match for a in s.group.alternatives if whole or a.how in LITERAL)
        for s in scores
    ]
    if not literal or not all(literal):
        return set()
    return index.ids(" AND ".join(f"title : ({expr})" for expr in literal))


def _bm25(scores: list[GroupScore], among: list[int], index: TextIndex) -> dict[int, float]:
    """BM25 per word, scaled to 0..1 within the word and weighted as coverage
    is: a page that holds every synonym of one word (a guide) gains no more
    from that word than a record that holds one synonym in its title.

    A word found in most of a large KB's records says little about any of
    them, and scoring it would read them all: such a word adds no BM25."""
    text_weight = sum(s.idf for s in scores) or 1.0
    wanted = set(among)
    out: dict[int, float] = {}
    total = len(set().union(*(s.matched for s in scores)))
    for s in scores:
        if _common(len(s.matched), total):
            continue
        found = index.scores(" OR ".join(a.match for a in s.group.alternatives), wanted)
        top = max(found.values(), default=0.0) or 1.0
        for rid, value in found.items():
            out[rid] = out.get(rid, 0.0) + s.idf * s.matched[rid] * value / top / text_weight
    return out


def _common(matches: int, total: int) -> bool:
    """A word in a third of a large KB's records: scoring it with BM25 would
    read them all to tell little."""
    return matches > COMMON and matches * 3 > total


def _matches(group: Group) -> set[str]:
    return {a.match for a in group.alternatives}


def _as_typed(typed: list[str], title: str) -> bool:
    """Whether every typed word starts a word of the title, letter for letter."""
    words = [w.casefold() for w in split_words(title)]
    return all(any(t.startswith(w.casefold()) for t in words) for w in typed)
