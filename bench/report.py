"""The Markdown report: machine, method, one table per size with its notes, summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bench.core import COLD_REPEAT_LARGE, LARGE, Measure, Settings, SizeResult
from bench.measures.external import (
    EXTERNAL_DELAY,
    EXTERNAL_PER_RECORD,
    EXTERNAL_PORTS,
    EXTERNAL_URLS,
)
from bench.procs import SAMPLE_INTERVAL

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
  after a command (kzkb.listing: the KB's file list kept current from inotify
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
  are restored afterwards. Whether the counts kzkb reports match the change is
  tested by `tests/test_bench_oracles.py`, not here.
- **Search**: `kzkb search --kb KB --index DB --format json -- QUERY` (which also
  refreshes the index: nothing changed) beside `rg -il -- QUERY KB`. rg only lists
  matching files; kzkb parses the query, checks the index is current, ranks with
  BM25 and prints the top 20 with snippets. Exit 1 (no hits) counts as success for
  both.
- **Peak memory** of the cold index covers the whole process tree, since the
  indexer may use worker processes: a thread samples every
  {interval:.0f} ms the summed PSS (proportional set size: shared pages split
  between the processes that map them) of kzkb and all its descendants, read
  with psutil. The value shown is the larger of that peak
  and `ru_maxrss` from `wait4()` for the kzkb process (the exact peak RSS of the
  largest single process among it and the children it waited for), the maximum
  over the runs. `getrusage(RUSAGE_CHILDREN)` deltas are not used: its
  `ru_maxrss` is the maximum over all children ever, so it cannot attribute a
  peak to one run, and neither it nor `/usr/bin/time` sums processes.
  MB here is 2^20 bytes.
- **check-links**: `kzkb check-links --kb KB --index DB --format json` (internal
  links only; it refreshes the index first, nothing changed) beside
  `rg -c '\\]\\(/' KB`, which only counts the lines with a root-relative link. Exit 1
  (broken links found) counts as success. That its errors are exactly the broken
  links the generator wrote is tested by `tests/test_bench_oracles.py`.
- **Export**: `kzkb export --kb KB --index DB --format jsonl -o OUT --force`, and
  the same with `--format csv`, OUT in a temporary folder deleted afterwards;
  the index is brought up to date first, untimed, so each run's own refresh
  finds nothing changed. The reference is `rg --no-filename --no-line-number ''
  KB > FILE`: every line of the KB copied into one file, the floor of reading
  the records and writing their bytes that any export pays. Each timed run must
  write as many bytes as the warm-up run (that the output holds every record is
  tested by `tests/test_bench_oracles.py`). The notes give
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
- **Cold index, bodies ×4** (part `long`), at the largest size only: the same
  measure (a warm-up and one timed run) on a KB made with `generate.py
  --body-scale 4` (the same records and links, bodies four times longer), in
  `{out_dir}/kb-N-x4`.
- **`kzkb lsp`** (part `lsp`), at 10,000 records: `bench/lsp_latency.py` in
  kzkb's Python opens a guide over stdio and sends unsaved edits (a broken link
  added, then removed, 0.3 s apart); each value is didChange -> the
  publishDiagnostics of that version, the server's 50 ms debounce included.
- **Profile** (`--profile`), at 10,000 records: `bench/stages.py` in kzkb's
  Python rebuilds a scratch index in one process with each stage's function
  wrapped by a CPU-time timer (exclusive: a nested stage is charged to itself),
  then as kzkb runs it with 1 and with 2 workers (wall time, the main process's
  CPU and the workers'); on bench's records and on bodies ×4. cProfile's
  statistics of the one-process run are kept beside the KBs for the functions
  inside a stage (`python -m pstats FILE`).
- **Targets** (issue 20): cold index ≤ 30 s and peak memory ≤ 500 MB (both
  corpora); search ≤ 0.12 s at 1,000 records and at most 0.5 × `rg -il` at
  100,000 with the watcher (none is set in between, nor without the watcher);
  refresh, nothing changed, ≤ 0.15 s where the watcher answers (from 20,000
  files) and ≤ 0.5 s without it (below 20,000 files there is none), one file
  changed ≤ 0.6 s; `kzkb --version` ≤ 0.06 s; `kzkb lsp` diagnostics ≤ 0.2 s
  at 10,000 records. They hold as ceilings at every size. Both refresh rows
  (end to end and in-process) are judged against the refresh targets.
  check-links: at most 1.5 times `rg -c` at 100,000 records (none below);
  `--external` with {ext_urls:,} URLs ≤ 3 s.
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
        f"--only {','.join(settings.parts)}{' --profile' if settings.profile else ''}`; "
        f"took {elapsed / 60:.1f} min.",
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
        for prof in result.profiles:
            out += ["", *profile_lines(prof)]
    if settings.profile and BASELINE.is_file():
        out += ["", *baseline_lines(results)]
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


# the profile before issue 20's cuts, kept to compare with (bench/stages.py at that commit)
BASELINE = Path(__file__).resolve().parent / "profile-before.json"


def baseline_lines(results: list[SizeResult]) -> list[str]:
    """The stages before issue 20's cuts (kept in BASELINE) beside this run's
    --profile of the same KB, where it has one."""
    import json

    data = json.loads(BASELINE.read_text(encoding="utf-8"))
    now = {(p["records"], p["label"]): p for r in results for p in r.profiles if "single" in p}
    lines = ["## Profile before and after issue 20's cuts", "", data["how"], ""]
    for corpus in data["corpora"]:
        before = corpus["before"]
        n = before["records"]
        after = now.get((n, corpus["label"]), {}).get("single")
        lines += [
            f"### {n:,} records, {corpus['label']}",
            "",
            "| stage | before (µs a record) | this run (µs a record) |",
            "|---|---:|---:|",
        ]
        for stage, seconds in sorted(before["stages"].items(), key=lambda kv: -kv[1]):
            later = after["stages"].get(stage) if after else None
            shown = "—" if later is None else f"{later / n * 1e6:.0f}"
            lines.append(f"| {stage} | {seconds / n * 1e6:.0f} | {shown} |")
        total = "—" if after is None else f"**{after['cpu'] / n * 1e6:.0f}**"
        lines += [f"| **all** | **{before['cpu'] / n * 1e6:.0f}** | {total} |", ""]
    return lines


def profile_lines(prof: dict[str, Any]) -> list[str]:
    """The profile of one KB: CPU per record by stage, and the pool's scaling."""
    n = prof["records"]
    lines = [f"### Profile of the cold index: {n:,} records, {prof['label']}", ""]
    if "error" in prof:
        return [*lines, f"Not profiled: {prof['error']}"]
    single = prof["single"]
    total = single["cpu"]
    lines += [
        "| stage (one process, exclusive CPU time) | µs a record | share |",
        "|---|---:|---:|",
    ]
    for stage, seconds in sorted(single["stages"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {stage} | {seconds / n * 1e6:.0f} | {seconds / total:.0%} |")
    lines.append(f"| **all** | **{total / n * 1e6:.0f}** | 100% |")
    pools = prof["pool"]
    if pools:
        lines += [
            "",
            "| workers | wall (s) | records/s | CPU main (s) | CPU workers (s) | CPU µs a record |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for workers, run in sorted(pools.items(), key=lambda kv: int(kv[0])):
            cpu = run["main_cpu"] + run["workers_cpu"]
            lines.append(
                f"| {workers} | {run['wall']:.2f} | {n / run['wall']:,.0f} | "
                f"{run['main_cpu']:.2f} | {run['workers_cpu']:.2f} | {cpu / n * 1e6:.0f} |"
            )
        two = pools.get(2) or pools.get("2")
        one = pools.get(1) or pools.get("1")
        if one and two:
            lines += ["", f"- 1 -> 2 workers: {one['wall'] / two['wall']:.2f}× the throughput."]
        if two and two["workers_cpu"]:
            # the writer (main process) is one core's worth at most; the parsers split the rest
            writer = two["main_cpu"] / n
            parse = two["workers_cpu"] / n
            eight = max(writer, parse / 8)
            lines.append(
                f"- On 8 cores (estimate: the workers' CPU split 8 ways, the writer alone on "
                f"its core): {1 / eight:,.0f} records/s, 100,000 records in "
                f"{100_000 * eight:.0f} s; the writer ({writer * 1e6:.0f} µs a record) "
                f"{'bounds it' if writer >= parse / 8 else 'is not the bound'}."
            )
    return lines


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
