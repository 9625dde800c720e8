"""A move made all or nothing, whatever stops it (an error, a kill -9, a
power cut).

1. A journal in the KB root (JOURNAL) says "prepare" and names the
   temporary file of every new text; then each is written and synced.
2. The journal becomes "commit" (written to JOURNAL_TEMP, synced, renamed
   over it: one atomic step) and lists every step that remains.
3. The steps run: texts put in place, files renamed, git's index told (the
   old blob at the new path, as `git mv` does), emptied folders removed.
4. The journal goes.

Before step 2 ends a kill leaves the KB as it was (recover() removes the
temporary files); after it, recover() runs the steps again (each one
idempotent) and the KB is as it should be. KnowledgeBase.open calls
recover(), so any later command finishes or undoes what a killed one left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.move.plan import MovePlan

JOURNAL = ".kzkb-mv-journal.json"
JOURNAL_TEMP = ".kzkb-mv-journal.json.part"


def apply_move(plan: MovePlan) -> None:
    """Make the move `plan` describes (see the module doc)."""
    root = plan.root.resolve()
    content = plan.content.resolve()
    if (root / JOURNAL).exists():
        recover(root)
    old_of = {new: old for old, new in plan.renames}
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
    _write_journal(root, {"state": "prepare", "temps": temps})
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
        _undo(root, temps)
        raise
    _write_journal(root, {"state": "commit", "steps": steps})
    _roll_forward(root, steps)


def recover(root: Path) -> bool:
    """Finish or undo a move a kill interrupted; True when there was one."""
    root = Path(root)
    with contextlib.suppress(OSError):
        os.unlink(root / JOURNAL_TEMP)
    try:
        journal = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        raise KzkbError(
            f"{root / JOURNAL}: an interrupted kzkb mv left a journal kzkb cannot read ({exc})",
            "restore the KB from version control, then delete that file",
        ) from None
    if journal.get("state") == "commit":
        _roll_forward(root, journal["steps"])
    else:
        _undo(root, journal.get("temps", []))
    return True


def _undo(root: Path, temps: list[str]) -> None:
    for temp in temps:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / JOURNAL)


def _roll_forward(root: Path, steps: list[list[str]]) -> None:
    for step in steps:
        kind = step[0]
        if kind == "put":  # a new text: in place, and its old name gone
            temp, target, source = step[1:]
            if os.path.exists(temp):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(temp, target)
            if source != target:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(source)
        elif kind == "rename":
            old, new = step[1:]
            if os.path.lexists(old) and not os.path.lexists(new):
                os.makedirs(os.path.dirname(new), exist_ok=True)
                os.rename(old, new)
        elif kind == "git":
            _git_update(step[1], step[2])
        elif kind == "rmdir":
            with contextlib.suppress(FileNotFoundError, OSError):
                os.rmdir(step[1])
    _sync(root)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / JOURNAL)


def _write_journal(root: Path, data: dict[str, Any]) -> None:
    temp = root / JOURNAL_TEMP
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, root / JOURNAL)
    _sync(root)


def _sync(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def _git_update(tree: str, info: str) -> None:
    done = subprocess.run(
        ["git", "-C", tree, "update-index", "-z", "--index-info"],
        input=info.encode("utf-8", "surrogateescape"), capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise KzkbError(
            f"the files moved, but git's index was not told: "
            f"{done.stderr.decode(errors='replace').strip()}",
            "run any kzkb command again to finish (the journal is kept), or `git add -A`",
        )
