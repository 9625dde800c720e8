"""Which Markdown files a KB holds, with their mtimes and sizes.

This runs before every command, so it does the least a change check can:
one directory listing per folder and one stat per file. It imports nothing
heavy, so the command line can start it before anything else (see prescan).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import marshal
import os
import stat
from pathlib import Path

MARKDOWN_SUFFIXES = (".md", ".markdown")

# Stat in two processes from this many files on: stat is a system call the
# kernel serves in parallel, and at 100,000 files it is most of a refresh.
PARALLEL_SCAN_FROM = 20_000


def scan(root: Path | str, symlinks: list[str] | None = None) -> dict[str, tuple[int, int]]:
    """{relative path: (mtime_ns, size)} of the KB's Markdown files.

    Hidden entries are skipped; symbolic links are followed only to files
    inside the KB, so a link loop or a link out of the KB cannot pull in
    foreign files. The paths of all links to Markdown files, followed or not,
    are added to `symlinks`.
    """
    root_str = str(root)
    folders: list[str] = []
    prefixes: list[str] = []
    items: list[tuple[int, str]] = []  # (folder number, file name)
    linked: list[tuple[str, str]] = []
    stack = [(root_str, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        number = len(folders)
        folders.append(folder)
        prefixes.append(prefix)
        with listing:
            for entry in listing:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    # the file type comes with the listing: no stat here
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{prefix}{name}/"))
                    elif name.lower().endswith(MARKDOWN_SUFFIXES):
                        if entry.is_symlink():
                            linked.append((entry.path, prefix + name))
                        else:
                            items.append((number, name))
                except OSError:
                    continue
    stats = _stat_all(folders, items)
    out = {
        prefixes[number] + name: st
        for (number, name), st in zip(items, stats, strict=True)
        if st is not None
    }
    if linked:
        root_real = os.path.realpath(root_str)
        for full, rel in linked:
            if symlinks is not None:
                symlinks.append(rel)
            real = os.path.realpath(full)
            if real.startswith(root_real + os.sep) and os.path.isfile(real):
                with contextlib.suppress(OSError):
                    st = os.stat(real)
                    out[rel] = (st.st_mtime_ns, st.st_size)
    return out


_REGULAR = stat.S_IFREG
_BY_FOLDER = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


def _stat_part(
    folders: list[str], items: list[tuple[int, str]], start: int, step: int
) -> list[tuple[int, int] | None]:
    """(mtime_ns, size) of every step-th item from start; None for what is
    gone since the listing or is not a regular file (a FIFO would block a
    read). Names are looked up relative to their open folder: one path
    component for the kernel to resolve instead of the whole path."""
    out: list[tuple[int, int] | None] = []
    append = out.append
    lstat = os.stat
    current, fd = -1, -1
    try:
        for number, name in itertools.islice(items, start, None, step):
            try:
                if not _BY_FOLDER:
                    st = lstat(os.path.join(folders[number], name), follow_symlinks=False)
                else:
                    if number != current:
                        if fd >= 0:
                            os.close(fd)
                            fd = -1
                        current = number
                        fd = os.open(folders[number], os.O_RDONLY | os.O_DIRECTORY)
                    st = lstat(name, dir_fd=fd, follow_symlinks=False)
            except OSError:
                append(None)
                continue
            append((st.st_mtime_ns, st.st_size) if st.st_mode & 0o170000 == _REGULAR else None)
    finally:
        if fd >= 0:
            os.close(fd)
    return out


def _stat_all(folders: list[str], items: list[tuple[int, str]]) -> list[tuple[int, int] | None]:
    """_stat_part of every item; half of them by a forked child when there
    are many."""
    import threading

    if (
        len(items) < PARALLEL_SCAN_FROM
        or not hasattr(os, "fork")
        or threading.active_count() > 1  # fork is only safe single-threaded
    ):
        return _stat_part(folders, items, 0, 1)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: stat the odd half, send it, leave at once
        try:
            import signal

            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.close(read_end)
            with open(write_end, "wb") as pipe:
                pipe.write(marshal.dumps(_stat_part(folders, items, 1, 2)))
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        mine = _stat_part(folders, items, 0, 2)
        with open(read_end, "rb") as pipe:
            data = pipe.read()
    finally:
        os.waitpid(pid, 0)
    try:
        theirs = marshal.loads(data)
        if len(theirs) != len(items) // 2:
            raise ValueError("short answer")
    except (ValueError, EOFError, TypeError):
        theirs = _stat_part(folders, items, 1, 2)  # the child died: do its half here
    out: list[tuple[int, int] | None] = [None] * len(items)
    out[0::2] = mine
    out[1::2] = theirs
    return out


def fingerprint(on_disk: dict[str, tuple[int, int]]) -> str:
    """One digest of every file's path, mtime and size: equal digests mean
    nothing to refresh, without reading the files table.

    It follows the listing order, which is the same for unchanged folders;
    should a file system reorder a listing, the digest differs and the
    refresh merely compares file by file.
    """
    return hashlib.blake2b(marshal.dumps(on_disk), digest_size=16).hexdigest()
