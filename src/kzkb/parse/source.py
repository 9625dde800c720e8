"""One file of the KB read safely, and its bytes decoded to text."""

from __future__ import annotations

import os
import stat as stat_
import unicodedata
from typing import NamedTuple

from kzkb.listing.scan import name_problem
from kzkb.model import Skipped


def decode(data: bytes, path: str) -> str | Skipped:
    """A file's text as the loader reads it (UTF-8, NFC, \\n line ends), or
    why it has none: Hugo would fail on it, or render mojibake."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return Skipped(path, line, "binary file (NUL byte): not a text file")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Skipped(
            path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8"
        )
    return as_loaded(text)


def as_loaded(text: str) -> str:
    """Decoded text as the loader reads it: NFC, \\n line ends, no leading
    byte-order mark (lint, which edits the text as written, asks the loader
    about this)."""
    text = text.removeprefix("\ufeff")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    """A reason as one line of plain text: it is printed as `path:line: reason`
    and in workflow annotations, where a line break or an escape code from a
    file (a YAML error quotes the text it stopped at) must not forge a line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


class Source(NamedTuple):
    """What reading one file of the KB gave: its bytes, or why it was not
    read; and its mtime and size, as the change scan lists them."""

    data: bytes | None
    mtime_ns: int
    size: int
    skipped: Skipped | None = None


def read_source(full: str, relpath: str, content_dir: str, max_size: int) -> Source:
    """The bytes of a file the change scan listed, read as safely as a file
    from anyone may be: nothing over `max_size` bytes (from its stat, before
    a byte is read), nothing but a regular file (a FIFO named x.md would
    block the read), and through a symbolic link only to a file inside the
    KB (the scan checked that, but the link may have changed since)."""

    try:
        st = os.lstat(full)
    except (FileNotFoundError, NotADirectoryError):
        # a name that is not UTF-8 or holds a line break is listed escaped
        problem = name_problem(content_dir, relpath)
        if problem is None:
            return Source(None, 0, 0, Skipped(relpath, 1, "cannot read: the file is gone"))
        reason, st = problem
        return Source(None, st.st_mtime_ns, st.st_size, Skipped(relpath, 1, reason))
    except OSError as exc:
        return Source(None, 0, 0, Skipped(relpath, 1, f"cannot read: {exc.strerror or exc}"))
    path = full
    if stat_.S_ISLNK(st.st_mode):
        path = os.path.realpath(full)
        if not path.startswith(os.path.realpath(content_dir) + os.sep):
            reason = "symbolic link to a file outside the KB: not followed"
            return Source(None, st.st_mtime_ns, st.st_size, Skipped(relpath, 1, reason))
        try:
            st = os.stat(path)
        except OSError as exc:
            reason = f"symbolic link not followed: {exc.strerror or exc}"
            return Source(None, st.st_mtime_ns, st.st_size, Skipped(relpath, 1, reason))

    def refuse(st: os.stat_result) -> Skipped | None:
        if not stat_.S_ISREG(st.st_mode):
            return Skipped(relpath, 1, "not a regular file (a FIFO, a device?): not read")
        if st.st_size > max_size:
            return Skipped(relpath, 1, too_big(st.st_size, max_size))
        return None

    skipped = refuse(st)
    if skipped is None:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
            try:
                st = os.fstat(fd)  # the file opened, which may not be the one looked at
                skipped = refuse(st)
                if skipped is None:
                    data = _read_all(fd, st.st_size, max_size)
                    if len(data) > max_size:  # it grew since
                        skipped = Skipped(relpath, 1, too_big(len(data), max_size))
                    else:
                        return Source(data, st.st_mtime_ns, st.st_size)
            finally:
                os.close(fd)
        except OSError as exc:
            skipped = Skipped(relpath, 1, f"cannot read: {exc.strerror or exc}")
    return Source(None, st.st_mtime_ns, st.st_size, skipped)


def _read_all(fd: int, size: int, max_size: int) -> bytes:
    """The file's bytes to its end, or the first max_size + 1 of them. Read
    by os.read, asked for its size (and one byte more, to see a file that
    grew): a buffered file's read(max_size + 1) maps and unmaps a buffer of
    max_size bytes for every file, and asks if it is a terminal (43 -> 11 us
    a file)."""
    limit = max_size + 1
    chunks = []
    total = 0
    want = min(size + 1, limit)
    while total < limit:
        chunk = os.read(fd, min(want, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = 2**16
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def too_big(size: int, limit: int) -> str:
    return (
        f"{_megabytes(size)} is more than the {_megabytes(limit)} a record may be: not read"
        f" (raise [index] max_file_size in kzkb.toml to index it)"
    )


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size:,} bytes"
