"""Damage to an index: what counts as damage, and the one place it is repaired.

The index is a cache of the KB, so damage is never a dead end: the index is
rebuilt from the KB and the command answers. Damage is whatever says the
file no longer holds what kzkb wrote: a page SQLite cannot read, a missing
table, a row that does not decode (bad JSON, JSON of another shape, bytes
that are not text), an FTS table emptied behind kzkb's back (found by
check_whole at every refresh). Busy, locked, read-only, full say nothing of
the file, and are never damage: another process may be using it.

Reading code raises IndexDamaged, or lets SQLite's error go; damage_reason
tells damage from everything else; rebuilt_once, around a whole command,
removes the damaged index file and runs the command once more, on an index
rebuilt from the KB. A command's reads may be spread over many modules (and
worker processes), and a rebuild renumbers records: only the whole command
can start again safely.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from kzkb.model import KzkbError

T = TypeVar("T")

# SQLite's primary result codes that say the file is bad (sqlite3 is not
# imported here: the command line imports this module before it knows it
# opens an index)
_CORRUPT, _NOTADB, _MISMATCH, _ERROR = 11, 26, 20, 1
# SQLITE_ERROR messages that say the schema kzkb wrote is not there
_MISSING = (
    "no such table",
    "no such column",
    "no such fts5 table",
    "vtable constructor failed",
    "no such module",
)


class IndexDamaged(KzkbError):
    """The index does not hold what kzkb wrote: rebuild it."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"the index is damaged: {reason}",
            "run `kzkb index --rebuild` (the index is a cache of the KB)",
        )
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        # raised in an export worker, it must reach the parent whole
        return (IndexDamaged, (self.reason,))


def damage_reason(exc: BaseException) -> str | None:
    """Why `exc` shows the index damaged; None if it does not."""
    if isinstance(exc, IndexDamaged):
        return exc.reason
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc)
    if code in (_CORRUPT, _NOTADB, _MISMATCH):
        return text
    if code == _ERROR and (text.startswith(_MISSING) or text.startswith("fts5:")):
        return text
    return None


def record_error(exc: BaseException) -> IndexDamaged:
    """A stored row that does not decode, as damage."""
    return IndexDamaged(f"a stored row does not read back ({type(exc).__name__}: {exc})"[:200])


# --- the index files this process opened, and their repair ---------------------------------

# (path, close and remove it: whether it did) of every index file opened
# here (store.db.open_db)
_opened: list[tuple[str, Callable[[], bool]]] = []
# where a repair is told (the command line's note); a library stays silent
_tell: Callable[[str], None] | None = None


def opened(path: str, discard: Callable[[], bool]) -> None:
    _opened.append((path, discard))


def repaired(path: str, reason: str) -> None:
    """Say that the index at `path` was found damaged and rebuilt."""
    if _tell is not None:
        short = " ".join(reason.split())[:120]
        _tell(f"the index {path} was damaged ({short}): rebuilt it from the KB")


def _discard() -> list[str]:
    """Close and remove the index files opened so far, where they are still
    kzkb's to replace; their paths."""
    paths = [path for path, discard in _opened if discard()]
    _opened.clear()
    return paths


def rebuilt_once(run: Callable[[], T], tell: Callable[[str], None]) -> T:
    """run(); if it finds the index damaged, run it again on an index
    rebuilt from the KB, once, and `tell` so in one line."""
    global _tell
    _tell = tell
    try:
        try:
            return run()
        except Exception as exc:
            reason = damage_reason(exc)
            if reason is None or not _opened:
                raise
            paths = _discard()
            if not paths:
                raise
        for path in paths:
            repaired(path, reason)
        return run()
    finally:
        _tell = None
