"""Self-healing: logical damage to the index is damage, and is rebuilt.

The index is a cache of the KB. Damage SQLite itself reports (a page that is
not a page) was already rebuilt; damage it cannot see was not: a row whose
JSON does not parse, an FTS table emptied behind kzkb's back, a dropped
table. Each failed every command (or, for the FTS table, silently found
nothing) until `--rebuild`. Here each is made with sqlite3 directly, then
list, search and show must answer as on a whole index, exit 0, and say in
one line on stderr that the index was rebuilt.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kzkb.store.refresh import RACY_NS
from tests.helpers import clean_env, record, run_kzkb, write_kb

RECORDS = {
    "sources/alpha.md": record("Zorbex Foundation", "Keeps archives of court cases.",
                               tags='["archives"]'),
    "sources/beta.md": record("Plinthar Institute", "Publishes annual surveys [alpha](alpha.md)."),
    "guides/gamma.md": record("Marvolt Network", "Runs training for journalists."),
}  # fmt: skip

ALPHA = "(SELECT id FROM records WHERE path = 'sources/alpha.md')"

DAMAGE: dict[str, list[str]] = {
    "bad-json": [f"UPDATE record_data SET data = '{{\"path\": \"sources/al' WHERE id = {ALPHA}"],
    "json-of-another-shape": [f"UPDATE record_data SET data = '[1, 2]' WHERE id = {ALPHA}"],
    "json-missing-fields": [f"UPDATE record_data SET data = '{{}}' WHERE id = {ALPHA}"],
    "not-text": [f"UPDATE record_data SET data = x'ff00fe' WHERE id = {ALPHA}"],
    "emptied-fts": ["DELETE FROM fts"],
    "emptied-fts-shadow": ["DELETE FROM fts_data"],
    "dropped-records": ["DROP TABLE records"],
    "dropped-record-data": ["DROP TABLE record_data"],
    "dropped-files": ["DROP TABLE files"],
    "dropped-fts": ["DROP TABLE fts"],
    "dropped-terms": ["DROP TABLE record_terms"],
    "dropped-links": ["DROP TABLE links"],
    "dropped-meta": ["DROP TABLE meta"],
    "dropped-lexicon": ["DROP TABLE lexicon_first"],
}  # fmt: skip


@pytest.fixture
def kb(tmp_path: Path) -> tuple[Path, Path, Callable[..., subprocess.CompletedProcess[str]]]:
    root = write_kb(tmp_path / "kb", RECORDS)
    db = tmp_path / "index.sqlite"
    env = clean_env(tmp_path)

    def kz(*args: str) -> subprocess.CompletedProcess[str]:
        return run_kzkb(env, *args, "--kb", str(root), "--index", str(db))

    return root, db, kz


def damage(db: Path, statements: list[str]) -> None:
    con = sqlite3.connect(db)
    try:
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def answers(
    kz: Callable[..., subprocess.CompletedProcess[str]], command: str
) -> tuple[object, str]:
    """(the command's answer, its stderr); the command must succeed."""
    if command == "list":
        result = kz("list", "-f", "json")
        out: object = sorted(r["path"] for r in json.loads(result.stdout or "[]"))
    elif command == "search":
        result = kz("search", "Zorbex archives", "-f", "json")
        out = [r["path"] for r in json.loads(result.stdout or "[]")]
    else:
        result = kz("show", "sources/alpha.md", "-f", "json")
        shown = json.loads(result.stdout or "{}")
        out = (shown.get("title"), shown.get("path"))
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return out, result.stderr


EXPECTED = {
    "list": ["guides/gamma.md", "sources/alpha.md", "sources/beta.md"],
    "search": ["sources/alpha.md"],
    "show": ("Zorbex Foundation", "sources/alpha.md"),
}


@pytest.mark.parametrize("command", ["list", "search", "show"])
@pytest.mark.parametrize("how", list(DAMAGE))
def test_logical_damage_is_rebuilt_and_the_answer_is_right(kb, how, command):
    _root, db, kz = kb
    assert answers(kz, command)[0] == EXPECTED[command]
    answers(kz, "search")  # the lexicon is in the index too: have it written
    damage(db, DAMAGE[how])
    out, stderr = answers(kz, command)
    assert out == EXPECTED[command]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "rebuilt" in lines[0], stderr
    # rebuilt once: the next command says nothing
    out, stderr = answers(kz, command)
    assert out == EXPECTED[command]
    assert stderr.strip() == "", stderr


def test_an_emptied_fts_table_is_found_by_a_check_that_costs_nothing(kb):
    """The check on every command: one row of the FTS table's own statistics
    against the count kzkb wrote."""
    _root, db, kz = kb
    assert answers(kz, "list")[0] == EXPECTED["list"]
    damage(db, ["DELETE FROM fts"])
    out, stderr = answers(kz, "list")  # list reads no FTS: the check finds it
    assert out == EXPECTED["list"]
    assert "rebuilt" in stderr
    assert answers(kz, "search")[0] == EXPECTED["search"]


def test_a_busy_index_is_not_damage(kb):
    """A lock held by another process is waited for, never taken for damage:
    rebuilding would take the index from under that process."""
    _root, db, kz = kb
    # files written just now are read again by the next refresh (racy: see
    # kzkb.store.refresh), which must then wait for the writer: let them age
    time.sleep(RACY_NS / 1e9 + 0.2)
    assert answers(kz, "list")[0] == EXPECTED["list"]
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        result = kz("list", "-f", "json")  # reads beside the writer (WAL)
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert result.returncode == 0, result.stderr
    assert "rebuilt" not in result.stderr
