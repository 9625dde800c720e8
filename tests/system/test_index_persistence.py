"""The persistent index: always fresh, outside the KB, and safe to kill.

Everything here runs the installed `kzkb` in real processes, as a user (or a
script, an editor plugin, a second terminal) does, each test on its own KB and
its own index file in a tmp folder.

Freshness. Every command refreshes the index before it answers, so an edit,
a new file, a deletion or a rename shows at once. kzkb decides what changed by
each file's mtime, size, ctime and inode, then a content hash: an edit that
keeps the size still moves the mtime and is seen (tested below); a file
touched without a change is hashed, found equal and counted unchanged (tested
below). An edit that keeps the size and puts the old mtime back, and one made
within the timestamp granularity of the refresh, are tested in test_stale.py.

Crash safety. A rebuild or refresh killed at any point (SIGKILL, or Ctrl-C as
SIGINT) leaves an index the next command can use: it answers correctly and
holds every record exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    BIG,
    clean_env,
    default_sigint,
    hits_of,
    index_json,
    kzkb_exe,
    later,
    record,
    run_kzkb,
    word,
    write_big_kb,
)

SQLITE_MAGIC = b"SQLite format 3\x00"

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


@pytest.fixture
def kz(env: dict[str, str]) -> Run:
    """Run the installed kzkb with the test's clean environment."""

    def call(*args: str, extra: dict[str, str] | None = None, cwd: Path | None = None):
        return run_kzkb(env, *args, extra=extra, cwd=cwd)

    return call


COUNTS = ("added", "changed", "removed", "unchanged")


def refresh_counts(data: dict[str, Any]) -> dict[str, int]:
    return {k: data["refresh"][k] for k in COUNTS}


def is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == SQLITE_MAGIC


def all_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")} if root.exists() else set()


# --- a small KB -----------------------------------------------------------------------------

SMALL = {
    "sources/alpha.md": record("Zorbex Foundation", "Keeps archives of court cases."),
    "sources/beta.md": record("Plinthar Institute", "Publishes annual surveys."),
    "sources/gamma.md": record("Marvolt Network", "Runs training for journalists."),
}


@pytest.fixture
def small(make_kb: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    """(KB folder, index file) of a three-record KB; the index's folder exists."""
    (tmp_path / "index").mkdir()
    return make_kb(dict(SMALL)), tmp_path / "index" / "small.sqlite"


@pytest.fixture
def search(kz: Run, small: tuple[Path, Path]) -> Callable[[str], list[str]]:
    kb, db = small

    def call(query: str) -> list[str]:
        return hits_of(kz("search", query, "--kb", str(kb), "--index", str(db), "-f", "json"))

    return call


# --- freshness -------------------------------------------------------------------------------


def test_edited_title_is_found_and_the_old_one_is_not(search, small):
    kb, _ = small
    assert search("Zorbex") == ["sources/alpha.md"]
    (kb / "sources/alpha.md").write_text(record("Quillon Foundation", "Keeps archives."), "utf-8")
    assert search("Quillon") == ["sources/alpha.md"]
    assert search("Zorbex") == []


def test_added_record_is_found_at_once(search, small):
    kb, _ = small
    assert search("Vexadrom") == []
    (kb / "sources/delta.md").write_text(record("Vexadrom Collective", "New."), "utf-8")
    assert search("Vexadrom") == ["sources/delta.md"]


def test_deleted_record_is_gone_from_search_list_and_show(search, small, kz):
    kb, db = small
    assert search("Plinthar") == ["sources/beta.md"]
    (kb / "sources/beta.md").unlink()
    assert search("Plinthar") == []
    listed = hits_of(kz("list", "--kb", str(kb), "--index", str(db), "-f", "json"))
    assert sorted(listed) == ["sources/alpha.md", "sources/gamma.md"]
    shown = kz("show", "sources/beta.md", "--kb", str(kb), "--index", str(db))
    assert shown.returncode == 2, shown.stdout


def test_renamed_file_is_found_under_its_new_path_only(search, small, kz):
    kb, db = small
    assert search("Marvolt") == ["sources/gamma.md"]
    (kb / "sources/gamma.md").rename(kb / "sources/omega.md")
    assert search("Marvolt") == ["sources/omega.md"]
    listed = hits_of(kz("list", "--kb", str(kb), "--index", str(db), "-f", "json"))
    assert sorted(listed) == ["sources/alpha.md", "sources/beta.md", "sources/omega.md"]


def test_edit_that_keeps_the_size_is_seen(search, small):
    kb, _ = small
    path = kb / "sources/alpha.md"
    assert search("archives") == ["sources/alpha.md"]
    before = path.stat().st_size
    path.write_text(path.read_text("utf-8").replace("archives", "ledgerss"), "utf-8")
    assert path.stat().st_size == before
    later(path)
    assert search("ledgerss") == ["sources/alpha.md"]
    assert search("archives") == []


def test_show_and_terms_see_a_new_record_at_once(kz, small):
    kb, db = small
    opts = ("--kb", str(kb), "--index", str(db))
    assert kz("terms", "tags", *opts, "-f", "json").returncode in (0, 1)
    (kb / "sources/delta.md").write_text(
        record("Vexadrom Collective", "New.", tags='["brandnewtag"]'), "utf-8"
    )
    shown = kz("show", "delta", *opts, "-f", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["path"] == "sources/delta.md"
    terms = kz("terms", "tags", *opts, "-f", "json")
    assert terms.returncode == 0, terms.stderr
    assert {t["slug"]: t["count"] for t in json.loads(terms.stdout)}.get("brandnewtag") == 1


def test_index_json_reports_what_changed(kz, small):
    kb, db = small
    index = ("index", "--kb", str(kb), "--index", str(db), "-f", "json")
    first = index_json(kz(*index))
    assert {"records", "by_kind", "by_lang", "skipped", "refresh"} <= set(first)
    assert first["records"] == 3
    assert refresh_counts(first) == {"added": 3, "changed": 0, "removed": 0, "unchanged": 0}

    (kb / "sources/alpha.md").write_text(record("Zorbex Foundation", "Edited body."), "utf-8")
    later(kb / "sources/alpha.md")
    (kb / "sources/beta.md").unlink()
    (kb / "sources/delta.md").write_text(record("Vexadrom Collective", "New."), "utf-8")
    second = index_json(kz(*index))
    assert second["records"] == 3
    assert refresh_counts(second) == {"added": 1, "changed": 1, "removed": 1, "unchanged": 1}

    third = index_json(kz(*index))
    assert refresh_counts(third) == {"added": 0, "changed": 0, "removed": 0, "unchanged": 3}

    rebuilt = index_json(
        kz("index", "--rebuild", "--kb", str(kb), "--index", str(db), "-f", "json")
    )
    assert rebuilt["records"] == 3


def test_touched_but_unchanged_file_counts_as_unchanged(kz, small):
    kb, db = small
    index = ("index", "--kb", str(kb), "--index", str(db), "-f", "json")
    index_json(kz(*index))
    later(kb / "sources/alpha.md", 5)  # `touch`: new mtime, same bytes
    after = index_json(kz(*index))
    assert refresh_counts(after) == {"added": 0, "changed": 0, "removed": 0, "unchanged": 3}


def test_skipped_file_is_reported_on_every_run_until_fixed(kz, small):
    kb, db = small
    broken = kb / "sources/broken.md"
    broken.write_text('---\ntitle: "Kelpiron\n---\n', "utf-8")  # unclosed quote
    index = ("index", "--kb", str(kb), "--index", str(db), "-f", "json")
    for _ in range(2):  # the second run finds nothing changed and must still say so
        data = index_json(kz(*index))
        assert data["records"] == 3
        assert [s["path"] for s in data["skipped"]] == ["sources/broken.md"]
        assert all(s["reason"] and s["line"] >= 1 for s in data["skipped"])
    broken.write_text(record("Kelpiron Trust", "Fixed."), "utf-8")
    later(broken)
    fixed = index_json(kz(*index))
    assert fixed["records"] == 4 and fixed["skipped"] == []
    found = kz("search", "Kelpiron", "--kb", str(kb), "--index", str(db), "-f", "json")
    assert hits_of(found) == ["sources/broken.md"]


def test_library_reports_the_refresh(small):
    from kzkb.kb import KnowledgeBase

    kb, db = small
    first = KnowledgeBase.open(kb, index_path=db, rebuild=False)
    assert (first.last_refresh.added, first.last_refresh.unchanged) == (3, 0)
    assert [h.record.path for h in first.search("Zorbex", limit=20)] == ["sources/alpha.md"]
    (kb / "sources/beta.md").unlink()
    again = KnowledgeBase.open(kb, index_path=db, rebuild=False)
    stats = again.last_refresh
    assert (stats.added, stats.changed, stats.removed, stats.unchanged) == (0, 0, 1, 2)


# --- where the index lives -------------------------------------------------------------------


def test_default_index_is_in_the_user_cache_not_in_the_kb(kz, small, tmp_path):
    kb, _ = small
    work = tmp_path / "work"
    work.mkdir()
    before = all_files(kb)
    result = kz("search", "Zorbex", "--kb", str(kb), "-f", "json", cwd=work)
    assert hits_of(result) == ["sources/alpha.md"]
    assert all_files(kb) == before, "kzkb wrote into the KB folder"
    assert all_files(work) == set(), "kzkb wrote into the current directory"
    cache = tmp_path / "cache"
    databases = [p for p in cache.rglob("*") if p.is_file() and is_sqlite(p)]
    assert len(databases) == 1, all_files(cache)
    # the next command reuses it rather than making another
    kz("search", "Plinthar", "--kb", str(kb), "-f", "json", cwd=work)
    assert [p for p in cache.rglob("*") if p.is_file() and is_sqlite(p)] == databases


def test_default_index_is_one_database_per_kb(kz, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for root, title in ((one, "Zorbex Foundation"), (two, "Plinthar Institute")):
        (root / "sources").mkdir(parents=True)
        (root / "sources/a.md").write_text(record(title, "Same file name in both."), "utf-8")
    assert hits_of(kz("search", "Zorbex", "--kb", str(one), "-f", "json")) == ["sources/a.md"]
    assert hits_of(kz("search", "Plinthar", "--kb", str(two), "-f", "json")) == ["sources/a.md"]
    assert hits_of(kz("search", "Zorbex", "--kb", str(two), "-f", "json")) == []
    assert hits_of(kz("search", "Plinthar", "--kb", str(one), "-f", "json")) == []
    cache = tmp_path / "cache"
    assert len([p for p in cache.rglob("*") if p.is_file() and is_sqlite(p)]) == 2


def test_index_option_puts_the_index_where_told(kz, small, tmp_path):
    kb, _ = small
    where = tmp_path / "elsewhere"
    where.mkdir()
    before = all_files(kb)
    result = kz("search", "Zorbex", "--kb", str(kb), "--index", str(where / "my.db"), "-f", "json")
    assert hits_of(result) == ["sources/alpha.md"]
    assert (where / "my.db").is_file() and is_sqlite(where / "my.db")
    assert all_files(kb) == before
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_kzkb_index_variable_puts_the_index_where_told(kz, small, tmp_path):
    kb, _ = small
    where = tmp_path / "fromenv"
    where.mkdir()
    extra = {"KZKB_INDEX": str(where / "env.db")}
    result = kz("search", "Zorbex", "--kb", str(kb), "-f", "json", extra=extra)
    assert hits_of(result) == ["sources/alpha.md"]
    assert (where / "env.db").is_file() and is_sqlite(where / "env.db")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    # the option wins over the variable, as --kb wins over KZKB_KB
    opt = where / "option.db"
    other = {"KZKB_INDEX": str(where / "unused.db")}
    result = kz("list", "--kb", str(kb), "--index", str(opt), "-f", "json", extra=other)
    assert len(hits_of(result)) == 3
    assert opt.is_file() and not (where / "unused.db").exists()


def test_every_command_takes_index(kz, small):
    kb, db = small
    for args in (
        ("search", "Zorbex"),
        ("list",),
        ("show", "alpha"),
        ("terms",),
        ("index",),
    ):
        result = kz(*args, "--kb", str(kb), "--index", str(db))
        assert result.returncode in (0, 1), f"{args}: {result.stderr}"
        assert "No such option" not in result.stderr


def test_unusable_index_location_is_a_one_line_error(kz, small, tmp_path):
    kb, _ = small
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    result = kz("search", "Zorbex", "--kb", str(kb), "--index", str(blocker / "x.sqlite"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- schema changes and corruption ------------------------------------------------------------


def test_schema_version_change_rebuilds_the_index(search, small):
    from kzkb.store.db import SCHEMA_VERSION

    _, db = small
    assert search("Zorbex") == ["sources/alpha.md"]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        con.execute("PRAGMA user_version = 9999")
    con.close()
    assert search("Zorbex") == ["sources/alpha.md"]
    assert search("Marvolt") == ["sources/gamma.md"]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def corrupt(db: Path, how: str) -> None:
    noise = hashlib.sha256(b"noise").digest() * 512  # 16 KiB of bytes that are no database
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    if how == "garbage":
        db.write_bytes(noise)
    elif how == "text":
        db.write_text("this is not an index\n" * 100, "utf-8")
    elif how == "header-then-garbage":
        db.write_bytes(SQLITE_MAGIC + noise)
    elif how == "index-header-then-garbage":  # kzkb's own header, the pages after it lost
        db.write_bytes(db.read_bytes()[:100] + noise)
    elif how == "truncated":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        db.write_bytes(b"")
    else:  # pragma: no cover
        raise ValueError(how)


@pytest.mark.parametrize("how", ["index-header-then-garbage", "truncated", "empty"])
def test_damaged_index_is_rebuilt(kz, small, how):
    """The index is a cache of the KB: a damaged one is rebuilt, not a dead end."""
    kb, db = small
    opts = ("--kb", str(kb), "--index", str(db))
    assert hits_of(kz("search", "Zorbex", *opts, "-f", "json")) == ["sources/alpha.md"]
    corrupt(db, how)
    result = kz("search", "Plinthar", *opts, "-f", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert hits_of(result) == ["sources/beta.md"]
    assert index_json(kz("index", *opts, "-f", "json"))["records"] == 3


@pytest.mark.parametrize("how", ["garbage", "text", "header-then-garbage"])
def test_a_file_that_is_not_an_index_is_never_overwritten(kz, small, how):
    """--index ~/notes.db by mistake: a one-line error, and the file as it was."""
    kb, db = small
    db.write_bytes(b"")
    corrupt(db, how)
    before = db.read_bytes()
    result = kz("search", "Plinthar", "--kb", str(kb), "--index", str(db))
    assert result.returncode == 2
    assert "not a kzkb index" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert db.read_bytes() == before


def test_another_sqlite_database_is_never_overwritten(kz, small):
    kb, db = small
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE mine (x)")
        con.execute("INSERT INTO mine VALUES (42)")
    con.close()
    result = kz("search", "Plinthar", "--kb", str(kb), "--index", str(db))
    assert result.returncode == 2 and "not a kzkb index" in result.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT x FROM mine").fetchall() == [(42,)]
    con.close()


def test_garbage_in_kzkb_own_cache_is_rebuilt(kz, small, env):
    """At the default location the file is kzkb's: whatever is there, rebuild."""
    kb, _ = small
    assert kz("search", "Zorbex", "--kb", str(kb)).returncode == 0
    (cached,) = Path(env["XDG_CACHE_HOME"]).rglob("*.sqlite")
    corrupt(cached, "garbage")
    result = kz("search", "Plinthar", "--kb", str(kb), "-f", "json")
    assert result.returncode == 0, result.stderr
    assert hits_of(result) == ["sources/beta.md"]


# --- crash safety: a KB of a few thousand records ----------------------------------------------


def copy_index(source: Path, to: Path) -> Path:
    """Replace the index `to` (and any -wal, -shm... beside it) by a copy of `source`."""
    to.parent.mkdir(parents=True, exist_ok=True)
    for path in to.parent.iterdir():
        if path.name.startswith(to.name):
            path.unlink()
    for path in source.parent.iterdir():
        if path.name.startswith(source.name):
            shutil.copy2(path, to.parent / (to.name + path.name[len(source.name) :]))
    return to


class Big:
    """The big KB, a built index to copy, and how long a full rebuild takes."""

    def __init__(self, root: Path, template: Path, env: dict[str, str], seconds: float):
        self.root, self.template, self.env, self.seconds = root, template, env, seconds

    def copy_index(self, to: Path) -> Path:
        return copy_index(self.template, to)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Big:
    tmp = tmp_path_factory.mktemp("big")
    env = clean_env(tmp)
    root = write_big_kb(tmp / "kb")
    template = tmp / "index" / "big.sqlite"
    template.parent.mkdir()
    opts = ("--kb", str(root), "--index", str(template))
    first = run_kzkb(env, "index", *opts, "-f", "json")
    assert first.returncode == 0, first.stderr
    start = time.monotonic()
    rebuilt = run_kzkb(env, "index", "--rebuild", *opts, "-f", "json")
    seconds = time.monotonic() - start
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["records"] == BIG
    return Big(root, template, env, seconds)


def interrupt_midway(
    env: dict[str, str],
    args: list[str],
    seconds: float,
    fraction: float,
    sig: int,
    prepare: Callable[[], object],
) -> tuple[int, str]:
    """Start kzkb in its own process group, send `sig` after `fraction` of
    `seconds`; if it finished first, `prepare` the same starting state again
    and send the signal sooner. Returns the interrupted run's exit status
    and stderr.

    SIGINT goes to the whole group, as a terminal's Ctrl-C does; SIGKILL to
    kzkb's own process only, as `kill -9` or the OOM killer does."""
    for attempt in range(4):
        prepare()
        proc = subprocess.Popen(
            [*kzkb_exe(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
            preexec_fn=default_sigint,
        )
        try:
            time.sleep(seconds * fraction * (0.6**attempt))
            if proc.poll() is None:
                if sig == signal.SIGINT:
                    os.killpg(proc.pid, sig)
                else:
                    proc.send_signal(sig)
                proc.wait(timeout=120)
                _, stderr = proc.communicate(timeout=120)
                return proc.returncode, stderr
            proc.communicate(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):  # helpers it left behind
                os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"kzkb {' '.join(args)} always finished before the signal")


def assert_index_is_whole(env: dict[str, str], kb: Path, db: Path, n: int = BIG) -> None:
    """The next commands work on the index: correct hits, every record once."""
    opts = ("--kb", str(kb), "--index", str(db))
    for i in (0, n // 2, n - 1):
        result = run_kzkb(env, "search", word(i), *opts, "-f", "json")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert json.loads(result.stdout)[0]["path"] == f"sources/r{i:04d}.md"
    data = index_json(run_kzkb(env, "index", *opts, "-f", "json"))
    assert data["records"] == n
    assert data["skipped"] == []


@pytest.mark.parametrize("fraction", [0.4, 0.75])
def test_rebuild_killed_midway_leaves_a_usable_index(big, tmp_path, fraction):
    db = tmp_path / "index" / "big.sqlite"
    args = ["index", "--rebuild", "--kb", str(big.root), "--index", str(db)]
    status, _stderr = interrupt_midway(
        big.env, args, big.seconds, fraction, signal.SIGKILL, lambda: big.copy_index(db)
    )
    assert status == -signal.SIGKILL
    assert_index_is_whole(big.env, big.root, db)


def test_rebuild_interrupted_with_ctrl_c_leaves_a_usable_index(big, tmp_path):
    db = tmp_path / "index" / "big.sqlite"
    args = ["index", "--rebuild", "--kb", str(big.root), "--index", str(db)]
    _status, stderr = interrupt_midway(
        big.env, args, big.seconds, 0.5, signal.SIGINT, lambda: big.copy_index(db)
    )
    # Ctrl-C is not a crash: one line ("interrupted") at most, no traceback
    assert "Traceback" not in stderr, stderr
    assert len(stderr.strip().splitlines()) <= 1, stderr
    assert_index_is_whole(big.env, big.root, db)


def test_first_index_killed_midway_then_next_command_works(big, tmp_path):
    db = tmp_path / "index" / "first.sqlite"
    db.parent.mkdir()
    args = ["index", "--kb", str(big.root), "--index", str(db)]

    def no_index() -> None:
        for path in db.parent.iterdir():
            path.unlink()

    status, _stderr = interrupt_midway(big.env, args, big.seconds, 0.4, signal.SIGKILL, no_index)
    assert status == -signal.SIGKILL
    assert_index_is_whole(big.env, big.root, db)


def test_refresh_killed_midway_then_next_command_sees_every_edit(big, tmp_path):
    """Half the files change (as after a `git pull`); the refreshing search is
    killed; the next command must not take the unfinished files as current."""
    kb = tmp_path / "kb"
    shutil.copytree(big.root, kb)
    db = tmp_path / "index" / "big.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(kb), "--index", str(db))
    assert run_kzkb(big.env, "index", *opts).returncode == 0
    before = copy_index(db, tmp_path / "before" / "big.sqlite")

    def renamed(i: int) -> str:
        return word(i)[::-1] + "x" if i % 2 == 0 else word(i)

    write_big_kb(kb, words=renamed)
    for i in range(0, BIG, 2):
        later(kb / "sources" / f"r{i:04d}.md")
    args = ["search", "generated", *opts]

    status, _stderr = interrupt_midway(
        big.env, args, big.seconds, 0.3, signal.SIGKILL, lambda: copy_index(before, db)
    )
    assert status == -signal.SIGKILL
    for i in (0, 1, BIG // 2, BIG - 1):
        result = run_kzkb(big.env, "search", renamed(i), *opts, "-f", "json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)[0]["path"] == f"sources/r{i:04d}.md"
    gone = run_kzkb(big.env, "search", word(0), *opts, "-f", "json")
    assert "sources/r0000.md" not in hits_of(gone)
    assert index_json(run_kzkb(big.env, "index", *opts, "-f", "json"))["records"] == BIG


# --- concurrency -----------------------------------------------------------------------------

MEDIUM = 400


@pytest.fixture
def medium(tmp_path: Path) -> Path:
    return write_big_kb(tmp_path / "medium", MEDIUM)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*kzkb_exe(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def test_two_searches_at_once_on_a_fresh_index(env, medium, tmp_path):
    db = tmp_path / "index" / "fresh.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(medium), "--index", str(db), "-f", "json")
    procs = [start(env, "search", word(7), *opts) for _ in range(2)]
    results = [finish(p) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    found = [[h["path"] for h in json.loads(out)] for _, out, _ in results]
    assert found[0] == found[1]
    assert found[0][0] == "sources/r0007.md"
    # both refreshed the same new index: still every record exactly once
    data = index_json(run_kzkb(env, "index", *opts))
    assert data["records"] == MEDIUM
    listed = hits_of(run_kzkb(env, "list", *opts))
    assert len(listed) == len(set(listed)) == MEDIUM


def test_rebuild_and_two_searches_at_once(env, medium, tmp_path):
    db = tmp_path / "index" / "busy.sqlite"
    db.parent.mkdir()
    opts = ("--kb", str(medium), "--index", str(db))
    assert run_kzkb(env, "index", *opts).returncode == 0
    procs = [
        start(env, "index", "--rebuild", *opts, "-f", "json"),
        start(env, "search", word(11), *opts, "-f", "json"),
        start(env, "search", word(222), *opts, "-f", "json"),
    ]
    (rc0, out0, err0), (rc1, out1, err1), (rc2, out2, err2) = [finish(p) for p in procs]
    assert rc0 == 0, err0
    assert json.loads(out0)["records"] == MEDIUM
    assert rc1 == 0, err1
    assert json.loads(out1)[0]["path"] == "sources/r0011.md"
    assert rc2 == 0, err2
    assert json.loads(out2)[0]["path"] == "sources/r0222.md"
    assert index_json(run_kzkb(env, "index", *opts, "-f", "json"))["records"] == MEDIUM
