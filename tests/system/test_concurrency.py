"""Several kzkb processes on one index at once: nothing fails, nothing is lost.

What a user does: a search in one terminal while an editor plugin searches
too, a `kzkb index --rebuild` in a third; two commands that each find the
index missing and build it at the same moment. Every command must exit 0
with the right answer: no "database is locked", no traceback, no index
destroyed under another process.

Two kinds of test. The end-to-end ones run the installed `kzkb` in real
processes on a KB of a few hundred records. They pass most of the time even
with a race in the code, because the dangerous interleavings are a few
microseconds wide; so the races themselves are tested by forcing each
interleaving in turn: a second connection (a thread playing another kzkb,
with SQLite's locks exactly as between processes) does its whole open and
first fill, and holds its write lock, between two statements of the first,
for every pair of statements the first one runs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    clean_env,
    default_sigint,
    index_json,
    integrity,
    kzkb_exe,
    run_kzkb,
    word,
    write_big_kb,
)

MEDIUM = 300


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_big_kb(tmp_path_factory.mktemp("medium") / "kb", MEDIUM)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*kzkb_exe(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def first_hit(result: tuple[int, str, str]) -> str:
    """The path of a search's first hit; fails on any error."""
    code, out, err = result
    assert code == 0, err
    assert "Traceback" not in err and "locked" not in err, err
    return json.loads(out)[0]["path"]


def listing(env: dict[str, str], kb: Path, db: Path) -> list[str]:
    result = run_kzkb(env, "list", "--kb", str(kb), "--index", str(db), "-f", "json")
    assert result.returncode == 0, result.stderr
    return [r["path"] for r in json.loads(result.stdout)]


EVERY_RECORD = [f"sources/r{i:04d}.md" for i in range(MEDIUM)]


# --- real processes ------------------------------------------------------------------


@pytest.mark.parametrize("searches", [2, 4])
def test_searches_at_once_on_a_brand_new_index(env, medium, tmp_path, searches):
    """Each finds no index and builds it; they all answer, and the index they
    leave holds every record once."""
    for attempt in range(3):
        db = tmp_path / f"index{attempt}" / "fresh.sqlite"
        db.parent.mkdir()
        opts = ("--kb", str(medium), "--index", str(db), "-f", "json")
        picks = [(7 * n + attempt) % MEDIUM for n in range(searches)]
        procs = [start(env, "search", word(i), *opts) for i in picks]
        for i, proc in zip(picks, procs, strict=True):
            assert first_hit(finish(proc)) == f"sources/r{i:04d}.md"
        assert integrity(db) == "ok"
        assert listing(env, medium, db) == EVERY_RECORD


def test_rebuild_and_two_searches_at_once_on_a_brand_new_index(env, medium, tmp_path):
    db = tmp_path / "index" / "fresh.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(medium), "--index", str(db))
    procs = [
        start(env, "index", "--rebuild", *opts, "-f", "json"),
        start(env, "search", word(11), *opts, "-f", "json"),
        start(env, "search", word(222), *opts, "-f", "json"),
    ]
    rebuilt, one, two = (finish(p) for p in procs)
    assert rebuilt[0] == 0, rebuilt[2]
    assert json.loads(rebuilt[1])["records"] == MEDIUM
    assert first_hit(one) == "sources/r0011.md"
    assert first_hit(two) == "sources/r0222.md"
    assert integrity(db) == "ok"
    assert listing(env, medium, db) == EVERY_RECORD


def test_searches_answer_while_a_rebuild_of_an_existing_index_runs(env, medium, tmp_path):
    """Readers go on from the index as it was while the rebuild replaces it;
    searches started during it, and after it, answer the same."""
    db = tmp_path / "index" / "busy.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(medium), "--index", str(db))
    assert run_kzkb(env, "index", *opts).returncode == 0
    rebuild = start(env, "index", "--rebuild", *opts, "-f", "json")
    searches = []
    while rebuild.poll() is None and len(searches) < 6:
        i = (37 * len(searches) + 5) % MEDIUM
        searches.append((i, start(env, "search", word(i), *opts, "-f", "json")))
        searches[-1][1].wait(timeout=120)
    code, out, err = finish(rebuild)
    assert code == 0, err
    assert json.loads(out)["records"] == MEDIUM
    assert searches, "the rebuild ended before a search started"
    for i, proc in searches:
        assert first_hit(finish(proc)) == f"sources/r{i:04d}.md"
    assert integrity(db) == "ok"
    assert listing(env, medium, db) == EVERY_RECORD


def test_an_edit_during_a_rebuild_is_seen_by_the_search_after(env, tmp_path):
    """A search that must write (a file changed) waits for the rebuild rather
    than failing, then finds the edit."""
    kb = write_big_kb(tmp_path / "kb", MEDIUM)
    db = tmp_path / "index" / "busy.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(kb), "--index", str(db))
    assert run_kzkb(env, "index", *opts).returncode == 0
    rebuild = start(env, "index", "--rebuild", *opts, "-f", "json")
    path = kb / "sources" / "r0042.md"
    path.write_text(path.read_text("utf-8").replace(word(42), "qwzxedited"), "utf-8")
    search = start(env, "search", "qwzxedited", *opts, "-f", "json")
    assert finish(rebuild)[0] == 0
    assert first_hit(finish(search)) == "sources/r0042.md"
    data = index_json(run_kzkb(env, "index", *opts, "-f", "json"))
    assert data["records"] == MEDIUM
    assert integrity(db) == "ok"


def has_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (Linux /proc)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


def test_ctrl_c_ends_the_wait_for_another_writer(env, tmp_path):
    """A command waiting for another process's write lock ends on Ctrl-C
    at once, with one line, while the other still holds the lock (SQLite
    waits inside a statement, where Python cannot act on the signal)."""
    kb = write_big_kb(tmp_path / "kb", 20)
    db = tmp_path / "index" / "kb.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(kb), "--index", str(db))
    assert run_kzkb(env, "index", *opts).returncode == 0
    (kb / "sources" / "r0003.md").write_text("---\ntitle: Edited\n---\n\nNew.\n", "utf-8")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        proc = subprocess.Popen(
            [*kzkb_exe(), "index", *opts],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
            preexec_fn=default_sigint,
        )
        # started up, opened the index; a moment later it waits for the lock
        while proc.poll() is None and not has_open(proc.pid, db):
            threading.Event().wait(0.01)
        threading.Event().wait(1.0)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert holder.in_transaction  # the lock was never let go
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["kzkb: error: interrupted"], err
    assert index_json(run_kzkb(env, "index", *opts, "-f", "json"))["records"] == 20


# --- every interleaving of two first opens -------------------------------------------

SMALL = 40  # few enough that a refresh parses in this process: no worker pool


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_big_kb(tmp_path_factory.mktemp("small") / "kb", SMALL)


class Other:
    """Another kzkb, in a thread with its own connection: opens the index and
    refreshes it, and holds its write transaction open for `hold` seconds."""

    def __init__(self, db: Path, kb: Path, rebuild: bool, hold: float = 0.2) -> None:
        self.db, self.kb, self.rebuild, self.hold = db, kb, rebuild, hold
        self.writing = threading.Event()  # inside its transaction, holding the lock
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.count = -1
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from kzkb.settings.config import open_config
        from kzkb.store.index import Index

        def progress(done: int, total: int) -> None:
            if done == 1:
                self.writing.set()
                threading.Event().wait(self.hold)

        try:
            index = Index.open(self.db)
            try:
                index.refresh(open_config(self.kb), rebuild=self.rebuild, progress=progress)
                self.count = index.records.count()
            finally:
                index.close()
        except BaseException as exc:
            self.error = exc
        finally:
            self.done.set()

    def start_and_wait_until_writing(self) -> None:
        self.thread.start()
        # it may have nothing to write, or wait for a lock we hold: then go on
        while not self.writing.wait(0.01) and not self.done.is_set():
            pass

    def join(self) -> None:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the other connection never finished"


def statements_of(run: Callable[[], Any]) -> list[str]:
    """The SQL statements `run` executes outside a transaction: the moments
    at which another process can take the write lock from it."""
    seen: list[str] = []

    def note(sql: str, db: sqlite3.Connection) -> None:
        if not db.in_transaction:
            seen.append(sql)

    _traced(run, note)
    return seen


def _traced(
    run: Callable[[], Any],
    on_statement: Callable[[str, sqlite3.Connection], None],
) -> Any:
    """run() with `on_statement(sql, connection)` called as each statement of
    a connection it opens starts, before SQLite takes any lock for it."""
    from kzkb.store import db as index

    real = index.connect

    def connect(path: str, *args: Any) -> sqlite3.Connection:
        db = real(path, *args)
        db.set_trace_callback(lambda sql: on_statement(sql, db))
        return db

    index.connect = connect
    try:
        return run()
    finally:
        index.connect = real


def open_and_refresh(db: Path, kb: Path, rebuild: bool = False, tuning: Any = None) -> int:
    from kzkb.settings.config import open_config
    from kzkb.store.index import Index

    index = Index.open(db) if tuning is None else Index.open(db, tuning=tuning)
    try:
        index.refresh(open_config(kb), rebuild=rebuild)
        return index.records.count()
    finally:
        index.close()


def one_interleaving(
    db: Path, kb: Path, k: int, rebuild: bool, other_rebuilds: bool
) -> tuple[int, Other]:
    """Our open and refresh of `db`, the other's starting as our k-th
    statement outside a transaction does: (our record count, the other)."""
    other = Other(db, kb, other_rebuilds)
    position = 0

    def on_statement(sql: str, con: sqlite3.Connection) -> None:
        nonlocal position
        if con.in_transaction:
            return
        if position == k:
            other.start_and_wait_until_writing()
        position += 1

    count = _traced(lambda: open_and_refresh(db, kb, rebuild), on_statement)
    other.join()
    return count, other


def interleave(
    tmp_path: Path,
    kb: Path,
    prepare: Callable[[Path], None],
    *,
    rebuild: bool,
    other_rebuilds: bool,
) -> tuple[int, int]:
    """For each statement our open and refresh run outside a transaction:
    on a fresh copy of the starting state, let another connection open and
    refresh the index and hold its write lock just as that statement starts.
    Both must succeed, and the index must hold every record once. Returns
    (interleavings tried, those in which the other held its write lock as
    our statement started)."""
    probe = tmp_path / "probe" / "x.sqlite"
    probe.parent.mkdir(parents=True)
    prepare(probe)
    total = len(statements_of(lambda: open_and_refresh(probe, kb, rebuild)))
    assert total >= 5
    held = 0
    for k in range(total):
        db = tmp_path / f"run{k}" / "x.sqlite"
        db.parent.mkdir()
        prepare(db)
        where = f"the other connection wrote as statement {k} of {total} started"
        count, other = one_interleaving(db, kb, k, rebuild, other_rebuilds)
        assert other.error is None, f"{where}: {other.error!r}"
        assert count == SMALL, where
        assert other.count == SMALL, where
        assert integrity(db) == "ok", where
        assert open_and_refresh(db, kb) == SMALL, where
        held += other.writing.is_set()
    return total, held


def nothing(db: Path) -> None:
    pass


def test_two_first_opens_in_every_interleaving(tmp_path, small_kb):
    """The race behind a search that failed once in a full test run: two
    commands find no index; the one that stamped the file first switched it
    to WAL just as the other held the write lock, failed at once (SQLite does
    not wait for a journal-mode change), took that for a damaged index and
    deleted the file, journal and all, from under the other."""
    total, held = interleave(tmp_path, small_kb, nothing, rebuild=False, other_rebuilds=False)
    # from our first fill's commit on, the other has nothing left to write
    assert held >= total // 2


def test_a_first_open_beside_a_rebuild_in_every_interleaving(tmp_path, small_kb):
    total, held = interleave(tmp_path, small_kb, nothing, rebuild=False, other_rebuilds=True)
    assert held == total


@pytest.mark.parametrize(("rebuild", "other_rebuilds"), [(True, True), (False, True)])
def test_a_rebuild_beside_a_refresh_in_every_interleaving(
    tmp_path, small_kb, rebuild, other_rebuilds
):
    """An existing index (in WAL mode): the other rebuilds it while we
    rebuild it too, or refresh it."""

    def filled(db: Path) -> None:
        assert open_and_refresh(db, small_kb) == SMALL

    total, held = interleave(
        tmp_path, small_kb, filled, rebuild=rebuild, other_rebuilds=other_rebuilds
    )
    assert held == total


def test_a_busy_index_is_never_taken_for_a_damaged_one(tmp_path, small_kb):
    """A lock held longer than kzkb waits is a one-line error; the index, and
    the other process's transaction, stay as they are."""
    from kzkb.model import KzkbError
    from kzkb.store.db import Tuning

    db = tmp_path / "x.sqlite"
    assert open_and_refresh(db, small_kb) == SMALL
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("DELETE FROM records WHERE path = 'sources/r0000.md'")
    inode = os.stat(db).st_ino
    with pytest.raises(KzkbError) as caught:
        open_and_refresh(db, small_kb, tuning=Tuning(wait_step_ms=100, write_wait=0.5))
    assert "busy" in str(caught.value)
    assert os.stat(db).st_ino == inode
    holder.execute("ROLLBACK")
    holder.close()
    assert integrity(db) == "ok"
    assert open_and_refresh(db, small_kb) == SMALL
