"""A new SQLite file of exported records (`kzkb export --format sqlite`).

The store is the one package that speaks SQLite; what goes in each row is
export's to decide (export/sqlite.py), what the tables are and how a new
file is filled is decided here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

SQLITE_SCHEMA = """
CREATE TABLE records (
  path TEXT PRIMARY KEY, url TEXT, lang TEXT, kind TEXT, title TEXT, description TEXT,
  website TEXT, date TEXT, created TEXT, aliases TEXT, fields TEXT, body TEXT
);
CREATE TABLE terms (taxonomy TEXT, slug TEXT, label TEXT, PRIMARY KEY (taxonomy, slug));
CREATE TABLE record_terms (
  record_path TEXT REFERENCES records(path), taxonomy TEXT, slug TEXT, label TEXT
);
CREATE TABLE links (
  record_path TEXT REFERENCES records(path), target TEXT, text TEXT, line INTEGER,
  col INTEGER, kind TEXT
);
CREATE VIRTUAL TABLE records_fts USING fts5(
  title, description, body, content='records', content_rowid='rowid'
);
"""


class ExportedDatabase:
    """A database written once, start to end, into a file of its own: no
    journal (the file is renamed into place only when whole)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("BEGIN")
        for statement in SQLITE_SCHEMA.split(";\n"):
            if statement.strip():
                self.db.execute(statement)

    def add_record(
        self,
        row: Sequence[Any],
        terms: Iterable[Sequence[Any]],
        links: Iterable[Sequence[Any]],
    ) -> None:
        """One record's row, its (path, taxonomy, slug, label) terms and its
        (path, target, text, line, col, kind) links."""
        self.db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        self.db.executemany("INSERT INTO record_terms VALUES (?, ?, ?, ?)", terms)
        self.db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)", links)

    def finish(self, terms: Iterable[Sequence[Any]]) -> None:
        """The (taxonomy, slug, label) vocabulary, the full-text index, commit."""
        self.db.executemany("INSERT INTO terms VALUES (?, ?, ?)", terms)
        self.db.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
