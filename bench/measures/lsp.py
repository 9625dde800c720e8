"""The language server: diagnostics after an unsaved edit (bench/lsp_latency.py)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bench.core import BENCH, Harness, Measure, Target, log

LSP_TARGET = Target("≤ 0.2 s", 0.2)
LSP_SIZE = 10_000  # the KB for this row


def lsp(h: Harness, n: int, kb: Path) -> Measure:
    """didChange -> publishDiagnostics of that version, per edit: `kzkb lsp`
    over stdio, run by bench/lsp_latency.py in kzkb's Python (it needs
    pygls), on this size's KB; the median over the edits."""
    m = Measure("`kzkb lsp`: diagnostics after an unsaved edit, end to end", LSP_TARGET)
    edits = max(10, 4 * h.s.repeat)
    log(f"[{n}] kzkb lsp, {edits} edits")
    argv = [h.s.python, BENCH / "lsp_latency.py", "--use-kb", kb, "--edits", str(edits), "--json"]
    r = h.run(argv)
    try:
        figures = json.loads(r.stdout.strip().splitlines()[-1]) if r.ok else None
    except (ValueError, IndexError):
        figures = None
    if not isinstance(figures, dict):
        m.error = r.failure() if not r.ok else f"lsp_latency.py printed {r.stdout[:120]!r}"
        log(f"    FAILED {m.error}")
        return m
    m.kzkb = [float(x) for x in figures["latencies"]]
    m.notes.append(
        f"{len(m.kzkb)} edits (a broken link added, then removed, 0.3 s apart); "
        f"p95 {figures['p95']:.3f} s, max {max(m.kzkb):.3f} s; the server's 50 ms debounce "
        f"counts; open -> first diagnostics {figures['first']:.3f} s; the index was built "
        f"beforehand by `kzkb index` in {figures['indexed']:.1f} s"
    )
    log(f"    median {statistics.median(m.kzkb):.3f} s")
    return m
