"""Benchmark kzkb on synthetic knowledge bases, with ripgrep as the reference.

    python bench/run.py [--sizes 1000,10000,100000] [--repeat 5] [--out bench/RESULTS.md]
                        [--only index,refresh,search,links,export,version] [--no-keep]

For each size N: generate a KB (bench/generate.py; cached in bench/out/kb-N),
then time, on those same files, a cold index, a refresh with nothing changed, a
refresh after one file changed, searches beside `rg -il` over the same folder,
`check-links` beside `rg -c`, `export` to JSONL and CSV, the peak memory of
the cold index and `kzkb --version`. Once per run, `check-links --external` on
a scratch KB of 1,000 links to a local server that answers in 50 ms
(bench/slow_server.py). Medians of --repeat runs after one warm-up run each;
warm page cache. Prints a Markdown report and
writes it to --out. See bench/README.md.

A measure kzkb cannot do yet (an option it lacks, an exception) is reported in
the table with kzkb's own error message; the other measures still run. Exit
status: 0 when every measure ran, 1 when any failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

from bench import generate
from bench.core import BENCH, COLD_REPEAT_LARGE, LARGE, Harness, Settings, SizeResult, log
from bench.machine import machine
from bench.measures.external import external
from bench.procs import run_process
from bench.report import report
from bench.sizes import measure_size

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
    # a need of five words in Russian: stop words, stems, the thesaurus and
    # the gazetteer all at work (rg looks for the words as one phrase)
    "кризисные центры для женщин Алматы",
)
PARTS = ("index", "long", "refresh", "search", "links", "export", "version", "lsp")


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
        "bodies": "long",
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
    # argparse would call `python -m bench` "__main__.py"
    prog = "python -m bench" if Path(sys.argv[0]).name == "__main__.py" else None
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
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
        "--profile",
        action="store_true",
        help="also profile the cold index at 10,000 records (CPU per record by stage, "
        "1 and 2 workers), on bench's records and on bodies four times longer",
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
        profile=args.profile,
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
            results.append(measure_size(harness, n))
            loads = (load_before, ", ".join(f"{x:.2f}" for x in os.getloadavg()))
            text = report(settings, info, results, started, loads, time.perf_counter() - clock)
            settings.results.parent.mkdir(parents=True, exist_ok=True)
            settings.results.write_text(text, encoding="utf-8")  # after each size: partial results
        if "links" in settings.parts:  # once, not per size: its KB is its own
            results.append(external(harness))
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
