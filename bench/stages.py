"""CPU time of a cold index by stage: `python bench/stages.py KB [--workers N] [--cprofile OUT]`.

Run by the interpreter kzkb is installed in (the bench's `--profile` does so);
prints one JSON object. Two runs of the real pipeline (kzkb.store's refresh,
rebuilding a fresh index in a temporary folder):

- `stages`: every record parsed and written in this one process, with each
  stage's function wrapped by a timer of CPU time (time.process_time), counted
  exclusively: a stage called inside another is charged to itself only. A
  wrapper costs about a microsecond a call, against about a millisecond a
  record, so the figures are the pipeline's own, not a profiler's (cProfile
  charges its overhead per Python call: YAML's and Markdown's many small
  calls look several times dearer than they are). `other` is the rest:
  hashing, reading the listing, the writer's loop, the commit.
- `pool`: the same cold index as kzkb runs it (its worker pool, unless
  --workers 1): wall time, the main process's CPU and its workers'.

--cprofile OUT also writes cProfile's statistics of the single-process run
(open with `python -m pstats OUT`), for the functions inside a stage.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

# Run as a script, this folder is sys.path[0], where the bench's modules could
# shadow those kzkb imports: only kzkb and the standard library are wanted here.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

# (module, class or "", attribute, stage): where the pipeline looks each function up
STAGES = (
    ("kzkb.parse.source", "", "read_source", "read file"),
    ("kzkb.parse.record", "", "decode", "decode (UTF-8, NFC)"),
    ("kzkb.parse.record", "", "split", "front matter: split"),
    ("kzkb.parse.record", "", "parse_front", "front matter: YAML"),
    ("kzkb.parse.record", "", "normalize_fields", "front matter: fields"),
    ("kzkb.parse.record", "", "scan_body", "Markdown events"),
    ("kzkb.parse.record", "", "build_record", "record: URL, terms, rest"),
    ("kzkb.store.prepare", "", "link_key", "link keys"),
    ("kzkb.store.prepare", "", "fold", "folding"),
    ("kzkb.search.columns", "", "fold", "folding"),
    ("kzkb.store.prepare", "", "record_to_json", "JSON of the record"),
    ("kzkb.store.prepare", "", "_fill", "rows of the record"),
    ("kzkb.store.filestate", "Batch", "flush", "SQLite writes"),
    ("kzkb.store.refresh", "Refresher", "_recount_keys", "SQLite writes"),
    ("kzkb.store.refresh", "Refresher", "_remember", "SQLite writes"),
)


class Timers:
    """Exclusive CPU time per stage: a stage's clock pauses while a nested one runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.stack: list[list[Any]] = []  # [stage, started, nested seconds]

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        clock = time.process_time
        seconds, calls, stack = self.seconds, self.calls, self.stack
        seconds.setdefault(stage, 0.0)
        calls.setdefault(stage, 0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [stage, clock(), 0.0]
            stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                stack.pop()
                spent = clock() - frame[1]
                seconds[stage] += spent - frame[2]
                calls[stage] += 1
                if stack:
                    stack[-1][2] += spent

        return timed


def _owner(module: str, cls: str) -> Any:
    owner = importlib.import_module(module)
    return getattr(owner, cls) if cls else owner


def _index(kb: str, tuning: Any) -> tuple[Any, Any, float, str]:
    from kzkb.settings.config import open_config
    from kzkb.store.index import Index

    config = open_config(kb)
    folder = tempfile.mkdtemp(prefix="kzkb-stages-")
    index = Index.open(os.path.join(folder, "index.sqlite"), tuning=tuning)
    return config, index, time.perf_counter(), folder


def single(kb: str, cprofile: str | None) -> dict[str, Any]:
    from kzkb.store.db import Tuning

    timers = Timers()
    for module, cls, attribute, stage in STAGES:
        owner = _owner(module, cls)
        setattr(owner, attribute, timers.wrap(stage, getattr(owner, attribute)))
    config, index, _, folder = _index(kb, Tuning(parallel_from=sys.maxsize))
    profiler = None
    if cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.process_time()
    stats = index.refresh(config, rebuild=True)
    total = time.process_time() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(cprofile)
    index.close()
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    _remove(folder)
    stages = dict(timers.seconds)
    stages["other"] = total - sum(stages.values())
    return {
        "records": stats.added,
        "cpu": total,
        "stages": stages,
        "calls": timers.calls,
        "index_bytes": size,
        "profiled": bool(cprofile),
    }


def pool(kb: str, workers: int) -> dict[str, Any]:
    from kzkb.store.db import Tuning

    config, index, _, folder = _index(kb, Tuning(workers=workers))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time()
    wall = time.perf_counter()
    stats = index.refresh(config, rebuild=True)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    index.close()
    _remove(folder)
    children = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "records": stats.added,
        "workers": workers,
        "wall": wall,
        "main_cpu": cpu,
        "workers_cpu": children,
    }


def _remove(folder: str) -> None:
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kb")
    parser.add_argument("--workers", type=int, default=0, help="pool size (0: kzkb's own)")
    parser.add_argument("--cprofile", default=None, help="write cProfile statistics here")
    parser.add_argument("--only", choices=("stages", "pool"), default=None)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    if args.only in (None, "pool"):  # first: the stage timers wrap functions for good
        out["pool"] = pool(args.kb, args.workers)
    if args.only in (None, "stages"):
        out["single"] = single(args.kb, args.cprofile)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
