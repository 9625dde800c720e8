"""A new SQLite file of exported records (`kzkb export --format sqlite`).

The store is the one package that speaks SQLite; what goes in each row is
export's to decide (export/sqlite.py), what the tables are and how a new
file is filled is decided here. The tables are what Datasette and
sqlite-utils read as a catalogue: foreign keys from record_terms and links
to records and terms, and the full-text table in the shape sqlite-utils'
enable_fts makes (`content=[records]`), which both find by that shape.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

RECORD_COLUMNS = (
    "path", "url", "lang", "kind", "title", "description", "website", "date", "created",
    "aliases", "fields", "body",
)  # fmt: skip
SQLITE_SCHEMA = """
CREATE TABLE records (
  path TEXT PRIMARY KEY, url TEXT, lang TEXT, kind TEXT, title TEXT, description TEXT,
  website TEXT, date TEXT, created TEXT, aliases TEXT, fields TEXT, body TEXT{terms}
);
CREATE TABLE terms (
  id INTEGER PRIMARY KEY, taxonomy TEXT, slug TEXT, label TEXT, description TEXT,
  UNIQUE (taxonomy, slug)
);
CREATE TABLE record_terms (
  record_path TEXT REFERENCES records(path), taxonomy TEXT, slug TEXT, label TEXT,
  term_id INTEGER REFERENCES terms(id)
);
CREATE TABLE links (
  record_path TEXT REFERENCES records(path), target TEXT, text TEXT, line INTEGER,
  col INTEGER, kind TEXT, target_path TEXT REFERENCES records(path)
);
CREATE VIRTUAL TABLE [records_fts] USING FTS5 (
    [title], [description], [body],
    content=[records]
)
"""
# what finish() builds once every row is in: an index a row's join needs
FINISH = """
CREATE INDEX records_url ON records(url);
CREATE INDEX record_terms_record_path ON record_terms(record_path);
CREATE INDEX record_terms_term_id ON record_terms(term_id);
CREATE INDEX links_record_path ON links(record_path);
CREATE INDEX links_target_path ON links(target_path);
"""


def quoted(name: str) -> str:
    """`name` as an SQL identifier, whatever it holds (a taxonomy's name is the KB's)."""
    return '"' + name.replace('"', '""') + '"'


class ExportedDatabase:
    """A database written once, start to end, into a file of its own: no
    journal (the file is renamed into place only when whole). `term_columns`:
    a column of records each (a JSON array of a taxonomy's terms)."""

    def __init__(self, path: str, term_columns: Sequence[str] = ()) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("BEGIN")
        extra = "".join(f", {quoted(c)} TEXT" for c in term_columns)
        for statement in SQLITE_SCHEMA.format(terms=extra).split(";\n"):
            if statement.strip():
                self.db.execute(statement)
        marks = ", ".join("?" * (len(RECORD_COLUMNS) + len(term_columns)))
        self._insert = f"INSERT INTO records VALUES ({marks})"

    def add_record(
        self,
        row: Sequence[Any],
        terms: Iterable[Sequence[Any]],
        links: Iterable[Sequence[Any]],
    ) -> None:
        """One record's row, its (path, taxonomy, slug, label, term id) terms
        and its (path, target, text, line, col, kind, key) links; `key` is
        what the link's target resolves by (kzkb.hugo.links.link_key), made
        the path of the record it names in finish()."""
        self.db.execute(self._insert, row)
        self.db.executemany("INSERT INTO record_terms VALUES (?, ?, ?, ?, ?)", terms)
        self.db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?)", links)

    def finish(self, terms: Iterable[Sequence[Any]]) -> None:
        """The (id, taxonomy, slug, label, description) vocabulary, each link's
        target record among those written, the full-text index, commit."""
        self.db.executemany("INSERT INTO terms VALUES (?, ?, ?, ?, ?)", terms)
        for statement in FINISH.split(";\n"):
            if statement.strip():
                self.db.execute(statement)
        # a key is "path:<content path>" or the URL a page has; any other
        # (an external link, a ref shortcode's) names no record written
        self.db.execute(
            "UPDATE links SET target_path = CASE"
            " WHEN target_path LIKE 'path:%'"
            " THEN (SELECT path FROM records WHERE path = substr(links.target_path, 6))"
            " ELSE (SELECT path FROM records WHERE url = links.target_path) END"
            " WHERE target_path IS NOT NULL"
        )
        self.db.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
