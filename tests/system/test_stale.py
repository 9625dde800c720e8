"""Never stale: an edit is seen by the next command however it was made.

kzkb tells a changed file from an unchanged one by its listing entry (mtime,
size, ctime and inode), then by a content hash. Two edits used to slip past
a listing that held only the mtime and the size:

- an edit that keeps the size and puts the old mtime back (`cp -p`,
  `rsync -t`, `tar x`, `touch -r`: os.utime). The mtime can be set, the ctime
  cannot: every change of content or of the mtime moves it.
- an edit made within the file system's timestamp granularity of the moment
  kzkb read the file ("racy" in git's words): on a file system whose clock
  ticks by the second, an edit in the same second leaves mtime and ctime as
  they were. A file changed that close to a refresh is read again by the
  next one.

The first runs the installed kzkb; the second needs a file system with
coarse timestamps, which the tests simulate in-process (Linux 6.13 and later
keep fine ctimes on local file systems).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from kzkb.listing import scan as scan_module
from kzkb.settings.config import open_config
from kzkb.store.index import Index
from kzkb.store.refresh import RACY_NS
from tests.helpers import clean_env, hits_of, record, run_kzkb, write_kb

OLD = record("Zorbex Foundation", "Keeps archives of court cases.")
NEW = record("Quillon Foundatio", "Keeps archives of court cases.")  # the same size
assert len(OLD) == len(NEW)


@pytest.fixture
def kb(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = write_kb(tmp_path / "kb", {"a.md": OLD, "b.md": record("Plinthar", "Surveys.")})
    return root, clean_env(tmp_path)


def rewrite_keeping_size_and_mtime(path: Path, text: str) -> None:
    """Write `text` (as long as the old text) and put the old times back, as
    `cp -p` or `rsync -t` leave a file."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


def show_title(env: dict[str, str], root: Path, ref: str) -> str:
    result = run_kzkb(env, "show", ref, "--kb", str(root), "-f", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["title"]


def test_same_size_edit_with_the_mtime_put_back_is_seen(kb):
    root, env = kb
    assert show_title(env, root, "a.md") == "Zorbex Foundation"
    time.sleep(0.05)
    rewrite_keeping_size_and_mtime(root / "a.md", NEW)
    assert show_title(env, root, "a.md") == "Quillon Foundatio"
    assert hits_of(run_kzkb(env, "search", "Quillon", "--kb", str(root), "-f", "json")) == ["a.md"]
    assert hits_of(run_kzkb(env, "search", "Zorbex", "--kb", str(root), "-f", "json")) == []


def test_file_replaced_by_a_copy_with_the_old_times_is_seen(kb, tmp_path):
    """`cp -p other a.md` through a rename (rsync's way): a new inode, the old
    mtime and size."""
    root, env = kb
    assert show_title(env, root, "a.md") == "Zorbex Foundation"
    st = (root / "a.md").stat()
    staged = root / ".a.md.tmp"
    staged.write_text(NEW, encoding="utf-8")
    os.utime(staged, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(staged, root / "a.md")
    assert show_title(env, root, "a.md") == "Quillon Foundatio"


def test_edit_in_the_same_second_as_indexing_is_seen(kb):
    """Index, then at once (the same second) edit keeping size and mtime."""
    root, env = kb
    for _attempt in range(5):
        while time.time() % 1 > 0.3:  # start early in a second, to stay inside it
            time.sleep(0.01)
        second = int(time.time())
        (root / "a.md").write_text(OLD, encoding="utf-8")
        assert run_kzkb(env, "index", "--kb", str(root), "-f", "json").returncode == 0
        rewrite_keeping_size_and_mtime(root / "a.md", NEW)
        if int(time.time()) == second:
            break
    else:
        pytest.fail("five times, indexing took more than the rest of a second")
    assert show_title(env, root, "a.md") == "Quillon Foundatio"


# --- a file system whose timestamps tick by the second ----------------------------------------


def coarse(entry: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A listing entry as a file system that keeps whole seconds only has it."""
    second = 1_000_000_000
    mtime, size, ctime, ino = entry
    return (mtime // second * second, size, ctime // second * second, ino)


def test_racy_edit_within_the_timestamp_granularity_is_seen(tmp_path, monkeypatch):
    """git's racy-clean case: the file is read, then edited in the same tick
    of the file system's clock, in place and to the same size, so that mtime,
    ctime, size and inode all stay as they were. Without re-reading files
    changed that close to the refresh, the edit would never be seen."""

    def coarse_scan(root: Path) -> dict[str, tuple[int, int, int, int]]:
        return {path: coarse(entry) for path, entry in scan_module.scan(root).items()}

    monkeypatch.setattr("kzkb.store.refresh.scan", coarse_scan)
    root = write_kb(tmp_path / "kb", {"a.md": OLD})
    monkeypatch.delenv("KZKB_WATCH", raising=False)
    monkeypatch.setenv("KZKB_WATCH", "off")
    config = open_config(str(root))
    index = Index.open(tmp_path / "index.sqlite")
    try:
        for _attempt in range(5):
            while time.time() % 1 > 0.3:  # early in a second, to do all in it
                time.sleep(0.01)
            second = int(time.time())
            (root / "a.md").write_text(OLD, encoding="utf-8")  # in place: the same inode
            index.refresh(config)
            assert [r.title for r in index.records.by_path("a.md")] == ["Zorbex Foundation"]
            listed = coarse_scan(root)
            with open(root / "a.md", "r+", encoding="utf-8") as handle:
                handle.write(NEW)
            # to this file system, nothing changed
            if int(time.time()) == second and coarse_scan(root) == listed:
                break
        else:
            pytest.fail("five times, the edit missed the second of the refresh before it")
        index.refresh(config)
        assert [r.title for r in index.records.by_path("a.md")] == ["Quillon Foundatio"]
        # read again once; later refreshes find nothing to do
        time.sleep(max(0.0, second + 2.1 - time.time()))
        index.refresh(config)
        stats = index.refresh(config)
        assert (stats.added, stats.changed, stats.unchanged) == (0, 0, 1)
    finally:
        index.close()


def test_racy_files_are_read_again_only_until_they_are_old_enough(tmp_path, monkeypatch):
    """The price of the racy rule: a file changed just before a refresh is read
    again by the next one, once; a file changed long before is never re-read."""
    monkeypatch.setenv("KZKB_WATCH", "off")
    root = write_kb(tmp_path / "kb", {"old.md": OLD, "new.md": record("Plinthar", "Surveys.")})
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(root / "old.md", ns=(hour_ago, hour_ago))
    config = open_config(str(root))
    index = Index.open(tmp_path / "index.sqlite")
    reads: list[str] = []
    from kzkb.store import prepare

    real = prepare._prepare

    def counting(job: tuple[str, str]) -> prepare.Prepared:
        reads.append(job[1])
        return real(job)

    # the refresh imports it when it reads a file: patched where it lives
    monkeypatch.setattr(prepare, "_prepare", counting)
    try:
        index.refresh(config)
        assert sorted(reads) == ["new.md", "old.md"]
        reads.clear()
        index.refresh(config)
        # both were written a moment ago (utime moved old.md's ctime): racy,
        # read once more, found equal
        assert sorted(reads) == ["new.md", "old.md"]
        # once the granularity has passed, one last read, then none
        newest = max(os.stat(root / p).st_ctime_ns for p in ("old.md", "new.md"))
        time.sleep(max(0.0, (newest + RACY_NS) / 1e9 + 0.1 - time.time()))
        reads.clear()
        index.refresh(config)
        assert sorted(reads) == ["new.md", "old.md"]
        reads.clear()
        stats = index.refresh(config)
        assert reads == []
        assert (stats.added, stats.changed, stats.unchanged) == (0, 0, 2)
    finally:
        index.close()
