"""Which content files (Markdown, HTML) a KB holds, with what tells a
changed file (see stat_key).

This runs before every command, so it does the least a change check can:
one directory listing per folder and one stat per file. It imports nothing
heavy, so the command line can start it before anything else (see prescan).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from kzkb.files import CONTENT_SUFFIXES

# Stat in two processes from this many files on: stat is a system call the
# kernel serves in parallel, and at 100,000 files it is most of a refresh.
PARALLEL_SCAN_FROM = 20_000

Entry = tuple[int, int, int, int]  # (mtime_ns, size, ctime_ns, inode): see stat_key


def stat_key(st: os.stat_result) -> Entry:
    """What a listing holds of a file: an edit changes at least one of these.

    The mtime and the size alone miss an edit that keeps the size and puts
    the old mtime back (`cp -p`, `rsync -t`, `tar x`, `touch -r`): os.utime
    can set the mtime, but every change of content or of the mtime moves the
    ctime, which no one can set, and a file replaced by another has another
    inode. An edit within the file system's timestamp granularity of the
    moment the file was read changes none of them: the refresh reads such
    "racy" files once more (see kzkb.store.refresh).
    """
    return (st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino)


def scan(root: Path | str, symlinks: list[str] | None = None) -> dict[str, Entry]:
    """{relative path: stat_key} of the KB's content files (files.CONTENT_SUFFIXES).

    Hidden entries are skipped; symbolic links are followed only to files
    inside the KB, so a link loop or a link out of the KB cannot pull in
    foreign files. The paths of all links to content files, followed or not,
    are added to `symlinks`.

    A path that is not UTF-8, or holds a line break or another control
    character, is listed escaped (see name_key): it is then text every
    command can store and print on one line, and the loader reports the file
    instead of reading it.
    """
    root_str = str(root)
    listed = _list(root_str)
    return _listing(root_str, listed, _stat_all(listed[0], listed[2]), symlinks)


def scan_stamped(root: Path | str) -> tuple[str, int, Callable[[], dict[str, Entry]]]:
    """(fingerprint, number of files, the listing) of scan(root), the listing
    built only when called: the fingerprint needs no dict where no name is
    escaped or followed (the paths are then the folders' names in order),
    and the prescan sends it before it builds the listing its parent may
    never read (at 100,000 files, 30 ms of dict)."""
    root_str = str(root)
    listed = _list(root_str)
    folders, prefixes, names_of, escaped, linked = listed
    stats = _stat_all(folders, names_of)
    # a backslash in a folder's key may be an escape, and two folders' keys
    # then one path: the dict decides
    if escaped or linked or None in stats or any("\\" in prefix for prefix in prefixes):
        files = _listing(root_str, listed, stats, None)
        return fingerprint(files), len(files), lambda: files
    # one C join a folder, not a string per file
    paths = "\0".join(
        prefix + ("\0" + prefix).join(names)
        for prefix, names in zip(prefixes, names_of, strict=True)
        if names
    )
    return _digest(paths, stats), len(stats), lambda: _listing(root_str, listed, stats, None)


def _listing(
    root_str: str, listed: _Listed, stats: list[Entry | None], symlinks: list[str] | None
) -> dict[str, Entry]:
    """The dict scan() returns, from the listing and its stat_keys."""
    _, prefixes, names_of, escaped, linked = listed
    # the dict is built a folder at a time by C loops (zip, update), not a
    # Python statement per file: at 100,000 files that is 20 ms of a scan
    out: dict[str, Entry] = {}
    offset = 0
    for prefix, names in zip(prefixes, names_of, strict=True):
        found = stats[offset : offset + len(names)]
        offset += len(names)
        keys = [prefix + name for name in names] if prefix else names
        if None in found:  # gone since the listing, or not a regular file
            out.update((k, st) for k, st in zip(keys, found, strict=True) if st is not None)
        else:
            out.update(zip(keys, found, strict=True))
    for number, name, key in escaped:
        st = out.pop(prefixes[number] + name, None)
        if st is not None:
            out.setdefault(prefixes[number] + key, st)  # a real file of that name wins
    if linked:
        root_real = os.path.realpath(root_str)
        for full, rel in linked:
            if symlinks is not None:
                symlinks.append(rel)
            real = os.path.realpath(full)
            if real.startswith(root_real + os.sep) and os.path.isfile(real):
                with contextlib.suppress(OSError):
                    out[rel] = stat_key(os.stat(real))
    return out


_Listed = tuple[
    list[str],  # folders, as paths to open
    list[str],  # each folder's prefix: its path relative to the root, keys escaped, with "/"
    list[list[str]],  # each folder's content files to stat, in listing order
    list[tuple[int, str, str]],  # (folder number, name, its escaped key)
    list[tuple[str, str]],  # symbolic links to content files: (path, relative path)
]


def _list(root: str) -> _Listed:
    """The folders below `root` and the content files in each: one directory
    listing per folder, the file types coming with it (no stat here)."""
    folders: list[str] = []
    prefixes: list[str] = []
    names_of: list[list[str]] = []
    escaped: list[tuple[int, str, str]] = []
    linked: list[tuple[str, str]] = []
    suffixes = CONTENT_SUFFIXES
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        number = len(folders)
        folders.append(folder)
        prefixes.append(prefix)
        names: list[str] = []
        names_of.append(names)
        append = names.append
        with listing:
            for entry in listing:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        key = name if name.isprintable() else name_key(name)
                        stack.append((entry.path, f"{prefix}{key}/"))
                    # the lower-case test only for what the plain one misses
                    elif name.endswith(suffixes) or name.lower().endswith(suffixes):
                        key = name if name.isprintable() else name_key(name)
                        if entry.is_symlink():
                            if key == name:  # an escaped link would not resolve: not followed
                                linked.append((entry.path, prefix + name))
                        else:
                            if key != name:
                                escaped.append((number, name, key))
                            append(name)
                except OSError:
                    continue
    return folders, prefixes, names_of, escaped, linked


_REGULAR = stat.S_IFREG
_BY_FOLDER = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


def _stat_names(folder: str, names: list[str], out: list[Entry | None]) -> None:
    """Append the stat_key of each name in `folder` to `out`; None for what
    is gone since the listing or is not a regular file (a FIFO would block a
    read). Names are looked up relative to the open folder: one path
    component for the kernel to resolve instead of the whole path."""
    append = out.append
    lstat = os.stat
    if not _BY_FOLDER:
        for name in names:
            try:
                st = lstat(os.path.join(folder, name), follow_symlinks=False)
            except OSError:
                append(None)
                continue
            append(stat_key(st) if st.st_mode & 0o170000 == _REGULAR else None)
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        out += [None] * len(names)
        return
    try:
        for name in names:
            try:
                st = lstat(name, dir_fd=fd, follow_symlinks=False)
            except OSError:
                append(None)
                continue
            # stat_key, inline: this loop is most of a refresh at 100,000 files
            append(
                (st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino)
                if st.st_mode & 0o170000 == _REGULAR
                else None
            )
    finally:
        os.close(fd)


def _stat_range(
    folders: list[str], names_of: list[list[str]], start: int, stop: int
) -> list[Entry | None]:
    """_stat_names of the files start..stop of the listing, counted across
    folders in order."""
    out: list[Entry | None] = []
    offset = 0
    for folder, names in zip(folders, names_of, strict=True):
        lo, hi = max(start - offset, 0), min(stop - offset, len(names))
        offset += len(names)
        if lo < hi:
            _stat_names(folder, names[lo:hi] if hi - lo < len(names) else names, out)
    return out


def _stat_all(folders: list[str], names_of: list[list[str]]) -> list[Entry | None]:
    """_stat_names of every listed file, in listing order; the second half of
    them by a forked child when there are many."""
    total = sum(map(len, names_of))
    # fork is only safe single-threaded; a process that never imported
    # threading (the prescan's child) has one thread, and need not load it
    threading = sys.modules.get("threading")
    if (
        total < PARALLEL_SCAN_FROM
        or not hasattr(os, "fork")
        or (threading is not None and threading.active_count() > 1)
    ):
        return _stat_range(folders, names_of, 0, total)
    half = total // 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: stat the second half, send it, leave at once
        try:
            import signal

            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.close(read_end)
            with open(write_end, "wb") as pipe:
                pipe.write(marshal.dumps(_stat_range(folders, names_of, half, total)))
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        mine = _stat_range(folders, names_of, 0, half)
        with open(read_end, "rb") as pipe:
            data = pipe.read()
    finally:
        os.waitpid(pid, 0)
    try:
        theirs = marshal.loads(data)
        if not isinstance(theirs, list) or len(theirs) != total - half:
            raise ValueError("short answer")
    except (ValueError, EOFError, TypeError):
        theirs = _stat_range(folders, names_of, half, total)  # the child died: do its half here
    mine += theirs
    return mine


def fingerprint(on_disk: dict[str, Entry]) -> str:
    """One digest of every file's path and stat_key: equal digests mean
    nothing to refresh, without reading the files table.

    It follows the listing order, which is the same for unchanged folders;
    should a file system reorder a listing, the digest differs and the
    refresh merely compares file by file.

    It hashes the paths joined by NUL (which no file name holds) and the
    entries marshalled in format 2, which writes every value whole: the
    later formats (the default) mark an object held elsewhere too (by its
    reference count) and write a repeat as a back-reference, so the same
    listing gave one digest in a fresh scan and another in the watcher, whose
    log of changes holds the same paths, and every switch between the two
    (a watcher started, stopped, or gone idle) cost a file-by-file
    comparison of the whole KB.
    """
    return _digest("\0".join(on_disk), list(on_disk.values()))


def _digest(paths: str, entries: list[Entry | None]) -> str:
    """fingerprint() of the listing of `paths` (joined by NUL) and their entries."""
    from kzkb.digest import blake2b

    joined = paths.encode("utf-8", "surrogatepass")
    digest = blake2b(len(joined).to_bytes(8, "big"), digest_size=16)
    digest.update(joined)
    digest.update(marshal.dumps(entries, 2))
    return digest.hexdigest()


# --- names no command can show -------------------------------------------------------


def _needs_escape(code: int) -> bool:
    # control characters (C0, DEL, C1), the line and paragraph separators
    # some editors and str.splitlines break lines at, and surrogates (a name
    # that is not UTF-8 is decoded with them, and SQLite refuses them)
    return (
        code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029) or 0xD800 <= code < 0xE000
    )


def name_key(name: str) -> str:
    """A file name as the KB's listing holds it: itself, unless it is not
    UTF-8 (each byte that is not is written \\xNN) or holds a line break or
    another control character (\\xNN below 0x80, else \\uNNNN; and then a
    backslash is \\x5c, so that the name can be read back)."""
    if not any(_needs_escape(ord(ch)) for ch in name):
        return name
    out = []
    for ch in name:
        code = ord(ch)
        if ch == "\\":
            out.append("\\x5c")
        elif not _needs_escape(code):
            out.append(ch)
        elif 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def _unescape(key: str) -> bytes | None:
    """The path name_key escaped into `key`, as bytes; None if it escapes nothing."""
    out = bytearray()
    i = 0
    escaped = False
    while i < len(key):
        ch = key[i]
        if ch == "\\" and key[i + 1 : i + 2] == "x" and _hex(key[i + 2 : i + 4]):
            out.append(int(key[i + 2 : i + 4], 16))
            i += 4
            escaped = True
        elif ch == "\\" and key[i + 1 : i + 2] == "u" and _hex(key[i + 2 : i + 6]):
            out += chr(int(key[i + 2 : i + 6], 16)).encode("utf-8", "surrogatepass")
            i += 6
            escaped = True
        else:
            out += ch.encode("utf-8", "surrogatepass")
            i += 1
    return bytes(out) if escaped else None


def _hex(text: str) -> bool:
    return len(text) in (2, 4) and all(c in "0123456789abcdef" for c in text)


def name_problem(root: Path | str, key: str) -> tuple[str, os.stat_result] | None:
    """Why the file listed as `key` is not read, and its stat, when `key` is
    the escaped name of a file (see name_key); None when it is not."""
    raw = _unescape(key)
    if raw is None:
        return None
    try:
        st = os.lstat(os.path.join(os.fsencode(root), raw))
    except OSError:
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        reason = "the file name is not UTF-8 (shown with \\x escapes): rename the file"
    else:
        reason = "the file name holds a line break or a control character: rename the file"
    return reason, st
