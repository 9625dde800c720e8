"""Search's lexicon (thesaurus and gazetteer) on disk, read a query at a time.

Loading every label and name of the lexicon would cost a search more than
the search itself; kept in SQLite, a query reads only the rows of its own
words. One file per lexicon signature (the shipped data, the KB's own
concepts, the build) in kzkb's cache folder: written once, atomically, and
only read after that, so any number of processes share it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from kzkb.search.entries import Candidate, Entry
from kzkb.search.lexicon import Lexicon

_SCHEMA = """
CREATE TABLE entries (position INTEGER PRIMARY KEY, id TEXT, kind TEXT, name TEXT, labels TEXT);
CREATE TABLE first (key TEXT NOT NULL, forms TEXT NOT NULL, label TEXT NOT NULL,
                    position INTEGER NOT NULL);
CREATE INDEX first_key ON first (key);
CREATE TABLE stopwords (word TEXT PRIMARY KEY) WITHOUT ROWID;
"""


class StoredLexicon:
    """A lexicon file: search.lexicon.LexiconSource, and the stop words."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def candidates(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        wanted = list(keys)
        out: dict[str, list[Candidate]] = {}
        if not wanted:
            return out
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT key, forms, label, position FROM first WHERE key IN ({marks}) ORDER BY rowid",
            wanted,
        )
        for key, forms, label, position in rows:
            words = tuple(frozenset(f) for f in json.loads(forms))
            out.setdefault(key, []).append((words, label, position))
        return out

    def entries_at(self, positions: Iterable[int]) -> dict[int, Entry]:
        wanted = list(positions)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT position, id, kind, name, labels FROM entries WHERE position IN ({marks})",
            wanted,
        )
        return {
            position: Entry(id_, kind, name, tuple((lang, lab) for lang, lab in json.loads(labels)))
            for position, id_, kind, name, labels in rows
        }

    def stopwords(self) -> frozenset[str]:
        return frozenset(row[0] for row in self.db.execute("SELECT word FROM stopwords"))


def open_lexicon(
    folder: Path,
    signature: str,
    build: Callable[[], Lexicon],
    stopwords: Callable[[], frozenset[str]],
) -> StoredLexicon:
    """The lexicon file of `signature` below `folder`, written from `build()`
    and `stopwords()` the first time; in memory when the folder is not writable."""
    path = folder / f"lexicon-{signature}.sqlite"
    if not path.is_file():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write(path, build(), stopwords())
        except OSError:
            db = sqlite3.connect(":memory:")
            _fill(db, build(), stopwords())
            return StoredLexicon(db)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return StoredLexicon(db)


def _fill(db: sqlite3.Connection, lexicon: Lexicon, stop: frozenset[str]) -> None:
    db.executescript(_SCHEMA)
    db.executemany(
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
        (
            (i, e.id, e.kind, e.name, json.dumps(e.labels, ensure_ascii=False))
            for i, e in enumerate(lexicon.entries)
        ),
    )
    db.executemany(
        "INSERT INTO first VALUES (?, ?, ?, ?)",
        (
            (key, json.dumps([sorted(f) for f in forms], ensure_ascii=False), label, position)
            for key, found in lexicon.first.items()
            for forms, label, position in found
        ),
    )
    db.executemany("INSERT INTO stopwords VALUES (?)", ((w,) for w in sorted(stop)))
    db.commit()


def _write(path: Path, lexicon: Lexicon, stop: frozenset[str]) -> None:
    """Written beside its place and renamed over it: a reader never sees half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        db = sqlite3.connect(tmp)
        try:
            _fill(db, lexicon, stop)
        finally:
            db.close()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
