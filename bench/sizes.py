"""One size: its KB, index and watcher, and the measures --only asks for, in order."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.core import WATCH_FROM, Harness, SizeResult
from bench.measures.cold import cold_index
from bench.measures.export import export
from bench.measures.links import check_links
from bench.measures.lsp import LSP_SIZE, lsp
from bench.measures.profile import profile, profile_size
from bench.measures.refresh import refresh
from bench.measures.search import search
from bench.measures.version import version

LONG_BODIES = 4  # the long-bodies corpus: bodies this many times longer


def measure_size(h: Harness, n: int) -> SizeResult:
    kb, note = h.ensure_kb(n)
    result = SizeResult(n, kb, note)
    parts = h.s.parts
    db: Path | None = None
    why: str | None = None
    if "index" in parts:
        db = cold_index(h, n, kb, result)
    if "long" in parts and n == max(h.s.sizes):  # the second corpus, at the top size
        long_kb, _ = h.ensure_kb(n, LONG_BODIES)
        cold_index(h, n, long_kb, result, LONG_BODIES)
    if h.s.profile and n == profile_size(h.s.sizes):
        result.profiles.append(profile(h, n, kb, "bench's records"))
        long_kb, _ = h.ensure_kb(n, LONG_BODIES)
        result.profiles.append(profile(h, n, long_kb, f"bodies ×{LONG_BODIES}"))
    if {"refresh", "search", "links", "export"} & set(parts) and db is None:
        db, why = h.prepare_db(n, kb)  # also when --rebuild failed: try a plain refresh
    watched = n >= WATCH_FROM and db is not None and h.start_watcher(n, kb)
    if "refresh" in parts:
        result.measures += refresh(h, n, kb, db, why)
    if "search" in parts:
        measures, result.searches = search(h, n, kb, db, why)
        result.measures += measures
    if "links" in parts:
        result.measures.append(check_links(h, n, kb, db, why))
        if watched:
            result.measures.append(check_links(h, n, kb, db, why, h.unwatched))
    if "export" in parts:
        result.measures += export(h, n, kb, db, why)
    if "version" in parts:
        result.measures.append(version(h, n))
    if "lsp" in parts and n == LSP_SIZE:
        result.measures.append(lsp(h, n, kb))
    if watched:
        h.kzkb("watcher", "stop", "--kb", kb)
    if not h.s.keep:
        shutil.rmtree(kb, ignore_errors=True)
        shutil.rmtree(h.s.out_dir / f"idx-{n}", ignore_errors=True)
    else:  # keep the index the measures used; drop leftovers of interrupted runs
        for stale in h.index_dir(n).glob("cold-*.sqlite*"):
            stale.unlink(missing_ok=True)
    return result
