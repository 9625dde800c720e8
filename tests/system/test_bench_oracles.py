"""What the benchmark's numbers rest on, at 10,000 generated records.

A fast refresh that misses a change, a check-links that misses a broken link or
an export that drops records would be no result, so these checks (once part of
bench/run.py) run here on a KB made by bench/generate.py: the index holds every
record, a refresh counts exactly the change made, check-links reports exactly
the broken links the generator wrote, and export writes one JSON line or one
CSV row per record.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import kzkb_exe
from tests.system.e2e_kb import generator

N = 10_000
# generate.py writes a broken link only as a source that does not exist (its
# Generator._link); every other internal link it writes resolves
BROKEN_LINK = re.compile(r"\]\((/sources/sources/missing_\d+/)\)")
BROKEN_TARGET = re.compile(r"^/sources/sources/missing_\d+/$")
TIMEOUT = 600  # seconds: a 10,000-record cold index on a loaded 2-core machine


def kzkb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The installed kzkb, without a watcher and without the caller's KB settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env.update(KZKB_WATCH="off", NO_COLOR="1")
    return subprocess.run(
        [*kzkb_exe(), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def json_of(done: subprocess.CompletedProcess[str], *codes: int) -> Any:
    assert done.returncode in (codes or (0,)), done.stderr[-2000:]
    return json.loads(done.stdout)


@dataclass(frozen=True)
class Generated:
    kb: Path
    db: Path
    marker: dict[str, Any]
    rebuild: dict[str, Any]  # what `kzkb index --rebuild --format json` printed


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    tmp = tmp_path_factory.mktemp("bench-oracles")
    kb, db = tmp / "kb", tmp / "index.sqlite"
    gen = generator()
    gen.generate(kb, N)
    marker = json.loads((kb / gen.MARKER).read_text(encoding="utf-8"))
    rebuild = json_of(kzkb("index", "--kb", kb, "--index", db, "--rebuild", "--format", "json"))
    return Generated(kb, db, marker, rebuild)


def refresh_counts(generated: Generated) -> dict[str, int]:
    data = json_of(kzkb("index", "--kb", generated.kb, "--index", generated.db, "-f", "json"))
    refresh = data["refresh"]
    return {k: refresh[k] for k in ("added", "changed", "removed", "unchanged")}


@pytest.fixture
def edited(generated: Generated) -> Iterator[list[Path]]:
    """Source records a test may append to; restored, and the index refreshed, after."""
    folder = generated.kb / "sources" / "sources"
    files = sorted(p for p in folder.glob("*.md") if p.name != "_index.md")
    picked = [files[7919 % len(files)], files[2 * 7919 % len(files)]]
    originals = {p: p.read_bytes() for p in picked}
    yield picked
    for path, data in originals.items():
        path.write_bytes(data)
    refresh_counts(generated)


def append_word(path: Path, word: str) -> None:
    with open(path, "ab") as fh:
        fh.write(f"\n{word}\n".encode())
    os.utime(path)  # mtime is now, whatever the file system's rounding


def test_the_generator_wrote_n_records(generated: Generated) -> None:
    assert generated.marker["n"] == N
    assert len(list(generated.kb.rglob("*.md"))) == N


def test_rebuild_indexes_and_adds_every_record(generated: Generated) -> None:
    assert generated.rebuild["records"] == N
    assert generated.rebuild["refresh"]["added"] == N
    assert not generated.rebuild.get("skipped")


def test_refresh_with_nothing_changed_changes_nothing(generated: Generated) -> None:
    assert refresh_counts(generated) == {"added": 0, "changed": 0, "removed": 0, "unchanged": N}


def test_one_changed_file_is_one_change(generated: Generated, edited: list[Path]) -> None:
    append_word(edited[0], "benchmarkedit1")
    assert refresh_counts(generated) == {
        "added": 0,
        "changed": 1,
        "removed": 0,
        "unchanged": N - 1,
    }


def test_one_changed_file_is_one_change_in_process(
    generated: Generated, edited: list[Path]
) -> None:
    from kzkb.kb import KnowledgeBase

    append_word(edited[1], "benchmarkedit2")
    stats = KnowledgeBase.open(generated.kb, index_path=generated.db, rebuild=False).last_refresh
    assert (stats.added, stats.changed, stats.removed, stats.unchanged) == (0, 1, 0, N - 1)


def written_broken_links(kb: Path) -> set[tuple[str, int, str]]:
    """(path in the KB, line, target) of every broken link the generator wrote."""
    found = set()
    for path in kb.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.split("\n"), 1):
            for m in BROKEN_LINK.finditer(line):
                found.add((path.relative_to(kb).as_posix(), number, m.group(1)))
    return found


def test_check_links_reports_exactly_the_generated_broken_links(generated: Generated) -> None:
    kb = generated.kb
    data = json_of(kzkb("check-links", "--kb", kb, "--index", generated.db, "-f", "json"), 1)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert data["summary"]["records"] == N
    assert data["summary"]["errors"] == len(errors)
    alarms = [f for f in errors if not BROKEN_TARGET.match(f["target"])]
    assert alarms == [], "errors on links the generator wrote as valid"
    reported = {
        (Path(f["file"]).resolve().relative_to(kb.resolve()).as_posix(), f["line"], f["target"])
        for f in errors
    }
    written = written_broken_links(kb)
    assert len(written) == generated.marker["broken_links"] > 0
    assert reported == written


def export(generated: Generated, fmt: str) -> Path:
    out = generated.db.parent / f"export.{fmt}"
    done = kzkb(
        "export", "--kb", generated.kb, "--index", generated.db,
        "--format", fmt, "-o", out, "--force",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_export_jsonl_has_one_json_object_a_record(generated: Generated) -> None:
    paths = []
    with open(export(generated, "jsonl"), "rb") as fh:
        for line in fh:
            row = json.loads(line)
            assert isinstance(row, dict)
            paths.append(row["path"])
    assert len(paths) == N
    assert len(set(paths)) == N


def test_export_csv_has_one_row_a_record(generated: Generated) -> None:
    csv.field_size_limit(2**31 - 1)  # bodies are single fields
    with open(export(generated, "csv"), newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, strict=True)
        header = next(reader)
        rows = list(reader)
    assert len(rows) == N
    assert {len(row) for row in rows} == {len(header)}
    column = header.index("path")
    assert len({row[column] for row in rows}) == N
