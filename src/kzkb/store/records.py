"""Queries of whole records and their counts: what list, show, find, stats
and export read."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

from kzkb.model import Record, Skipped
from kzkb.store.codec import record_from_json

_DATA = "SELECT d.data FROM records JOIN record_data d ON d.id = records.id"

ORDERS = {
    "path": "path",
    "title": "title_key, path",
    "date": "date IS NULL, date DESC, path",
}


class RecordRef(NamedTuple):
    id: int
    url: str
    lang: str
    kind: str


class Located(NamedTuple):
    path: str
    url: str
    lang: str


class Named(NamedTuple):
    """A title and one URL (or alias) of a record, for suggestions."""

    title: str
    url: str
    path: str


class SectionFolder(NamedTuple):
    lang: str
    top: str
    second: str  # "" for a record directly in the top folder


def conditions(
    terms: dict[str, list[str]] | None, kinds: Sequence[str], langs: Sequence[str]
) -> tuple[list[str], list[Any]]:
    """SQL conditions on `records` for the filters: every term, any kind, any lang."""
    where: list[str] = []
    params: list[Any] = []
    for taxonomy, slugs in (terms or {}).items():
        for slug in slugs:
            where.append(
                "records.id IN (SELECT record_id FROM record_terms WHERE taxonomy = ? AND slug = ?)"
            )
            params += [taxonomy, slug]
    for column, values in (("kind", kinds), ("lang", langs)):
        if values:
            where.append(f"records.{column} IN ({','.join('?' * len(values))})")
            params += list(values)
    return where, params


class Records:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def _records(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        return [record_from_json(row[0]) for row in self.db.execute(sql, params)]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    def skipped(self) -> list[Skipped]:
        rows = self.db.execute(
            "SELECT path, skipped_line, skipped_reason FROM files"
            " WHERE skipped_reason IS NOT NULL ORDER BY path"
        )
        return [Skipped(*row) for row in rows]

    def select(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
        order: str = "path",
        limit: int | None = None,
    ) -> list[Record]:
        """Records having every given term, of any given kind and lang."""
        where, params = conditions(terms, kinds, langs)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        tail = f" LIMIT {int(limit)}" if limit else ""
        return self._records(f"{_DATA} {clause} ORDER BY {ORDERS[order]}{tail}", params)

    def ids_in_order(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
    ) -> list[int]:
        """Ids of the records the filters choose, in path order."""
        where, params = conditions(terms, kinds, langs)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(f"SELECT id FROM records {clause} ORDER BY path", params)
        return [row[0] for row in rows]

    def data_of(self, ids: Sequence[int]) -> list[str]:
        """The stored JSON of these records, in the order given."""
        marks = ",".join("?" * len(ids))
        found = dict(
            self.db.execute(f"SELECT id, data FROM record_data WHERE id IN ({marks})", list(ids))
        )
        return [found[i] for i in ids if i in found]

    def by_url(self, url: str) -> list[Record]:
        return self._records(
            f"{_DATA} WHERE records.id IN (SELECT record_id FROM urls WHERE url = ?) ORDER BY path",
            (url,),
        )

    def by_path(self, path: str) -> list[Record]:
        return self._records(f"{_DATA} WHERE path = ?", (path,))

    def by_title(self, title: str) -> list[Record]:
        return self._records(f"{_DATA} WHERE title_key = ? ORDER BY path", (title.casefold(),))

    def by_slug(self, slug: str) -> list[Record]:
        # the URL's last segment compared as text, as LIKE did (ASCII letters
        # in any case), but never as a pattern: `_` and `%` in a slug are
        # letters, and a slug of any length is no "pattern too complex"
        tail = f"/{slug.casefold()}/"
        return self._records(
            f"{_DATA} WHERE records.id IN"
            " (SELECT record_id FROM urls WHERE lower(substr(url, -?)) = ?) ORDER BY path",
            (len(tail), tail),
        )

    def linking_to(self, keys: Sequence[str]) -> list[Record]:
        marks = ",".join("?" * len(keys))
        return self._records(
            f"{_DATA} WHERE records.id IN"
            f" (SELECT record_id FROM links WHERE key IN ({marks})) ORDER BY path",
            list(keys),
        )

    def titles_and_urls(self) -> list[Named]:
        """Every record's title with each of its URLs and aliases."""
        rows = self.db.execute(
            "SELECT r.title, u.url, r.path FROM urls u JOIN records r ON r.id = u.record_id"
        )
        return [Named._make(row) for row in rows]

    def titles(self) -> list[str]:
        """Every record's title, in the order of their ids."""
        return self._in_order("title")[0]

    def paths_and_titles(self) -> tuple[list[str], list[str]]:
        """Every record's path and title, in the order of their ids, read together."""
        paths, titles = self._in_order("path", "title")
        return paths, titles

    def _in_order(self, *columns: str) -> list[list[str]]:
        """Columns of every record by id, each read as one string SQLite
        joins: a row a record cost twice the time (100,000 titles: 0.02 s)."""
        joined = ", ".join(f"group_concat({c}, char(0))" for c in columns)
        count, *values = self.db.execute(
            f"SELECT count(*), {joined} FROM (SELECT {', '.join(columns)} FROM records ORDER BY id)"
        ).fetchone()
        if not count:
            return [[] for _ in columns]
        split = [value.split("\0") for value in values]
        if all(len(column) == count for column in split):
            return split
        # a NUL in a value: row by row
        rows = self.db.execute(f"SELECT {', '.join(columns)} FROM records ORDER BY id").fetchall()
        return [list(column) for column in zip(*rows, strict=True)]

    def of_kind(self, kind: str) -> list[Located]:
        rows = self.db.execute(
            "SELECT path, url, lang FROM records WHERE kind = ? ORDER BY path", (kind,)
        )
        return [Located._make(row) for row in rows]

    def titles_at(
        self, paths: Sequence[str] = (), urls: Sequence[str] = ()
    ) -> list[tuple[str, str, str, str, str]]:
        """(path, url, lang, title, kind) of the records at `paths` (url:
        their own) and of those `urls` name (url: the one named, an alias
        too), in path order: a lookup of many records that decodes none
        (export's jsonld names each record in every language)."""
        rows: list[tuple[str, str, str, str, str]] = []
        if paths:
            marks = ", ".join("?" * len(paths))
            rows += self.db.execute(
                f"SELECT path, url, lang, title, kind FROM records WHERE path IN ({marks})",
                list(paths),
            ).fetchall()
        if urls:
            marks = ", ".join("?" * len(urls))
            rows += self.db.execute(
                "SELECT r.path, u.url, r.lang, r.title, r.kind FROM urls u JOIN records r"
                f" ON r.id = u.record_id WHERE u.url IN ({marks})",
                list(urls),
            ).fetchall()
        return sorted(rows)

    def url_folders(self, kind: str) -> list[str]:
        """The folders `kind`'s records are in, by URL (/sources/sources/ of
        /sources/sources/feminita/), read row by row: the memory is theirs."""
        folders: dict[str, None] = {}
        for (url,) in self.db.execute("SELECT url FROM records WHERE kind = ?", (kind,)):
            folders.setdefault(url.rstrip("/").rsplit("/", 1)[0] + "/")
        return list(folders)

    def record_ids(self) -> dict[str, RecordRef]:
        """path -> (id, url, lang, kind) of every record."""
        rows = self.db.execute("SELECT path, id, url, lang, kind FROM records")
        return {path: RecordRef(rid, url, lang, kind) for path, rid, url, lang, kind in rows}

    def section_folders(self) -> list[SectionFolder]:
        """The folders and subfolders records are in, per language."""
        rest = "substr(path, instr(path, '/') + 1)"
        rows = self.db.execute(
            "SELECT DISTINCT lang, substr(path, 1, instr(path, '/') - 1),"
            f" CASE WHEN instr({rest}, '/') > 0"
            f"  THEN substr({rest}, 1, instr({rest}, '/') - 1) ELSE '' END"
            " FROM records WHERE instr(path, '/') > 0"
        )
        return [SectionFolder._make(row) for row in rows]

    # --- counts ---------------------------------------------------------------------------

    def counts(self, column: str) -> dict[str, int]:
        if column not in ("kind", "lang"):
            raise ValueError(column)
        rows = self.db.execute(f"SELECT {column}, count(*) FROM records GROUP BY {column}")
        return dict(rows.fetchall())

    def per_year(self) -> dict[str, int]:
        """Records by the year of their `created` date ("" for none)."""
        rows = self.db.execute(
            "SELECT coalesce(substr(created, 1, 4), ''), count(*) FROM records GROUP BY 1"
        )
        return dict(rows.fetchall())

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
