"""check-links over the size's KB, internal links only, beside `rg -c`.

Whether its findings are right (every generated broken link reported, no false
alarm) is tested by tests/test_bench_oracles.py; here it is timed and described.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

from bench.core import LARGE, UNWATCHED, Harness, Measure, MeasureFailed, Target, log
from bench.procs import Run

# the reference counts the lines with a root-relative Markdown link
LINK_PATTERN = r"\]\(/"


def links_target(n: int) -> Target | None:
    return Target("kzkb/rg ≤ 1.5", 1.5, "ratio") if n >= LARGE else None


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


def check_exit(measure: Measure, run_no: int, run: Run, data: dict[str, Any]) -> None:
    """Warn when the exit status or summary disagrees with the findings listed."""
    errors = sum(f.get("severity") == "error" for f in data["findings"])
    summary = data["summary"]
    if summary.get("errors") != errors:
        measure.warn(f"run {run_no}: summary.errors={summary.get('errors')}, {errors} listed")
    if (run.returncode == 1) != (errors > 0):
        measure.warn(f"run {run_no}: exit {run.returncode} with {errors} errors")


def by_reason(rows: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for f in rows:
        reason = re.sub(r"^(no such heading in) .*", r"\1 …", str(f.get("reason", "")))
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(f"{c:,} {r}" for r, c in sorted(counts.items(), key=lambda x: -x[1]))


def describe(m: Measure, data: dict[str, Any]) -> None:
    """The summary and the findings by reason, as notes under the table."""
    summary: dict[str, Any] = data["summary"]
    errors = [f for f in data["findings"] if f.get("severity") == "error"]
    warnings = [f for f in data["findings"] if f.get("severity") != "error"]
    m.notes.append(
        f"summary: {summary.get('records')} records, {summary.get('links')} links, "
        f"{summary.get('errors')} errors, {summary.get('warnings')} warnings"
    )
    if errors:
        m.notes.append(f"errors by reason: {by_reason(errors)}")
    if warnings:
        m.notes.append(f"warnings by reason: {by_reason(warnings)}")


def check_links(
    h: Harness,
    n: int,
    kb: Path,
    db: Path | None,
    why: str | None,
    env: dict[str, str] | None = None,
) -> Measure:
    if env is None:
        m = Measure("check-links beside `rg -c`, end to end", links_target(n), ref_name="rg -c")
    else:
        m = Measure(f"check-links beside `rg -c`, end to end, {UNWATCHED}", ref_name="rg -c")
    seen: list[dict[str, Any]] = []
    cpu: list[float] = []

    def once(i: int) -> float:
        r = h.kzkb("check-links", "--kb", kb, "--index", db, "--format", "json", env=env)
        data = links_json(r)
        check_exit(m, i, r, data)
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
        h.repeated(m, h.s.repeat, once, "kzkb check-links")
    if cpu:
        m.notes.append(f"kzkb's CPU time (user + system): median {statistics.median(cpu):.3f} s")
    if h.s.rg is None:
        m.ref_error = "rg not found"
    else:
        out = h.reference(m, [h.s.rg, "-c", LINK_PATTERN, kb], "rg -c")
        if not m.ref_error:
            lines = sum(int(row.rpartition(":")[2] or 0) for row in out.splitlines())
            m.notes.append(
                f"`rg -c` counts {lines:,} lines with a root-relative link "
                f"in {len(out.splitlines()):,} files"
            )
    if seen:
        describe(m, seen[0])
    return m
