"""A move made all or nothing, whatever stops it (an error, a kill -9, a
power cut), through kzkb.journal:

1. The journal says "prepare" and names the temporary file of every new
   text, written beside the file it replaces (or, for a file renamed, beside
   its old name) and synced.
2. The journal says "commit" and lists the steps left: texts put in place,
   files renamed, git's index told (the old blob at the new path, as
   `git mv` does), emptied folders removed.
3. The steps run, and the journal goes.

A kill before step 2 ends leaves the KB as it was; after it, as it should
be (kzkb.journal.recover, which opening the KB runs).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from kzkb.journal import JOURNAL, recover, roll_forward, undo, write_journal
from kzkb.model import KzkbError
from kzkb.move.plan import MovePlan

__all__ = ["apply_move", "recover"]


def apply_move(plan: MovePlan) -> None:
    """Make the move `plan` describes (see the module doc)."""
    root = plan.root.resolve()
    content = plan.content.resolve()
    if (root / JOURNAL).exists():
        recover(root)
    old_of = {new: old for old, new in plan.renames}
    _unchanged(plan, content, old_of)
    steps: list[list[str]] = []
    temps: list[str] = []
    for after in sorted(plan.writes):
        before = old_of.get(after, after)
        temp = _temp_name(content / before)
        temps.append(str(temp))
        steps.append(["put", str(temp), str(content / after), str(content / before)])
    for old, new in plan.renames:
        if new not in plan.writes:
            steps.append(["rename", str(content / old), str(content / new)])
    git = _git_entries(content, plan.renames)
    if git is not None:
        steps.append(["git", git[0], git[1]])
    for folder in _emptied(content, plan.renames):
        steps.append(["rmdir", str(folder)])
    write_journal(root, {"state": "prepare", "temps": temps})
    try:
        for (after, text), temp in zip(sorted(plan.writes.items()), temps, strict=True):
            source = content / old_of.get(after, after)
            with open(temp, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(OSError):
                shutil.copymode(source, temp)
    except BaseException:
        undo(root, temps)
        raise
    write_journal(root, {"state": "commit", "steps": steps})
    roll_forward(root, steps)


def _unchanged(plan: MovePlan, content: Path, old_of: dict[str, str]) -> None:
    """Refuse a plan the KB no longer matches (an editor saved a file since
    it was made): its texts would undo that edit."""
    for old, new in plan.renames:
        if not os.path.lexists(content / old) or os.path.lexists(content / new):
            raise KzkbError(f"{old} moved or {new} appeared since the move was planned",
                            "run kzkb mv again")  # fmt: skip
    for after, was in plan.before.items():
        source = old_of.get(after, after)
        try:
            now = (content / source).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            now = None
        if now != was:
            raise KzkbError(f"{source} changed since the move was planned", "run kzkb mv again")


def _temp_name(beside: Path) -> Path:
    # a fixed name, so that the journal names it before it exists
    short = os.fsdecode(os.fsencode(beside.name)[:200])
    return beside.parent / f".{short}.kzkb-mv.part"


def _emptied(content: Path, renames: list[tuple[str, str]]) -> list[Path]:
    """The folders a folder move empties, deepest first."""
    folders: set[Path] = set()
    moving = {old for old, _ in renames}
    for old, _ in renames:
        parent = (content / old).parent
        while parent != content and parent.is_dir():
            inside = [
                p for p in parent.rglob("*") if p.is_file() or p.is_symlink()
            ]  # every file below it moves: it goes too
            rels = {p.relative_to(content).as_posix() for p in inside}
            if not rels <= moving:
                break
            folders.add(parent)
            parent = parent.parent
    return sorted(folders, key=lambda p: len(p.parts), reverse=True)


def _git_entries(content: Path, renames: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(work tree, `git update-index -z --index-info` input) recording the
    renames of tracked files as `git mv` does; None outside a work tree."""
    if not renames:
        return None
    try:
        top = subprocess.run(
            ["git", "-C", str(content), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    except OSError:  # no git
        return None
    if top.returncode != 0:
        return None
    tree = Path(top.stdout.strip())
    rel = {
        (content / old).relative_to(tree).as_posix(): (content / new).relative_to(tree).as_posix()
        for old, new in renames
    }
    listed = subprocess.run(
        ["git", "-C", str(tree), "ls-files", "-s", "-z", "--", *[f":(literal){p}" for p in rel]],
        capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:
        raise KzkbError(
            f"git ls-files failed in {tree}: {listed.stderr.decode(errors='replace').strip()}",
            "fix the repository, or move outside git",
        )
    info: list[str] = []
    for entry in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, sha, _stage = meta.split()
        if path in rel:
            info.append(f"0 {'0' * len(sha)}\t{path}")
            info.append(f"{mode} {sha} 0\t{rel[path]}")
    return (str(tree), "\0".join(info) + "\0") if info else None
