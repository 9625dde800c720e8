"""Refresh of an up-to-date index, and after one changed file: end to end
through the CLI, and in-process as `KnowledgeBase.open(...).last_refresh`."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.core import (
    UNWATCHED,
    WATCH_FROM,
    Harness,
    Measure,
    MeasureFailed,
    Target,
    index_json,
    log,
)

REFRESH_TARGET = Target("≤ 0.5 s", 0.5)
# issue 20: nothing changed, with the watcher (from WATCH_FROM files on) ≤ 0.15 s;
# without it ≤ 0.5 s
REFRESH_WATCHED_TARGET = Target("≤ 0.15 s", 0.15)
REFRESH_ONE_TARGET = Target("≤ 0.6 s", 0.6)

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


def in_process(h: Harness, kb: Path, db: Path) -> dict[str, Any]:
    r = h.run([h.s.python, "-c", SNIPPET, kb, db])
    if not r.ok:
        raise MeasureFailed(r.failure())
    try:
        data = json.loads(r.stdout.strip().splitlines()[-1])
        float(data["seconds"])
    except (ValueError, IndexError, KeyError, TypeError):
        raise MeasureFailed(f"the in-process snippet printed {r.stdout[:120]!r}") from None
    return dict(data)


def refresh(h: Harness, n: int, kb: Path, db: Path | None, why: str | None) -> list[Measure]:
    watched = n >= WATCH_FROM
    target = REFRESH_WATCHED_TARGET if watched else REFRESH_TARGET
    cli = Measure("refresh, nothing changed: `index`, end to end", target)
    lib = Measure("refresh, nothing changed: in-process `last_refresh.seconds`", target)
    cli1 = Measure("refresh, 1 file changed: `index`, end to end", REFRESH_ONE_TARGET)
    lib1 = Measure("refresh, 1 file changed: in-process `last_refresh.seconds`", REFRESH_ONE_TARGET)
    measures = [cli, lib, cli1, lib1]
    if watched:  # the same without a watcher: what a first command after a boot costs
        cli_off = Measure(
            f"refresh, nothing changed: `index`, end to end, {UNWATCHED}", REFRESH_TARGET
        )
        cli1_off = Measure(f"refresh, 1 file changed: `index`, end to end, {UNWATCHED}")
        measures += [cli_off, cli1_off]
    if db is None:
        for m in measures:
            m.error = why
        return measures
    opens: list[float] = []
    scanned_by: dict[int, list[str]] = {}  # id(measure) -> who listed the files, each run

    def answered(measure: Measure, i: int, data: dict[str, Any]) -> None:
        if i > 0:
            scanned_by.setdefault(id(measure), []).append(str(data.get("scanned_by")))

    def cli_once(measure: Measure, env: dict[str, str] | None = None) -> Callable[[int], float]:
        def once(i: int) -> float:
            r = h.kzkb("index", "--kb", kb, "--index", db, "--format", "json", env=env)
            answered(measure, i, index_json(r).get("refresh") or {})
            return r.seconds

        return once

    def lib_once(measure: Measure) -> Callable[[int], float]:
        def once(i: int) -> float:
            data = in_process(h, kb, db)
            answered(measure, i, data)
            if i > 0:
                opens.append(float(data.get("open", 0.0)))
            return float(data["seconds"])

        return once

    def note_opens(measure: Measure) -> None:
        if opens:
            measure.notes.append(
                f"KnowledgeBase.open() as a whole: median {statistics.median(opens):.3f} s"
            )
        opens.clear()

    log(f"[{n}] refresh, nothing changed")
    h.repeated(cli, h.s.repeat, cli_once(cli), "CLI")
    h.repeated(lib, h.s.repeat, lib_once(lib), "in-process")
    note_opens(lib)

    log(f"[{n}] refresh, one file changed")
    with one_change_each_time(h, kb, db) as change:

        def changed(once: Callable[[int], float]) -> Callable[[int], float]:
            def wrapped(i: int) -> float:
                change()
                return once(i)

            return wrapped

        h.repeated(cli1, h.s.repeat, changed(cli_once(cli1)), "CLI")
        h.repeated(lib1, h.s.repeat, changed(lib_once(lib1)), "in-process")
        if watched:
            log(f"[{n}] refresh, {UNWATCHED}")
            h.repeated(cli1_off, h.s.repeat, changed(cli_once(cli1_off, h.unwatched)), "CLI")
    if watched:
        h.repeated(cli_off, h.s.repeat, cli_once(cli_off, h.unwatched), "CLI")
    note_opens(lib1)
    for m in measures:
        who = scanned_by.get(id(m))
        if who:
            counts = ", ".join(f"{v} {who.count(v)} of {len(who)}" for v in sorted(set(who)))
            m.notes.append(f"the file list came from (`scanned_by`): {counts} timed runs")
    return measures


@contextmanager
def one_change_each_time(h: Harness, kb: Path, db: Path) -> Iterator[Callable[[], None]]:
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
            r = h.kzkb("index", "--kb", kb, "--index", db, "--format", "json")
            if not r.ok:
                log(f"    restoring the index after the edits failed: {r.failure()}")
