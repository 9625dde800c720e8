"""The persistent SQLite store behind every query, and its incremental refresh.

One database per KB, outside it (the user cache directory). Every command
refreshes it before answering: files whose mtime or size changed are read,
and re-parsed only if their content hash changed; new, deleted and renamed
files are reflected at once. A refresh is one transaction, so a crash or
Ctrl-C leaves the previous index whole; WAL lets readers go on while one
writer refreshes, and SQLite's write lock makes a second writer wait.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import marshal
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kzkb import prescan
from kzkb.config import Config
from kzkb.model import Heading, KzkbError, Link, Record, Skipped
from kzkb.scan import fingerprint, scan

SCHEMA_VERSION = 12

# Stamped in the SQLite header (PRAGMA application_id, bytes 68-71): the
# mark that a file is a kzkb index, which kzkb may replace when it is stale
# or damaged. Any other file at --index is the user's and is never touched.
APPLICATION_ID = 0x6B7A6B62  # "kzkb"
SQLITE_MAGIC = b"SQLite format 3\x00"

# BM25 weights of the FTS columns: title > terms > description > body.
FTS_WEIGHTS = (10.0, 5.0, 3.0, 1.0)

# Parse in worker processes from this many changed files on: below it, the
# cost of starting workers exceeds what they save.
PARALLEL_FROM = 400
PARALLEL_SLICE = 4096
# From this many changed files on, link_keys is counted again as a whole.
RECOUNT_FROM = 2000

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE files (
  path TEXT PRIMARY KEY,
  mtime_ns INTEGER NOT NULL,
  size INTEGER NOT NULL,
  hash BLOB NOT NULL,
  skipped_line INTEGER,
  skipped_reason TEXT
) WITHOUT ROWID;
CREATE INDEX files_skipped ON files(path) WHERE skipped_reason IS NOT NULL;
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  lang TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  title_key TEXT NOT NULL,
  title_fold TEXT NOT NULL,
  date TEXT,
  created TEXT
);
-- the whole record, apart: scans of records then read a few MB, not the bodies
CREATE TABLE record_data (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE INDEX records_by_kind ON records(kind);
CREATE INDEX records_by_lang ON records(lang);
CREATE TABLE record_terms (
  record_id INTEGER NOT NULL,
  taxonomy TEXT NOT NULL,
  slug TEXT NOT NULL,
  label TEXT NOT NULL,
  lang TEXT NOT NULL
);
CREATE INDEX record_terms_by_record ON record_terms(record_id);
CREATE INDEX record_terms_by_term ON record_terms(taxonomy, slug, lang);
CREATE TABLE urls (url TEXT NOT NULL, record_id INTEGER NOT NULL, is_alias INTEGER NOT NULL);
CREATE INDEX urls_by_url ON urls(url);
CREATE INDEX urls_by_record ON urls(record_id);
CREATE TABLE links (
  record_id INTEGER NOT NULL,
  key TEXT,
  fragment TEXT NOT NULL,
  target TEXT NOT NULL,
  text TEXT NOT NULL,
  line INTEGER NOT NULL,
  col INTEGER NOT NULL,
  kind TEXT NOT NULL,
  self INTEGER NOT NULL  -- 1: to the record itself (its URL, an alias, its file)
);
CREATE INDEX links_by_key ON links(key, self);
CREATE INDEX links_by_record ON links(record_id);
CREATE INDEX links_with_fragment ON links(record_id) WHERE fragment <> '';
-- each distinct link key with its number of links, and of links from another
-- record: kept current at refresh, so that finding broken links and orphans
-- reads a row per key instead of one per link
CREATE TABLE link_keys (
  key TEXT PRIMARY KEY,
  links INTEGER NOT NULL,
  inbound INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE anchors (
  record_id INTEGER NOT NULL,
  anchor TEXT NOT NULL,
  PRIMARY KEY (record_id, anchor)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(title, terms, description, body, tokenize = "unicode61");
CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'row');
"""

RECORD_TABLES = ("record_terms", "urls", "links", "anchors")

_DATA = "SELECT d.data FROM records JOIN record_data d ON d.id = records.id"


@dataclass(slots=True)
class RefreshStats:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    rebuilt: bool = False
    seconds: float = 0.0
    files: int = 0  # Markdown files in the KB
    scanned_by: str = "scan"  # or "watcher": see kzkb.watch

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rebuilt": self.rebuilt,
            "seconds": round(self.seconds, 4),
            "files": self.files,
            "scanned_by": self.scanned_by,
        }


Progress = Callable[[int, int], None]


# --- serialising records ----------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):  # a datetime too: its text is longer than a date's
        return {"$date": value.isoformat()}
    return str(value)  # anything else YAML can produce is kept as its text


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$date" in obj:
        text = obj["$date"]
        # a front-matter mapping may be {"$date": "soon"}: it stays a mapping
        with contextlib.suppress(TypeError, ValueError):
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text)
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
        "links": [[x.target, x.text, x.line, x.column, x.kind] for x in record.links],
        "headings": [[h.level, h.text, h.id, h.line] for h in record.headings],
        "anchors": record.anchors,
        "mtime_ns": record.mtime_ns,
        "size": record.size,
    }
    return json.dumps(data, ensure_ascii=False, default=_encode)


def record_from_json(text: str) -> Record:
    data = json.loads(text, object_hook=_decode)
    data["links"] = [Link(*x) for x in data["links"]]
    data["headings"] = [Heading(*h) for h in data["headings"]]
    return Record(**data)


# --- what a worker prepares for one file ---------------------------------------------


@dataclass(slots=True)
class Prepared:
    """Everything the database needs of one file, built off the main process."""

    path: str
    mtime_ns: int
    size: int
    hash: bytes
    skipped: Skipped | None = None
    row: tuple[Any, ...] | None = None  # records row without id
    data: str = ""  # the record as JSON
    terms: list[tuple[str, str, str]] | None = None
    urls: list[tuple[str, int]] | None = None
    links: list[tuple[str | None, str, str, str, int, int, str, bool]] | None = None
    anchors: list[str] | None = None
    fts: tuple[str, str, str, str] | None = None


_CONFIG: Config | None = None  # set before parsing; fork hands it to the workers


def _prepare(job: tuple[str, str]) -> Prepared:
    full, rel = job
    config = _CONFIG
    assert config is not None
    from kzkb.loader import INTERNAL, load_bytes, one_line, read_source

    # too big, not a regular file, a link out of the KB, a name no command can
    # print: reported without a byte read
    source = read_source(full, rel, str(config.content_dir), config.max_file_size)
    if source.data is None:
        assert source.skipped is not None
        # the reason as the hash: a file skipped for another reason is a change
        digest = hashlib.blake2b(source.skipped.reason.encode(), digest_size=16).digest()
        return Prepared(rel, source.mtime_ns, source.size, digest, skipped=source.skipped)
    digest = hashlib.blake2b(source.data, digest_size=16).digest()
    result = load_bytes(source.data, rel, config)
    prepared = Prepared(rel, source.mtime_ns, source.size, digest)
    if isinstance(result, Skipped):
        prepared.skipped = result
        return prepared
    result.mtime_ns, result.size = source.mtime_ns, source.size
    try:
        return _fill(prepared, result)
    except Exception as exc:  # a bug must cost one file, not the whole refresh
        reason = one_line(f"{INTERNAL} ({type(exc).__name__}: {exc}): please report it as a bug")
        return Prepared(rel, source.mtime_ns, source.size, digest, skipped=Skipped(rel, 1, reason))


def _fill(prepared: Prepared, record: Record) -> Prepared:
    """The rows of a record that loaded."""
    from kzkb.fold import fold
    from kzkb.links import fragment_of, link_key
    from kzkb.search import fts_columns

    prepared.row = (
        record.path,
        record.url,
        record.lang,
        record.kind,
        record.title,
        record.title.casefold(),
        fold(record.title),
        record.date.isoformat() if record.date else None,
        record.created.isoformat() if record.created else None,
    )
    prepared.data = record_to_json(record)
    prepared.terms = [
        (taxonomy, slug, label, record.lang)
        for taxonomy, slugs in record.terms.items()
        for slug, label in zip(slugs, record.term_labels[taxonomy], strict=True)
    ]
    prepared.urls = [(record.url, 0)] + [(alias, 1) for alias in record.aliases]
    own = {record.url, *record.aliases, "path:" + record.path}
    prepared.links = [
        (key, fragment_of(x.target), x.target, x.text, x.line, x.column, x.kind, key in own)
        for x in record.links
        for key in (link_key(x, record),)
    ]
    prepared.anchors = sorted({h.id for h in record.headings} | set(record.anchors))
    prepared.fts = fts_columns(record)
    return prepared


# --- the store ---------------------------------------------------------------------------


# How long a statement waits for another process's lock before it fails.
BUSY_TIMEOUT_MS = 60_000
# Where a command must wait for another to finish writing (see _busy_wait),
# it asks again every second, so that Ctrl-C can end the wait (SQLite waits
# inside a statement, where Python's signal handler cannot run), for up to
# this long in all: a cold index of 100,000 records takes 80 s on two cores.
WAIT_STEP_MS = 1000
WRITE_WAIT = 600.0


def _connect(path: str, busy_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    db = sqlite3.connect(
        path, timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False
    )
    db.execute(f"PRAGMA busy_timeout = {busy_ms}")
    return db


def _is_busy(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return isinstance(exc, sqlite3.OperationalError) and code in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite found the file itself bad. Busy, locked, read-only,
    full say nothing about the file, which another process may be using."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _busy_error(name: str) -> KzkbError:
    return KzkbError(
        f"the index {name} is busy: another process has kept it locked too long",
        "let the other kzkb command finish (or stop it), or give another --index",
    )


def _busy_wait(name: str, attempt: Callable[[], Any]) -> Any:
    """attempt() again, while another process's lock is in its way, for up
    to WRITE_WAIT; each try should wait at most WAIT_STEP_MS itself."""
    deadline = time.monotonic() + WRITE_WAIT
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if time.monotonic() > deadline:
                raise _busy_error(name) from None


def _journal(db: sqlite3.Connection, mode: str) -> bool:
    """Switch the journal mode if no other connection is in the way; True if
    it is `mode` now. A change needs the database to itself, so this asks
    once, briefly, rather than wait as queries do."""
    if db.execute("PRAGMA journal_mode").fetchone()[0] == mode:
        return True
    waits = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 100")
    try:
        return db.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode
    except sqlite3.OperationalError:
        return False  # busy: another process has it open; it stays as it is
    finally:
        db.execute(f"PRAGMA busy_timeout = {waits}")


class _Batch:
    """Rows of many prepared files, written with one executemany per table:
    the writer's time goes to SQLite, not to a Python call per row."""

    SIZE = 256
    # and at most this many bytes of record text held: 256 records of up to
    # 10 MB each (the size limit) would otherwise be gigabytes waiting
    BYTES = 32 * 2**20

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.items: list[Prepared] = []
        self.held = 0
        self.next_id: int = db.execute("SELECT coalesce(max(id), 0) + 1 FROM records").fetchone()[0]
        self.count_keys = True  # False when link_keys is recounted at the end

    def add(self, prepared: Prepared) -> None:
        self.items.append(prepared)
        self.held += len(prepared.data)
        if len(self.items) >= self.SIZE or self.held >= self.BYTES:
            self.flush()

    def flush(self) -> None:
        files, records, data, terms, urls, links, anchors, fts = [], [], [], [], [], [], [], []
        for p in self.items:
            skipped = p.skipped
            files.append(
                (p.path, p.mtime_ns, p.size, p.hash,
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
        db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)", files)
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
            counts: dict[str, list[int]] = {}
            for row in links:
                key = row[1]
                if key is not None:
                    count = counts.get(key)
                    if count is None:
                        count = counts[key] = [0, 0]
                    count[0] += 1
                    count[1] += not row[8]
            db.executemany(
                "INSERT INTO link_keys VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE"
                " SET links = links + excluded.links, inbound = inbound + excluded.inbound",
                [(key, n, inbound) for key, (n, inbound) in counts.items()],
            )
        db.executemany("INSERT INTO anchors VALUES (?, ?)", anchors)
        db.executemany(
            "INSERT INTO fts(rowid, title, terms, description, body) VALUES (?, ?, ?, ?, ?)", fts
        )


class Index:
    """A SQLite database of one KB's records."""

    def __init__(self, db: sqlite3.Connection, path: str) -> None:
        self.db = db
        self.path = path
        self._count_keys = True  # keep link_keys current on every delete

    @classmethod
    def open(cls, path: str | os.PathLike[str] = ":memory:", *, owned: bool = False) -> Index:
        """Open (or create) the index. A stale schema or a damaged index is
        replaced by a new empty one, which the next refresh fills.

        `owned`: the path is kzkb's own (the cache), so whatever is there may
        be replaced. Elsewhere only an empty file or a kzkb index is.
        """
        name = str(path)
        if name == ":memory:":
            db = _connect(name)
            cls._initialise(db, name)
            return cls(db, name)
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        _check_ownership(name, owned)
        try:
            # another process may be writing it, as long as a cold index takes
            db = _busy_wait(name, lambda: cls._open_file(name))
        except sqlite3.Error as exc:
            raise KzkbError(
                f"cannot use the index {name}: {exc}",
                "pass --index PATH (or set KZKB_INDEX) to a writable place",
            ) from None
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return cls(db, name)

    @classmethod
    def _open_file(cls, name: str) -> sqlite3.Connection:
        """One try at Index.open: fails busy if another process's lock is in
        the way, and then leaves the file as it found it."""
        db = _connect(name, WAIT_STEP_MS)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                # while a first fill runs in rollback mode (see refresh),
                # this fails; the filler switches to WAL when it is done
                _journal(db, "wal")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("SELECT count(*) FROM files").fetchone()
                return db
            if version != 0:  # another schema: start again
                db.close()
                _remove_db(name)
                db = _connect(name, WAIT_STEP_MS)
            cls._initialise(db, name)
            return db
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(Exception):
                db.close()
            # Only a file SQLite cannot read is damaged. Busy or locked means
            # another process is using it: removing it then would take the
            # index, and that process's journal, from under it.
            if not _is_damage(exc):
                raise
        # a damaged kzkb index: it is a cache of the KB, so rebuild it
        _remove_db(name)
        db = _connect(name, WAIT_STEP_MS)
        try:
            cls._initialise(db, name)
        except BaseException:
            db.close()
            raise
        return db

    @classmethod
    def _initialise(cls, db: sqlite3.Connection, name: str) -> None:
        # A new file keeps its rollback journal: the first fill needs one
        # (see refresh) and switches to WAL when it is done. A switch here
        # would race another process starting at the same moment: SQLite
        # does not wait for a journal-mode change, it fails at once if
        # another connection holds the write lock.
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA synchronous = NORMAL")
        cls._create(db)

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            # another process may have created it while we waited for the lock
            if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                db.execute("COMMIT")
                return
            for statement in SCHEMA.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    # --- refresh ---------------------------------------------------------------------

    def refresh(
        self, config: Config, *, rebuild: bool = False, progress: Progress | None = None
    ) -> RefreshStats:
        """Bring the index up to date with the KB's files; see the module doc."""
        started = time.perf_counter()
        stats = RefreshStats(rebuilt=rebuild)
        content = str(config.content_dir)
        # the folder and the settings files parse by: another of either rebuilds
        settings = config.parse_key()
        on_disk: dict[str, tuple[int, int]] | None = None
        pending = prescan.take(config.content_dir)
        if pending is None and not rebuild:
            from kzkb import watch

            pending = watch.connect(config.content_dir, config)
        header = pending.header() if pending is not None else None
        if header is not None:
            stamp, count = header
            stats.scanned_by = getattr(pending, "source", "scan")
        else:
            on_disk = scan(config.content_dir)
            stamp, count = fingerprint(on_disk), len(on_disk)
        stats.files = count
        if (
            not rebuild
            and self._meta("parse_key") == settings
            and self._meta("fingerprint") == stamp
        ):
            # the same files with the same mtimes and sizes as last time
            if pending is not None:
                pending.close()
            stats.unchanged = count
            stats.skipped = int(self._meta("skipped") or 0)
            stats.seconds = time.perf_counter() - started
            return stats
        # a watcher tells what changed since the listing the index holds
        base = self._meta("fingerprint")
        changes = None
        if on_disk is None and pending is not None and not rebuild and base:
            since = getattr(pending, "changes_since", None)
            changes = since(base) if since is not None else None
        db = self.db
        # The first fill of a new index file: with a rollback journal, SQLite
        # writes each page once, where WAL writes it to the log and again at
        # the checkpoint (1.4 GB twice at 100,000 records). There is no
        # earlier index to keep whole, and the journal still makes the fill
        # all or nothing. Back to WAL afterwards, for readers beside a writer.
        first_fill = (
            self.path != ":memory:"
            and base is None
            and db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None
            and _journal(db, "delete")
        )
        self._begin_write()
        try:
            # read under the lock: another process may have refreshed meanwhile
            if changes is not None and self._meta("fingerprint") != base:
                changes = None
            clear = rebuild or self._meta("parse_key") != settings
            if clear:
                changes = None  # what changed since the old index is no rebuild's list
            if changes is None and on_disk is None:
                on_disk = pending.files() if pending is not None else None
                if on_disk is None:
                    on_disk = scan(config.content_dir)
                    stamp = fingerprint(on_disk)
                    stats.scanned_by = "scan"
                stats.files = count = len(on_disk)
            if clear:
                self._clear()
                stats.rebuilt = True
                known: dict[str, tuple[int, int]] = {}
            elif changes is not None:
                known = self._known_of(list(changes))
            else:
                known = self._known()
            # in path order: records get ids in the order export and list read
            # them, so those reads are sequential on disk
            if changes is not None:
                candidates = sorted(
                    p for p, ms in changes.items() if ms is not None and known.get(p) != ms
                )
                gone = [p for p, ms in changes.items() if ms is None and p in known]
            else:
                assert on_disk is not None
                candidates = sorted(p for p, ms in on_disk.items() if known.get(p) != ms)
                gone = [p for p in known if p not in on_disk]
            stats.unchanged = count - len(candidates)
            recount = stats.rebuilt or len(candidates) + len(gone) > RECOUNT_FROM
            self._count_keys = not recount
            for path in gone:
                self._delete(path)
                del known[path]
            stats.removed = len(gone)
            hashes = self._hashes([p for p in candidates if p in known])
            global _CONFIG
            _CONFIG = config
            jobs = [(os.path.join(content, p), p) for p in candidates]
            if len(jobs) > RECOUNT_FROM:
                # B-trees of a million rows: keep their inner pages in memory
                db.execute("PRAGMA cache_size = -65536")
            batch = _Batch(db)
            batch.count_keys = not recount
            # closed here, not when collected: on Ctrl-C its worker pool is
            # ended at once rather than at exit, where it can hang
            with contextlib.closing(self._prepare_all(jobs)) as prepared_all:
                for i, prepared in enumerate(prepared_all, 1):
                    path = prepared.path
                    old = hashes.get(path)
                    if old is not None and old == prepared.hash:
                        # touched, not changed: remember the new mtime and size only
                        db.execute(
                            "UPDATE files SET mtime_ns = ?, size = ? WHERE path = ?",
                            (prepared.mtime_ns, prepared.size, path),
                        )
                        stats.unchanged += 1
                    else:
                        if path in known:
                            self._delete(path)
                            stats.changed += 1
                        else:
                            stats.added += 1
                        batch.add(prepared)
                    known[path] = (prepared.mtime_ns, prepared.size)
                    if progress is not None:
                        progress(i, len(jobs))
            batch.flush()
            self._count_keys = True
            if recount:
                db.execute("DELETE FROM link_keys")
                db.execute(
                    "INSERT INTO link_keys SELECT key, count(*), count(*) - sum(self) FROM links"
                    " WHERE key IS NOT NULL GROUP BY key"
                )
            self._set_meta("parse_key", settings)
            self._set_meta("fingerprint", stamp)
            if changes is None:
                # the whole listing, for the next refresh that has to compare
                # all of it; after a watcher's changes it is stale, and
                # known_for tells so
                self._set_meta("known", marshal.dumps(known))
                self._set_meta("known_for", stamp)
            stats.skipped = db.execute(
                "SELECT count(*) FROM files WHERE skipped_reason IS NOT NULL"
            ).fetchone()[0]
            # kept, so that a refresh with nothing to do still knows of them
            self._set_meta("skipped", str(stats.skipped))
            db.execute("COMMIT")
        except BaseException:
            # SQLite has rolled back by itself after some errors (a full disk)
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            if first_fill:
                _journal(db, "wal")
        stats.seconds = time.perf_counter() - started
        return stats

    def _begin_write(self) -> None:
        """BEGIN IMMEDIATE: one writer at a time, while readers go on. The
        wait for another's write is asked a second at a time: see WAIT_STEP_MS."""
        db = self.db
        if self.path == ":memory:":
            db.execute("BEGIN IMMEDIATE")
            return
        db.execute(f"PRAGMA busy_timeout = {WAIT_STEP_MS}")
        try:
            _busy_wait(self.path, lambda: db.execute("BEGIN IMMEDIATE"))
        finally:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def stamp(self) -> str | None:
        """The fingerprint of the files the index was last refreshed from: it
        changes with every refresh that changes the index."""
        return self._meta("fingerprint")

    def filled(self, config: Config) -> bool:
        """Whether a refresh of this KB's folder has completed here before."""
        return (
            self._meta("parse_key") == config.parse_key() and self._meta("fingerprint") is not None
        )

    def _prepare_all(self, jobs: list[tuple[str, str]]) -> Iterator[Prepared]:
        workers = min(os.cpu_count() or 1, 8)
        if len(jobs) < PARALLEL_FROM or workers < 2:
            yield from map(_prepare, jobs)
            return
        import multiprocessing

        # fork shares the loaded modules; workers parse while we write
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(workers, initializer=_worker_init) as pool:
            # a slice at a time: the workers never run far ahead of the
            # writer, so parsed records do not pile up in memory
            for start in range(0, len(jobs), PARALLEL_SLICE):
                yield from pool.imap(_prepare, jobs[start : start + PARALLEL_SLICE], chunksize=64)

    def _known(self) -> dict[str, tuple[int, int]]:
        """{path: (mtime_ns, size)} as the files table holds them, from the
        copy kept in meta by the last refresh that compared every file: one read
        instead of a row per file."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'known'").fetchone()
        current = row is not None and self._meta("known_for") == self._meta("fingerprint")
        if current and isinstance(row[0], bytes):
            with contextlib.suppress(ValueError, EOFError, TypeError):
                known = marshal.loads(row[0])
                if isinstance(known, dict):
                    return known
        rows = self.db.execute("SELECT path, mtime_ns, size FROM files")
        return {path: (m, s) for path, m, s in rows}

    def _known_of(self, paths: list[str]) -> dict[str, tuple[int, int]]:
        """_known() for these paths only."""
        if len(paths) > 500:
            wanted = set(paths)
            return {p: ms for p, ms in self._known().items() if p in wanted}
        query = "SELECT mtime_ns, size FROM files WHERE path = ?"
        out = {}
        for path in paths:
            row = self.db.execute(query, (path,)).fetchone()
            if row is not None:
                out[path] = (row[0], row[1])
        return out

    def _hashes(self, paths: list[str]) -> dict[str, bytes]:
        """Content hashes of these indexed files, to tell an edit from a touch."""
        if len(paths) > 500:
            rows = self.db.execute("SELECT path, hash FROM files")
            wanted = set(paths)
            return {path: h for path, h in rows if path in wanted}
        query = "SELECT hash FROM files WHERE path = ?"
        out = {}
        for path in paths:
            row = self.db.execute(query, (path,)).fetchone()
            if row is not None:
                out[path] = row[0]
        return out

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str | bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _clear(self) -> None:
        for table in ("files", "records", "record_data", "link_keys", *RECORD_TABLES):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("DELETE FROM fts")

    def _delete(self, path: str) -> None:
        db = self.db
        db.execute("DELETE FROM files WHERE path = ?", (path,))
        row = db.execute("SELECT id FROM records WHERE path = ?", (path,)).fetchone()
        if row is None:
            return
        rid = row[0]
        if self._count_keys:
            counts = db.execute(
                "SELECT key, count(*), count(*) - sum(self) FROM links"
                " WHERE record_id = ? AND key IS NOT NULL GROUP BY key",
                (rid,),
            ).fetchall()
            db.executemany(
                "UPDATE link_keys SET links = links - ?, inbound = inbound - ? WHERE key = ?",
                [(n, inbound, key) for key, n, inbound in counts],
            )
            db.executemany(
                "DELETE FROM link_keys WHERE key = ? AND links <= 0", [(c[0],) for c in counts]
            )
        for table in RECORD_TABLES:
            db.execute(f"DELETE FROM {table} WHERE record_id = ?", (rid,))
        db.execute("DELETE FROM fts WHERE rowid = ?", (rid,))
        db.execute("DELETE FROM record_data WHERE id = ?", (rid,))
        db.execute("DELETE FROM records WHERE id = ?", (rid,))

    # --- reading -----------------------------------------------------------------------

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

    @staticmethod
    def where(
        terms: dict[str, list[str]] | None, kinds: Sequence[str], langs: Sequence[str]
    ) -> tuple[list[str], list[Any]]:
        """SQL conditions on `records` for the filters: every term, any kind, any lang."""
        where: list[str] = []
        params: list[Any] = []
        for taxonomy, slugs in (terms or {}).items():
            for slug in slugs:
                where.append(
                    "records.id IN (SELECT record_id FROM record_terms"
                    " WHERE taxonomy = ? AND slug = ?)"
                )
                params += [taxonomy, slug]
        for column, values in (("kind", kinds), ("lang", langs)):
            if values:
                where.append(f"records.{column} IN ({','.join('?' * len(values))})")
                params += list(values)
        return where, params

    def select(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
        order: str = "path",
        limit: int | None = None,
    ) -> list[Record]:
        """Records having every given term, of any given kind and lang."""
        where, params = self.where(terms, kinds, langs)
        order_by = {
            "path": "path",
            "title": "title_key, path",
            "date": "date IS NULL, date DESC, path",
        }[order]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        tail = f" LIMIT {int(limit)}" if limit else ""
        return self._records(f"{_DATA} {clause} ORDER BY {order_by}{tail}", params)

    def ids_in_order(
        self,
        terms: dict[str, list[str]] | None = None,
        kinds: Sequence[str] = (),
        langs: Sequence[str] = (),
    ) -> list[int]:
        """Ids of the records the filters choose, in path order."""
        where, params = self.where(terms, kinds, langs)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return [
            row[0]
            for row in self.db.execute(f"SELECT id FROM records {clause} ORDER BY path", params)
        ]

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
        pattern = f"%/{slug.casefold()}/"
        return self._records(
            f"{_DATA} WHERE records.id IN (SELECT record_id FROM urls WHERE url LIKE ?)"
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

    def linking_to(self, keys: Sequence[str]) -> list[Record]:
        marks = ",".join("?" * len(keys))
        return self._records(
            f"{_DATA} WHERE records.id IN"
            f" (SELECT record_id FROM links WHERE key IN ({marks})) ORDER BY path",
            list(keys),
        )

    # --- links -------------------------------------------------------------------------

    LINK_COLUMNS = "r.path, r.url, l.key, l.fragment, l.target, l.text, l.line, l.col, l.kind"

    def link_count(self) -> int:
        return self.db.execute("SELECT coalesce(sum(links), 0) FROM link_keys").fetchone()[0]

    def unresolved_keys(self) -> list[str]:
        """Distinct keys of internal links that are no record's URL, alias or
        Markdown path: the candidates for a broken link (or a page Hugo makes
        by itself, or a file). Keys are looked up, not links: links share them."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT k.key FROM link_keys k"
                " WHERE NOT EXISTS (SELECT 1 FROM urls u WHERE u.url = k.key)"
                " AND NOT (k.key LIKE 'path:%'"
                "  AND EXISTS (SELECT 1 FROM records t WHERE t.path = substr(k.key, 6)))"
            )
        ]

    def links_with_keys(self, keys: Sequence[str]) -> list[tuple[Any, ...]]:
        """LINK_COLUMNS rows of the links with these keys."""
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out += self.db.execute(
                f"SELECT {self.LINK_COLUMNS} FROM links l JOIN records r ON r.id = l.record_id"
                f" WHERE l.key IN ({marks})",
                chunk,
            ).fetchall()
        return out

    def term_langs(self, taxonomy: str, slug: str) -> list[str]:
        """Languages of the records that use a term, default order."""
        rows = self.db.execute(
            "SELECT DISTINCT lang FROM record_terms WHERE taxonomy = ? AND slug = ? ORDER BY lang",
            (taxonomy, slug),
        )
        return [row[0] for row in rows]

    def has_term(self, taxonomy: str, slug: str, lang: str) -> bool:
        """Whether a record in this language uses the term."""
        row = self.db.execute(
            "SELECT 1 FROM record_terms WHERE taxonomy = ? AND slug = ? AND lang = ? LIMIT 1",
            (taxonomy, slug, lang),
        ).fetchone()
        return row is not None

    def used_slugs(self, taxonomy: str) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT slug FROM record_terms WHERE taxonomy = ? ORDER BY slug", (taxonomy,)
        )
        return [row[0] for row in rows]

    def of_kind(self, kind: str) -> list[tuple[str, str, str]]:
        """(path, url, lang) of the records of a kind."""
        return self.db.execute(
            "SELECT path, url, lang FROM records WHERE kind = ? ORDER BY path", (kind,)
        ).fetchall()

    def missing_anchors(self) -> list[tuple[Any, ...]]:
        """Links with a #fragment to a record that has no such heading or id:
        LINK_COLUMNS rows plus the target record's id."""
        return self.db.execute(
            f"SELECT {self.LINK_COLUMNS}, t.id FROM links l INDEXED BY links_with_fragment"
            " JOIN records r ON r.id = l.record_id"
            " JOIN records t ON t.id = coalesce("
            "  (SELECT u.record_id FROM urls u WHERE u.url = l.key LIMIT 1),"
            "  (SELECT p.id FROM records p"
            "   WHERE l.key LIKE 'path:%' AND p.path = substr(l.key, 6)))"
            " WHERE l.fragment <> ''"
            " AND NOT EXISTS (SELECT 1 FROM anchors a WHERE a.record_id = t.id"
            "  AND a.anchor = l.fragment)"
        ).fetchall()

    def anchors_of(self, record_id: int) -> list[str]:
        rows = self.db.execute("SELECT anchor FROM anchors WHERE record_id = ?", (record_id,))
        return [row[0] for row in rows]

    def has_anchor(self, record_id: int, anchor: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM anchors WHERE record_id = ? AND anchor = ?", (record_id, anchor)
        ).fetchone()
        return row is not None

    def web_links(self) -> list[tuple[Any, ...]]:
        """http(s) links: LINK_COLUMNS rows."""
        return self.db.execute(
            f"SELECT {self.LINK_COLUMNS} FROM links l JOIN records r ON r.id = l.record_id"
            " WHERE l.key IS NULL AND (l.target LIKE 'http://%' OR l.target LIKE 'https://%'"
            " OR l.target LIKE '//%') ORDER BY r.path, l.line, l.col"
        ).fetchall()

    def websites(self) -> list[tuple[str, str, str]]:
        """(path, page URL, website) of records whose front-matter `url` is an
        http(s) address: the organisation's site, which the portal links to."""
        field = "json_extract(d.data, '$.fields.url')"
        return self.db.execute(
            f"SELECT r.path, r.url, {field} FROM records r JOIN record_data d ON d.id = r.id"
            f" WHERE {field} LIKE 'http://%' OR {field} LIKE 'https://%' ORDER BY r.path"
        ).fetchall()

    def unlinked(self, kind: str) -> list[tuple[int, str, str]]:
        """(id, path, url) of records of this kind no other record links to
        (by URL, alias or Markdown path; refs are the caller's to add)."""
        return self.db.execute(
            "SELECT r.id, r.path, r.url FROM records r WHERE r.kind = ?"
            " AND NOT EXISTS (SELECT 1 FROM urls u JOIN link_keys k ON k.key = u.url"
            "  WHERE u.record_id = r.id AND k.inbound > 0)"
            " AND NOT EXISTS (SELECT 1 FROM link_keys k WHERE k.key = 'path:' || r.path"
            "  AND k.inbound > 0)"
            " ORDER BY r.path",
            (kind,),
        ).fetchall()

    def existing(self, column: str, values: Sequence[str]) -> set[str]:
        """Which of these paths (column "path") or URLs ("url") the KB has."""
        table = {"path": "records", "url": "urls"}[column]
        found: set[str] = set()
        for i in range(0, len(values), 500):
            chunk = list(values[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE {column} IN ({marks})", chunk
            )
            found.update(row[0] for row in rows)
        return found

    def urls_under(self, folder: str) -> list[str]:
        """URLs and aliases that start with `folder` (which ends with "/")."""
        rows = self.db.execute(
            "SELECT DISTINCT url FROM urls WHERE url >= ? AND url < ?",
            (folder, folder + "\U0010ffff"),
        )
        return [row[0] for row in rows]

    def record_ids(self) -> dict[str, tuple[int, str, str, str]]:
        """path -> (id, url, lang, kind) of every record."""
        rows = self.db.execute("SELECT path, id, url, lang, kind FROM records")
        return {path: (rid, url, lang, kind) for path, rid, url, lang, kind in rows}

    def section_folders(self) -> list[tuple[str, str, str]]:
        """(lang, top folder, second folder or "") of the records in folders."""
        rest = "substr(path, instr(path, '/') + 1)"
        return self.db.execute(
            "SELECT DISTINCT lang, substr(path, 1, instr(path, '/') - 1),"
            f" CASE WHEN instr({rest}, '/') > 0"
            f"  THEN substr({rest}, 1, instr({rest}, '/') - 1) ELSE '' END"
            " FROM records WHERE instr(path, '/') > 0"
        ).fetchall()

    def has_url(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM urls WHERE url = ?", (url,)).fetchone() is not None

    def all_urls(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT url FROM urls")]

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

    def per_year(self) -> dict[str, int]:
        """Records by the year of their `created` date ("" for none)."""
        rows = self.db.execute(
            "SELECT coalesce(substr(created, 1, 4), ''), count(*) FROM records GROUP BY 1"
        )
        return dict(rows.fetchall())

    # --- full text -----------------------------------------------------------------------

    def has_prefix(self, prefix: str) -> bool:
        """Whether some indexed word starts with `prefix` (folded)."""
        row = self.db.execute(
            "SELECT 1 FROM fts_vocab WHERE term >= ? AND term < ? LIMIT 1",
            (prefix, prefix + "\U0010ffff"),
        ).fetchone()
        return row is not None

    def has_word(self, word: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM fts_vocab WHERE term = ?", (word,)).fetchone()
            is not None
        )

    def words_from(self, first: str) -> list[tuple[str, int]]:
        """(word, documents) of the vocabulary starting with `first`."""
        return list(
            self.db.execute(
                "SELECT term, doc FROM fts_vocab WHERE term >= ? AND term < ?",
                (first, first + "\U0010ffff"),
            )
        )

    def search(
        self, match: str, where: list[str], params: list[Any], limit: int
    ) -> list[tuple[float, Record]]:
        """(bm25 score, record), best first; higher is better."""
        w = ", ".join(str(x) for x in FTS_WEIGHTS)
        conditions = "fts MATCH ?"
        if where:
            conditions += f" AND fts.rowid IN (SELECT id FROM records WHERE {' AND '.join(where)})"
        # rank ids alone: carrying each candidate's data through the sort
        # would copy every matching record (tens of thousands) to find 60
        sql = (
            f"SELECT fts.rowid, bm25(fts, {w}) AS rank FROM fts WHERE {conditions}"
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


def _check_ownership(name: str, owned: bool) -> None:
    """Refuse to open (and so perhaps replace) a file that is not ours."""
    try:
        with open(name, "rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KzkbError(
            f"cannot read the index {name}: {exc.strerror}",
            "pass --index PATH (or set KZKB_INDEX) to a writable place",
        ) from None
    if owned or not header:
        return
    stamp = int.from_bytes(header[68:72], "big") if len(header) >= 72 else 0
    if header.startswith(SQLITE_MAGIC) and stamp == APPLICATION_ID:
        return
    raise KzkbError(
        f"{name} is not a kzkb index; kzkb will not overwrite it",
        "choose another --index path (or KZKB_INDEX), or remove the file",
    )


def _worker_init() -> None:
    """Workers leave Ctrl-C to the main process, which rolls back and says so
    in one line; if the main process dies, they end without a word."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker


def _remove_db(name: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name + suffix)


def default_index_path(config: Config) -> Path:
    """One database per KB, in the user cache directory (XDG_CACHE_HOME)."""
    from platformdirs import user_cache_dir

    key = hashlib.sha1(str(config.content_dir.resolve()).encode()).hexdigest()[:16]
    name = "".join(ch if ch.isalnum() else "-" for ch in config.content_dir.name)[:32] or "kb"
    return Path(user_cache_dir("kzkb")) / f"{name}-{key}.sqlite"
