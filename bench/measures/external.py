"""check-links --external on a scratch KB of 1,000 links to bench/slow_server.py,
beside the same KB checked without --external."""

from __future__ import annotations

import json
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import generate
from bench.core import BENCH, Harness, Measure, MeasureFailed, SizeResult, Target, index_json, log
from bench.measures.links import check_exit, links_json
from bench.procs import Run

EXTERNAL_URLS = 1000  # distinct URLs in the external check's scratch KB
EXTERNAL_PER_RECORD = 10  # links per scratch record, so 100 records
EXTERNAL_PORTS = 8  # slow_server.py ports; kzkb allows 16 requests per (host, port)
EXTERNAL_DELAY = 0.05  # seconds slow_server.py waits before each answer
SLOW_SERVER = BENCH / "slow_server.py"
EXTERNAL_TARGET = Target("≤ 3 s", 3.0)


@contextmanager
def slow_server() -> Iterator[tuple[list[int], Callable[[], dict[str, int]]]]:
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


def external(h: Harness) -> SizeResult:
    """check-links --external on a scratch KB linking to a slow local server."""
    title = (
        f"External links: {EXTERNAL_URLS:,} URLs on a local server, "
        f"{EXTERNAL_DELAY * 1000:.0f} ms an answer"
    )
    ext = Measure(f"check-links --external, {EXTERNAL_URLS:,} URLs, end to end", EXTERNAL_TARGET)
    internal = Measure("check-links, internal only, same KB, end to end")
    result = SizeResult(EXTERNAL_URLS, Path("(temporary)"), title=title)
    result.measures += [ext, internal]
    log("[external] check-links --external")
    with tempfile.TemporaryDirectory(prefix="kzkb-bench-links-") as tmp:
        kb, db, cache = Path(tmp, "kb"), Path(tmp, "index.sqlite"), Path(tmp, "cache")
        env = dict(h.env, XDG_CACHE_HOME=str(cache))
        try:
            with slow_server() as (ports, stats):
                write_link_kb(kb, ports)
                records = len(list(kb.glob("documents/*.md")))
                result.kb_note = (
                    f"a scratch KB in a temporary folder: {records} records, "
                    f"{EXTERNAL_PER_RECORD} links each to `http://127.0.0.1:PORT/…`, "
                    f"spread over {len(ports)} ports of `bench/slow_server.py` "
                    f"(one process, delay {EXTERNAL_DELAY * 1000:.0f} ms)"
                )
                r = h.kzkb("index", "--kb", kb, "--index", db, "--format", "json", env=env)
                indexed = index_json(r)
                if indexed.get("records") != records:
                    ext.warn(f"index reports {indexed.get('records')} records, not {records}")
                external_runs(h, ext, internal, kb, db, env, stats)
        except MeasureFailed as exc:
            for m in result.measures:
                if m.error is None and not m.kzkb:
                    m.error = str(exc)
            log(f"    FAILED {exc}")
    return result


def external_runs(
    h: Harness,
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
        """The measure's premise: every URL fetched, nothing found wrong."""
        data = links_json(r)
        check_exit(m, i, r, data)
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
        r = h.kzkb(
            "check-links", "--external", "--allow-private", "--cache-ttl", "0",
            "--kb", kb, "--index", db, "--format", "json", env=env,
        )  # fmt: skip
        check(ext, i, r, EXTERNAL_URLS)
        after = stats()
        if i > 0:
            requests.append({k: after[k] - before.get(k, 0) for k in after})
            cpu[0][1].append(r.cpu_seconds)
        return r.seconds

    def internal_once(i: int) -> float:
        r = h.kzkb("check-links", "--kb", kb, "--index", db, "--format", "json", env=env)
        check(internal, i, r, 0)
        if i > 0:
            cpu[1][1].append(r.cpu_seconds)
        return r.seconds

    h.repeated(ext, h.s.repeat, ext_once, "kzkb check-links --external")
    h.repeated(internal, h.s.repeat, internal_once, "kzkb check-links (internal)")
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
