"""`kzkb export` of every record to a file, once per format, beside `rg ''`
copying every line of the KB into a file.

Whether the output holds every record (N JSON lines, N CSV rows) is tested by
tests/test_bench_oracles.py; here each timed run must write as many bytes as
the warm-up run, a cheap sign the runs did the same work.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from pathlib import Path

from bench.core import (
    LARGE,
    Harness,
    Measure,
    MeasureFailed,
    Target,
    index_json,
    log,
    plural,
    sanity,
)
from bench.procs import SAMPLE_INTERVAL, Run

# the export part times each, to a file; the first two carry the target, the
# formats of issue 19 (reference managers, Datasette, open-data portals, the web)
# are measured beside them
EXPORT_FORMATS = (
    "jsonl",
    "csv",
    "csl-json",
    "ris",
    "bibtex",
    "jsonld",
    "meta",
    "datapackage",
    "sqlite",
)
TARGETED = ("jsonl", "csv")
EXPORT_REF = "rg '' > file"  # the reference: the KB's lines copied to a file


def export_target(n: int, fmt: str = "jsonl") -> Target | None:
    return Target("≤ 10 s", 10.0) if n >= LARGE and fmt in TARGETED else None


def written(out: Path) -> int:
    """Bytes written: a file's size, or a data package folder's files'."""
    if out.is_dir():
        return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return out.stat().st_size


def remove(out: Path) -> None:
    if out.is_dir():
        shutil.rmtree(out)
    else:
        out.unlink(missing_ok=True)


def export(h: Harness, n: int, kb: Path, db: Path | None, why: str | None) -> list[Measure]:
    """`kzkb export` of every record to a file, once per EXPORT_FORMATS, index warm."""
    measures = [
        Measure(
            f"export `--format {fmt}` to a file, end to end",
            export_target(n, fmt),
            ref_name=EXPORT_REF,
        )
        for fmt in EXPORT_FORMATS
    ]
    log(f"[{n}] export")
    if db is None:
        for m in measures:
            m.error = why
        return measures
    # Untimed: the index is up to date, and its count gives the records per second.
    try:
        data = index_json(h.kzkb("index", "--kb", kb, "--index", db, "--format", "json"))
        records = data.get("records")
        if not isinstance(records, int) or records < 1:
            raise MeasureFailed(f"it reports {records!r} records")
    except MeasureFailed as exc:
        for m in measures:
            m.error = f"`kzkb index` before the export: {exc}"
        log(f"    FAILED {measures[0].error}")
        return measures
    for m in measures:
        sanity(m, data, n)
    with tempfile.TemporaryDirectory(prefix="kzkb-bench-export-") as tmp:
        for fmt, m in zip(EXPORT_FORMATS, measures, strict=True):
            export_one(h, m, fmt, kb, db, Path(tmp, f"export.{fmt}"), records)
        export_reference(h, measures, kb, Path(tmp, "rg.txt"))
    return measures


def export_reference(h: Harness, measures: list[Measure], kb: Path, out: Path) -> None:
    """rg copying every line of every record into one file: the floor of
    reading the KB and writing its bytes, which any export pays."""
    if h.s.rg is None:
        for m in measures:
            m.ref_error = "rg not found"
        return
    script = 'exec "$0" --no-filename --no-line-number --no-heading "" "$1" > "$2"'
    first = measures[0]
    h.reference(first, ["sh", "-c", script, h.s.rg, kb, out], EXPORT_REF)
    size = out.stat().st_size if out.exists() else 0
    out.unlink(missing_ok=True)
    for m in measures:
        m.ref, m.ref_error = list(first.ref), first.ref_error
        if not m.ref_error:
            m.notes.append(f"`{EXPORT_REF}` wrote {size / 2**20:.1f} MB (every line of the KB)")


def export_one(
    h: Harness, m: Measure, fmt: str, kb: Path, db: Path, out: Path, records: int
) -> None:
    runs: list[Run] = []
    sizes: list[int] = []

    def once(i: int) -> float:
        r = h.kzkb(
            "export", "--kb", kb, "--index", db, "--format", fmt, "-o", out, "--force",
            sample=True,
        )  # fmt: skip
        if not r.ok:
            raise MeasureFailed(r.failure())
        try:
            size = written(out)
        except OSError:
            raise MeasureFailed(f"exit 0, but it wrote no {out.name}") from None
        if i > 0 and size != sizes[0]:
            m.warn(f"run {i} wrote {size:,} bytes, the warm-up run {sizes[0]:,}")
        sizes.append(size)
        if i > 0:
            runs.append(r)
        return r.seconds

    h.repeated(m, h.s.repeat, once, f"kzkb export --format {fmt}")
    remove(out)
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
