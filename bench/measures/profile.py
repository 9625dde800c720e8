"""--profile: the cold index's CPU per record by stage, and how its worker
pool scales from one worker to two (bench/stages.py, in kzkb's Python)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.core import BENCH, Harness, log

PROFILE_AT = 10_000  # records: a profile of 100,000 takes minutes and says the same


def profile_size(sizes: list[int]) -> int:
    """The size --profile profiles: 10,000, else the largest size below, else the smallest."""
    below = [n for n in sizes if n <= PROFILE_AT]
    return max(below) if below else min(sizes)


def profile(h: Harness, n: int, kb: Path, label: str) -> dict[str, Any]:
    """{"label", "single": stages.py's single run, "pool": {workers: its pool run}}
    or {"label", "error"}."""
    out: dict[str, Any] = {"label": label, "records": n, "pool": {}}
    stages = BENCH / "stages.py"
    prof = h.s.out_dir / f"cprofile-{kb.name}.pstats"
    runs = [("stages", ["--only", "stages", "--cprofile", str(prof)])]
    runs += [(f"pool {w}", ["--only", "pool", "--workers", str(w)]) for w in (1, 2)]
    for name, extra in runs:
        log(f"[{n}] profile {label}: {name}")
        r = h.run([h.s.python, stages, kb, *extra])
        try:
            data = json.loads(r.stdout) if r.ok else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            why = r.failure() if not r.ok else repr(r.stdout[:120])
            out["error"] = f"bench/stages.py {' '.join(extra)}: {why}"
            log(f"    FAILED {out['error']}")
            return out
        if "single" in data:
            out["single"] = data["single"]
            # the figures without cProfile: stages.py's timers alone, a second run
            r = h.run([h.s.python, stages, kb, "--only", "stages"])
            out["single"] = json.loads(r.stdout)["single"] if r.ok else data["single"]
            out["cprofile"] = str(prof)
        else:
            out["pool"][data["pool"]["workers"]] = data["pool"]
    return out
