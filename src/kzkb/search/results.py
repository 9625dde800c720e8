"""What a search or a listing is asked (Filters) and what it answers (Hit,
Results): plain data, apart from the searcher, so that the commands that
only list records do not load the search machinery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kzkb.model import Record

if TYPE_CHECKING:
    from kzkb.search.plan import Plan


@dataclass(slots=True)
class Filters:
    """What `list`, `search` and `export` narrow by.

    A record must carry every given taxonomy term (--tag a --tag b: both), and
    be of one of the given kinds and one of the given langs.
    """

    terms: dict[str, list[str]] = field(default_factory=dict)  # taxonomy -> slugs
    kinds: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)

    def merge(self, other: Filters) -> Filters:
        terms = {k: list(v) for k, v in self.terms.items()}
        for taxonomy, slugs in other.terms.items():
            terms.setdefault(taxonomy, []).extend(s for s in slugs if s not in terms[taxonomy])
        return Filters(terms, self.kinds + other.kinds, self.langs + other.langs)


@dataclass(frozen=True, slots=True)
class Hit:
    record: Record
    score: float
    snippet: str  # with \x02 ... \x03 around matched words
    matched: tuple[str, ...]  # fields the query matched
    explanation: Any = None  # search.explain.Explanation, with explain_hits: why it ranks here


@dataclass(slots=True)
class Results:
    """The hits shown, how many records matched in all, and what the query
    was read as (stop words dropped, facets taken)."""

    hits: list[Hit]
    total: int
    plan: Plan | None = None
    facets_as_filters: bool = False
