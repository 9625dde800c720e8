"""Cold index (`index --rebuild`) and the peak memory of its process tree."""

from __future__ import annotations

from pathlib import Path

from bench.core import (
    COLD_REPEAT_LARGE,
    LARGE,
    Harness,
    Measure,
    SizeResult,
    Target,
    index_json,
    log,
    plural,
    remove_db,
    sanity,
)
from bench.procs import SAMPLE_INTERVAL, Run

COLD_TARGET = Target("≤ 30 s", 30.0)
MEMORY_TARGET = Target("≤ 500 MB", 500.0)


def cold_index(h: Harness, n: int, kb: Path, result: SizeResult) -> Path | None:
    """Time a fresh `index --rebuild` per run; the last run's DB is the size's index."""
    count = h.s.cold_repeat or (min(h.s.repeat, COLD_REPEAT_LARGE) if n >= LARGE else h.s.repeat)
    cold = Measure(
        f"cold index: `index --rebuild`, end to end ({plural(count, 'run')})", COLD_TARGET
    )
    memory = Measure(
        f"peak memory of the cold index (max of {plural(count, 'run')})",
        MEMORY_TARGET,
        unit="MB",
        summary="max",
    )
    result.measures += [cold, memory]
    folder = h.index_dir(n)
    main = folder / "main.sqlite"
    runs: list[Run] = []

    def once(i: int) -> float:
        db = main if i == count else folder / f"cold-{i}.sqlite"
        remove_db(db)
        # no watcher: it would start after the first run and share the cores
        r = h.kzkb(
            "index", "--kb", kb, "--index", db, "--rebuild", "--format", "json",
            sample=True, env=h.unwatched,
        )  # fmt: skip
        sanity(cold, index_json(r), n)
        if db != main:
            remove_db(db)
        if i > 0:
            runs.append(r)
        return r.seconds

    log(f"[{n}] cold index")
    h.repeated(cold, count, once, "cold index")
    if runs:
        pss = max(r.tree_pss_kib for r in runs) / 1024
        rss = max(r.tree_rss_kib for r in runs) / 1024
        largest = max(r.maxrss_kib for r in runs) / 1024
        processes = max(r.tree_processes for r in runs)
        memory.kzkb = [max(r.tree_pss_kib, r.maxrss_kib) / 1024 for r in runs]
        memory.notes.append(
            f"process tree (up to {processes} processes at once), sampled every "
            f"{SAMPLE_INTERVAL * 1000:.0f} ms: peak summed PSS "
            f"{pss:.0f} MB, peak summed RSS {rss:.0f} MB; largest single process "
            f"(wait4 ru_maxrss) {largest:.0f} MB"
        )
        log(f"    peak memory: {memory.value():.0f} MB")
    else:
        memory.error = "no successful cold index run to measure"
    return main if cold.error is None else None
