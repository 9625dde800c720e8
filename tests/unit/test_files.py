"""kzkb.files.atomic_path, the one way kzkb writes a file for the user (exports,
lint --fix, new records): it keeps the identity of the file it replaces
(inode when hard-linked, owner, group, mode), refuses a read-only file, and
writes into a character device or FIFO instead of renaming over it.

These tests run as root in CI; the owner test gives the file to uid 12345.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from kzkb.files import atomic_path
from kzkb.model import KzkbError

ROOT = os.geteuid() == 0


def write(target: Path, data: bytes, force: bool = True) -> None:
    with atomic_path(target, force=force) as temp:
        Path(temp).write_bytes(data)


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --- replacing a regular file ----------------------------------------------------------------


def test_a_file_is_replaced_and_keeps_its_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path, {"out.json"}) == []


def test_a_hard_linked_file_is_written_through_its_inode(tmp_path):
    target, other = tmp_path / "a.md", tmp_path / "b.md"
    target.write_bytes(b"a much longer old text than the new one\n")
    os.link(target, other)
    inode = target.stat().st_ino
    write(target, b"new\n")
    assert target.stat().st_ino == inode
    assert target.stat().st_nlink == 2
    assert other.read_bytes() == b"new\n"
    assert leftovers(tmp_path, {"a.md", "b.md"}) == []


def test_a_failed_write_leaves_a_hard_linked_file_as_it_was(tmp_path):
    target, other = tmp_path / "a.md", tmp_path / "b.md"
    target.write_bytes(b"old\n")
    os.link(target, other)
    with pytest.raises(RuntimeError), atomic_path(target, force=True) as temp:
        Path(temp).write_bytes(b"half")
        raise RuntimeError("the writer failed")
    assert other.read_bytes() == b"old\n"
    assert leftovers(tmp_path, {"a.md", "b.md"}) == []


def test_a_read_only_file_is_refused(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"keep")
    target.chmod(0o444)
    with pytest.raises(KzkbError) as caught:
        write(target, b"new")
    assert "read-only" in caught.value.message
    assert "chmod" in caught.value.fix
    assert target.read_bytes() == b"keep"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert leftovers(tmp_path, {"out.json"}) == []


@pytest.mark.skipif(not ROOT, reason="giving a file to another user needs root")
def test_the_owner_and_group_of_a_replaced_file_stay(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    target.chmod(0o664)
    os.chown(target, 12345, 12346)
    write(target, b"new")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 12346, 0o664)
    assert target.read_bytes() == b"new"


def test_a_symbolic_link_to_a_file_is_refused(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(b"keep")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(KzkbError):
        write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"keep"


# --- devices and FIFOs -----------------------------------------------------------------------


def char_device(path: Path) -> Path:
    """A node for the null device (1, 3) where a test may break it."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


@pytest.mark.parametrize("force", [True, False])
def test_a_character_device_is_written_into_not_replaced(tmp_path, force):
    node = char_device(tmp_path / "null")
    write(node, b"exported", force=force)
    assert stat.S_ISCHR(node.lstat().st_mode)
    assert leftovers(tmp_path, {"null"}) == []


def test_dev_null_stays_a_device(tmp_path):
    before = os.lstat("/dev/null")
    write(Path("/dev/null"), b"exported", force=True)
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize("force", [True, False])
def test_a_fifo_is_written_into(tmp_path, force):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write(fifo, b"exported through a pipe\n", force=force)
    reader.join(timeout=10)
    assert got == [b"exported through a pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert leftovers(tmp_path, {"pipe"}) == []


def test_a_socket_is_refused(tmp_path):
    import socket

    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(KzkbError):
            write(path, b"x")
        assert stat.S_ISSOCK(path.lstat().st_mode)
    finally:
        server.close()


# --- export on the command line ------------------------------------------------------------


def test_export_to_dev_null_leaves_it_a_device(cli, kb_path):
    before = os.lstat("/dev/null")
    for extra in ([], ["--force"]):
        result = cli("export", "--kb", str(kb_path), "--format", "json", "-o", "/dev/null", *extra)
        assert result.returncode == 0, result.stderr
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
        assert os.lstat("/dev/null").st_ino == before.st_ino


def test_export_to_dev_stdout_writes_to_stdout(cli, kb_path):
    import json

    result = cli("export", "--kb", str(kb_path), "--format", "json", "-o", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["records"]


def test_export_into_a_fifo(cli, kb_path, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("export", "--kb", str(kb_path), "--format", "jsonl", "-o", str(fifo), "--force")
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0].count(b"\n") > 10


def test_export_over_a_read_only_file_is_one_line(cli, kb_path, tmp_path):
    target = tmp_path / "kb.json"
    target.write_bytes(b"keep")
    target.chmod(0o444)
    result = cli("export", "--kb", str(kb_path), "-o", str(target), "--force")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kzkb: error: "), result.stderr
    assert "read-only" in lines[0]
    assert target.read_bytes() == b"keep"
