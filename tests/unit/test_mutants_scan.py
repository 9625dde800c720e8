"""The listing and the read of a file (kzkb.listing.scan, kzkb.parse.source)
where mutants of the mutation run (README, Development) passed every test:
the fingerprint that lets a refresh skip an unchanged KB (one hashing
nothing passed: the tests edit within the racy window, where files are read
anyway, so a later edit would have gone unseen), a file whose name needs
escaping (listed under None, or not at all), and a file the system will not
even look at (its reason lost).
"""

from __future__ import annotations

import os
from pathlib import Path

from kzkb.listing.scan import fingerprint, name_key, scan, stat_key
from kzkb.model import Skipped
from kzkb.parse.source import Source, read_source


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


def test_a_file_whose_name_needs_escaping_is_listed_by_its_key(tmp_path: Path) -> None:
    # listed (then reported, never read) under the key lint and list show
    name = "new\nline.md"
    (tmp_path / name).write_text("---\ntitle: X\n---\n", "utf-8")
    (tmp_path / "a.md").write_text("---\ntitle: A\n---\n", "utf-8")
    assert scan(tmp_path) == {
        "a.md": stat_key(os.lstat(tmp_path / "a.md")),
        name_key(name): stat_key(os.lstat(tmp_path / name)),
    }


def test_a_file_that_cannot_be_looked_at_is_skipped_with_the_system_s_reason(
    tmp_path: Path,
) -> None:
    # a name longer than the file system takes (ENAMETOOLONG), not "gone"
    full = str(tmp_path / ("x" * 300 + ".md"))
    assert read_source(full, "x.md", str(tmp_path), 10**6) == Source(
        None, 0, 0, Skipped("x.md", 1, "cannot read: File name too long")
    )


def test_a_link_out_of_the_kb_is_skipped_with_the_link_s_own_stat(tmp_path: Path) -> None:
    # the link's own mtime and size are what a refresh compares to notice
    # it was changed; the file it points to is never read
    kb, outside = tmp_path / "kb", tmp_path / "kb-private"
    kb.mkdir()
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: S\n---\n", "utf-8")
    link = kb / "a.md"
    link.symlink_to(outside / "secret.md")
    st = os.lstat(link)
    reason = "symbolic link to a file outside the KB: not followed"
    assert read_source(str(link), "a.md", str(kb), 10**6) == Source(
        None, st.st_mtime_ns, st.st_size, Skipped("a.md", 1, reason)
    )


def test_a_file_gone_since_the_listing_is_skipped_as_gone(tmp_path: Path) -> None:
    full = str(tmp_path / "a.md")
    assert read_source(full, "a.md", str(tmp_path), 10**6) == Source(
        None, 0, 0, Skipped("a.md", 1, "cannot read: the file is gone")
    )


def test_a_file_listed_by_its_escaped_name_is_skipped_with_why(tmp_path: Path) -> None:
    # the listing gave the key, which names no file: the file it stands for
    # is found and its name is the reason, not "gone"
    name = "new\nline.md"
    (tmp_path / name).write_text("---\ntitle: X\n---\n", "utf-8")
    st = os.lstat(tmp_path / name)
    key = name_key(name)
    reason = "the file name holds a line break or a control character: rename the file"
    assert read_source(str(tmp_path / key), key, str(tmp_path), 10**6) == Source(
        None, st.st_mtime_ns, st.st_size, Skipped(key, 1, reason)
    )
