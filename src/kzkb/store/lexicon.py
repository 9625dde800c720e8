"""Search's lexicon (thesaurus and gazetteer) in the index, read a query at a time.

Loading every label and name of the lexicon would cost a search more than
the search itself; in the index's lexicon tables, a query reads only the rows
of its own words. The tables are written again when the lexicon's signature
(the shipped data, the KB's own concepts, the build) differs from the one in
`meta`: once, by the first search after such a change. Living in the index,
the lexicon goes where --index says, like everything kzkb writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable

from kzkb.model import KzkbError
from kzkb.search.entries import Candidate, Entry
from kzkb.search.lexicon import Lexicon
from kzkb.store.damage import record_error
from kzkb.store.db import DEFAULT_TUNING, Tuning, begin_write, is_busy, read_meta, write_meta

_META = "lexicon"


class StoredLexicon:
    """The lexicon tables: search.ports.LexiconSource, and the stop words."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def candidates(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        wanted = list(keys)
        out: dict[str, list[Candidate]] = {}
        if not wanted:
            return out
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT key, forms, label, position FROM lexicon_first WHERE key IN ({marks})"
            " ORDER BY rowid",
            wanted,
        )
        try:
            for key, forms, label, position in rows:
                words = tuple(frozenset(f) for f in json.loads(forms))
                out.setdefault(key, []).append((words, label, position))
        except (ValueError, TypeError) as exc:
            raise record_error(exc) from None
        return out

    def entries_at(self, positions: Iterable[int]) -> dict[int, Entry]:
        wanted = list(positions)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            "SELECT position, id, kind, name, labels FROM lexicon_entries"
            f" WHERE position IN ({marks})",
            wanted,
        )
        try:
            return {
                position: Entry(
                    id_, kind, name, tuple((lang, lab) for lang, lab in json.loads(labels))
                )
                for position, id_, kind, name, labels in rows
            }
        except (ValueError, TypeError) as exc:
            raise record_error(exc) from None

    def stopwords(self) -> frozenset[str]:
        return frozenset(row[0] for row in self.db.execute("SELECT word FROM lexicon_stopwords"))


def stored_lexicon(
    db: sqlite3.Connection,
    name: str,
    signature: str,
    build: Callable[[], Lexicon],
    stopwords: Callable[[], frozenset[str]],
    tuning: Tuning = DEFAULT_TUNING,
) -> StoredLexicon:
    """The index's lexicon, written from `build()` and `stopwords()` first when
    its signature is not `signature`. An index that cannot be written (read
    only, or busy past the waits) gets a lexicon in memory for this process."""
    if read_meta(db, _META) == signature:
        return StoredLexicon(db)
    try:
        begin_write(db, name, tuning)
    except sqlite3.OperationalError as exc:
        if not is_busy(exc) and "readonly" not in str(exc):
            raise
        return _in_memory(build(), stopwords())
    except KzkbError:  # busy past the waits
        return _in_memory(build(), stopwords())
    try:
        if read_meta(db, _META) != signature:  # another process may have written it
            _fill(db, build(), stopwords())
            write_meta(db, _META, signature)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return StoredLexicon(db)


def _in_memory(lexicon: Lexicon, stop: frozenset[str]) -> StoredLexicon:
    from kzkb.store.db import SCHEMA

    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    _fill(db, lexicon, stop)
    return StoredLexicon(db)


def _fill(db: sqlite3.Connection, lexicon: Lexicon, stop: frozenset[str]) -> None:
    for table in ("lexicon_entries", "lexicon_first", "lexicon_stopwords"):
        db.execute(f"DELETE FROM {table}")
    db.executemany(
        "INSERT INTO lexicon_entries VALUES (?, ?, ?, ?, ?)",
        (
            (i, e.id, e.kind, e.name, json.dumps(e.labels, ensure_ascii=False))
            for i, e in enumerate(lexicon.entries)
        ),
    )
    db.executemany(
        "INSERT INTO lexicon_first VALUES (?, ?, ?, ?)",
        (
            (key, json.dumps([sorted(f) for f in forms], ensure_ascii=False), label, position)
            for key, found in lexicon.first.items()
            for forms, label, position in found
        ),
    )
    db.executemany("INSERT INTO lexicon_stopwords VALUES (?)", ((w,) for w in sorted(stop)))
