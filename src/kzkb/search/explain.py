"""Why a record ranks where it does: per query word, what matched it (the
word, a stem, a concept's label, a place's name, a typo correction), in which
fields, and what that added to the score."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kzkb.model import Record
from kzkb.search.columns import fts_columns
from kzkb.search.highlight import first_found
from kzkb.search.rank import BM25_SHARE, BODY_ONLY, COUNT_SHARE, FACET, Ranking, Scored


@dataclass(frozen=True, slots=True)
class Part:
    text: str  # the query word(s) as typed
    how: str  # word, stem, turkic, split, joined, concept, place, typo, phrase
    form: str  # the form or label that matched ('' when nothing did)
    entry: str  # the concept or place id
    fields: tuple[str, ...]  # where it matched
    weight: float  # of the alternative
    idf: float  # of the query word in this KB
    share: float  # what it added to the coverage (0..1)


@dataclass(frozen=True, slots=True)
class Explanation:
    parts: tuple[Part, ...]
    coverage: float
    bm25: float  # 0..1 among the matches, times BM25_SHARE in the score
    bonus: float  # for the title
    score: float
    facet: float = 0.0  # for being of the kind or language the query asked for
    bm25_share: float = BM25_SHARE
    missing: tuple[str, ...] = field(default_factory=tuple)  # query words it lacks


def explain(
    record: Record, scored: Scored, ranking: Ranking, boosted: set[int] | None
) -> Explanation:
    columns = fts_columns(record)
    idf_sum = sum(g.idf for g in ranking.groups) or 1.0
    count = len(ranking.groups) or 1
    parts: list[Part] = []
    missing: list[str] = []
    for g in ranking.groups:
        weight = g.matched.get(scored.id, 0.0)
        if not weight:
            missing.append(g.group.text)
            continue
        share = COUNT_SHARE * weight / count + (1 - COUNT_SHARE) * g.idf * weight / idf_sum
        # the alternative's own weight, or that less for a match in the body alone
        candidates = [
            a
            for a in g.group.alternatives
            if math.isclose(a.weight, weight) or math.isclose(a.weight * BODY_ONLY, weight)
        ]
        # no pattern found it (a NEAR label): the index did; the fields stay unknown
        chosen, where = first_found(candidates, columns) or (candidates[0], ())
        parts.append(
            Part(g.group.text, chosen.how, chosen.form, chosen.entry, where, weight, g.idf, share)
        )
    facet = FACET if boosted and scored.id in boosted else 0.0
    return Explanation(
        tuple(parts), scored.coverage, scored.bm25, scored.bonus, scored.score, facet,
        missing=tuple(missing),
    )  # fmt: skip
