"""The full-text part of the index: its vocabulary, which search.plan reads
to expand words, and the BM25-ranked MATCH."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence

from kzkb.model import KzkbError, Record
from kzkb.store.codec import record_from_json
from kzkb.store.records import conditions

# BM25 weights of the FTS columns: title > terms > description > body.
FTS_WEIGHTS = (10.0, 5.0, 3.0, 1.0)


class FullText:
    """The FTS table; its vocabulary methods are search.Vocabulary's."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def has_prefix(self, prefix: str) -> bool:
        """Whether some indexed word starts with `prefix` (folded)."""
        row = self.db.execute(
            "SELECT 1 FROM fts_vocab WHERE term >= ? AND term < ? LIMIT 1",
            (prefix, prefix + "\U0010ffff"),
        ).fetchone()
        return row is not None

    def has_word(self, word: str) -> bool:
        row = self.db.execute("SELECT 1 FROM fts_vocab WHERE term = ?", (word,)).fetchone()
        return row is not None

    def words_from(self, first: str) -> list[tuple[str, int]]:
        """(word, documents) of the vocabulary starting with `first`."""
        return list(
            self.db.execute(
                "SELECT term, doc FROM fts_vocab WHERE term >= ? AND term < ?",
                (first, first + "\U0010ffff"),
            )
        )

    def ids(self, match: str) -> set[int]:
        """The ids of the records `match` (an FTS5 query) finds, unranked."""
        try:
            return {
                row[0]
                for row in self.db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
            }
        except sqlite3.OperationalError as exc:
            raise KzkbError(f"cannot search for that: {exc}", "simplify the query") from None

    def scores(self, match: str, among: Collection[int] | None = None) -> dict[int, float]:
        """BM25 (field-weighted, higher is better) of the records `match`
        finds, of those `among` only when given."""
        w = ", ".join(str(x) for x in FTS_WEIGHTS)
        sql = f"SELECT rowid, -bm25(fts, {w}) FROM fts WHERE fts MATCH ?"
        try:
            # one pass over the match: a rowid IN (...) constraint makes FTS5
            # run the match once per id, hundreds of times slower
            rows = dict(self.db.execute(sql, (match,)))
        except sqlite3.OperationalError as exc:
            raise KzkbError(f"cannot search for that: {exc}", "simplify the query") from None
        if among is None:
            return rows
        wanted = among if isinstance(among, set | frozenset | dict) else set(among)
        return {rid: score for rid, score in rows.items() if rid in wanted}

    def records(self, ids: Sequence[int]) -> dict[int, Record]:
        """The records of these ids."""
        out: dict[int, Record] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT id, data FROM record_data WHERE id IN ({marks})", chunk)
            out.update((rid, record_from_json(data)) for rid, data in rows)
        return out

    def titles(self, ids: Iterable[int]) -> dict[int, str]:
        ids = list(ids)
        out: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                self.db.execute(f"SELECT id, title FROM records WHERE id IN ({marks})", chunk)
            )
        return out

    def search(
        self,
        match: str,
        limit: int,
        *,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
    ) -> list[tuple[float, Record]]:
        """(bm25 score, record) of the records `match` (an FTS5 query) finds
        among those the filters choose, best first; higher is better."""
        where, params = conditions(terms, kinds, langs)
        w = ", ".join(str(x) for x in FTS_WEIGHTS)
        clause = "fts MATCH ?"
        if where:
            clause += f" AND fts.rowid IN (SELECT id FROM records WHERE {' AND '.join(where)})"
        # rank ids alone: carrying each candidate's data through the sort
        # would copy every matching record (tens of thousands) to find 60
        sql = (
            f"SELECT fts.rowid, bm25(fts, {w}) AS rank FROM fts WHERE {clause}"
            f" ORDER BY rank LIMIT {int(limit)}"
        )
        try:
            ranked = self.db.execute(sql, [match, *params]).fetchall()
        except sqlite3.OperationalError as exc:
            raise KzkbError(f"cannot search for that: {exc}", "simplify the query") from None
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        data = dict(
            self.db.execute(
                f"SELECT id, data FROM record_data WHERE id IN ({marks})", [r for r, _ in ranked]
            )
        )
        return [(-rank, record_from_json(data[rid])) for rid, rank in ranked]
