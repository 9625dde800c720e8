"""The full-text part of the index: its vocabulary, which search.plan reads
to expand words, and the BM25-ranked MATCH."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from operator import itemgetter

from kzkb.model import KzkbError

_FIRST = itemgetter(0)

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
            rows = self.db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
            return set(map(_FIRST, rows))
        except sqlite3.OperationalError as exc:
            raise KzkbError(f"cannot search for that: {exc}", "simplify the query") from None

    def scores(self, match: str, among: Collection[int]) -> dict[int, float]:
        """BM25 (field-weighted, higher is better) of the records `match`
        finds, of those `among`: one pass over the match, since a rowid IN
        (...) constraint would make FTS5 run the match once per id."""
        w = ", ".join(str(x) for x in FTS_WEIGHTS)
        sql = f"SELECT rowid, -bm25(fts, {w}) FROM fts WHERE fts MATCH ?"
        wanted = among if isinstance(among, set | frozenset) else set(among)
        try:
            rows = self.db.execute(sql, (match,))
            return {rid: score for rid, score in rows if rid in wanted}
        except sqlite3.OperationalError as exc:
            raise KzkbError(f"cannot search for that: {exc}", "simplify the query") from None

    def titles(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """id -> (title, title folded) of these records."""
        ids = list(ids)
        out: dict[int, tuple[str, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT id, title, title_fold FROM records WHERE id IN ({marks})", chunk
            )
            out.update((rid, (title, folded)) for rid, title, folded in rows)
        return out
