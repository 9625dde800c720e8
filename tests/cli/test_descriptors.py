"""A command run in-process (the library's users, the language server, the
tests) gives back every file it opened: the index's SQLite connection and its
-wal file stayed open after each run, and a long-lived process ran out of
descriptors (past 1,024, select() refuses them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kzkb.kb import KnowledgeBase
from tests.helpers import record, write_kb


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    return write_kb(
        tmp_path / "kb",
        {"a.md": record("Alpha", "[b](/b/)"), "b.md": record("Beta")},
    )


def test_commands_run_in_process_leave_no_descriptor_open(run, small_kb, tmp_path):
    index = str(tmp_path / "index.db")
    for args in (["list"], ["search", "alpha"], ["show", "a"], ["check-links"], ["stats"]):
        run(*args, "--kb", str(small_kb), "--index", index)  # warm: imports, caches
    before = _open_descriptors()
    for _ in range(20):
        for args in (["list"], ["search", "alpha"], ["show", "a"], ["check-links"], ["stats"]):
            result = run(*args, "--kb", str(small_kb), "--index", index)
            assert result.exit_code == 0, result.output
    assert _open_descriptors() - before < 5


def test_a_knowledge_base_closes_as_a_context_manager(small_kb, tmp_path):
    index = tmp_path / "index.db"
    KnowledgeBase.open(small_kb, index_path=index).close()  # warm
    before = _open_descriptors()
    for _ in range(30):
        with KnowledgeBase.open(small_kb, index_path=index) as base:
            assert [r.title for r in base.list()] == ["Alpha", "Beta"]
    assert _open_descriptors() - before < 3
