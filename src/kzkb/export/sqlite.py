"""SQLite: records, terms, record_terms and links tables and an FTS index,
ready for Datasette or sqlite-utils."""

from __future__ import annotations

import json
from collections.abc import Iterable

from kzkb.config import Config
from kzkb.export.shapes import dumps
from kzkb.model import Record

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


def write_sqlite(records: Iterable[Record], path: str, config: Config, body: bool = True) -> int:
    """records, terms, record_terms and links tables and an FTS index, ready
    for Datasette or sqlite-utils."""
    import sqlite3

    from kzkb.urls import term_slug

    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a new file, renamed into place when whole
        db.execute("BEGIN")
        for statement in SQLITE_SCHEMA.split(";\n"):
            if statement.strip():
                db.execute(statement)
        terms: dict[tuple[str, str], str] = {}
        for taxonomy, vocabulary in config.vocabulary.items():
            for slug, definition in vocabulary.items():
                terms[(taxonomy, slug)] = definition.label
        count = 0
        for record in records:
            count += 1
            db.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.path, record.url, record.lang, record.kind, record.title,
                    record.description, record.website or None,
                    record.date.isoformat() if record.date else None,
                    record.created.isoformat() if record.created else None,
                    json.dumps(record.aliases, ensure_ascii=False),
                    dumps(record.fields),
                    record.body if body else None,
                ),
            )  # fmt: skip
            for taxonomy, labels in record.term_labels.items():
                for label in labels:
                    slug = term_slug(label)
                    terms.setdefault((taxonomy, slug), label)
                    db.execute(
                        "INSERT INTO record_terms VALUES (?, ?, ?, ?)",
                        (record.path, taxonomy, slug, label),
                    )
            db.executemany(
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)",
                [(record.path, x.target, x.text, x.line, x.column, x.kind) for x in record.links],
            )
        db.executemany(
            "INSERT INTO terms VALUES (?, ?, ?)", [(t, s, label) for (t, s), label in terms.items()]
        )
        db.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
        db.execute("COMMIT")
    finally:
        db.close()
    return count
