"""The SQLite store behind every query: records, terms, URLs, links, full text.

SQLite's FTS5 gives BM25 ranking with per-column weights and snippets, so
ranking is the database's job, not a loop of ours.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from kzkb.model import Heading, Link, Record, Skipped

SCHEMA_VERSION = 1

# BM25 weights of the FTS columns: title > tags and categories > description > body.
FTS_WEIGHTS = (10.0, 5.0, 3.0, 1.0)

SCHEMA = """
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  lang TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  title_key TEXT NOT NULL,
  date TEXT,
  data TEXT NOT NULL
);
CREATE TABLE record_terms (
  record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  taxonomy TEXT NOT NULL,
  slug TEXT NOT NULL,
  label TEXT NOT NULL
);
CREATE INDEX record_terms_by_term ON record_terms(taxonomy, slug);
CREATE TABLE urls (
  url TEXT NOT NULL,
  record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  is_alias INTEGER NOT NULL
);
CREATE INDEX urls_by_url ON urls(url);
CREATE TABLE links (
  record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  target_url TEXT NOT NULL
);
CREATE INDEX links_by_target ON links(target_url);
CREATE TABLE skipped (path TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
  title, terms, description, body,
  tokenize = "unicode61 remove_diacritics 2"
);
"""


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot store {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$date" in obj:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def record_to_json(record: Record) -> str:
    data = {
        "path": record.path,
        "url": record.url,
        "lang": record.lang,
        "kind": record.kind,
        "title": record.title,
        "description": record.description,
        "fields": record.fields,
        "terms": record.terms,
        "term_labels": record.term_labels,
        "aliases": record.aliases,
        "body": record.body,
        "body_line": record.body_line,
        "text": record.text,
        "links": [[x.target, x.text, x.line, x.column, x.kind] for x in record.links],
        "headings": [[h.level, h.text, h.id, h.line] for h in record.headings],
        "mtime_ns": record.mtime_ns,
        "size": record.size,
    }
    return json.dumps(data, ensure_ascii=False, default=_encode)


def record_from_json(text: str) -> Record:
    data = json.loads(text, object_hook=_decode)
    data["links"] = [Link(*x) for x in data["links"]]
    data["headings"] = [Heading(*h) for h in data["headings"]]
    return Record(**data)


class Index:
    """A SQLite database of one KB's records."""

    def __init__(self, path: str = ":memory:") -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(SCHEMA)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    # --- writing -------------------------------------------------------------

    def replace_all(
        self,
        records: Iterable[Record],
        skipped: Iterable[Skipped],
        *,
        fts_text: Any,
        link_targets: Any,
    ) -> None:
        """Replace the whole content in one transaction.

        `fts_text(record)` gives the (title, terms, description, body) to index;
        `link_targets(record)` the normalised site URLs its links point at.
        """
        with self.db:
            self.db.execute("DELETE FROM records")
            self.db.execute("DELETE FROM fts")
            self.db.execute("DELETE FROM skipped")
            for record in records:
                cur = self.db.execute(
                    "INSERT INTO records(path, url, lang, kind, title, title_key, date, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.path,
                        record.url,
                        record.lang,
                        record.kind,
                        record.title,
                        record.title.casefold(),
                        record.date.isoformat() if record.date else None,
                        record_to_json(record),
                    ),
                )
                rid = cur.lastrowid
                self.db.executemany(
                    "INSERT INTO record_terms VALUES (?, ?, ?, ?)",
                    [
                        (rid, taxonomy, slug, label)
                        for taxonomy, slugs in record.terms.items()
                        for slug, label in zip(slugs, record.term_labels[taxonomy], strict=True)
                    ],
                )
                self.db.executemany(
                    "INSERT INTO urls VALUES (?, ?, ?)",
                    [(record.url, rid, 0)] + [(alias, rid, 1) for alias in record.aliases],
                )
                self.db.executemany(
                    "INSERT INTO links VALUES (?, ?)",
                    [(rid, target) for target in set(link_targets(record))],
                )
                self.db.execute(
                    "INSERT INTO fts(rowid, title, terms, description, body)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (rid, *fts_text(record)),
                )
            self.db.executemany(
                "INSERT INTO skipped VALUES (?, ?, ?)",
                [(s.path, s.line, s.reason) for s in skipped],
            )

    # --- reading -------------------------------------------------------------

    def _records(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        return [record_from_json(row[0]) for row in self.db.execute(sql, params)]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    def skipped(self) -> list[Skipped]:
        rows = self.db.execute("SELECT path, line, reason FROM skipped ORDER BY path")
        return [Skipped(*row) for row in rows]

    def select(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
        order: str = "path",
    ) -> list[Record]:
        """Records having every given term, of any given kind and lang."""
        where, params = self._where(terms, kinds, langs)
        order_by = {
            "path": "path",
            "title": "title_key, path",
            "date": "date IS NULL, date DESC, path",
        }[order]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self._records(f"SELECT data FROM records {clause} ORDER BY {order_by}", params)

    def matching_ids(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
    ) -> set[int] | None:
        """Ids passing the filters, or None when there are no filters."""
        where, params = self._where(terms, kinds, langs)
        if not where:
            return None
        sql = f"SELECT id FROM records WHERE {' AND '.join(where)}"
        return {row[0] for row in self.db.execute(sql, params)}

    @staticmethod
    def _where(
        terms: dict[str, list[str]] | None, kinds: Sequence[str], langs: Sequence[str]
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for taxonomy, slugs in (terms or {}).items():
            for slug in slugs:
                where.append(
                    "id IN (SELECT record_id FROM record_terms WHERE taxonomy = ? AND slug = ?)"
                )
                params += [taxonomy, slug]
        for column, values in (("kind", kinds), ("lang", langs)):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params += list(values)
        return where, params

    def by_url(self, url: str) -> list[Record]:
        return self._records(
            "SELECT data FROM records WHERE id IN (SELECT record_id FROM urls WHERE url = ?)"
            " ORDER BY path",
            (url,),
        )

    def by_path(self, path: str) -> list[Record]:
        return self._records("SELECT data FROM records WHERE path = ?", (path,))

    def by_title(self, title: str) -> list[Record]:
        return self._records(
            "SELECT data FROM records WHERE title_key = ? ORDER BY path", (title.casefold(),)
        )

    def by_slug(self, slug: str) -> list[Record]:
        pattern = f"%/{slug.casefold()}/"
        return self._records(
            "SELECT data FROM records WHERE id IN (SELECT record_id FROM urls WHERE url LIKE ?)"
            " ORDER BY path",
            (pattern,),
        )

    def titles_and_urls(self) -> list[tuple[str, str, str]]:
        """(title, url, path) of every record and alias, for suggestions."""
        return list(
            self.db.execute(
                "SELECT r.title, u.url, r.path FROM urls u JOIN records r ON r.id = u.record_id"
            )
        )

    def linking_to(self, urls: Sequence[str]) -> list[Record]:
        marks = ",".join("?" * len(urls))
        return self._records(
            f"SELECT data FROM records WHERE id IN"
            f" (SELECT record_id FROM links WHERE target_url IN ({marks})) ORDER BY path",
            list(urls),
        )

    def term_counts(self, taxonomy: str) -> dict[str, tuple[int, str]]:
        """slug -> (records using it, the spelling most records use)."""
        rows = self.db.execute(
            "SELECT slug, label, count(*) FROM record_terms WHERE taxonomy = ?"
            " GROUP BY slug, label ORDER BY count(*) DESC, label",
            (taxonomy,),
        )
        out: dict[str, tuple[int, str]] = {}
        for slug, label, n in rows:
            count, first = out.get(slug, (0, label))
            out[slug] = (count + n, first)
        return out

    def counts(self, column: str) -> dict[str, int]:
        if column not in ("kind", "lang"):
            raise ValueError(column)
        rows = self.db.execute(f"SELECT {column}, count(*) FROM records GROUP BY {column}")
        return dict(rows.fetchall())

    def search(self, match: str, limit: int, ids: set[int] | None = None) -> list[tuple[Any, ...]]:
        """(id, score, data, description snippet, body snippet), best first."""
        w = ", ".join(str(x) for x in FTS_WEIGHTS)
        sql = (
            f"SELECT fts.rowid, bm25(fts, {w}) AS rank, r.data,"
            " snippet(fts, 2, char(2), char(3), '…', 14),"
            " snippet(fts, 3, char(2), char(3), '…', 14)"
            " FROM fts JOIN records r ON r.id = fts.rowid"
            " WHERE fts MATCH ? ORDER BY rank"
        )
        out = []
        for row in self.db.execute(sql, (match,)):
            if ids is not None and row[0] not in ids:
                continue
            out.append(row)
            if len(out) >= limit:
                break
        return out
