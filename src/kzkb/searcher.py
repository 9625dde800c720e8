"""Search over an open index: from a parsed query to ranked hits.

The steps are kzkb.search's (plan, rank, highlight); this module feeds them
the index and the lexicon, and turns facet words into boosts or filters.
"""

from __future__ import annotations

from collections.abc import Callable

from kzkb.model import Record
from kzkb.search import resources
from kzkb.search.facets import Facets, language_name
from kzkb.search.highlight import matched_fields, snippet
from kzkb.search.plan import plan
from kzkb.search.query import Query, site_host
from kzkb.search.rank import Ranking, Scored, rank
from kzkb.search.results import Filters, Hit, Results
from kzkb.settings.config import Config
from kzkb.store.index import Index
from kzkb.store.lexicon import StoredLexicon
from kzkb.store.stored import Stored
from kzkb.urls import term_slug


class Searcher:
    def __init__(self, config: Config, index: Index) -> None:
        self.config = config
        self.index = index
        self._lexicon: StoredLexicon | None = None

    def run(
        self,
        query: Query,
        f: Filters,
        limit: int | None,
        explain_hits: bool,
        listing: Callable[[Filters], list[Record]],
    ) -> Results:
        """The records `query` finds among those `f` chooses; `listing` lists
        records by filters alone, for a query of facet words only."""
        lexicon = self.lexicon()
        fulltext = self.index.fulltext
        kinds = sorted(set(self.config.kinds.values()))
        p = plan(query, fulltext, lexicon, lexicon.stopwords(), kinds)
        allowed = None
        if f.terms or f.kinds or f.langs:
            allowed = set(self.index.records.ids_in_order(f.terms, f.kinds, f.langs))
        for part in query.urls:  # url:feminita.kz, url:feminita: a filter
            sites = self._sites(part, exact=False)
            allowed = sites if allowed is None else allowed & sites
        if not p.groups:  # only words about the result: "guides in Russian"
            if query.urls:  # url:… alone: the records at that site, in path order
                chosen = Stored(self.index, sorted(allowed or ()), command="search")
                listed = sorted(chosen, key=lambda r: r.path)
            else:
                listed = listing(f)
            found = [r for r in listed if self._faceted(r, p.facets)]
            return Results([Hit(r, 0.0, "", ()) for r in found[:limit]], len(found), p, True)
        boosted = self._facet_ids(p.facets) if p.facets else None
        total = len(allowed) if allowed is not None else self.index.records.count()
        ranking = rank(
            p,
            fulltext,
            total=total,
            allowed=allowed,
            boosted=boosted,
            titles=fulltext.titles,
            limit=limit,
        )
        if query.addresses:
            ranking = self._sites_first(ranking, query.addresses, allowed, limit)
        # read in the order ranked, as export reads what it writes
        records = Stored(self.index, [s.id for s in ranking.hits], command="search")
        hits = []
        for scored, record in zip(ranking.hits, records, strict=True):
            if not record.text and record.body:  # the index keeps the body, not its text
                # start-up: only a search reads a body, for its snippets
                from kzkb.parse.page import plain_text

                record.text = plain_text(record.path, record.body)
            why = None
            if explain_hits:
                from kzkb.search.explain import explain  # start-up: only --explain needs it

                why = explain(record, scored, ranking, boosted)
            hits.append(
                Hit(record, scored.score, snippet(record, p), matched_fields(record, p), why)
            )
        return Results(hits, ranking.total, p)

    def _sites(self, part: str, exact: bool) -> set[int]:
        """The records whose organisation's site (front-matter `url`) is at the
        host `part` (exact: feminita.kz, www. or not), or holds it (url:femin)."""
        like = "%" + part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        field = "json_extract(data, '$.fields.url')"
        rows = self.index.db.execute(
            f"SELECT id, {field} FROM record_data WHERE {field} LIKE ? ESCAPE '\\'", (like,)
        )
        found = set()
        for rid, url in rows:
            if not isinstance(url, str):
                continue
            host = site_host(url) if exact else None
            if (host == part) if exact else part in url.casefold():
                found.add(rid)
        return found

    def _sites_first(
        self, ranking: Ranking, hosts: list[str], allowed: set[int] | None, limit: int | None
    ) -> Ranking:
        """The ranking with the records whose site a query's address names
        first (feminita.kz: Feminita), whether or not their text matched."""
        sites: set[int] = set()
        for host in hosts:
            sites |= self._sites(host, exact=True)
        if allowed is not None:
            sites &= allowed
        if not sites:
            return ranking
        top = ranking.hits[0].score if ranking.hits else 0.0
        first = [Scored(rid, top + 1.0, 1.0, 1.0, 1.0) for rid in sorted(sites)]
        rest = [s for s in ranking.hits if s.id not in sites]
        hits = first + rest
        total = ranking.total + len([i for i in sites if i not in {s.id for s in ranking.hits}])
        return Ranking(hits[:limit] if limit else hits, max(total, len(first)), ranking.groups)

    def lexicon(self) -> StoredLexicon:
        """Search's thesaurus and gazetteer with the KB's own concepts."""
        if self._lexicon is None:
            concepts = self.config.concepts
            self._lexicon = self.index.lexicon(
                resources.signature(concepts),
                lambda: resources.build(concepts),
                resources.read_stopwords,
            )
        return self._lexicon

    def _language_term(self, code: str) -> tuple[str, str] | None:
        taxonomy = self.config.taxonomy_for("language")
        return (taxonomy, term_slug(language_name(code))) if taxonomy else None

    def _faceted(self, record: Record, facets: Facets) -> bool:
        if facets.kinds and record.kind not in facets.kinds:
            return False
        if not facets.langs:
            return True
        if record.lang in facets.langs:
            return True
        for code in facets.langs:
            term = self._language_term(code)
            if term and term[1] in record.terms.get(term[0], []):
                return True
        return False

    def _facet_ids(self, facets: Facets) -> set[int]:
        """The records of the kinds and languages the query's words asked for."""
        out: set[int] | None = None
        if facets.kinds:
            out = set(self.index.records.ids_in_order(kinds=facets.kinds))
        if facets.langs:
            langs = set(self.index.records.ids_in_order(langs=facets.langs))
            for code in facets.langs:
                term = self._language_term(code)
                if term:
                    langs |= set(self.index.records.ids_in_order({term[0]: [term[1]]}))
            out = langs if out is None else out & langs
        return out or set()
