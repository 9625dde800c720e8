"""A file is read whole by os.read, however its size changes between the
stat that sized the read and the read itself: the bytes are the file's,
and a file that grew past the limit is refused, as a buffered read of the
limit plus one byte did."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kzkb.parse import source
from kzkb.parse.source import read_source


@pytest.mark.parametrize("size", [0, 1, 4095, 2**16, 2**16 + 1, 3 * 2**16 + 7])
def test_a_file_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    (tmp_path / "a.md").write_bytes(data)
    got = read_source(str(tmp_path / "a.md"), "a.md", str(tmp_path), 2**20)
    assert got.skipped is None and got.data == data and got.size == size


def _stale_fstat(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """lstat and fstat report `size`: the file changed after they looked."""
    for name in ("lstat", "fstat"):
        real = getattr(os, name)

        def stale(path: object, real=real) -> os.stat_result:  # type: ignore[no-untyped-def]
            st = real(path)
            return os.stat_result((*st[:6], size, *st[7:]))

        monkeypatch.setattr(source.os, name, stale)


def test_a_file_that_grew_after_its_stat_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"---\ntitle: x\n---\n" + b"grown " * 30_000
    (tmp_path / "a.md").write_bytes(data)
    _stale_fstat(monkeypatch, 10)
    got = read_source(str(tmp_path / "a.md"), "a.md", str(tmp_path), 2**20)
    assert got.skipped is None and got.data == data


def test_a_file_that_grew_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_bytes(b"x" * 5000)
    _stale_fstat(monkeypatch, 100)
    got = read_source(str(tmp_path / "a.md"), "a.md", str(tmp_path), 1000)
    assert got.data is None and got.skipped is not None
    assert "1,001 bytes is more than the 1,000 bytes" in got.skipped.reason


def test_a_file_that_shrank_is_read_as_it_is_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_bytes(b"short")
    _stale_fstat(monkeypatch, 900)
    got = read_source(str(tmp_path / "a.md"), "a.md", str(tmp_path), 1000)
    assert got.data == b"short"


def test_every_file_opened_is_closed(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"x" * 100)
    (tmp_path / "big.md").write_bytes(b"x" * 100)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    if before is None:
        pytest.skip("no /proc/self/fd to count open files by")
    for _ in range(50):
        read_source(str(tmp_path / "a.md"), "a.md", str(tmp_path), 1000)
        read_source(str(tmp_path / "big.md"), "big.md", str(tmp_path), 10)
    assert len(os.listdir("/proc/self/fd")) == before
