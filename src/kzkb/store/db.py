"""The SQLite file of an index: connecting, opening or creating it, telling
a busy file from a damaged one, waiting for another writer, switching the
journal, and replacing a stale or damaged index — never a file not ours.

One database per KB, outside it (the user cache directory). A refresh is
one transaction, so a crash or Ctrl-C leaves the previous index whole; WAL
lets readers go on while one writer refreshes, and SQLite's write lock makes
a second writer wait.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kzkb.files import cache_folder
from kzkb.model import KzkbError
from kzkb.settings.config import Config
from kzkb.store import damage
from kzkb.store.damage import IndexDamaged

SCHEMA_VERSION = 17  # 17: an alias is served under its page's language

# Stamped in the SQLite header (PRAGMA application_id, bytes 68-71): the
# mark that a file is a kzkb index, which kzkb may replace when it is stale
# or damaged. Any other file at --index is the user's and is never touched.
APPLICATION_ID = 0x6B7A6B62  # "kzkb"
SQLITE_MAGIC = b"SQLite format 3\x00"

# How long a statement waits for another process's lock before it fails.
BUSY_TIMEOUT_MS = 60_000


@dataclass(frozen=True, slots=True)
class Tuning:
    """The store's thresholds. The defaults are the measured ones; tests
    pass smaller ones to reach a path without thousands of files or minutes."""

    # Where a command must wait for another to finish writing (see
    # busy_wait), it asks again every wait_step_ms, so that Ctrl-C can end
    # the wait (SQLite waits inside a statement, where Python's signal
    # handler cannot run), for up to write_wait seconds in all: a cold index
    # of 100,000 records takes 80 s on two cores.
    wait_step_ms: int = 1000
    write_wait: float = 600.0
    # Parse in worker processes from this many changed files on: below it,
    # the cost of starting workers exceeds what they save.
    parallel_from: int = 400
    # A forked worker sends the records it prepared this many at a time
    # (kzkb.store.prepare.prepare_forked); without fork, a pool is fed
    # slices of parallel_slice files.
    parallel_chunk: int = 32
    parallel_slice: int = 4096
    # Worker processes: 0 is one per core this process may run on (its CPU
    # affinity, which taskset and containers narrow; not os.cpu_count()), at
    # most 8; 1 parses in the main process.
    workers: int = 0
    # From this many changed files on, link_keys is counted again as a whole.
    recount_from: int = 2000
    # Rows of this many prepared files are written together, and at most
    # batch_bytes of record text held: 256 records of up to 10 MB each (the
    # size limit) would otherwise be gigabytes waiting.
    batch_size: int = 256
    batch_bytes: int = 32 * 2**20


DEFAULT_TUNING = Tuning()

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL);
-- a file as the listing last saw it (kzkb.listing.scan.stat_key) and its content hash
CREATE TABLE files (
  path TEXT PRIMARY KEY,
  mtime_ns INTEGER NOT NULL,
  size INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  ino INTEGER NOT NULL,
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
-- search's lexicon (thesaurus and gazetteer, with the KB's own concepts),
-- written by kzkb.store.lexicon when its signature in meta changes: a query
-- reads the rows of its own words, not thousands of names
CREATE TABLE lexicon_entries (
  position INTEGER PRIMARY KEY, id TEXT, kind TEXT, name TEXT, labels TEXT
);
CREATE TABLE lexicon_first (
  key TEXT NOT NULL, forms TEXT NOT NULL, label TEXT NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX lexicon_first_by_key ON lexicon_first(key);
CREATE TABLE lexicon_stopwords (word TEXT PRIMARY KEY) WITHOUT ROWID;
"""

RECORD_TABLES = ("record_terms", "urls", "links", "anchors")

# every table the schema makes, FTS5's own among them: one missing is damage
TABLES = frozenset(
    re.findall(r"^CREATE (?:VIRTUAL )?TABLE (\w+)", SCHEMA, re.MULTILINE)
    + [f"fts_{part}" for part in ("data", "idx", "content", "docsize", "config")]
)


def connect(path: str, busy_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    db = sqlite3.connect(
        path, timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False
    )
    db.execute(f"PRAGMA busy_timeout = {busy_ms}")
    return db


def connect_reader(path: str) -> sqlite3.Connection:
    """A connection that can only read: for a process that reads an index
    another keeps current (an export's workers). It waits out a writer's
    checkpoint as a writer's connection does."""
    db = connect(path)
    db.execute("PRAGMA query_only = ON")
    return db


def is_busy(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return isinstance(exc, sqlite3.OperationalError) and code in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def check_whole(db: sqlite3.Connection) -> None:
    """Raise IndexDamaged if a table is missing, or if the FTS table does not
    hold the rows the last refresh left in it (emptied by hand, say): damage
    that no query would report, and that would make search find nothing.

    It runs before every refresh, so it must cost nothing noticeable: the
    schema's names, one row of meta, and one row of FTS5's own statistics
    (its "averages" record, whose first number is its row count)."""
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = TABLES - present
    if missing:
        raise IndexDamaged(f"no such table: {min(missing)}")
    expected = read_meta(db, "fts_rows")
    if expected is not None and fts_rows(db) != expected:
        raise IndexDamaged(f"the full-text table holds {fts_rows(db)} rows, not {expected}")


def fts_rows(db: sqlite3.Connection) -> int:
    """The rows of the FTS table, as FTS5 counts them: the first varint of its
    averages record (id 1 in fts_data; absent while the table was never
    written). Read outside a transaction that writes it: FTS5 updates it at
    commit."""
    row = db.execute("SELECT block FROM fts_data WHERE id = 1").fetchone()
    if row is None or not isinstance(row[0], bytes):
        return 0
    value = 0
    for i, byte in enumerate(row[0][:9]):  # SQLite's varint: 7 bits a byte, 8 in the ninth
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    return value


def busy_error(name: str) -> KzkbError:
    return KzkbError(
        f"the index {name} is busy: another process has kept it locked too long",
        "let the other kzkb command finish (or stop it), or give another --index",
    )


def busy_wait(name: str, attempt: Callable[[], Any], tuning: Tuning = DEFAULT_TUNING) -> Any:
    """attempt() again, while another process's lock is in its way, for up
    to tuning.write_wait; each try should wait at most wait_step_ms itself."""
    deadline = time.monotonic() + tuning.write_wait
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() > deadline:
                raise busy_error(name) from None


def journal(db: sqlite3.Connection, mode: str) -> bool:
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


def begin_write(db: sqlite3.Connection, name: str, tuning: Tuning = DEFAULT_TUNING) -> None:
    """BEGIN IMMEDIATE: one writer at a time, while readers go on. The wait
    for another's write is asked a step at a time: see Tuning.wait_step_ms."""
    if name == ":memory:":
        db.execute("BEGIN IMMEDIATE")
        return
    db.execute(f"PRAGMA busy_timeout = {tuning.wait_step_ms}")
    try:
        busy_wait(name, lambda: db.execute("BEGIN IMMEDIATE"), tuning)
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def read_meta(db: sqlite3.Connection, key: str) -> Any:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def write_meta(db: sqlite3.Connection, key: str, value: str | bytes) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


# --- opening -------------------------------------------------------------------------------


def open_db(name: str, owned: bool, tuning: Tuning = DEFAULT_TUNING) -> sqlite3.Connection:
    """Open (or create) the index file. A stale schema or a damaged index is
    replaced by a new empty one, which the next refresh fills.

    `owned`: the path is kzkb's own (the cache), so whatever is there may be
    replaced. Elsewhere only an empty file or a kzkb index is.
    """
    if name == ":memory:":
        db = connect(name)
        initialise(db)
        return db
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    check_ownership(name, owned)
    try:
        # another process may be writing it, as long as a cold index takes
        db = busy_wait(name, lambda: _open_file(name, tuning), tuning)
    except sqlite3.Error as exc:
        raise KzkbError(
            f"cannot use the index {name}: {exc}",
            "pass --index PATH (or set KZKB_INDEX) to a writable place",
        ) from None
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    damage.opened(name, lambda: _discard(name, owned, db))
    return db


def _discard(name: str, owned: bool, db: sqlite3.Connection) -> bool:
    """Close the index and remove its file, found damaged after it was
    opened (see store.damage), if it is still kzkb's to replace."""
    with contextlib.suppress(Exception):
        db.close()
    try:
        check_ownership(name, owned)
    except KzkbError:
        return False  # opening it again will say whose it is
    remove_db(name)
    return True


def _open_file(name: str, tuning: Tuning) -> sqlite3.Connection:
    """One try at open_db: fails busy if another process's lock is in the
    way, and then leaves the file as it found it."""
    db = connect(name, tuning.wait_step_ms)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            # while a first fill runs in rollback mode (see refresh), this
            # fails; the filler switches to WAL when it is done
            journal(db, "wal")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("SELECT count(*) FROM files").fetchone()
            return db
        if version != 0:  # another schema: start again
            db.close()
            remove_db(name)
            db = connect(name, tuning.wait_step_ms)
        initialise(db)
        return db
    except sqlite3.DatabaseError as exc:
        with contextlib.suppress(Exception):
            db.close()
        # Only a bad file is damaged (store.damage). Busy or locked means
        # another process is using it: removing it then would take the
        # index, and that process's journal, from under it.
        reason = damage.damage_reason(exc)
        if reason is None:
            raise
    # a damaged kzkb index: it is a cache of the KB, so rebuild it
    damage.repaired(name, reason)
    remove_db(name)
    db = connect(name, tuning.wait_step_ms)
    try:
        initialise(db)
    except BaseException:
        db.close()
        raise
    return db


def initialise(db: sqlite3.Connection) -> None:
    # A new file keeps its rollback journal: the first fill needs one (see
    # refresh) and switches to WAL when it is done. A switch here would race
    # another process starting at the same moment: SQLite does not wait for
    # a journal-mode change, it fails at once if another connection holds
    # the write lock.
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA synchronous = NORMAL")
    _create(db)


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


def check_ownership(name: str, owned: bool) -> None:
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


def remove_db(name: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name + suffix)


def default_index_path(config: Config) -> Path:
    """One database per reading of a KB, in the user cache directory
    (XDG_CACHE_HOME): the folder and every setting that changes what its
    files parse into (Config.parse_key). Two readings of one folder (a
    bare folder, then the site it is in; a site and a folder of it) would
    otherwise take turns rebuilding one file."""
    folder = str(config.content_dir.resolve())
    from kzkb.digest import sha1

    key = sha1(f"{folder}\0{config.parse_key()}".encode()).hexdigest()[:16]
    name = "".join(ch if ch.isalnum() else "-" for ch in config.content_dir.name)[:32] or "kb"
    return cache_folder() / f"{name}-{key}.sqlite"
