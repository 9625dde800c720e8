"""The journal that makes a change of many files all or nothing (kzkb mv),
and the recovery any later command runs (KnowledgeBase.open calls recover()).

The journal is a file in the KB root. While it says "prepare" it names the
temporary files being written: a kill then leaves the KB as it was, and
recover() removes them. Once it says "commit" (one atomic rename) it lists
the steps that remain, each idempotent: recover() runs them again, and the
KB is as it should be. Here, below the core units, so that opening a KB
can finish what a killed command left.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError

JOURNAL = ".kzkb-mv-journal.json"
JOURNAL_TEMP = ".kzkb-mv-journal.json.part"


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
        roll_forward(root, journal["steps"])
    else:
        undo(root, journal.get("temps", []))
    return True


def undo(root: Path, temps: list[str]) -> None:
    for temp in temps:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / JOURNAL)


def roll_forward(root: Path, steps: list[list[str]]) -> None:
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
            git_update(step[1], step[2])
        elif kind == "rmdir":
            with contextlib.suppress(FileNotFoundError, OSError):
                os.rmdir(step[1])
    sync(root)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / JOURNAL)


def write_journal(root: Path, data: dict[str, Any]) -> None:
    temp = root / JOURNAL_TEMP
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, root / JOURNAL)
    sync(root)


def sync(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def git_update(tree: str, info: str) -> None:
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
