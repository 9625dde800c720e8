#!/usr/bin/env python3
"""Benchmark kzkb on synthetic knowledge bases, with ripgrep as the reference.

    python bench/run.py [--sizes 1000,10000,100000] [--repeat 5] [--out bench/RESULTS.md]
                        [--only index,refresh,search,links,export,version] [--no-keep]

For each size N: generate a KB (bench/generate.py; cached in bench/out/kb-N),
then time, on those same files, a cold index, a refresh with nothing changed, a
refresh after one file changed, searches beside `rg -il` over the same folder,
`check-links` beside `rg -c` (its errors checked against the broken links the
generator wrote), `export` to JSONL and CSV (its output checked: one line, or
one CSV row, per record), the peak memory of the cold index and `kzkb
--version`. Once per run, `check-links --external` on a scratch KB of 1,000
links to a local server that answers in 50 ms (bench/slow_server.py). Medians of --repeat runs
after one warm-up run each; warm page cache. Prints a Markdown report and
writes it to --out. See bench/README.md.

A measure kzkb cannot do yet (an option it lacks, an exception) is reported in
the table with kzkb's own error message; the other measures still run. Exit
status: 0 when every measure ran, 1 when any failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import generate  # bench/generate.py: this script's folder is on sys.path

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT_DIR = BENCH / "out"
DEFAULT_RESULTS = BENCH / "RESULTS.md"
DEFAULT_SIZES = "1000,10000,100000"
DEFAULT_QUERIES = (
    "feminist",
    "Алматы",
    "statelessness",
    "femnist",  # a typo: neither kzkb nor rg should find it by its letters
    "kazfem",
    "Qazaqstan",
    "Медиазона",
)
PARTS = ("index", "refresh", "search", "links", "export", "version")
LARGE = 100_000  # from this size on, cold index runs at most COLD_REPEAT_LARGE times
COLD_REPEAT_LARGE = 3
SAMPLE_INTERVAL = 0.01  # seconds between samples of the process tree's memory
# Environment that would change what kzkb reads; the harness passes --kb and --index.
SCRUBBED_ENV = ("KZKB_KB", "KZKB_INDEX", "KZKB_DEBUG", "KZKB_WATCH", "KZKB_WATCH_IDLE")
# kzkb watches a KB of this many files or more by default (kzkb.watch.WATCH_FROM): the
# bench measures that default, and the same commands without a watcher beside it
WATCH_FROM = 20_000
UNWATCHED = "no watcher (`KZKB_WATCH=off`)"
# check-links: the reference counts the lines with a root-relative Markdown link.
LINK_PATTERN = r"\]\(/"
# What generate.py writes for a broken link (its Generator._link): a source that
# does not exist. Every other internal link it writes resolves.
GENERATED_BROKEN = re.compile(r"^/sources/sources/missing_\d+/$")
EXTERNAL_URLS = 1000  # distinct URLs in the external check's scratch KB
EXTERNAL_PER_RECORD = 10  # links per scratch record, so 100 records
EXTERNAL_PORTS = 8  # slow_server.py ports; kzkb allows 16 requests per (host, port)
EXTERNAL_DELAY = 0.05  # seconds slow_server.py waits before each answer
SLOW_SERVER = Path(__file__).resolve().parent / "slow_server.py"
EXPORT_FORMATS = ("jsonl", "csv")  # the export part times each, to a file
EXPORT_REF = "rg '' > file"  # the reference beside export: the KB's lines copied to a file

SNIPPET = """\
import json, sys, time
t0 = time.perf_counter()
from kzkb.kb import KnowledgeBase
t1 = time.perf_counter()
base = KnowledgeBase.open(sys.argv[1], index_path=sys.argv[2], rebuild=False)
t2 = time.perf_counter()
r = base.last_refresh
print(json.dumps({
    "added": r.added, "changed": r.changed, "removed": r.removed, "unchanged": r.unchanged,
    "seconds": r.seconds, "import": t1 - t0, "open": t2 - t1, "scanned_by": r.scanned_by,
}))
"""


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- running processes ------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    argv: list[str]
    seconds: float  # wall clock, process start to exit
    returncode: int
    stdout: str
    stderr: str
    maxrss_kib: int  # wait4: the largest single process of the tree (it and waited-for children)
    tree_pss_kib: int = 0  # sampled: peak of the summed PSS of the whole tree (0: not sampled)
    tree_rss_kib: int = 0  # sampled: peak of the summed RSS of the whole tree
    tree_processes: int = 0  # sampled: the most processes in the tree at once
    timed_out: bool = False
    cpu_seconds: float = 0.0  # wait4: user + system time of it and its waited-for children

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def failure(self) -> str:
        """One line on why the run failed, in the program's own words."""
        if self.timed_out:
            return f"timed out: killed after {self.seconds:.2f} s (see --timeout)"
        lines = []
        for raw in self.stderr.splitlines():
            line = raw.strip(" \t│┃╭╮╰╯─━|")
            if line and line != "Error" and not line.startswith(("Usage:", "Try '")):
                lines.append(line)
        pattern = re.compile(r"No such option|No such command|error:|Error:|Exception|Errno")
        reason = next((ln for ln in lines if pattern.search(ln)), lines[-1] if lines else "")
        reason = re.sub(r"\s+", " ", reason)[:300] or "no message on stderr"
        if self.returncode < 0:
            return f"killed by signal {-self.returncode}: {reason}"
        return f"exit {self.returncode}: {reason}"


def _children(pid: int) -> list[int]:
    """Direct children of a process, from /proc/PID/task/*/children."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found += [int(p) for p in fh.read().split()]
        except (OSError, ValueError):
            continue
    return found


def _children_by_scan(pid: int) -> list[int]:
    """Direct children of a process, by reading every /proc/*/stat (slower fallback)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) "
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry))
    return found


HAVE_PROC = os.path.isdir("/proc/self/task")
HAVE_CHILDREN_FILE = HAVE_PROC and os.path.exists(
    f"/proc/self/task/{threading.get_native_id()}/children"
)
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def _memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; (0, 0) once it has gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
        return pss, rss
    except (OSError, ValueError, IndexError):
        pass
    try:  # no smaps_rollup (old kernel): RSS stands in for PSS
        with open(f"/proc/{pid}/statm") as fh:
            rss = int(fh.read().split()[1]) * PAGE_KIB
    except (OSError, ValueError, IndexError):
        return 0, 0
    return rss, rss


class TreeSampler(threading.Thread):
    """Samples the summed PSS and RSS of a process and all its descendants.

    PSS (proportional set size) shares each page among the processes mapping
    it, so forked pool workers are not charged twice for the parent's pages;
    the sum over the tree is what the command costs the machine.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_pss = 0
        self.peak_rss = 0
        self.processes = 0  # the most processes seen at once
        self._stop_event = threading.Event()

    def tree(self) -> list[int]:
        children = _children if HAVE_CHILDREN_FILE else _children_by_scan
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += children(pid)
        return pids

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = self.tree()
            pss = rss = 0
            for pid in pids:
                p, r = _memory_kib(pid)
                pss += p
                rss += r
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_rss = max(self.peak_rss, rss)
            self.processes = max(self.processes, len(pids))
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_process(
    argv: Sequence[str], env: dict[str, str], timeout: float, sample: bool = False
) -> Run:
    """Run argv to completion; time it from start to exit; collect its rusage.

    The child leads a new session, so a timeout kills the whole tree it made.
    """
    argv = [str(a) for a in argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return Run(argv, 0.0, 127, "", f"cannot run {argv[0]}: {exc}", 0)
        sampler = TreeSampler(proc.pid) if sample and HAVE_PROC else None
        if sampler is not None:
            sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with suppress(OSError):  # it may have exited meanwhile
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
        except BaseException:  # Ctrl-C reaches only us: the child has its own session
            kill()
            with suppress(ChildProcessError):
                os.waitpid(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            raise
        finally:
            timer.cancel()
            if sampler is not None:
                sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
        out.seek(0)
        err.seek(0)
        maxrss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
        return Run(
            argv,
            seconds,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            maxrss,
            sampler.peak_pss if sampler else 0,
            sampler.peak_rss if sampler else 0,
            sampler.processes if sampler else 0,
            timed_out.is_set(),
            usage.ru_utime + usage.ru_stime,
        )


# --- measures and targets -----------------------------------------------------------


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


def search_target(n: int) -> Target | None:
    if n >= LARGE:
        return Target("kzkb/rg ≤ 1.0", 1.0, "ratio")
    if n <= 1000:
        return Target("≤ 0.25 s", 0.25)
    return None  # no target was set between 1k and 100k


def links_target(n: int) -> Target | None:
    return Target("kzkb/rg ≤ 1.5", 1.5, "ratio") if n >= LARGE else None


def export_target(n: int) -> Target | None:
    return Target("≤ 10 s", 10.0) if n >= LARGE else None


COLD_TARGET = Target("≤ 30 s", 30.0)
MEMORY_TARGET = Target("≤ 500 MB", 500.0)
REFRESH_TARGET = Target("≤ 0.5 s", 0.5)
REFRESH_ONE_TARGET = Target("≤ 0.6 s", 0.6)
VERSION_TARGET = Target("≤ 0.15 s", 0.15)
EXTERNAL_TARGET = Target("≤ 3 s", 3.0)


@dataclass(slots=True)
class SizeResult:
    n: int
    kb: Path
    kb_note: str = ""
    measures: list[Measure] = field(default_factory=list)
    searches: list[tuple[str, str, str]] = field(default_factory=list)  # query, kzkb, rg
    title: str = ""  # the report's heading; default: "N records"

    @property
    def name(self) -> str:
        return self.title or f"{self.n:,} records"


# --- the harness ---------------------------------------------------------------------


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


class Harness:
    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        self.env["NO_COLOR"] = "1"
        self.unwatched = dict(self.env, KZKB_WATCH="off")

    # --- helpers ----------------------------------------------------------------

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

    # --- KBs and index files ---------------------------------------------------------

    def ensure_kb(self, n: int) -> tuple[Path, str]:
        kb = self.s.out_dir / f"kb-{n}"
        if generate.is_current(kb, n, self.s.seed):
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
        tmp = self.s.out_dir / f".kb-{n}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)  # an interrupted generation of ours
        log(f"[{n}] generating {n} records into {kb} ...")
        stats = generate.generate(tmp, n, self.s.seed)
        tmp.rename(kb)
        note = f"generated in {stats.seconds:.1f} s ({stats.bytes / 1e6:.1f} MB)"
        log(f"[{n}] {note}")
        return kb, note

    def index_dir(self, n: int) -> Path:
        path = self.s.out_dir / f"idx-{n}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def remove_db(db: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    # --- output checks -----------------------------------------------------------

    @staticmethod
    def index_json(run: Run) -> dict[str, Any]:
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

    @staticmethod
    def check_counts(
        measure: Measure, run_no: int, refresh: Any, expected: dict[str, int], source: str
    ) -> None:
        """Warn (not fail) when a refresh reports other counts than the change made."""
        if not isinstance(refresh, dict):
            measure.warn(f"{source} reports no refresh counts; cannot check what it did")
            return
        for key, want in expected.items():
            got = refresh.get(key)
            if got != want:
                measure.warn(f"run {run_no}: {source} reported {key}={got}, expected {want}")

    def check_index(self, measure: Measure, data: dict[str, Any], n: int) -> None:
        if data.get("records") != n:
            measure.warn(f"index reports {data.get('records')} records; the KB has {n} files")
        skipped = data.get("skipped")
        if skipped:
            first = skipped[0] if isinstance(skipped, list) else skipped
            measure.warn(f"index skipped {len(skipped)} file(s), e.g. {first}")

    # --- the measures ------------------------------------------------------------

    def cold_index(self, n: int, kb: Path, result: SizeResult) -> Path | None:
        count = self.s.cold_repeat or (
            min(self.s.repeat, COLD_REPEAT_LARGE) if n >= LARGE else self.s.repeat
        )
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
        folder = self.index_dir(n)
        main = folder / "main.sqlite"
        runs: list[Run] = []

        def once(i: int) -> float:
            db = main if i == count else folder / f"cold-{i}.sqlite"
            self.remove_db(db)
            # no watcher: it would start after the first run and share the cores
            r = self.kzkb(
                "index", "--kb", kb, "--index", db, "--rebuild", "--format", "json",
                sample=True, env=self.unwatched,
            )  # fmt: skip
            data = self.index_json(r)
            self.check_index(cold, data, n)
            self.check_counts(cold, i, data.get("refresh"), {"added": n}, "index --rebuild")
            if db != main:
                self.remove_db(db)
            if i > 0:
                runs.append(r)
            return r.seconds

        log(f"[{n}] cold index")
        self.repeated(cold, count, once, "cold index")
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

    def prepare_db(self, n: int, kb: Path) -> tuple[Path | None, str | None]:
        """The index the refresh and search measures use: brought up to date, untimed."""
        db = self.index_dir(n) / "main.sqlite"
        log(f"[{n}] preparing {db} (untimed)")
        r = self.kzkb("index", "--kb", kb, "--index", db, "--format", "json")
        try:
            self.index_json(r)
        except MeasureFailed as exc:
            log(f"    FAILED {exc}")
            return None, f"no index to measure with: `kzkb index --index DB` failed: {exc}"
        return db, None

    def in_process(self, kb: Path, db: Path) -> dict[str, Any]:
        r = self.run([self.s.python, "-c", SNIPPET, kb, db])
        if not r.ok:
            raise MeasureFailed(r.failure())
        try:
            data = json.loads(r.stdout.strip().splitlines()[-1])
            float(data["seconds"])
        except (ValueError, IndexError, KeyError, TypeError):
            raise MeasureFailed(f"the in-process snippet printed {r.stdout[:120]!r}") from None
        return dict(data)

    def refresh(self, n: int, kb: Path, db: Path | None, why: str | None) -> list[Measure]:
        cli = Measure("refresh, nothing changed: `index`, end to end", REFRESH_TARGET)
        lib = Measure("refresh, nothing changed: in-process `last_refresh.seconds`", REFRESH_TARGET)
        cli1 = Measure("refresh, 1 file changed: `index`, end to end", REFRESH_ONE_TARGET)
        lib1 = Measure(
            "refresh, 1 file changed: in-process `last_refresh.seconds`", REFRESH_ONE_TARGET
        )
        measures = [cli, lib, cli1, lib1]
        watched = n >= WATCH_FROM
        if watched:  # the same without a watcher: what a first command after a boot costs
            cli_off = Measure(f"refresh, nothing changed: `index`, end to end, {UNWATCHED}")
            cli1_off = Measure(f"refresh, 1 file changed: `index`, end to end, {UNWATCHED}")
            measures += [cli_off, cli1_off]
        if db is None:
            for m in measures:
                m.error = why
            return measures
        unchanged = {"added": 0, "changed": 0, "removed": 0, "unchanged": n}
        one = {"added": 0, "changed": 1, "removed": 0}
        opens: list[float] = []
        scanned_by: dict[int, list[str]] = {}  # id(measure) -> who listed the files, each run

        def answered(measure: Measure, i: int, data: dict[str, Any]) -> None:
            if i > 0:
                scanned_by.setdefault(id(measure), []).append(str(data.get("scanned_by")))

        def cli_once(
            expected: dict[str, int], measure: Measure, env: dict[str, str] | None = None
        ) -> Callable[[int], float]:
            def once(i: int) -> float:
                r = self.kzkb("index", "--kb", kb, "--index", db, "--format", "json", env=env)
                data = self.index_json(r)
                self.check_counts(measure, i, data.get("refresh"), expected, "`kzkb index`")
                answered(measure, i, data.get("refresh") or {})
                return r.seconds

            return once

        def lib_once(expected: dict[str, int], measure: Measure) -> Callable[[int], float]:
            def once(i: int) -> float:
                data = self.in_process(kb, db)
                self.check_counts(measure, i, data, expected, "last_refresh")
                answered(measure, i, data)
                if i > 0:
                    opens.append(float(data.get("open", 0.0)))
                return float(data["seconds"])

            return once

        log(f"[{n}] refresh, nothing changed")
        self.repeated(cli, self.s.repeat, cli_once(unchanged, cli), "CLI")
        self.repeated(lib, self.s.repeat, lib_once(unchanged, lib), "in-process")
        if opens:
            lib.notes.append(
                f"KnowledgeBase.open() as a whole: median {statistics.median(opens):.3f} s"
            )
        opens.clear()

        log(f"[{n}] refresh, one file changed")
        with self.one_change_each_time(n, kb, db) as change:

            def changed(once: Callable[[int], float]) -> Callable[[int], float]:
                def wrapped(i: int) -> float:
                    change()
                    return once(i)

                return wrapped

            self.repeated(cli1, self.s.repeat, changed(cli_once(one, cli1)), "CLI")
            self.repeated(lib1, self.s.repeat, changed(lib_once(one, lib1)), "in-process")
            if watched:
                log(f"[{n}] refresh, {UNWATCHED}")
                self.repeated(
                    cli1_off, self.s.repeat, changed(cli_once(one, cli1_off, self.unwatched)), "CLI"
                )
        if watched:
            self.repeated(
                cli_off, self.s.repeat, cli_once(unchanged, cli_off, self.unwatched), "CLI"
            )
        if opens:
            lib1.notes.append(
                f"KnowledgeBase.open() as a whole: median {statistics.median(opens):.3f} s"
            )
        for m in measures:
            who = scanned_by.get(id(m))
            if who:
                counts = ", ".join(f"{v} {who.count(v)} of {len(who)}" for v in sorted(set(who)))
                m.notes.append(f"the file list came from (`scanned_by`): {counts} timed runs")
        return measures

    @contextmanager
    def one_change_each_time(self, n: int, kb: Path, db: Path) -> Iterator[Callable[[], None]]:
        """A function that appends a word to one more record (touching it); on
        exit every changed record is restored and the index refreshed again."""
        folder = kb / "sources" / "sources"
        files = sorted(p for p in folder.glob("*.md") if p.name != "_index.md")
        originals: dict[Path, bytes] = {}
        count = 0

        def change() -> None:
            nonlocal count
            path = files[(count * 7919) % len(files)]  # a prime stride spreads them out
            count += 1
            originals.setdefault(path, path.read_bytes())
            with open(path, "ab") as fh:
                fh.write(f"\nbenchmarkedit{count}\n".encode())
            os.utime(path)  # the touch: mtime is now, whatever the file system's rounding

        try:
            yield change
        finally:
            for path, data in originals.items():
                path.write_bytes(data)
            if originals:
                r = self.kzkb("index", "--kb", kb, "--index", db, "--format", "json")
                if not r.ok:
                    log(f"    restoring the index after the edits failed: {r.failure()}")

    def search(
        self, n: int, kb: Path, db: Path | None, why: str | None
    ) -> tuple[list[Measure], list[tuple[str, str, str]]]:
        """One measure per query, and (query, kzkb hits, rg files) rows."""
        log(f"[{n}] search")
        measures, rows = [], []
        for query in self.s.queries:
            m, hits, files = self.search_one(n, kb, db, why, query)
            measures.append(m)
            rows.append((query, hits, files))
        if n >= WATCH_FROM and self.s.queries:
            query = self.s.queries[0]
            m, _, _ = self.search_one(n, kb, db, why, query, self.unwatched)
            measures.append(m)
        return measures, rows

    def search_one(
        self,
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
            r = self.kzkb(
                "search", "--kb", kb, "--index", db, "--format", "json", "--", query, env=env
            )
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
            self.repeated(m, self.s.repeat, once, f"kzkb search {query}")
        files = "—"
        if self.s.rg is None:
            m.ref_error = "rg not found"
        else:
            out = self.reference(m, [self.s.rg, "-il", "--", query, kb], f"rg -il {query}")
            if not m.ref_error:
                files = str(len(out.splitlines()))
        return m, hits, files

    # --- check-links -------------------------------------------------------------

    @staticmethod
    def links_json(run: Run) -> dict[str, Any]:
        """check-links' JSON report. Exit 1 means broken links were found: a
        successful run; kzkb's own errors exit 2 or 70."""
        if run.timed_out or run.returncode not in (0, 1):
            raise MeasureFailed(run.failure())
        try:
            data = json.loads(run.stdout)
        except ValueError:
            raise MeasureFailed(
                f"`kzkb check-links --format json` printed no JSON (exit {run.returncode}): "
                f"{run.stdout[:120]!r}"
            ) from None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("findings"), list)
            or not isinstance(data.get("summary"), dict)
        ):
            raise MeasureFailed("`kzkb check-links --format json` printed no findings and summary")
        return data

    @staticmethod
    def check_exit(measure: Measure, run_no: int, run: Run, data: dict[str, Any]) -> None:
        errors = sum(f.get("severity") == "error" for f in data["findings"])
        summary = data["summary"]
        if summary.get("errors") != errors:
            measure.warn(f"run {run_no}: summary.errors={summary.get('errors')}, {errors} listed")
        if (run.returncode == 1) != (errors > 0):
            measure.warn(f"run {run_no}: exit {run.returncode} with {errors} errors")

    def check_links(
        self,
        n: int,
        kb: Path,
        db: Path | None,
        why: str | None,
        env: dict[str, str] | None = None,
    ) -> Measure:
        """check-links over the size's KB, internal links only, beside `rg -c`."""
        if env is None:
            m = Measure("check-links beside `rg -c`, end to end", links_target(n), ref_name="rg -c")
        else:
            m = Measure(f"check-links beside `rg -c`, end to end, {UNWATCHED}", ref_name="rg -c")
        seen: list[dict[str, Any]] = []
        cpu: list[float] = []

        def once(i: int) -> float:
            r = self.kzkb("check-links", "--kb", kb, "--index", db, "--format", "json", env=env)
            data = self.links_json(r)
            self.check_exit(m, i, r, data)
            if seen and data["summary"] != seen[-1]["summary"]:
                m.warn(f"run {i}: summary {data['summary']}, run {i - 1}: {seen[-1]['summary']}")
            seen[:] = [data]
            if i > 0:
                cpu.append(r.cpu_seconds)
            return r.seconds

        log(f"[{n}] check-links")
        if db is None:
            m.error = why
        else:
            self.repeated(m, self.s.repeat, once, "kzkb check-links")
        if cpu:
            median = statistics.median(cpu)
            m.notes.append(f"kzkb's CPU time (user + system): median {median:.3f} s")
        if self.s.rg is None:
            m.ref_error = "rg not found"
        else:
            out = self.reference(m, [self.s.rg, "-c", LINK_PATTERN, kb], "rg -c")
            if not m.ref_error:
                lines = sum(int(row.rpartition(":")[2] or 0) for row in out.splitlines())
                m.notes.append(
                    f"`rg -c` counts {lines:,} lines with a root-relative link "
                    f"in {len(out.splitlines()):,} files"
                )
        if seen:
            self.judge_findings(m, n, kb, seen[0])
        return m

    def judge_findings(self, m: Measure, n: int, kb: Path, data: dict[str, Any]) -> None:
        """Compare check-links' errors with the broken links the generator wrote."""
        findings: list[dict[str, Any]] = data["findings"]
        summary: dict[str, Any] = data["summary"]
        marker = generate.read_marker(kb) or {}
        expected = marker.get("broken_links")
        written = marker.get("links")
        errors = [f for f in findings if f.get("severity") == "error"]
        warnings = [f for f in findings if f.get("severity") != "error"]
        hits = [f for f in errors if GENERATED_BROKEN.match(str(f.get("target", "")))]
        alarms = [f for f in errors if not GENERATED_BROKEN.match(str(f.get("target", "")))]

        def by_reason(rows: list[dict[str, Any]]) -> str:
            counts: dict[str, int] = {}
            for f in rows:
                reason = re.sub(r"^(no such heading in) .*", r"\1 …", str(f.get("reason", "")))
                counts[reason] = counts.get(reason, 0) + 1
            return ", ".join(f"{c:,} {r}" for r, c in sorted(counts.items(), key=lambda x: -x[1]))

        def shown(f: dict[str, Any]) -> str:
            return (
                f"`{Path(str(f.get('file'))).name}:{f.get('line')}` `{f.get('target')}` "
                f"({f.get('reason')})"
            )

        wrote = ""
        if isinstance(written, int):
            wrote = f"; the generator wrote {written:,} internal links"
        m.notes.append(
            f"summary: {summary.get('records')} records, {summary.get('links')} links, "
            f"{summary.get('errors')} errors, {summary.get('warnings')} warnings{wrote}"
        )
        if summary.get("records") != n:
            m.warn(f"check-links counted {summary.get('records')} records; the KB has {n} files")
        if errors:
            m.notes.append(f"errors by reason: {by_reason(errors)}")
        if warnings:
            m.notes.append(f"warnings by reason: {by_reason(warnings)}")
        if not isinstance(expected, int):
            m.notes.append(
                f"{len(errors):,} errors; not checked: the KB's {generate.MARKER} "
                "has no broken_links count"
            )
            return
        if len(hits) == expected and not alarms:
            m.notes.append(
                f"correct: the {len(errors):,} errors are exactly the {expected:,} broken "
                "links the generator wrote"
            )
            return
        if alarms:
            sample = "; ".join(shown(f) for f in alarms[:3])
            m.warn(
                f"{len(alarms):,} errors on links the generator wrote as valid "
                f"(false alarms?): {by_reason(alarms)}; e.g. {sample}"
            )
        if len(hits) != expected:
            missed = self.missed_links(kb, hits)
            sample = "; ".join(missed[:3])
            m.warn(
                f"the generator wrote {expected:,} broken links; check-links reports "
                f"{len(hits):,} of them" + (f"; not reported, e.g. {sample}" if sample else "")
            )

    def missed_links(self, kb: Path, hits: list[dict[str, Any]]) -> list[str]:
        """Generated broken links that no finding names: `file:line target`."""
        if self.s.rg is None:
            return []
        pattern = r"\]\((/sources/sources/missing_\d+/)\)"
        r = self.run([self.s.rg, "-n", "-o", "-r", "$1", pattern, kb])
        reported = {(Path(str(f.get("file"))).name, f.get("line"), f.get("target")) for f in hits}
        missed = []
        for row in r.stdout.splitlines():
            path, line, target = row.rsplit(":", 2)
            if (Path(path).name, int(line), target) not in reported:
                missed.append(f"`{Path(path).name}:{line}` `{target}`")
        return missed

    # --- external links ------------------------------------------------------------

    @contextmanager
    def slow_server(self) -> Iterator[tuple[list[int], Callable[[], dict[str, int]]]]:
        """slow_server.py in a process of its own: (its ports, a function that
        returns the requests it has answered so far); stopped on exit."""
        proc = subprocess.Popen(
            [
                sys.executable,
                SLOW_SERVER,
                "--ports",
                str(EXTERNAL_PORTS),
                "--delay",
                str(EXTERNAL_DELAY),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            line = proc.stdout.readline() if ready else ""
            try:
                ports = [int(p) for p in json.loads(line)["ports"]]
            except (ValueError, KeyError, TypeError):
                proc.kill()
                _, err = proc.communicate()
                raise MeasureFailed(f"slow_server.py did not start: {err.strip()[-300:]}") from None

            def stats() -> dict[str, int]:
                url = f"http://127.0.0.1:{ports[0]}/_stats"
                try:
                    with urllib.request.urlopen(url, timeout=10) as answer:
                        return dict(json.loads(answer.read()))
                except (OSError, ValueError) as exc:
                    raise MeasureFailed(f"slow_server.py does not answer: {exc}") from None

            yield ports, stats
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    @staticmethod
    def write_link_kb(kb: Path, ports: list[int]) -> None:
        """A KB of EXTERNAL_URLS / EXTERNAL_PER_RECORD documents, each linking
        to EXTERNAL_PER_RECORD distinct URLs spread over the server's ports.
        Documents, not sources, so that no record is an orphan; no guides, so
        none lacks a translation: a correct check finds nothing."""
        (kb / "documents").mkdir(parents=True)
        shutil.copyfile(generate.DEFAULT_TEMPLATE, kb / "kzkb.toml")
        records = -(-EXTERNAL_URLS // EXTERNAL_PER_RECORD)
        k = 0
        for i in range(records):
            lines = [
                "---",
                f'title: "Link check test {i}"',
                "description: >",
                "  A record of the external link benchmark.",
                'category: ["ingo"]',
                "date: 2024-01-01",
                "---",
                "",
                "## Links",
                "",
            ]
            for j in range(EXTERNAL_PER_RECORD):
                if k == EXTERNAL_URLS:
                    break
                port = ports[k % len(ports)]
                lines.append(f"See [page {j}](http://127.0.0.1:{port}/record-{i}/page-{j}).")
                k += 1
            (kb / "documents" / f"link_test_{i:03d}.md").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )

    def external(self) -> SizeResult:
        """check-links --external on a scratch KB linking to a slow local server."""
        title = (
            f"External links: {EXTERNAL_URLS:,} URLs on a local server, "
            f"{EXTERNAL_DELAY * 1000:.0f} ms an answer"
        )
        ext = Measure(
            f"check-links --external, {EXTERNAL_URLS:,} URLs, end to end", EXTERNAL_TARGET
        )
        internal = Measure("check-links, internal only, same KB, end to end")
        result = SizeResult(EXTERNAL_URLS, Path("(temporary)"), title=title)
        result.measures += [ext, internal]
        log("[external] check-links --external")
        with tempfile.TemporaryDirectory(prefix="kzkb-bench-links-") as tmp:
            kb, db, cache = Path(tmp, "kb"), Path(tmp, "index.sqlite"), Path(tmp, "cache")
            env = dict(self.env, XDG_CACHE_HOME=str(cache))
            try:
                with self.slow_server() as (ports, stats):
                    self.write_link_kb(kb, ports)
                    records = len(list(kb.glob("documents/*.md")))
                    result.kb_note = (
                        f"a scratch KB in a temporary folder: {records} records, "
                        f"{EXTERNAL_PER_RECORD} links each to `http://127.0.0.1:PORT/…`, "
                        f"spread over {len(ports)} ports of `bench/slow_server.py` "
                        f"(one process, delay {EXTERNAL_DELAY * 1000:.0f} ms)"
                    )
                    r = self.kzkb("index", "--kb", kb, "--index", db, "--format", "json", env=env)
                    indexed = self.index_json(r)
                    if indexed.get("records") != records:
                        ext.warn(f"index reports {indexed.get('records')} records, not {records}")
                    self.external_runs(ext, internal, kb, db, env, stats)
            except MeasureFailed as exc:
                for m in result.measures:
                    if m.error is None and not m.kzkb:
                        m.error = str(exc)
                log(f"    FAILED {exc}")
        return result

    def external_runs(
        self,
        ext: Measure,
        internal: Measure,
        kb: Path,
        db: Path,
        env: dict[str, str],
        stats: Callable[[], dict[str, int]],
    ) -> None:
        requests: list[dict[str, float]] = []  # per timed run: the server's counts and CPU
        cpu: list[tuple[Measure, list[float]]] = [(ext, []), (internal, [])]  # kzkb's CPU s

        def check(m: Measure, i: int, r: Run, external: int) -> dict[str, Any]:
            data = self.links_json(r)
            self.check_exit(m, i, r, data)
            summary = data["summary"]
            if r.returncode != 0 or data["findings"]:
                first = data["findings"][0] if data["findings"] else {}
                m.warn(
                    f"run {i}: exit {r.returncode}, {len(data['findings'])} findings "
                    f"(expected none), e.g. `{first.get('target')}`: {first.get('reason')}"
                )
            if summary.get("external") != external:
                m.warn(f"run {i}: summary.external={summary.get('external')}, expected {external}")
            return data

        def ext_once(i: int) -> float:
            before = stats()
            r = self.kzkb(
                "check-links",
                "--external",
                "--allow-private",
                "--cache-ttl",
                "0",
                "--kb",
                kb,
                "--index",
                db,
                "--format",
                "json",
                env=env,
            )
            check(ext, i, r, EXTERNAL_URLS)
            after = stats()
            if i > 0:
                requests.append({k: after[k] - before.get(k, 0) for k in after})
                cpu[0][1].append(r.cpu_seconds)
            return r.seconds

        def internal_once(i: int) -> float:
            r = self.kzkb("check-links", "--kb", kb, "--index", db, "--format", "json", env=env)
            check(internal, i, r, 0)
            if i > 0:
                cpu[1][1].append(r.cpu_seconds)
            return r.seconds

        self.repeated(ext, self.s.repeat, ext_once, "kzkb check-links --external")
        self.repeated(internal, self.s.repeat, internal_once, "kzkb check-links (internal)")
        for m, seconds in cpu:
            if seconds:
                m.notes.append(
                    f"kzkb's CPU time (user + system): median {statistics.median(seconds):.3f} s"
                )
        if requests:

            def each(key: str) -> str:
                return "/".join(f"{v:.0f}" for v in sorted({q.get(key, 0) for q in requests}))

            server_cpu = statistics.median(q.get("cpu", 0.0) for q in requests)
            ext.notes.append(
                f"the server answered per run {each('HEAD')} HEAD and {each('GET')} GET "
                f"requests and used {server_cpu:.3f} s CPU (median); the floor for "
                f"{EXTERNAL_URLS:,} answers, 64 at a time (kzkb's default limit in all), is "
                f"{EXTERNAL_URLS / 64 * EXTERNAL_DELAY:.2f} s"
            )
            counts = [sum(v for k, v in q.items() if k != "cpu") for q in requests]
            if any(c != EXTERNAL_URLS for c in counts):
                ext.warn(f"requests per run: {counts}, expected {EXTERNAL_URLS} each")
        value, base = ext.value(), internal.value()
        if value is not None and base is not None:
            ext.notes.append(
                f"the external part alone (minus the internal-only median): {value - base:.3f} s"
            )

    # --- export ------------------------------------------------------------------

    def export(self, n: int, kb: Path, db: Path | None, why: str | None) -> list[Measure]:
        """`kzkb export` of every record to a file, once per EXPORT_FORMATS, index warm."""
        measures = [
            Measure(
                f"export `--format {fmt}` to a file, end to end",
                export_target(n),
                ref_name=EXPORT_REF,
            )
            for fmt in EXPORT_FORMATS
        ]
        log(f"[{n}] export")
        if db is None:
            for m in measures:
                m.error = why
            return measures
        # Untimed: the index is up to date, and its count is what the output must hold.
        try:
            data = self.index_json(
                self.kzkb("index", "--kb", kb, "--index", db, "--format", "json")
            )
            records = data.get("records")
            if not isinstance(records, int) or records < 1:
                raise MeasureFailed(f"it reports {records!r} records")
        except MeasureFailed as exc:
            for m in measures:
                m.error = f"`kzkb index` before the export: {exc}"
            log(f"    FAILED {measures[0].error}")
            return measures
        if records != n:
            for m in measures:
                m.warn(f"index reports {records} records; the KB has {n} files")
        with tempfile.TemporaryDirectory(prefix="kzkb-bench-export-") as tmp:
            for fmt, m in zip(EXPORT_FORMATS, measures, strict=True):
                self.export_one(m, fmt, kb, db, Path(tmp, f"export.{fmt}"), records)
            self.export_reference(measures, kb, Path(tmp, "rg.txt"))
        return measures

    def export_reference(self, measures: list[Measure], kb: Path, out: Path) -> None:
        """rg copying every line of every record into one file: the floor of
        reading the KB and writing its bytes, which any export pays."""
        if self.s.rg is None:
            for m in measures:
                m.ref_error = "rg not found"
            return
        script = 'exec "$0" --no-filename --no-line-number --no-heading "" "$1" > "$2"'
        first = measures[0]
        self.reference(first, ["sh", "-c", script, self.s.rg, kb, out], EXPORT_REF)
        size = out.stat().st_size if out.exists() else 0
        out.unlink(missing_ok=True)
        for m in measures:
            m.ref, m.ref_error = list(first.ref), first.ref_error
            if not m.ref_error:
                m.notes.append(f"`{EXPORT_REF}` wrote {size / 2**20:.1f} MB (every line of the KB)")

    def export_one(self, m: Measure, fmt: str, kb: Path, db: Path, out: Path, records: int) -> None:
        runs: list[Run] = []
        sizes: list[int] = []

        def once(i: int) -> float:
            r = self.kzkb(
                "export",
                "--kb",
                kb,
                "--index",
                db,
                "--format",
                fmt,
                "-o",
                out,
                "--force",
                sample=True,
            )
            if not r.ok:
                raise MeasureFailed(r.failure())
            try:
                size = out.stat().st_size
            except OSError:
                raise MeasureFailed(f"exit 0, but it wrote no {out.name}") from None
            if i == 0:  # the full check, once: the warm-up run's output
                self.check_export(m, fmt, out, records)
            elif size != sizes[0]:
                m.warn(f"run {i} wrote {size:,} bytes, the warm-up run {sizes[0]:,}")
            sizes.append(size)
            if i > 0:
                runs.append(r)
            return r.seconds

        self.repeated(m, self.s.repeat, once, f"kzkb export --format {fmt}")
        out.unlink(missing_ok=True)
        value = m.value()
        if value is None or not runs:
            return
        m.notes.append(
            f"output {sizes[-1] / 2**20:.1f} MB; {records / value:,.0f} records/s "
            f"({records:,} records over the median time)"
        )
        m.notes.append(
            f"kzkb's CPU time (user + system, with the workers it waited for): median "
            f"{statistics.median(r.cpu_seconds for r in runs):.3f} s"
        )
        largest = max(r.maxrss_kib for r in runs) / 1024
        pss = max(r.tree_pss_kib for r in runs) / 1024
        processes = max(r.tree_processes for r in runs)
        m.notes.append(
            f"peak memory, max of {plural(len(runs), 'run')}: largest single process "
            f"(wait4 ru_maxrss) {largest:.0f} MB; process tree (up to {processes} "
            f"processes at once), sampled every {SAMPLE_INTERVAL * 1000:.0f} ms: "
            f"peak summed PSS {pss:.0f} MB"
        )

    @staticmethod
    def check_export(m: Measure, fmt: str, out: Path, records: int) -> None:
        """Warn unless the output holds `records` records with distinct paths: JSONL
        one JSON object a line, CSV a header and one row each (bodies span lines)."""
        paths: set[str] = set()
        count = 0
        try:
            if fmt == "jsonl":
                with open(out, "rb") as fh:
                    for count, line in enumerate(fh, 1):
                        try:
                            row = json.loads(line)
                        except ValueError as exc:
                            raise ValueError(f"line {count}: {exc}") from None
                        if not isinstance(row, dict):
                            raise ValueError(f"line {count} is not a JSON object")
                        paths.add(str(row.get("path")))
                what = f"{count:,} lines, each a JSON object"
            else:
                csv.field_size_limit(2**31 - 1)
                with open(out, newline="", encoding="utf-8") as fh:
                    reader = csv.reader(fh, strict=True)
                    header = next(reader, [])
                    column = header.index("path") if "path" in header else 0
                    for count, row in enumerate(reader, 1):
                        if len(row) != len(header):
                            raise ValueError(
                                f"row {count} has {len(row)} fields, the header {len(header)}"
                            )
                        paths.add(row[column])
                what = f"a header of {len(header)} columns and {count:,} rows"
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            m.warn(f"the output does not parse: {exc}")
            return
        if count != records or len(paths) != records:
            m.warn(
                f"the output has {what} with {len(paths):,} distinct paths; "
                f"the index holds {records:,} records"
            )
        else:
            m.notes.append(f"correct: {what}, {len(paths):,} distinct paths, as indexed")

    def version(self, n: int) -> Measure:
        m = Measure("`kzkb --version`, end to end", VERSION_TARGET)

        def once(i: int) -> float:
            r = self.kzkb("--version")
            if not r.ok:
                raise MeasureFailed(r.failure())
            return r.seconds

        log(f"[{n}] kzkb --version")
        self.repeated(m, self.s.repeat, once, "kzkb --version")
        floor = [self.run([self.s.python, "-I", "-c", "pass"]).seconds for _ in range(4)][1:]
        m.notes.append(
            f"the interpreter alone (`python -I -c pass`): {statistics.median(floor):.3f} s"
        )
        return m

    # --- one size ----------------------------------------------------------------

    def size(self, n: int) -> SizeResult:
        kb, note = self.ensure_kb(n)
        result = SizeResult(n, kb, note)
        parts = self.s.parts
        db: Path | None = None
        why: str | None = None
        if "index" in parts:
            db = self.cold_index(n, kb, result)
        if {"refresh", "search", "links", "export"} & set(parts) and db is None:
            db, why = self.prepare_db(n, kb)  # also when --rebuild failed: try a plain refresh
        watched = n >= WATCH_FROM and db is not None and self.start_watcher(n, kb)
        if "refresh" in parts:
            result.measures += self.refresh(n, kb, db, why)
        if "search" in parts:
            measures, result.searches = self.search(n, kb, db, why)
            result.measures += measures
        if "links" in parts:
            result.measures.append(self.check_links(n, kb, db, why))
            if watched:
                result.measures.append(self.check_links(n, kb, db, why, self.unwatched))
        if "export" in parts:
            result.measures += self.export(n, kb, db, why)
        if "version" in parts:
            result.measures.append(self.version(n))
        if watched:
            self.kzkb("watcher", "stop", "--kb", kb)
        if not self.s.keep:
            shutil.rmtree(kb, ignore_errors=True)
            shutil.rmtree(self.s.out_dir / f"idx-{n}", ignore_errors=True)
        else:  # keep the index the measures used; drop leftovers of interrupted runs
            for stale in self.index_dir(n).glob("cold-*.sqlite*"):
                stale.unlink(missing_ok=True)
        return result


# --- the report ----------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine(settings: Settings) -> dict[str, str]:
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    probe = subprocess.run(
        [
            settings.python,
            "-c",
            "import json, platform, sqlite3; c = sqlite3.connect(':memory:'); "
            "fts5 = c.execute(\"select sqlite_compileoption_used('ENABLE_FTS5')\").fetchone()[0]; "
            "print(json.dumps([platform.python_version(), sqlite3.sqlite_version, fts5]))",
        ],
        capture_output=True,
        text=True,
    )
    try:
        python, sqlite, fts5 = json.loads(probe.stdout)
        sqlite_text = f"{sqlite}{' (FTS5 compiled in)' if fts5 else ''}"
    except ValueError:
        python = sqlite_text = f"unknown ({probe.stderr.strip()[:100]})"
    rg = "not found"
    if settings.rg:
        rg_out = subprocess.run([settings.rg, "--version"], capture_output=True, text=True)
        rg = rg_out.stdout.splitlines()[0] if rg_out.stdout else "unknown"
    version = subprocess.run([settings.kzkb, "--version"], capture_output=True, text=True)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    nproc = f"{os.cpu_count()}" + (f" ({affinity} usable)" if affinity != os.cpu_count() else "")
    return {
        "nproc": nproc,
        "CPU": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "RAM": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown",
        "OS": platform.platform(),
        "Python (kzkb's)": f"{python} ({settings.python})",
        "SQLite (kzkb's Python)": sqlite_text,
        "ripgrep": rg,
        "kzkb": (version.stdout.strip() or version.stderr.strip()[:100]) + f" ({settings.kzkb})",
    }


METHOD = """\
- **Same files for everything.** Each size N is one synthetic KB made by
  `bench/generate.py` (seed {seed}) and cached in `{out_dir}/kb-N`; kzkb and `rg`
  read the same folder. Indexes live beside it in `{out_dir}/idx-N/`.
- **Timing.** Wall clock from process start to exit (`time.perf_counter` around
  fork/exec and `wait4`), so Python start-up and imports count. One warm-up run,
  then the **median** of {repeat} runs (cold index: at most {cold_large} runs from
  {large:,} records on). The in-process refresh rows report what kzkb itself timed,
  `KnowledgeBase.open(kb, index_path=db).last_refresh.seconds`, in a fresh
  `python -c` each run.
- **Warm page cache.** OS caches are not dropped (that needs root): the warm-up
  run reads the KB into the page cache, so every timed run, kzkb's and rg's, reads
  from memory. Cold-disk times would be higher for both.
- **The watcher.** From 20,000 files on, kzkb by default leaves a watcher process
  after a command (kzkb.watch: the KB's file list kept current from inotify
  events), and later commands ask it instead of stat'ing every file. The bench
  measures that default: after the cold index it runs `kzkb watcher start`
  (untimed; it returns once the watcher answers), and stops it at the end of the
  size. The notes say which runs the watcher answered (`scanned_by`). Rows marked
  "no watcher" run the same command with `KZKB_WATCH=off`, which scans: what the
  first command after a reboot, or a KB on a network file system, costs. The cold
  index runs with `KZKB_WATCH=off` too, so that no watcher shares the cores.
- **Cold index**: `kzkb index --kb KB --index DB --rebuild --format json`, a fresh DB
  path each run. **Refresh, nothing changed**: `kzkb index --kb KB --index DB`
  on an up-to-date index. **Refresh, 1 file changed**: before each run one more
  source record gets a word appended (and its mtime touched); the edited records
  are restored afterwards. Refresh counts kzkb reports are checked against the
  change made; a mismatch is listed under the table.
- **Search**: `kzkb search --kb KB --index DB --format json -- QUERY` (which also
  refreshes the index: nothing changed) beside `rg -il -- QUERY KB`. rg only lists
  matching files; kzkb parses the query, checks the index is current, ranks with
  BM25 and prints the top 20 with snippets. Exit 1 (no hits) counts as success for
  both.
- **Peak memory** of the cold index covers the whole process tree, since the
  indexer may use worker processes: a thread samples every
  {interval:.0f} ms the summed PSS (proportional set size: shared pages split
  between the processes that map them) of kzkb and all its descendants, found
  through `/proc/PID/task/*/children`. The value shown is the larger of that peak
  and `ru_maxrss` from `wait4()` for the kzkb process (the exact peak RSS of the
  largest single process among it and the children it waited for), the maximum
  over the runs. `getrusage(RUSAGE_CHILDREN)` deltas are not used: its
  `ru_maxrss` is the maximum over all children ever, so it cannot attribute a
  peak to one run, and neither it nor `/usr/bin/time` sums processes.
  MB here is 2^20 bytes.
- **check-links**: `kzkb check-links --kb KB --index DB --format json` (internal
  links only; it refreshes the index first, nothing changed) beside
  `rg -c '\\]\\(/' KB`, which only counts the lines with a root-relative link. Exit 1
  (broken links found) counts as success. Its errors are compared with the broken
  links the generator wrote (`broken_links` in the KB's `.kzkb-bench.json`, all
  of them `/sources/sources/missing_N/`); an error on any other link, or a broken
  link not reported, is listed under the table.
- **Export**: `kzkb export --kb KB --index DB --format jsonl -o OUT --force`, and
  the same with `--format csv`, OUT in a temporary folder deleted afterwards;
  the index is brought up to date first, untimed, so each run's own refresh
  finds nothing changed. The reference is `rg --no-filename --no-line-number ''
  KB > FILE`: every line of the KB copied into one file, the floor of reading
  the records and writing their bytes that any export pays. The warm-up run's output is
  checked: JSONL must be as many lines (each a JSON object) and CSV, read with
  Python's `csv` module, a header and as many rows as the index has records,
  with distinct paths; each timed run must write as many bytes. The notes give
  the output size, records per second, CPU time and peak memory (wait4
  `ru_maxrss` of the largest single process, and the process tree's summed PSS
  sampled as for the cold index), which should not grow with N.
- **External links**, once per run: a scratch KB of {ext_records} records linking
  to {ext_urls:,} distinct `http://127.0.0.1:PORT/…` URLs spread over {ext_ports}
  ports of `bench/slow_server.py` (one process, a thread per connection,
  {ext_delay:.0f} ms before every answer, all 200). Timed:
  `kzkb check-links --external --allow-private --cache-ttl 0` with
  `XDG_CACHE_HOME` in the temporary folder, which must exit 0 with
  `summary.external` = {ext_urls:,} and no findings; beside it the same KB
  without `--external`.
- **Targets**: search ≤ 0.25 s at 1,000 records and no slower than `rg -il` at
  100,000 (none is set in between); refresh ≤ 0.5 s (nothing changed) and ≤ 0.6 s
  (one file changed), cold index ≤ 30 s, peak memory ≤ 500 MB,
  `kzkb --version` ≤ 0.15 s. These are set for 100,000 records and hold as
  ceilings at every size. Both refresh rows (end to end and in-process) are
  judged against the refresh targets. check-links: at most 1.5 times `rg -c` at
  100,000 records (none below); `--external` with {ext_urls:,} URLs ≤ 3 s.
  Export: ≤ 10 s for each of JSONL and CSV at 100,000 records (none below).
- **Load.** Other work on the machine skews the numbers; the load average before
  and after the run is shown above."""


def fmt_value(m: Measure) -> str:
    value = m.value()
    if m.error:
        return f"**failed:** {m.error}"
    if value is None:
        return "—"
    return f"{value:.0f} MB" if m.unit == "MB" else f"{value:.3f}"


def fmt_ref(m: Measure) -> str:
    if m.ref_error:
        return f"failed: {m.ref_error}"
    value = m.ref_value()
    return "—" if value is None else f"{value:.3f}"


def table(result: SizeResult) -> list[str]:
    names = {m.ref_name for m in result.measures if m.ref or m.ref_error}
    ref = names.pop() if len(names) == 1 else "rg"
    lines = [
        f"| measure | kzkb median (s) | {ref} median (s) | ratio kzkb/rg | target | met? |",
        "|---|---:|---:|---:|---|:---:|",
    ]
    for m in result.measures:
        ratio = m.ratio()
        met = m.met()
        lines.append(
            "| "
            + " | ".join(
                [
                    m.label,
                    fmt_value(m).replace("|", "\\|"),
                    fmt_ref(m).replace("|", "\\|"),
                    "—" if ratio is None else f"{ratio:.2f}",
                    m.target.text if m.target else "—",
                    "—" if met is None else ("yes" if met else "**NO**"),
                ]
            )
            + " |"
        )
    return lines


def report(
    settings: Settings,
    info: dict[str, str],
    results: list[SizeResult],
    started: dt.datetime,
    loads: tuple[str, str],
    elapsed: float,
) -> str:
    out = [
        "# kzkb benchmark results",
        "",
        f"Run {started.strftime('%Y-%m-%d %H:%M:%S %Z')} by `python bench/run.py "
        f"--sizes {','.join(map(str, settings.sizes))} --repeat {settings.repeat} "
        f"--only {','.join(settings.parts)}`; took {elapsed / 60:.1f} min.",
        "",
        "## Machine",
        "",
    ]
    out += [f"- {key}: {value}" for key, value in info.items()]
    out += [f"- load average (1, 5, 15 min): before {loads[0]}; after {loads[1]}", ""]
    out += ["## Method", ""]
    out.append(
        METHOD.format(
            seed=settings.seed,
            out_dir=_shown(settings.out_dir),
            repeat=settings.repeat,
            cold_large=settings.cold_repeat or COLD_REPEAT_LARGE,
            large=LARGE,
            interval=SAMPLE_INTERVAL * 1000,
            ext_records=-(-EXTERNAL_URLS // EXTERNAL_PER_RECORD),
            ext_urls=EXTERNAL_URLS,
            ext_ports=EXTERNAL_PORTS,
            ext_delay=EXTERNAL_DELAY * 1000,
        )
    )
    for result in results:
        out += ["", f"## {result.name}", ""]
        if result.title:
            out.append(f"KB: {result.kb_note}.")
        else:
            out.append(f"KB: `{_shown(result.kb)}`, {result.kb_note}.")
        out.append("")
        out += table(result)
        details = []
        if result.searches:
            shown = "; ".join(f"`{q}` {k} / {f}" for q, k, f in result.searches)
            details.append(f"Hits, kzkb (top 20 at most) / files rg lists: {shown}.")
        for m in result.measures:
            details += [f"{m.label}: {note}." for note in m.notes]
            details += [f"**Warning**, {m.label}: {w}." for w in m.warnings]
        if details:
            out.append("")
            out += [f"- {d}" for d in details]
    missed = [(r.name, m.label) for r in results for m in r.measures if m.met() is False]
    failed = [(r.name, m.label) for r in results for m in r.measures if m.error]
    out += ["", "## Summary", ""]
    out.append(
        f"{sum(len(r.measures) for r in results)} measures; "
        f"{len(failed)} could not be taken; {len(missed)} missed their target."
    )
    if failed:
        out += ["", "Not measured:", ""]
        out += [f"- {name}: {label}" for name, label in failed]
    if missed:
        out += ["", "Targets missed:", ""]
        out += [f"- {name}: {label}" for name, label in missed]
    return "\n".join(out) + "\n"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- command line ----------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        scale = 1_000 if part.endswith("k") else 1
        try:
            size = int(float(part.rstrip("k")) * scale)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r}") from None
        if size < generate.MIN_FILES:
            raise argparse.ArgumentTypeError(f"sizes start at {generate.MIN_FILES}")
        sizes.append(size)
    return sizes


def parse_parts(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    aliases = {
        "cold": "index",
        "memory": "index",
        "startup": "version",
        "check-links": "links",
        "external": "links",
    }
    parts = [aliases.get(p, p) for p in parts]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise argparse.ArgumentTypeError(
            f"unknown part(s) {', '.join(unknown)}; use any of {','.join(PARTS)}"
        )
    return [p for p in PARTS if p in parts]


def find_kzkb(given: str | None) -> str | None:
    if given:
        return shutil.which(given) or (given if Path(given).is_file() else None)
    beside = Path(sys.executable).parent / "kzkb"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("kzkb")


def python_of(kzkb: str) -> str:
    """The interpreter a console script runs under, from its #! line."""
    try:
        with open(kzkb, "rb") as fh:
            first = fh.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!"):
        interpreter = first[2:].strip().split()[0] if first[2:].strip() else ""
        if Path(interpreter).name.startswith("python") and Path(interpreter).is_file():
            return interpreter
    return sys.executable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--sizes",
        type=parse_sizes,
        default=DEFAULT_SIZES,
        help="KB sizes in records, comma-separated; 1k, 10k, 100k work too (default: %(default)s)",
    )
    add("--repeat", type=int, default=5, help="timed runs per measure (default: %(default)s)")
    add(
        "--cold-repeat",
        type=int,
        default=None,
        help=f"timed cold-index runs (default: --repeat, at most {COLD_REPEAT_LARGE} "
        f"from {LARGE:,} records)",
    )
    add(
        "--only",
        type=parse_parts,
        default=",".join(PARTS),
        help="parts to run, comma-separated (default: %(default)s; memory is part of index)",
    )
    add(
        "--queries",
        default=",".join(DEFAULT_QUERIES),
        help="search queries, comma-separated (default: %(default)s)",
    )
    add(
        "--out",
        type=Path,
        default=DEFAULT_RESULTS,
        help="the Markdown report (default: bench/RESULTS.md)",
    )
    add(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="where generated KBs and indexes are kept (default: bench/out)",
    )
    add(
        "--keep",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the generated KBs and indexes for the next run (default: keep)",
    )
    add(
        "--seed",
        type=int,
        default=generate.DEFAULT_SEED,
        help="generator seed (default: %(default)s)",
    )
    add(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds before one process is killed (default: %(default)s)",
    )
    add(
        "--kzkb",
        default=None,
        help="the kzkb executable (default: beside this Python, else on PATH)",
    )
    add(
        "--python",
        default=None,
        help="Python with kzkb for the in-process refresh (default: the one kzkb runs on)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or (args.cold_repeat is not None and args.cold_repeat < 1):
        parser.error("--repeat and --cold-repeat must be at least 1")
    kzkb = find_kzkb(args.kzkb)
    if kzkb is None:
        parser.error("kzkb not found: activate the venv it is installed in, or give --kzkb")
    queries = [q.strip() for q in args.queries.split(",") if q.strip()]
    settings = Settings(
        sizes=args.sizes,
        repeat=args.repeat,
        cold_repeat=args.cold_repeat,
        parts=args.only,
        queries=queries,
        out_dir=args.out_dir.resolve(),
        results=args.out,
        keep=args.keep,
        seed=args.seed,
        timeout=args.timeout,
        kzkb=kzkb,
        python=args.python or python_of(kzkb),
        rg=shutil.which("rg"),
    )
    if settings.rg is None:
        log("run.py: rg (ripgrep) not found: the reference column stays empty")
    probe = run_process([kzkb, "--version"], os.environ.copy(), 60)
    if not probe.ok:
        log(f"run.py: `{kzkb} --version` does not work: {probe.failure()}")
        return 2
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    info = machine(settings)
    log(f"kzkb: {kzkb}; python: {settings.python}; rg: {settings.rg}")
    harness = Harness(settings)
    results: list[SizeResult] = []
    text = ""
    interrupted = False
    try:
        for n in settings.sizes:
            results.append(harness.size(n))
            loads = (load_before, ", ".join(f"{x:.2f}" for x in os.getloadavg()))
            text = report(settings, info, results, started, loads, time.perf_counter() - clock)
            settings.results.parent.mkdir(parents=True, exist_ok=True)
            settings.results.write_text(text, encoding="utf-8")  # after each size: partial results
        if "links" in settings.parts:  # once, not per size: its KB is its own
            results.append(harness.external())
            loads = (load_before, ", ".join(f"{x:.2f}" for x in os.getloadavg()))
            text = report(settings, info, results, started, loads, time.perf_counter() - clock)
            settings.results.write_text(text, encoding="utf-8")
    except KeyboardInterrupt:
        interrupted = True
        done = ", ".join(f"{r.n:,}" for r in results)
        log(f"interrupted; sizes finished: {done or 'none, so no report was written'}")
    if text:
        print(text)
        log(f"wrote {settings.results}")
    failed = any(m.error for r in results for m in r.measures)
    return 130 if interrupted else (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
