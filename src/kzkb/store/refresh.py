"""Bring an index up to date with the KB's files.

Every command refreshes the index before answering: files whose listing
entry changed (mtime, size, ctime or inode: see kzkb.listing.scan.stat_key)
are read, and re-parsed only if their content hash changed; new, deleted and
renamed files are reflected at once. The whole refresh is one transaction
(see kzkb.store.db).

Racy files. A file edited in the same tick of the file system's clock as
the refresh read it, and to the same size, keeps its whole entry: no
listing can tell. As git does for its index, a file whose ctime is not older
than the refresh's start minus RACY_NS is "racy": its path is kept in meta,
and the next refresh reads it again whatever its entry says (then, being
older, it is not racy any more). An edit after the read moves the ctime to
at least the read's time, less the clock's granularity, so any file older
than that is safe to judge by its entry.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kzkb.listing import client, prescan
from kzkb.listing.protocol import ListingSource
from kzkb.listing.scan import Entry, fingerprint, scan
from kzkb.settings.config import Config
from kzkb.store import filestate
from kzkb.store.db import (
    DEFAULT_TUNING,
    RECORD_TABLES,
    Tuning,
    begin_write,
    check_whole,
    journal,
    read_meta,
    write_meta,
)

if TYPE_CHECKING:
    from kzkb.store.prepare import Prepared

Progress = Callable[[int, int], None]
Listing = filestate.Listing  # path -> scan.stat_key

# The coarsest file-system timestamp granularity kzkb allows for: FAT's 2 s
# (ext3 keeps seconds; ext4, xfs and btrfs a clock tick). See the module doc.
RACY_NS = 2_000_000_000
# FTS5's terms gathered in memory before it writes them (its default: 1 MB)
FTS_HASH_BYTES = 16 * 2**20
# Which time a racy file is judged by: the ctime, which no one can set back,
# where it is the time of the last change (POSIX); else the mtime.
_CHANGED_AT = 2 if os.name == "posix" else 0


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
    scanned_by: str = "scan"  # or "watcher": see kzkb.listing.client

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


@dataclass(slots=True)
class _Files:
    """What this refresh knows of the KB's files: a prescan's or watcher's
    answer (`pending`), a scan of the folder (`on_disk`), or a watcher's
    list of what changed since the listing the index holds (`changes`)."""

    pending: ListingSource | None  # None after a scan
    on_disk: Listing | None
    stamp: str
    count: int
    changes: dict[str, Entry | None] | None = None


@dataclass(slots=True)
class _Run:
    """One refresh's inputs, from what it listed to where it writes."""

    config: Config
    settings: str  # the parse key: config.parse_key()
    base: str | None  # the fingerprint of the listing the index holds
    rebuild: bool
    files: _Files
    stats: RefreshStats
    progress: Progress | None
    now: int  # time.time_ns() before any file was read: see RACY_NS


class Refresher:
    """The refresh of one index connection; see the module doc."""

    def __init__(self, db: sqlite3.Connection, path: str, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.db = db
        self.path = path
        self.tuning = tuning
        self._count_keys = True  # keep link_keys current on every delete

    def refresh(
        self, config: Config, *, rebuild: bool = False, progress: Progress | None = None
    ) -> RefreshStats:
        started = time.perf_counter()
        # before any file is read: what was changed since then is racy
        now = time.time_ns()
        stats = RefreshStats(rebuilt=rebuild)
        # the folder and the settings files parse by: another of either rebuilds
        settings = config.parse_key()
        files = self._list(config, rebuild, stats)
        try:
            if not rebuild:
                check_whole(self.db)  # damage no query would see: see store.damage
            base = read_meta(self.db, "fingerprint")
            if (
                not rebuild
                and read_meta(self.db, "parse_key") == settings
                and base == files.stamp
                and not filestate.racy(self.db)
            ):
                # the same files with the same entries as last time
                stats.unchanged = files.count
                stats.skipped = int(read_meta(self.db, "skipped") or 0)
                stats.seconds = time.perf_counter() - started
                return stats
            if files.on_disk is None and files.pending is not None and not rebuild and base:
                # a watcher tells what changed since the listing the index
                # holds; the same listing: nothing (racy files are read anyway)
                files.changes = {} if base == files.stamp else files.pending.changes_since(base)
            self._write_locked(_Run(config, settings, base, rebuild, files, stats, progress, now))
        finally:
            if files.pending is not None:
                files.pending.close()
        stats.seconds = time.perf_counter() - started
        return stats

    def _write_locked(self, run: _Run) -> None:
        first_fill = self._first_fill(run.base)
        begin_write(self.db, self.path, self.tuning)
        try:
            self._update(run)
            self.db.execute("COMMIT")
        except BaseException:
            # SQLite has rolled back by itself after some errors (a full disk)
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        finally:
            if first_fill:
                journal(self.db, "wal")

    def _list(self, config: Config, rebuild: bool, stats: RefreshStats) -> _Files:
        """The files as a prescan or the watcher lists them, else a scan."""
        pending = prescan.take(config.content_dir)
        if pending is None and not rebuild:
            pending = client.connect(config.content_dir, config)
        header = pending.header() if pending is not None else None
        if header is not None:
            stamp, count = header
            stats.scanned_by = pending.source
            files = _Files(pending, None, stamp, count)
        else:
            on_disk = scan(config.content_dir)
            files = _Files(pending, on_disk, fingerprint(on_disk), len(on_disk))
        stats.files = files.count
        return files

    def _first_fill(self, base: str | None) -> bool:
        """Whether this is the first fill of a new index file, now in rollback
        journal mode: there SQLite writes each page once, where WAL writes it
        to the log and again at the checkpoint (1.4 GB twice at 100,000
        records). There is no earlier index to keep whole, and the journal
        still makes the fill all or nothing. Back to WAL afterwards, for
        readers beside a writer."""
        return (
            self.path != ":memory:"
            and base is None
            and self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None
            and journal(self.db, "delete")
        )

    def _update(self, run: _Run) -> None:
        """The refresh's writes, inside its transaction."""
        config, settings, base, files, stats = (
            run.config, run.settings, run.base, run.files, run.stats
        )  # fmt: skip
        rebuild, progress, now = run.rebuild, run.progress, run.now
        # read under the lock: another process may have refreshed meanwhile
        if files.changes is not None and read_meta(self.db, "fingerprint") != base:
            files.changes = None
        clear = rebuild or read_meta(self.db, "parse_key") != settings
        if clear:
            files.changes = None  # what changed since the old index is no rebuild's list
        if files.changes is None and files.on_disk is None:
            self._list_whole(config, files, stats)
        racy = [] if clear else filestate.racy(self.db)
        if clear:
            self._clear()
            stats.rebuilt = True
            known: Listing = {}
        elif files.changes is not None:
            known = filestate.known_of(self.db, list(files.changes.keys() | set(racy)))
        else:
            known = filestate.known(self.db)
        listed, gone = _compare(files, known, racy)
        candidates = sorted(listed)
        stats.unchanged = files.count - len(candidates)
        recount = stats.rebuilt or len(candidates) + len(gone) > self.tuning.recount_from
        self._count_keys = not recount
        for path in gone:
            self._delete(path)
            del known[path]
        stats.removed = len(gone)
        bulk = clear and len(candidates) > self.tuning.recount_from
        indexes = bulk_start(self.db) if bulk else []
        self._write(config, listed, known, recount, stats, progress)
        if indexes:
            # the workers are done: the indexes' sorts may take every core
            self.db.execute(f"PRAGMA threads = {usable_cores()}")
            for sql in indexes:
                self.db.execute(sql)
        self._count_keys = True
        if recount:
            self._recount_keys()
        self._remember(settings, files, known, stats)
        # read this time, or racy before and not read again (the watcher's
        # changes name only what changed): racy if changed near `now`
        since = now - RACY_NS
        racy_now = sorted(
            p for p in listed.keys() | set(racy) if p in known and known[p][_CHANGED_AT] >= since
        )
        write_meta(self.db, "racy", marshal.dumps(racy_now))
        # what check_whole expects of the FTS table from now on
        write_meta(self.db, "fts_rows", filestate.record_count(self.db))

    def _list_whole(self, config: Config, files: _Files, stats: RefreshStats) -> None:
        """Every file, where a list of changes will not do."""
        on_disk = files.pending.files() if files.pending is not None else None
        if on_disk is None:
            on_disk = scan(config.content_dir)
            files.stamp = fingerprint(on_disk)
            stats.scanned_by = "scan"
        files.on_disk = on_disk
        stats.files = files.count = len(on_disk)

    def _write(
        self,
        config: Config,
        listed: Listing,
        known: Listing,
        recount: bool,
        stats: RefreshStats,
        progress: Progress | None,
    ) -> None:
        """Read the candidates (`listed`: with their listing entries), and
        write those whose content changed. Each file is stored with the entry
        the listing had before it was read: should it change between, the
        next listing differs and it is read again."""
        db = self.db
        candidates = sorted(listed)
        hashes = filestate.hashes(self.db, [p for p in candidates if p in known])
        # start-up: a refresh that finds nothing changed loads no parsing
        from kzkb.store.prepare import use_config

        use_config(config)
        content = str(config.content_dir)
        jobs = [(os.path.join(content, p), p) for p in candidates]
        if len(jobs) > self.tuning.recount_from:
            # B-trees of a million rows: keep their inner pages in memory
            db.execute("PRAGMA cache_size = -65536")
        batch = filestate.Batch(db, self.tuning)
        batch.count_keys = not recount
        # closed here, not when collected: on Ctrl-C its worker pool is ended
        # at once rather than at exit, where it can hang
        with contextlib.closing(self._prepare_all(jobs)) as prepared_all:
            for i, prepared in enumerate(prepared_all, 1):
                path = prepared.path
                entry = listed[path]
                old = hashes.get(path)
                if old is not None and old == prepared.hash:
                    # touched, not changed: remember the new entry only
                    db.execute(
                        "UPDATE files SET mtime_ns = ?, size = ?, ctime_ns = ?, ino = ?"
                        " WHERE path = ?",
                        (*entry, path),
                    )
                    stats.unchanged += 1
                else:
                    if path in known:
                        self._delete(path)
                        stats.changed += 1
                    else:
                        stats.added += 1
                    batch.add(prepared, entry)
                known[path] = entry
                if progress is not None:
                    progress(i, len(jobs))
        batch.flush()

    def _prepare_all(self, jobs: list[tuple[str, str]]) -> Iterator[Prepared]:
        from kzkb.store.prepare import _CONFIG, _prepare, prepare_forked, spawned_init

        workers = self.tuning.workers or usable_cores()
        if len(jobs) < self.tuning.parallel_from or workers < 2:
            yield from map(_prepare, jobs)
            return
        if hasattr(os, "fork"):
            # fork shares the loaded modules and the jobs; workers parse while we write
            yield from prepare_forked(jobs, workers, self.tuning.parallel_chunk)
            return
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        step = self.tuning.parallel_slice
        # spawned workers start afresh: they are handed the settings
        with ctx.Pool(workers, initializer=spawned_init, initargs=(_CONFIG,)) as pool:
            # a slice at a time, the next one queued while the writer takes
            # this one's records: the workers never wait for the writer at a
            # slice's end, nor run more than a slice ahead of it, so parsed
            # records do not pile up in memory
            ahead: deque[Iterator[Prepared]] = deque()
            for start in range(0, len(jobs), step):
                ahead.append(pool.imap(_prepare, jobs[start : start + step], chunksize=64))
                if len(ahead) > 1:
                    yield from ahead.popleft()
            while ahead:
                yield from ahead.popleft()

    def _recount_keys(self) -> None:
        """link_keys counted again from the links: after many changes, one
        GROUP BY costs less than keeping the counts at every row."""
        self.db.execute("DELETE FROM link_keys")
        self.db.execute(
            "INSERT INTO link_keys SELECT key, count(*), count(*) - sum(self) FROM links"
            " WHERE key IS NOT NULL GROUP BY key"
        )

    def _remember(self, settings: str, files: _Files, known: Listing, stats: RefreshStats) -> None:
        db = self.db
        write_meta(db, "parse_key", settings)
        write_meta(db, "fingerprint", files.stamp)
        if files.changes is None:
            # the whole listing, for the next refresh that has to compare all
            # of it; after a watcher's changes it is stale, and known_for
            # tells so
            write_meta(db, "known", marshal.dumps(known))
            write_meta(db, "known_for", files.stamp)
        stats.skipped = db.execute(
            "SELECT count(*) FROM files WHERE skipped_reason IS NOT NULL"
        ).fetchone()[0]
        # kept, so that a refresh with nothing to do still knows of them
        write_meta(db, "skipped", str(stats.skipped))

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


def bulk_start(db: sqlite3.Connection) -> list[str]:
    """Ready empty tables for many rows at once; returns the statements that
    make their indexes again, to run after the load. An index built from
    its whole table at the end sorts once, where one kept current takes a
    row at a time into B-trees of random keys (links by key, terms by slug);
    and FTS5 gathers 16 MB of terms in memory before it writes a segment,
    not 1 MB, so it writes and merges fewer (10,000 records: their writes'
    CPU 1.40 s -> 1.18 s). Within the refresh's transaction: all or nothing."""
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in rows:
        db.execute(f'DROP INDEX "{name}"')
    db.execute("INSERT INTO fts(fts, rank) VALUES ('hashsize', ?)", (FTS_HASH_BYTES,))
    return [sql for _, sql in rows]


def usable_cores() -> int:
    """The cores this process may run on (at most 8: the writer is one
    process, and more parsers would only wait for it)."""
    if hasattr(os, "sched_getaffinity"):
        return min(len(os.sched_getaffinity(0)) or 1, 8)
    return min(os.cpu_count() or 1, 8)


def _compare(files: _Files, known: Listing, racy: list[str]) -> tuple[Listing, list[str]]:
    """({file to read: its listing entry}, files gone). Racy files are read
    whatever their entries say. In path order: records get ids in the order
    export and list read them, so those reads are sequential on disk."""
    if files.changes is not None:
        changes = files.changes
        listed = {p: e for p, e in changes.items() if e is not None and known.get(p) != e}
        for path in racy:
            entry = changes[path] if path in changes else known.get(path)
            if entry is not None:
                listed[path] = entry
        gone = [p for p, e in changes.items() if e is None and p in known]
    else:
        assert files.on_disk is not None
        on_disk = files.on_disk
        listed = {p: e for p, e in on_disk.items() if known.get(p) != e}
        for path in racy:
            if path in on_disk:
                listed[path] = on_disk[path]
        gone = [p for p in known if p not in on_disk]
    return listed, gone
