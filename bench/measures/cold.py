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


def kb_size(kb: Path) -> int:
    return sum(p.stat().st_size for p in kb.rglob("*.md"))


def cold_index(
    h: Harness, n: int, kb: Path, result: SizeResult, body_scale: int = 1
) -> Path | None:
    """Time a fresh `index --rebuild` per run; the last run's DB is the size's
    index. With body_scale, of the KB whose bodies are that many times longer
    (its own index folder), one timed run after the warm-up."""
    count = h.s.cold_repeat or (min(h.s.repeat, COLD_REPEAT_LARGE) if n >= LARGE else h.s.repeat)
    what = "" if body_scale == 1 else f", bodies ×{body_scale}"
    if body_scale != 1:  # minutes a run at 100,000: the warm-up and one timed run
        count = 1
    cold = Measure(
        f"cold index{what}: `index --rebuild`, end to end ({plural(count, 'run')})", COLD_TARGET
    )
    memory = Measure(
        f"peak memory of the cold index{what} (max of {plural(count, 'run')})",
        MEMORY_TARGET,
        unit="MB",
        summary="max",
    )
    result.measures += [cold, memory]
    folder = h.index_dir(n, "" if body_scale == 1 else f"-x{body_scale}")
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
            cpu.append(r.cpu_seconds)
        return r.seconds

    cpu: list[float] = []
    log(f"[{n}] cold index{what}")
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
        median = sorted(cpu)[len(cpu) // 2]
        cold.notes.append(
            f"CPU time (user + system of kzkb and its workers, wait4): median {median:.1f} s, "
            f"{median / n * 1e6:.0f} µs a record; {kb_size(kb) / 2**20:.0f} MB of records"
        )
    else:
        memory.error = "no successful cold index run to measure"
    return main if cold.error is None else None
