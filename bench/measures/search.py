"""Search, one measure per query, beside `rg -il` over the same folder."""

from __future__ import annotations

import json
from pathlib import Path

from bench.core import (
    LARGE,
    UNWATCHED,
    WATCH_FROM,
    Harness,
    Measure,
    MeasureFailed,
    Target,
    log,
)


def search_target(n: int) -> Target | None:
    # issue 20: the watcher answers at 100,000 (the rows without it have no target)
    if n >= LARGE:
        return Target("kzkb/rg ≤ 0.5", 0.5, "ratio")
    if n <= 1000:
        return Target("≤ 0.12 s", 0.12)
    return None  # no target was set between 1k and 100k


def search(
    h: Harness, n: int, kb: Path, db: Path | None, why: str | None
) -> tuple[list[Measure], list[tuple[str, str, str]]]:
    """One measure per query, and (query, kzkb hits, rg files) rows."""
    log(f"[{n}] search")
    measures, rows = [], []
    for query in h.s.queries:
        m, hits, files = search_one(h, n, kb, db, why, query)
        measures.append(m)
        rows.append((query, hits, files))
    if n >= WATCH_FROM and h.s.queries:
        m, _, _ = search_one(h, n, kb, db, why, h.s.queries[0], h.unwatched)
        measures.append(m)
    return measures, rows


def search_one(
    h: Harness,
    n: int,
    kb: Path,
    db: Path | None,
    why: str | None,
    query: str,
    env: dict[str, str] | None = None,
) -> tuple[Measure, str, str]:
    if env is None:
        m = Measure(f"search `{query}`, end to end", search_target(n))
    else:
        m = Measure(f"search `{query}`, end to end, {UNWATCHED}", ref_name="rg -il")
    hits = "—"

    def once(i: int) -> float:
        nonlocal hits
        r = h.kzkb("search", "--kb", kb, "--index", db, "--format", "json", "--", query, env=env)
        if r.returncode not in (0, 1) or r.timed_out:
            raise MeasureFailed(r.failure())
        try:
            found = json.loads(r.stdout) if r.stdout.strip() else []
        except ValueError:
            raise MeasureFailed(f"search printed no JSON: {r.stdout[:120]!r}") from None
        if not isinstance(found, list):
            raise MeasureFailed("search printed JSON that is not a list of hits")
        if (r.returncode == 0) != bool(found):
            m.warn(f"exit {r.returncode} with {len(found)} hits (expected 0 iff hits)")
        hits = str(len(found))
        return r.seconds

    if db is None:
        m.error = why
    else:
        h.repeated(m, h.s.repeat, once, f"kzkb search {query}")
    files = "—"
    if h.s.rg is None:
        m.ref_error = "rg not found"
    else:
        out = h.reference(m, [h.s.rg, "-il", "--", query, kb], f"rg -il {query}")
        if not m.ref_error:
            files = str(len(out.splitlines()))
    return m, hits, files
