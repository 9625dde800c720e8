"""kill -9 at any moment, and writing only what the user named.

Each kill test runs the installed `kzkb` in a real process and sends it a
real SIGKILL (as `kill -9`, the OOM killer, a closed laptop lid on a dying
battery), at many moments of its run: after delays spread over an untimed
first run of the same command, and at known points found by watching the
files it writes (its journal or temporary file appearing, growing past a
quarter, a half, three quarters of the size a whole run reaches, the
renamed result landing). Afterwards:

- the index is valid: the next command succeeds and lists exactly what an
  index built from scratch lists, and SQLite's integrity check passes;
- an output file is absent, or the old file byte for byte, or the complete
  new one, never a part;
- every record is its old bytes or its fully repaired bytes;
- what a kill leaves behind (a hidden `.NAME.XXXXXXXX.part` beside the
  output or a record) is never taken for a record and breaks no later run.

The last section: export and lint --fix write only the file named or the
KB's records, and never through a symbolic link; kzkb new never writes
outside the KB and never replaces a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import clean_env, integrity, kzkb_exe, run_kzkb, write_kb

N = 300
FIXABLE = 200  # records lint --fix repairs: the first ones, in path order
FRACTIONS = (0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.9, 1.0)


def word(i: int) -> str:
    digest = hashlib.sha1(f"kill {i}".encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16)) for c in digest[:10])


VOCABULARY = [word(100_000 + j) for j in range(3000)]


def record_text(i: int, n: int, title: str, fixable: bool) -> str:
    rnd = random.Random(i)
    body = " ".join(rnd.choice(VOCABULARY) for _ in range(700))
    # curly quotes: a defect lint --fix repairs, which every other command forgives
    description = f"“Generated record {i}.”" if fixable else f'"Generated record {i}."'
    return (
        f'---\ntitle: "{title}"\ndescription: {description}\ntags: ["generated"]\n---\n\n'
        f"Entry {i} mentions {word(i)} once. See [the next](/sources/r{(i + 1) % n:04d}/).\n\n"
        f"{body}\n"
    )


def ledger_kb(root: Path, n: int = N, fixable: int = 0) -> Path:
    return write_kb(
        root,
        {
            f"sources/r{i:04d}.md": record_text(i, n, f"{word(i).capitalize()} ledger", i < fixable)
            for i in range(n)
        },
    )


def edit_kb(root: Path) -> None:
    """What a `git pull` does: half the records change, some go, some come."""
    for i in range(0, N, 2):
        path = root / "sources" / f"r{i:04d}.md"
        path.write_text(record_text(i, N, f"{word(i)[::-1].capitalize()} renamed", False), "utf-8")
    for i in range(N - 20, N):
        (root / "sources" / f"r{i:04d}.md").unlink()
    for i in range(N, N + 20):
        text = record_text(i, N, f"{word(i).capitalize()} added", False)
        (root / "sources" / f"r{i:04d}.md").write_text(text, "utf-8")


# --- killing -------------------------------------------------------------------------------


@dataclass
class Point:
    """When to kill: once `when()` holds (from the start if None), `after`
    seconds more."""

    name: str
    when: Callable[[], bool] | None = None
    after: float = 0.0
    arm: Callable[[], None] | None = None  # called just before kzkb starts


def start(env: dict[str, str], args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*kzkb_exe(), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def kill(env: dict[str, str], args: list[str], point: Point) -> bool:
    """Run kzkb and SIGKILL its process at `point`: True if it died of that,
    False if it finished first (successfully: anything else fails the test)."""
    if point.arm is not None:
        point.arm()
    proc = start(env, args)
    try:
        if point.when is not None:
            while proc.poll() is None and not point.when():
                time.sleep(0.0002)
        end = time.monotonic() + point.after
        while proc.poll() is None and time.monotonic() < end:
            time.sleep(0.0005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)  # kzkb itself, as kill -9 PID does
        _, err = proc.communicate(timeout=60)
    finally:
        # its helpers (parse workers, the change scan) end with their pipes;
        # make sure, so that no test leaves a process behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != -signal.SIGKILL:
        assert proc.returncode == 0, f"{point.name}: exit {proc.returncode}: {err}"
    return proc.returncode == -signal.SIGKILL


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def watched_run(env: dict[str, str], args: list[str], paths: list[Path]) -> tuple[float, dict]:
    """An untimed run to learn from: (seconds, the largest size each path
    reached while it ran, -1 if it never appeared)."""
    largest = {p: -1 for p in paths}
    began = time.monotonic()
    proc = start(env, args)
    while proc.poll() is None:
        for p in paths:
            largest[p] = max(largest[p], size_of(p))
        time.sleep(0.0005)
    seconds = time.monotonic() - began
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return seconds, largest


def spread(seconds: float) -> list[Point]:
    return [Point(f"after {f:.0%} of a run", after=seconds * f) for f in FRACTIONS]


def growing(path: Path, largest: int) -> list[Point]:
    """Points as `path` appears and grows towards the size a run reached."""
    if largest < 0:
        return []
    points = [Point(f"{path.name} appears", lambda: path.exists())]
    for f in (0.25, 0.5, 0.75):
        points.append(Point(f"{path.name} at {f:.0%}", lambda f=f: size_of(path) >= largest * f))
    return points


def landed(kills: list[bool], points: list[Point]) -> None:
    """Most kills must have hit a running command, or the test proved little."""
    missed = [p.name for p, k in zip(points, kills, strict=True) if not k]
    assert sum(kills) >= len(points) * 0.6, missed


# --- the index -----------------------------------------------------------------------------


def listed(env: dict[str, str], kb: Path, db: Path) -> list[dict]:
    result = run_kzkb(env, "list", "--kb", str(kb), "--index", str(db), "-f", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def assert_index_whole(env: dict[str, str], kb: Path, db: Path, expected: list[dict], why: str):
    """The next command works and answers as an index built from scratch."""
    assert listed(env, kb, db) == expected, why
    assert integrity(db) == "ok", why


def remove_index(db: Path) -> None:
    for path in db.parent.glob(db.name + "*"):
        path.unlink()


def copy_index(source: Path, to: Path) -> None:
    remove_index(to)
    for path in source.parent.glob(source.name + "*"):
        shutil.copy2(path, to.parent / (to.name + path.name[len(source.name) :]))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return clean_env(tmp_path_factory.mktemp("env"))


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ledger_kb(tmp_path_factory.mktemp("kb") / "kb")


@pytest.fixture(scope="module")
def index_of_kb(env, kb, tmp_path_factory) -> tuple[Path, list[dict]]:
    """An index of `kb` built in one run, and what it lists."""
    db = tmp_path_factory.mktemp("built") / "kb.sqlite"
    return db, listed(env, kb, db)


def test_cold_index_killed_anywhere(env, kb, index_of_kb, tmp_path):
    """A brand-new index, filled in one transaction (rollback journal), then
    switched to WAL: killed anywhere, the next command builds or finishes it."""
    _, expected = index_of_kb
    db = tmp_path / "index" / "kb.sqlite"
    db.parent.mkdir()
    args = ["index", "--kb", str(kb), "--index", str(db)]
    journal, wal = Path(f"{db}-journal"), Path(f"{db}-wal")
    seconds, largest = watched_run(env, args, [db, journal, wal])
    points = spread(seconds) + growing(db, largest[db])
    points += [Point("the journal appears", journal.exists), Point("the WAL appears", wal.exists)]
    kills = []
    for point in points:
        remove_index(db)
        kills.append(kill(env, args, point))
        assert_index_whole(env, kb, db, expected, point.name)
    landed(kills, points)


def test_refresh_killed_anywhere(env, tmp_path):
    """Half the records changed, some gone, some new: a refresh killed
    anywhere leaves the old index or the new one, and the next command
    finishes the job."""
    kb = ledger_kb(tmp_path / "kb")
    template = tmp_path / "before" / "kb.sqlite"
    template.parent.mkdir()
    listed(env, kb, template)
    edit_kb(kb)
    fresh = tmp_path / "fresh" / "kb.sqlite"
    expected = listed(env, kb, fresh)
    assert len(expected) == N
    db = tmp_path / "index" / "kb.sqlite"
    db.parent.mkdir()
    args = ["index", "--kb", str(kb), "--index", str(db)]
    wal = Path(f"{db}-wal")
    copy_index(template, db)
    seconds, largest = watched_run(env, args, [wal])
    points = spread(seconds) + growing(wal, largest[wal])
    kills = []
    for point in points:
        copy_index(template, db)
        kills.append(kill(env, args, point))
        assert_index_whole(env, kb, db, expected, point.name)
    landed(kills, points)


# --- export -o -----------------------------------------------------------------------------

OLD = b"an earlier export, to be replaced whole or not at all\n" * 4096


def temp_files(folder: Path, target: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith(f".{target.name}.")}


def export_points(out: Path, target: Path, size: int, seconds: float, old: bool) -> list[Point]:
    """When to kill an export to `target`, whose whole file is `size` bytes:
    some of the spread points (the others when there is an `old` file
    before, so that the two cover them all), as its temporary file appears
    and grows, and as the output itself reaches a third of its size."""
    leftovers: set[str] = set()  # of earlier kills, noted as each run starts

    def note_leftovers() -> None:
        leftovers.clear()
        leftovers.update(temp_files(out, target))

    def part() -> Path | None:
        new = temp_files(out, target) - leftovers
        return out / min(new) if new else None

    def part_at(fraction: float) -> Callable[[], bool]:
        return lambda: (p := part()) is not None and size_of(p) >= size * fraction

    def output_at_a_third() -> bool:
        # an atomic write gets there at once, when it renames the whole file
        return size_of(target) >= size / 3

    return [
        *spread(seconds)[3 if old else 4 :: 2],
        Point("the temporary file appears", lambda: part() is not None, arm=note_leftovers),
        Point("a third written", part_at(1 / 3), arm=note_leftovers),
        Point("two thirds written", part_at(2 / 3), arm=note_leftovers),
        Point("the output reaches a third of its size", output_at_a_third),
    ]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "sqlite"])
def test_export_killed_anywhere_leaves_no_part_of_a_file(env, kb, index_of_kb, tmp_path, fmt):
    built, expected = index_of_kb
    db = tmp_path / "index" / "kb.sqlite"
    db.parent.mkdir()
    copy_index(built, db)
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"kb.{fmt}"
    args = ["export", "--kb", str(kb), "--index", str(db), "-o", str(target), "--force"]
    began = time.monotonic()
    assert run_kzkb(env, *args).returncode == 0
    seconds = time.monotonic() - began
    whole = target.read_bytes()
    assert len(OLD) < len(whole) / 3  # so that a third of the new size is no old file

    kills = []
    points: list[Point] = []
    for before in (None, OLD):
        chosen = export_points(out, target, len(whole), seconds, before is not None)
        for point in chosen:
            if before is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(before)
            kills.append(kill(env, args, point))
            why = f"{fmt}, {'over an old file' if before else 'no file before'}: {point.name}"
            if before is None and not target.exists():
                continue
            got = target.read_bytes()
            assert got in (whole, before), f"{why}: {len(got)} bytes, a part"
        points += chosen
    landed(kills, points)
    # what the kills left: hidden temporary files beside the output, only (and
    # beside a SQLite catalogue, Datasette's metadata.json, whole JSON)
    companions = {"metadata.json"} if fmt == "sqlite" else set()
    left = {p.name for p in out.iterdir()} - temp_files(out, target)
    assert left - companions == {target.name}
    for name in left & companions:
        json.loads((out / name).read_text(encoding="utf-8"))
    # they break nothing: the next export is whole, the index is as it was
    target.unlink()
    assert run_kzkb(env, *args).returncode == 0
    assert target.read_bytes() == whole
    assert_index_whole(env, kb, db, expected, "after the kills")


# --- lint --fix ----------------------------------------------------------------------------


def test_lint_fix_killed_anywhere_leaves_each_record_old_or_repaired(env, tmp_path):
    kb = ledger_kb(tmp_path / "kb", fixable=FIXABLE)
    sources = kb / "sources"
    old = {p.name: p.read_bytes() for p in sources.iterdir()}
    reference = ledger_kb(tmp_path / "reference", fixable=FIXABLE)
    args = ["lint", "--fix", "--kb", str(kb)]
    began = time.monotonic()
    done = run_kzkb(env, "lint", "--fix", "--kb", str(reference))
    seconds = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    repaired = {p.name: p.read_bytes() for p in (reference / "sources").iterdir()}
    assert sum(old[n] != repaired[n] for n in old) == FIXABLE

    def restore() -> dict[str, int]:
        """The records as they were (a git checkout); leftovers stay."""
        for name, data in old.items():
            if (sources / name).read_bytes() != data:
                (sources / name).write_bytes(data)
        return {name: (sources / name).stat().st_ino for name in old}

    def replaced(k: int) -> Callable[[], bool]:
        name = f"r{k:04d}.md"
        return lambda: os.stat(sources / name).st_ino != inodes[name]

    def temp_appears() -> bool:
        return any(n.startswith(".") and n.endswith(".part") for n in os.listdir(sources))

    points = [*spread(seconds), Point("the first temporary file", temp_appears)]
    points += [Point(f"record {k} repaired", replaced(k)) for k in (0, 1, 70, 140, FIXABLE - 1)]
    kills = []
    for point in points:
        inodes = restore()
        kills.append(kill(env, args, point))
        names = {p.name for p in sources.iterdir() if not p.name.startswith(".")}
        assert names == set(old), point.name
        for name in old:
            assert (sources / name).read_bytes() in (old[name], repaired[name]), (point.name, name)
    landed(kills, points)

    leftovers = [p.name for p in sources.iterdir() if p.name.startswith(".")]
    assert all(n.endswith(".part") for n in leftovers), leftovers
    # leftovers are no records: the next --fix repairs everything, and lint and
    # list count the records alone
    again = run_kzkb(env, *args)
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in sources.iterdir() if p.name in old} == repaired
    report = run_kzkb(env, "lint", "--kb", str(kb), "-f", "json")
    assert report.returncode == 0, report.stdout
    summary = json.loads(report.stdout)["summary"]
    assert summary["files"] == N, summary
    db = tmp_path / "index" / "kb.sqlite"
    assert len(listed(env, kb, db)) == N


# --- writing only what the user named ------------------------------------------------------


def folder_state(folder: Path) -> dict[str, tuple[bool, bytes | str]]:
    """Every entry under `folder`: (is a link, its target or its bytes)."""
    state: dict[str, tuple[bool, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[rel] = (True, os.readlink(path))
        elif path.is_file():
            state[rel] = (False, path.read_bytes())
    return state


@pytest.fixture
def small(make_kb) -> Path:
    return make_kb(
        {
            "sources/a.md": '---\ntitle: "Alpha"\ndescription: “Curly.”\n---\n\nBody.\n',
            "sources/b.md": '---\ntitle: "Beta"\ndescription: "Fine."\n---\n\nBody.\n',
        }
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize("dangling", [False, True])
def test_export_refuses_an_output_that_is_a_symbolic_link(env, small, tmp_path, dangling):
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if not dangling:
        (elsewhere / "notes.json").write_bytes(b"the user's own file\n")
    (out / "kb.json").symlink_to(elsewhere / "notes.json")
    before, theirs = folder_state(out), folder_state(elsewhere)
    opts = ("--kb", str(small), "--index", str(tmp_path / "kb.sqlite"))
    for force in ((), ("--force",)):
        result = run_kzkb(env, "export", *opts, "-o", str(out / "kb.json"), *force)
        assert "symbolic link" in one_line_error(result)
        assert folder_state(out) == before
        assert folder_state(elsewhere) == theirs


def test_export_writes_the_named_file_and_nothing_else(env, small, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.txt").write_bytes(b"unrelated\n")
    target = out / "kb.jsonl"
    opts = ("--kb", str(small), "--index", str(tmp_path / "kb.sqlite"))
    assert run_kzkb(env, "export", *opts, "-o", str(target)).returncode == 0
    first = target.read_bytes()
    assert first.count(b"\n") == 2
    assert sorted(p.name for p in out.iterdir()) == ["kb.jsonl", "other.txt"]
    # an existing file: kept without --force, replaced whole (its mode kept) with it
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    assert "exists" in one_line_error(run_kzkb(env, "export", *opts, "-o", str(target)))
    assert target.read_bytes() == b"old\n"
    assert run_kzkb(env, "export", *opts, "-o", str(target), "--force").returncode == 0
    assert target.read_bytes() == first
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in out.iterdir()) == ["kb.jsonl", "other.txt"]
    assert (out / "other.txt").read_bytes() == b"unrelated\n"


def test_an_output_file_created_meanwhile_is_not_replaced(tmp_path):
    """Between the check for an existing -o and the rename, another process
    (a second export, a second kzkb new) writes the same name: without
    --force its file stays, and ours is dropped with a one-line error."""
    from kzkb.files import atomic_path
    from kzkb.model import KzkbError

    target = tmp_path / "kb.json"
    with pytest.raises(KzkbError, match="exists"), atomic_path(target, force=False) as temp:
        Path(temp).write_bytes(b"ours\n")
        target.write_bytes(b"theirs\n")
    assert target.read_bytes() == b"theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.json"]
    with atomic_path(target, force=True) as temp:
        Path(temp).write_bytes(b"ours\n")
    assert target.read_bytes() == b"ours\n"


def test_lint_fix_never_writes_through_a_symbolic_link(env, small, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theirs.md").write_bytes("---\ntitle: “Theirs”\n---\n\nBody.\n".encode())
    sources = small / "sources"
    (sources / "out-link.md").symlink_to(outside / "theirs.md")
    (sources / "in-link.md").symlink_to("a.md")
    theirs = folder_state(outside)
    (sources / "a.md").chmod(0o640)
    a_inode, b_inode = (sources / "a.md").stat().st_ino, (sources / "b.md").stat().st_ino
    result = run_kzkb(env, "lint", "--fix", "--kb", str(small))
    assert "Traceback" not in result.stderr, result.stderr
    assert folder_state(outside) == theirs
    assert os.readlink(sources / "out-link.md") == str(outside / "theirs.md")
    assert os.readlink(sources / "in-link.md") == "a.md"
    # the record a link inside the KB points to is repaired under its own name:
    # a new file renamed over it (never rewritten in place), with its mode
    assert '"Curly."' in (sources / "a.md").read_text("utf-8")
    assert (sources / "a.md").stat().st_ino != a_inode
    assert (sources / "a.md").stat().st_mode & 0o777 == 0o640
    assert (sources / "b.md").stat().st_ino == b_inode, "a file with nothing to repair was written"
    assert sorted(p.name for p in sources.iterdir()) == [
        "a.md",
        "b.md",
        "in-link.md",
        "out-link.md",
    ]


def test_lint_fix_keeps_an_edit_saved_while_it_ran(small, monkeypatch):
    """A record saved by an editor after lint read it and before lint wrote
    its repair: the edit stays; the repair is not reported as made."""
    from kzkb.lint import repair
    from kzkb.settings.config import open_config

    edited = '---\ntitle: "Alpha, edited"\ndescription: “Curly, still.”\n---\n\nNew body.\n'
    real = repair.fixed_text

    def fixed_text(rel, text, *args):
        if rel == "sources/a.md":
            (small / rel).write_text(edited, "utf-8")  # the user saves, meanwhile
        return real(rel, text, *args)

    monkeypatch.setattr(repair, "fixed_text", fixed_text)
    config = open_config(small)
    changes = repair.fix(config, ["sources/a.md", "sources/b.md"])
    assert (small / "sources/a.md").read_text("utf-8") == edited
    assert "sources/a.md" not in changes
    monkeypatch.setattr(repair, "fixed_text", real)
    assert "sources/a.md" in repair.fix(config, ["sources/a.md", "sources/b.md"])
    assert "Curly, still." in (small / "sources/a.md").read_text("utf-8")


@pytest.mark.parametrize("dangling", [False, True])
def test_new_refuses_a_folder_linked_out_of_the_kb(env, small, tmp_path, dangling):
    """guides/ is a link to a folder elsewhere: the record would land outside
    the KB, where no command of it sees the record (links to folders are not
    followed)."""
    outside = tmp_path / "outside"
    if not dangling:
        outside.mkdir()
    (small / "guides").symlink_to(outside)
    before = folder_state(small)
    args = ("new", "--kb", str(small), "--kind", "guide", "--title", "A new guide")
    result = run_kzkb(env, *args, "--index", str(tmp_path / "kb.sqlite"))
    assert "symbolic link" in one_line_error(result)
    assert not outside.exists() or list(outside.iterdir()) == []
    assert folder_state(small) == before
    # a real folder there, and the same command writes the record into it
    (small / "guides").unlink()
    made = run_kzkb(env, *args, "--index", str(tmp_path / "kb.sqlite"))
    assert made.returncode == 0, made.stderr
    assert (small / "guides" / "a-new-guide.md").is_file()


def test_new_never_replaces_a_record(env, small, tmp_path):
    opts = ("--kb", str(small), "--index", str(tmp_path / "kb.sqlite"))
    before = (small / "sources" / "a.md").read_bytes()
    result = run_kzkb(env, "new", *opts, "--title", "Other", "--slug", "a")
    assert "never overwrites" in one_line_error(result)
    assert (small / "sources" / "a.md").read_bytes() == before
