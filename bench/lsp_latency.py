#!/usr/bin/env python3
"""How long `kzkb lsp` takes to answer a keystroke with diagnostics, on a
10,000-record KB (the issue's target: 0.2 s).

    python bench/lsp_latency.py [--records N] [--edits E] [--kb DIR] [--use-kb KB] [--json]

Generates the KB with bench/generate.py (kept in DIR between runs; its
marker says it is complete), starts `python -m kzkb lsp` over stdio with its
index in a fresh cache folder, opens a guide and sends E unsaved edits
(didChange, the whole text), every other one adding a broken link and the
next removing it, 0.3 s apart as a curator types and pauses. For each it
times didChange -> the publishDiagnostics of that version, and checks the
answer (one broken link, or none). The server's debounce (50 ms of quiet
before it checks) is part of each figure, as an editor sees it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

HERE = Path(__file__).resolve().parent
MARKER = ".kzkb-bench.json"


def make_kb(folder: Path, records: int) -> Path:
    if not (folder / MARKER).exists():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(folder), str(records), "--force"],
            check=True,
        )
    return folder


async def run(kb: Path, edits: int, cache: Path) -> tuple[float, float, list[float]]:
    """(seconds to the first diagnostics, of which the index build, per-edit latencies)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("KZKB_INDEX", None)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kzkb", "index", "--kb", str(kb)],
        env=env,
        check=True,
        capture_output=True,
    )
    indexed = time.perf_counter() - started

    client = LanguageClient("lsp-latency", "1")
    arrived: dict[int, tuple[float, list[t.Diagnostic]]] = {}
    event = asyncio.Event()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: t.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            # the first answer for the version: a later one only follows a change on disk
            arrived.setdefault(params.version, (time.perf_counter(), list(params.diagnostics)))
            event.set()

    async def answer(version: int, timeout: float = 60.0) -> tuple[float, list[t.Diagnostic]]:
        end = time.perf_counter() + timeout
        while version not in arrived:
            event.clear()
            left = end - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"no diagnostics for version {version}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
        return arrived[version]

    await client.start_io(sys.executable, "-m", "kzkb", "lsp", env=env)
    root = from_fs_path(str(kb))
    await client.initialize_async(
        t.InitializeParams(capabilities=t.ClientCapabilities(), root_uri=root)
    )
    client.initialized(t.InitializedParams())

    guide = sorted((kb / "guides").glob("*.md"))[0]
    uri = from_fs_path(str(guide))
    assert uri is not None
    text = guide.read_text(encoding="utf-8")
    sent = time.perf_counter()
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "markdown", 1, text))
    )
    first = (await answer(1))[0] - sent
    baseline = len(arrived[1][1])

    latencies: list[float] = []
    broken = "\n\nSee [this](/sources/sources/no-such-page-{}/).\n"
    for i in range(edits):
        version = i + 2
        body = text + (broken.format(i) if i % 2 == 0 else "")
        sent = time.perf_counter()
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version, uri),
                [t.TextDocumentContentChangeWholeDocument(body)],
            )
        )
        at, diagnostics = await answer(version)
        latencies.append(at - sent)
        want = baseline + (1 if i % 2 == 0 else 0)
        if len(diagnostics) != want:
            raise SystemExit(f"edit {i}: {len(diagnostics)} diagnostics, expected {want}")
        await asyncio.sleep(0.3)

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return first, indexed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--kb", type=Path, default=Path(tempfile.gettempdir()) / "kzkb-lsp-bench")
    parser.add_argument(
        "--use-kb", type=Path, default=None, help="a KB bench/generate.py made, as it is"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    kb = args.use_kb or make_kb(args.kb / f"kb{args.records}", args.records)
    with tempfile.TemporaryDirectory() as cache:
        first, indexed, latencies = asyncio.run(run(kb, args.edits, Path(cache)))
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    if args.json:  # for bench/run.py's row
        figures = {"indexed": indexed, "first": first, "latencies": latencies, "p95": p95}
        print(json.dumps(figures))
        return
    print(f"kzkb lsp on {args.records:,} records, {len(latencies)} unsaved edits")
    print(f"  index built beforehand (kzkb index): {indexed:.2f} s")
    print(f"  open -> first diagnostics:           {first:.3f} s (the KB's catalog read once)")
    print(f"  didChange -> publishDiagnostics:     median {statistics.median(latencies):.3f} s,"
          f" p95 {p95:.3f} s, max {ordered[-1]:.3f} s (target 0.2 s)")  # fmt: skip


if __name__ == "__main__":
    main()
