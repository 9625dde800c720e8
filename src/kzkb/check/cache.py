"""The disk cache of external results:
{url: {checked_at, severity, reason, status, redirect, allow_private}}.

Only successes are kept: "ok" and permanent redirects. Errors and
unreachable links are fetched again on every run, so a site that comes back
clears at once instead of after `cache_ttl`.

An answer remembers whether its run allowed private addresses: such a run
may have passed a redirect hop through one, so a run without
--allow-private does not take it (an entry without the mark, from an older
kzkb, counts as allowed).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from kzkb.check.guard import SKIPPED
from kzkb.check.report import OK, WARNING, UrlResult

Entries = dict[str, dict[str, Any]]


def load_cache(path: Path) -> Entries:
    """The cache's valid entries; a missing, unreadable or corrupt file is empty."""
    import json

    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and _valid_entry(v)}


def _valid_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("checked_at"), int | float)
        and entry.get("severity") in (OK, WARNING)
        and isinstance(entry.get("reason"), str)
        and isinstance(entry.get("status"), int | None)
        and isinstance(entry.get("redirect"), str | None)
        and isinstance(entry.get("allow_private", True), bool)
    )


def from_cache(
    key: str, entry: dict[str, Any] | None, now: float, ttl: float, allow_private: bool
) -> UrlResult | None:
    """The cached result for `key`, if there is one younger than `ttl` from a
    run that allowed no more than this one does."""
    if entry is None or not 0 <= now - entry["checked_at"] < ttl:
        return None
    if entry.get("allow_private", True) and not allow_private:
        return None
    return UrlResult(
        key, entry["severity"], entry["reason"], entry["status"], entry["redirect"], cached=True
    )


def _cacheable(result: UrlResult) -> bool:
    return result.severity == OK or (result.severity == WARNING and result.redirect is not None)


def update_cache(
    path: Path, fetched: dict[str, UrlResult], ttl: float, allow_private: bool
) -> None:
    """Merge this run's results into the file: successes stored, everything
    else dropped (so a stale "ok" cannot outlive a failure), entries older
    than `ttl` pruned. Re-read first, as another run may have written since.
    Best effort: a cache that cannot be written is not worth failing a check."""
    import json
    import tempfile
    import time

    entries = load_cache(path)
    now = time.time()
    if ttl > 0:
        entries = {k: v for k, v in entries.items() if 0 <= now - v["checked_at"] < ttl}
    for key, result in fetched.items():
        if _cacheable(result):
            entries[key] = {
                "checked_at": now,
                "severity": result.severity,
                "reason": result.reason,
                "status": result.status,
                "redirect": result.redirect,
                "allow_private": allow_private,
            }
        elif not result.reason.startswith(SKIPPED):
            # a failure clears the answer; the guard's refusal says nothing of the site
            entries.pop(key, None)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
