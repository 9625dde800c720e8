"""What the index holds of the KB's files, and how a refresh writes records:
the reading and writing halves of kzkb.store.refresh."""

from __future__ import annotations

import contextlib
import marshal
import sqlite3
from typing import TYPE_CHECKING, Any

from kzkb.listing.scan import Entry
from kzkb.store.db import DEFAULT_TUNING, Tuning, read_meta

if TYPE_CHECKING:
    from kzkb.store.prepare import Prepared

Listing = dict[str, Entry]  # path -> scan.stat_key


# --- what the index holds of the files ---------------------------------------------------


def racy(db: sqlite3.Connection) -> list[str]:
    """The files the last refresh read too soon after a change to trust
    their entries (see kzkb.store.refresh)."""
    value = read_meta(db, "racy")
    if isinstance(value, bytes):
        with contextlib.suppress(ValueError, EOFError, TypeError):
            paths = marshal.loads(value)
            if isinstance(paths, list):
                return [p for p in paths if isinstance(p, str)]
    return []


def known(db: sqlite3.Connection) -> Listing:
    """{path: stat_key} as the files table holds them, from the
    copy kept in meta by the last refresh that compared every file: one
    read instead of a row per file."""
    value = read_meta(db, "known")
    current = value is not None and read_meta(db, "known_for") == read_meta(db, "fingerprint")
    if current and isinstance(value, bytes):
        with contextlib.suppress(ValueError, EOFError, TypeError):
            known = marshal.loads(value)
            if isinstance(known, dict):
                return known
    rows = db.execute("SELECT path, mtime_ns, size, ctime_ns, ino FROM files")
    return {path: (m, s, c, i) for path, m, s, c, i in rows}


def known_of(db: sqlite3.Connection, paths: list[str]) -> Listing:
    """known() for these paths only."""
    if len(paths) > 500:
        wanted = set(paths)
        return {p: ms for p, ms in known(db).items() if p in wanted}
    query = "SELECT mtime_ns, size, ctime_ns, ino FROM files WHERE path = ?"
    out = {}
    for path in paths:
        row = db.execute(query, (path,)).fetchone()
        if row is not None:
            out[path] = (row[0], row[1], row[2], row[3])
    return out


def hashes(db: sqlite3.Connection, paths: list[str]) -> dict[str, bytes]:
    """Content hashes of these indexed files, to tell an edit from a touch."""
    if len(paths) > 500:
        rows = db.execute("SELECT path, hash FROM files")
        wanted = set(paths)
        return {path: h for path, h in rows if path in wanted}
    query = "SELECT hash FROM files WHERE path = ?"
    out = {}
    for path in paths:
        row = db.execute(query, (path,)).fetchone()
        if row is not None:
            out[path] = row[0]
    return out


def record_count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM records").fetchone()[0]


# --- writing records --------------------------------------------------------------------


class Batch:
    """Rows of many prepared files, written with one executemany per table:
    the writer's time goes to SQLite, not to a Python call per row."""

    def __init__(self, db: sqlite3.Connection, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.db = db
        self.size = tuning.batch_size
        self.bytes = tuning.batch_bytes
        self.items: list[tuple[Prepared, Entry]] = []
        self.held = 0
        self.next_id: int = db.execute("SELECT coalesce(max(id), 0) + 1 FROM records").fetchone()[0]
        self.count_keys = True  # False when link_keys is recounted at the end

    def add(self, prepared: Prepared, entry: Entry) -> None:
        self.items.append((prepared, entry))
        self.held += len(prepared.data)
        if len(self.items) >= self.size or self.held >= self.bytes:
            self.flush()

    def flush(self) -> None:
        files, records, data, terms, urls, links, anchors, fts = [], [], [], [], [], [], [], []
        for p, entry in self.items:
            skipped = p.skipped
            files.append(
                (p.path, *entry, p.hash,
                 skipped.line if skipped else None, skipped.reason if skipped else None)
            )  # fmt: skip
            if p.row is None:
                continue
            rid = self.next_id
            self.next_id += 1
            records.append((rid, *p.row))
            data.append((rid, p.data))
            terms += [(rid, *t) for t in p.terms or ()]
            urls += [(u, rid, a) for u, a in p.urls or ()]
            links += [(rid, *x) for x in p.links or ()]
            anchors += [(rid, a) for a in p.anchors or ()]
            fts.append((rid, *(p.fts or ("", "", "", ""))))
        self.items.clear()
        self.held = 0
        db = self.db
        db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", files)
        db.executemany(
            "INSERT INTO records(id, path, url, lang, kind, title, title_key, title_fold, date,"
            " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
        db.executemany("INSERT INTO record_data VALUES (?, ?)", data)
        db.executemany("INSERT INTO record_terms VALUES (?, ?, ?, ?, ?)", terms)
        db.executemany("INSERT INTO urls VALUES (?, ?, ?)", urls)
        db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", links)
        if self.count_keys:
            self._count(links)
        db.executemany("INSERT INTO anchors VALUES (?, ?)", anchors)
        db.executemany(
            "INSERT INTO fts(rowid, title, terms, description, body) VALUES (?, ?, ?, ?, ?)", fts
        )

    def _count(self, links: list[tuple[Any, ...]]) -> None:
        counts: dict[str, list[int]] = {}
        for row in links:
            key = row[1]
            if key is not None:
                count = counts.get(key)
                if count is None:
                    count = counts[key] = [0, 0]
                count[0] += 1
                count[1] += not row[8]
        self.db.executemany(
            "INSERT INTO link_keys VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE"
            " SET links = links + excluded.links, inbound = inbound + excluded.inbound",
            [(key, n, inbound) for key, (n, inbound) in counts.items()],
        )
