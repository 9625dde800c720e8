"""kzkb mv killed with SIGKILL at every step it takes on the file system.

The installed kzkb runs in a real process under a wrapper that counts the
calls a move makes to change files (open for writing, fsync, rename,
replace, unlink, rmdir, makedirs, git) and sends the process a real
SIGKILL just before the n-th, for n = 1, 2, ... until a run ends by
itself. After each kill the next command (kzkb list) finishes or undoes
the move, and the tree, git's index included, is byte for byte the one
before the move or the one a move never killed leaves.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers import clean_env, record, run_kzkb, write_kb

WRAPPER = r"""
import builtins, os, signal, subprocess, sys
limit = int(os.environ["KILL_AT"])
count = 0
def tick():
    global count
    count += 1
    if count == limit:
        os.kill(os.getpid(), signal.SIGKILL)
def wrap(module, name):
    real = getattr(module, name)
    def counted(*args, **kwargs):
        tick()
        return real(*args, **kwargs)
    setattr(module, name, counted)
real_open = builtins.open
def counted_open(file, mode="r", *args, **kwargs):
    if any(c in mode for c in "wax+") and ".kzkb-mv" in str(file):
        tick()
    return real_open(file, mode, *args, **kwargs)
import kzkb.journal as journal
import kzkb.move.apply as apply
for name in ("fsync", "rename", "replace", "unlink", "rmdir", "makedirs"):
    wrap(os, name)
apply.open = journal.open = counted_open
wrap(subprocess, "run")
from kzkb.cli import main
sys.argv = ["kzkb", *sys.argv[1:]]
main()
"""


def _kb(root: Path) -> Path:
    write_kb(
        root,
        {
            "guides/a.md": record("A", "[b](/guides/b/) [s](../../sources/s/)"),
            "guides/a.kk.md": record("А", "[b](/kk/guides/b/)"),
            "guides/b.md": record("B", "[a](../a/)"),
            "guides/b.kk.md": record("Б"),
            "sources/s.md": record("S", "[a](/guides/a/) [b](/guides/b/)"),
            "sources/t.md": "\ufeff" + record("T", "[a](/guides/a/)").replace("\n", "\r\n"),
        },
        'languages = ["en", "kk"]\n',
    )
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "s"],
        cwd=root,
        check=True,
    )
    return root


def _snapshot(root: Path) -> tuple[dict[str, bytes | None], str]:
    files: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if ".git" in rel.parts:
            continue
        files[rel.as_posix()] = p.read_bytes() if p.is_file() else None  # a folder: there
    index = subprocess.run(
        ["git", "ls-files", "-s"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return files, index


def _mv(env: dict[str, str], root: Path, kill_at: int, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "mv", *args, "--kb", str(root)],
        env={**env, "KILL_AT": str(kill_at)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr


def test_a_move_killed_at_any_step_is_undone_or_finished(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    pristine = _kb(tmp_path / "pristine")
    moves = [("guides/a.md", "topics/x/a2.md"), ("guides", "handbooks")]
    for old, new in moves:
        expected = tmp_path / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(pristine, expected)
        assert _mv(env, expected, 0, old, new)[0] == 0
        after = _snapshot(expected)
        before = _snapshot(pristine)
        assert after != before
        outcomes = {"before": 0, "after": 0}
        n = 1
        while True:
            work = tmp_path / f"work-{moves.index((old, new))}-{n}"
            shutil.copytree(pristine, work)
            status, stderr = _mv(env, work, n, old, new)
            if status == 0:
                assert _snapshot(work) == after
                break
            assert status == -signal.SIGKILL, (n, status, stderr)
            listed = run_kzkb(env, "list", "--kb", str(work))
            assert listed.returncode == 0, listed.stderr
            state = _snapshot(work)
            assert state in (before, after), f"killed at step {n}: half a move"
            outcomes["before" if state == before else "after"] += 1
            shutil.rmtree(work)
            n += 1
            assert n < 200
        # both halves were hit: kills before the commit point undo, after it finish
        assert outcomes["before"] >= 3 and outcomes["after"] >= 3, outcomes
