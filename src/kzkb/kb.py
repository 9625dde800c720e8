"""The knowledge base as a library: open it, then list, find, search, count.

The CLI is a thin shell over this module; it never touches SQLite or files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzkb.choosing import suggest, validated_filters
from kzkb.hugo.paths import translation_paths
from kzkb.listing import prescan
from kzkb.model import KzkbError, Record, Skipped, Term
from kzkb.search.query import FILTER_FIELDS, Query, parse_query
from kzkb.search.results import Filters, Hit, Results
from kzkb.settings.config import Config, open_config
from kzkb.store.db import default_index_path
from kzkb.store.index import Index
from kzkb.store.refresh import Progress, RefreshStats
from kzkb.store.stored import Stored
from kzkb.urls import normalize_url

if TYPE_CHECKING:
    from kzkb.searcher import Searcher

SORTS = ("path", "title", "date")


def _finish_interrupted(root: Path) -> None:
    """Finish or undo a kzkb mv stopped midway (its journal is in the KB
    root; see kzkb.journal), before anything reads the KB."""
    if any(os.path.lexists(root / f".kzkb-mv-journal.json{x}") for x in ("", ".part")):
        from kzkb.journal import recover

        recover(root)


class KnowledgeBase:
    def __init__(
        self,
        config: Config,
        index: Index,
        last_refresh: RefreshStats | None,
        progress: Progress | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self._last_refresh = last_refresh
        self._progress = progress
        self._fresh: bool | None = None if last_refresh is None else True
        self._stamp: str | None = None
        self._searcher: Searcher | None = None

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        index_path: str | os.PathLike[str] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        defer: bool = False,
    ) -> KnowledgeBase:
        """Find the KB (see config.find_kb) and bring its index up to date.

        The index is `index_path`, else $KZKB_INDEX, else one file per KB in
        the user cache directory; ":memory:" keeps it in memory.

        `defer`: when the KB's change scan is already running (kzkb.listing.prescan)
        and the index was filled before, answer from the index at once and
        leave the refresh to `settle()`, which the caller must call before
        trusting an answer; the scan and the query then run side by side.
        """
        config = open_config(path)
        _finish_interrupted(config.root)
        given = index_path or os.environ.get("KZKB_INDEX")
        where = given or default_index_path(config)
        try:
            index = Index.open(where, owned=not given)
        except OSError as exc:
            raise KzkbError(
                f"cannot create the index at {where}: {exc.strerror or exc}",
                "pass --index PATH (or set KZKB_INDEX) to a writable place",
            ) from None
        if defer and not rebuild and prescan.running(config.content_dir) and index.filled(config):
            base = cls(config, index, None, progress)
            # read before any query: should another process refresh the index
            # meanwhile, a query may read the old state, and settle() must know
            base._stamp = index.stamp()
            return base
        stats = index.refresh(config, rebuild=rebuild, progress=progress)
        return cls(config, index, stats)

    def settle(self, progress: Progress | None = None) -> bool:
        """Refresh a deferred index; True if it was already up to date, so
        that answers computed before stand."""
        if self._fresh is None:
            stats = self.index.refresh(self.config, progress=progress or self._progress)
            self._last_refresh = stats
            changed = stats.added or stats.changed or stats.removed or stats.rebuilt
            # another process may have refreshed it between our queries and now
            self._fresh = not changed and self.index.stamp() == self._stamp
        return self._fresh

    def close(self) -> None:
        """Close the index: a long-lived process (a language server, a test
        run) opens many and must not keep each one's files open."""
        self.index.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def last_refresh(self) -> RefreshStats:
        self.settle()
        assert self._last_refresh is not None
        return self._last_refresh

    @property
    def root(self) -> Path:
        return self.config.root

    def skipped(self) -> list[Skipped]:
        return self.index.records.skipped()

    # --- filters -------------------------------------------------------------

    def filters(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: list[str] | None = None,
        langs: list[str] | None = None,
    ) -> Filters:
        """Validated filters: terms by any spelling; unknown values are errors
        that name the nearest known ones (kzkb.choosing)."""
        return validated_filters(self, terms, kinds, langs)

    def known_terms(self, taxonomy: str) -> set[str]:
        used = set(self.index.records.term_counts(taxonomy))
        return used | set(self.config.vocabulary.get(taxonomy, {}))

    # --- queries ---------------------------------------------------------------

    def list(self, filters: Filters | None = None, sort: str = "path") -> list[Record]:
        if sort not in SORTS:
            raise KzkbError(f"unknown sort {sort!r}", f"use one of: {', '.join(SORTS)}")
        f = filters or Filters()
        return self.index.records.select(f.terms, f.kinds, f.langs, order=sort)

    def parse(self, text: str) -> tuple[Query, Filters]:
        """A query string and the filters written inside it (category:ingo)."""
        names = set(FILTER_FIELDS)
        for taxonomy_names in self.config.taxonomy_names().values():
            names |= set(taxonomy_names)  # country: as --country, on any site
        query = parse_query(text, names)
        terms: dict[str, list[str]] = {}
        kinds: list[str] = []
        langs: list[str] = []
        for name, values in query.filters.items():
            if name == "kind":
                kinds += values
            elif name == "lang":
                langs += values
            else:
                terms.setdefault(name, []).extend(values)
        return query, self.filters(terms, kinds, langs)

    def search(
        self, text: str, filters: Filters | None = None, limit: int | None = 20
    ) -> list[Hit]:
        """Ranked records for a query; see `query`."""
        return self.query(text, filters, limit).hits

    def query(
        self,
        text: str,
        filters: Filters | None = None,
        limit: int | None = 20,
        explain_hits: bool = False,
    ) -> Results:
        """Ranked records for a query (kzkb.searcher), the first `limit` of
        them (None: all), and how many matched in all."""
        query, inline = self.parse(text)
        f = (filters or Filters()).merge(inline)
        if query.is_empty:
            if query.excluded or not query.filters:
                raise KzkbError(
                    f"no words to search for in {text!r}",
                    'give at least one word besides -exclusions, e.g. kzkb search "feminist"',
                )
            # filters alone (category:ingo): every matching record, like `list`
            found = self.list(f)
            return Results([Hit(r, 0.0, "", ()) for r in found[:limit]], len(found))
        if self._searcher is None:
            # here, not at the top: the commands that only list or check
            # records never load the search machinery (about 20 ms)
            from kzkb.searcher import Searcher

            self._searcher = Searcher(self.config, self.index)
        return self._searcher.run(query, f, limit, explain_hits, self.list)

    def records(self, query: str = "", filters: Filters | None = None) -> Iterator[Record]:
        """What export writes: every record matching the filters and, if
        given, the query (as `search` matches it), in path order."""
        f = filters or Filters()
        if not query.strip():
            yield from self.stored(f)
            return
        hits = self.search(query, f, limit=None)
        yield from sorted((h.record for h in hits), key=lambda r: r.path)

    def stored(self, filters: Filters | None = None) -> Any:
        """The records the filters choose, by id in the index (store.stored.Stored),
        which export can read in parallel."""

        f = filters or Filters()
        return Stored(self.index, self.index.records.ids_in_order(f.terms, f.kinds, f.langs))

    def find(self, ref: str, cwd: Path | None = None) -> Record:
        """One record by any name a user has for it (see kzkb.store.refs)."""
        from kzkb.store.refs import find_record  # start-up: only show resolves a reference

        return find_record(self.index, self.config, ref, cwd)

    def backlinks(self, record: Record) -> list[Record]:
        """Records whose links point at this record's URL or an alias of it."""
        return [
            r
            for r in self.index.records.linking_to(
                [record.url, *record.aliases, "path:" + record.path]
            )
            if r.path != record.path
        ]

    def translations(self, record: Record) -> list[Record]:
        """The same page in the KB's other languages."""

        out: list[Record] = []
        config = self.config
        for lang in config.languages:
            if lang == record.lang:
                continue
            found = [
                r
                for path in translation_paths(record.path, config, lang)
                for r in self.index.records.by_path(path)
                if r.lang == lang
            ]
            if not found:  # paired by URL instead: /guides/a/ and /kk/guides/a/
                prefix = config.url_prefix(record.lang)
                own = record.url
                if prefix and own.startswith(prefix + "/"):
                    own = own[len(prefix) :]
                found = self.index.records.by_url(normalize_url(config.url_prefix(lang) + own))
            out += [r for r in found if r.path not in {x.path for x in out}]
        return out

    def terms(self, taxonomy: str = "category") -> list[Term]:
        name = self.config.taxonomy_for(taxonomy)
        if name is None:
            near = suggest(taxonomy, sorted(self.config.taxonomies))
            hint = (
                f"did you mean {' or '.join(near)}?"
                if near
                else (f"use one of: {', '.join(self.config.taxonomies)}")
            )
            raise KzkbError(f"unknown taxonomy {taxonomy!r}", hint)
        used = self.index.records.term_counts(name)
        vocab = self.config.vocabulary.get(name, {})
        out = []
        for slug in sorted(set(used) | set(vocab)):
            count, spelled = used.get(slug, (0, slug))
            definition = vocab.get(slug)
            label = definition.label if definition else spelled
            out.append(Term(name, slug, label, count, definition.description if definition else ""))
        return sorted(out, key=lambda t: (-t.count, t.slug))

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            "kind": self.index.records.counts("kind"),
            "lang": self.index.records.counts("lang"),
        }

    def stats(self) -> dict[str, Any]:
        """Coverage at a glance: records per term of every taxonomy (as most
        records spell it), per kind and language, and per year created."""
        taxonomies: dict[str, dict[str, int]] = {}
        for singular, plural in self.config.taxonomies.items():
            used = self.index.records.term_counts(singular)
            vocab = self.config.vocabulary.get(singular, {})
            counts = {
                (vocab[slug].label if slug in vocab else spelled): n
                for slug, (n, spelled) in used.items()
            }
            taxonomies[plural] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        years = self.index.records.per_year()
        undated = years.pop("", 0)
        return {
            "records": self.index.records.count(),
            "taxonomies": taxonomies,
            "kind": self.index.records.counts("kind"),
            "lang": self.index.records.counts("lang"),
            "created": dict(sorted(years.items())),
            "created_unknown": undated,
        }
