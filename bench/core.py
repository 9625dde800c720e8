"""The harness core: settings, measures and their targets, and the Harness that
runs kzkb and the reference commands and repeats a measure."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench import generate
from bench.procs import Run, run_process

BENCH = Path(__file__).resolve().parent
LARGE = 100_000  # from this size on, cold index runs at most COLD_REPEAT_LARGE times
COLD_REPEAT_LARGE = 3
# Environment that would change what kzkb reads; the harness passes --kb and --index.
SCRUBBED_ENV = ("KZKB_KB", "KZKB_INDEX", "KZKB_DEBUG", "KZKB_WATCH", "KZKB_WATCH_IDLE")
# kzkb watches a KB of this many files or more by default (kzkb.watch.WATCH_FROM): the
# bench measures that default, and the same commands without a watcher beside it
WATCH_FROM = 20_000
UNWATCHED = "no watcher (`KZKB_WATCH=off`)"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class Target:
    text: str  # as shown: "≤ 0.25 s", "kzkb/rg ≤ 1.0"
    limit: float
    on: Literal["value", "ratio"] = "value"


class MeasureFailed(Exception):
    """A measure cannot be taken: kzkb failed, or its output is unusable."""


@dataclass(slots=True)
class Measure:
    label: str
    target: Target | None = None
    unit: Literal["s", "MB"] = "s"
    summary: Literal["median", "max"] = "median"
    kzkb: list[float] = field(default_factory=list)
    ref: list[float] = field(default_factory=list)
    error: str | None = None
    ref_error: str | None = None
    ref_name: str = "rg -il"  # the reference command, for the table's header
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def value(self) -> float | None:
        if self.error or not self.kzkb:
            return None
        return max(self.kzkb) if self.summary == "max" else statistics.median(self.kzkb)

    def ref_value(self) -> float | None:
        return statistics.median(self.ref) if self.ref and not self.ref_error else None

    def ratio(self) -> float | None:
        value, ref = self.value(), self.ref_value()
        return value / ref if value is not None and ref else None

    def met(self) -> bool | None:
        if self.target is None:
            return None
        actual = self.ratio() if self.target.on == "ratio" else self.value()
        return None if actual is None else actual <= self.target.limit

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@dataclass(slots=True)
class SizeResult:
    n: int
    kb: Path
    kb_note: str = ""
    measures: list[Measure] = field(default_factory=list)
    searches: list[tuple[str, str, str]] = field(default_factory=list)  # query, kzkb, rg
    profiles: list[dict[str, Any]] = field(default_factory=list)  # bench/stages.py's, per KB
    title: str = ""  # the report's heading; default: "N records"

    @property
    def name(self) -> str:
        return self.title or f"{self.n:,} records"


@dataclass(slots=True)
class Settings:
    sizes: list[int]
    repeat: int
    cold_repeat: int | None
    parts: list[str]
    queries: list[str]
    out_dir: Path
    results: Path
    keep: bool
    seed: int
    timeout: float
    kzkb: str
    python: str
    rg: str | None
    profile: bool = False  # --profile: CPU by stage and the pool's scaling (bench/stages.py)


def index_json(run: Run) -> dict[str, Any]:
    """The object `kzkb index --format json` prints, or MeasureFailed."""
    if not run.ok:
        raise MeasureFailed(run.failure())
    try:
        data = json.loads(run.stdout)
    except ValueError:
        raise MeasureFailed(
            f"`kzkb index --format json` printed no JSON: {run.stdout[:120]!r}"
        ) from None
    if not isinstance(data, dict):
        raise MeasureFailed("`kzkb index --format json` printed JSON that is not an object")
    return data


def sanity(measure: Measure, data: dict[str, Any], n: int) -> None:
    """The bench's one cheap check: an index of another size is no result. Whether
    kzkb's counts are right is tested by tests/test_bench_oracles.py."""
    if data.get("records") != n:
        measure.warn(f"index reports {data.get('records')} records; the KB has {n} files")


def remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


class Harness:
    """What every measure shares: the environment, running kzkb and rg, the
    warm-up-then-repeat loop, and the size's KB and index folder."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        self.env["NO_COLOR"] = "1"
        self.unwatched = dict(self.env, KZKB_WATCH="off")

    def run(
        self, argv: Sequence[str | Path], sample: bool = False, env: dict[str, str] | None = None
    ) -> Run:
        return run_process([str(a) for a in argv], env or self.env, self.s.timeout, sample)

    def kzkb(
        self, *args: str | Path, sample: bool = False, env: dict[str, str] | None = None
    ) -> Run:
        return self.run([self.s.kzkb, *args], sample, env)

    def repeated(
        self,
        measure: Measure,
        count: int,
        once: Callable[[int], float],
        label: str,
    ) -> None:
        """Run `once(i)` for a warm-up (i = 0) and `count` timed runs; record the
        values in measure.kzkb, or the first failure in measure.error."""
        for i in range(count + 1):
            try:
                value = once(i)
            except MeasureFailed as exc:
                measure.error = str(exc) if i == 0 else f"run {i}: {exc}"
                log(f"    {label}: FAILED {measure.error}")
                return
            if i > 0:
                measure.kzkb.append(value)
        shown = measure.value()
        if shown is not None:
            unit = " MB" if measure.unit == "MB" else " s"
            log(f"    {label}: {measure.summary} {shown:.3f}{unit} over {plural(count, 'run')}")

    def reference(self, measure: Measure, argv: Sequence[str | Path], label: str) -> str:
        """Time `argv` (rg) like a kzkb measure; return its output of the last run."""
        last = ""
        for i in range(self.s.repeat + 1):
            r = self.run(argv)
            if r.returncode not in (0, 1) or r.timed_out:  # rg: 1 is "no match"
                measure.ref_error = r.failure()
                log(f"    {label}: FAILED {measure.ref_error}")
                return ""
            if i > 0:
                measure.ref.append(r.seconds)
            last = r.stdout
        log(f"    {label}: median {statistics.median(measure.ref):.3f} s")
        return last

    # --- the size's KB, index and watcher ---------------------------------------------

    def ensure_kb(self, n: int, body_scale: int = 1) -> tuple[Path, str]:
        """The KB of n records (bodies body_scale times longer), generated once."""
        name = f"kb-{n}" if body_scale == 1 else f"kb-{n}-x{body_scale}"
        kb = self.s.out_dir / name
        if generate.is_current(kb, n, self.s.seed, body_scale):
            marker = generate.read_marker(kb) or {}
            return kb, f"reused (generated earlier: {marker.get('bytes', 0) / 1e6:.1f} MB)"
        if kb.exists():
            if generate.read_marker(kb) is None:
                raise SystemExit(
                    f"run.py: {kb} exists but was not made by bench/generate.py "
                    f"({generate.MARKER} missing); move it away and run again"
                )
            log(f"[{n}] {kb} is from another seed or generator version: regenerating")
            shutil.rmtree(kb)
        tmp = self.s.out_dir / f".{name}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)  # an interrupted generation of ours
        log(f"[{n}] generating {n} records into {kb} ...")
        stats = generate.generate(tmp, n, self.s.seed, body_scale=body_scale)
        tmp.rename(kb)
        note = f"generated in {stats.seconds:.1f} s ({stats.bytes / 1e6:.1f} MB)"
        log(f"[{n}] {note}")
        return kb, note

    def index_dir(self, n: int, tag: str = "") -> Path:
        path = self.s.out_dir / f"idx-{n}{tag}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def prepare_db(self, n: int, kb: Path) -> tuple[Path | None, str | None]:
        """The index the refresh and search measures use: brought up to date, untimed."""
        db = self.index_dir(n) / "main.sqlite"
        log(f"[{n}] preparing {db} (untimed)")
        r = self.kzkb("index", "--kb", kb, "--index", db, "--format", "json")
        try:
            index_json(r)
        except MeasureFailed as exc:
            log(f"    FAILED {exc}")
            return None, f"no index to measure with: `kzkb index --index DB` failed: {exc}"
        return db, None

    def start_watcher(self, n: int, kb: Path) -> bool:
        """Start the KB's watcher, as kzkb's first command on a KB this large does,
        and wait until it answers (untimed): the measures are of the steady state."""
        log(f"[{n}] starting the watcher (untimed)")
        r = self.kzkb("watcher", "start", "--kb", kb, "--format", "json")
        try:
            running = bool(json.loads(r.stdout).get("running"))
        except ValueError:
            running = False
        if not running:
            log(f"    the watcher did not start: {r.stdout.strip()} {r.stderr.strip()}")
        return running
