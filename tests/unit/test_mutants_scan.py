"""The listing's fingerprint (kzkb.listing.scan), which lets a refresh skip a
KB whose files did not change. A mutant hashing nothing passed every test of
the mutation run (README, Development): the tests edit files within the
racy window, where they are read anyway, so an edit made later would have
gone unseen.
"""

from __future__ import annotations

import os
from pathlib import Path

from kzkb.listing.scan import fingerprint, scan


def _write(path: Path, text: str, mtime: int) -> None:
    path.write_text(text, "utf-8")
    os.utime(path, (mtime, mtime))


def test_the_fingerprint_changes_with_any_file_and_only_then(tmp_path: Path) -> None:
    _write(tmp_path / "a.md", "---\ntitle: A\n---\n", 1_000_000_000)
    first = fingerprint(scan(tmp_path))
    assert fingerprint(scan(tmp_path)) == first
    _write(tmp_path / "a.md", "---\ntitle: AB\n---\n", 1_000_000_000)  # size only
    edited = fingerprint(scan(tmp_path))
    assert edited != first
    _write(tmp_path / "b.md", "---\ntitle: B\n---\n", 1_000_000_000)
    assert fingerprint(scan(tmp_path)) not in (first, edited)
