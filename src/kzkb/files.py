"""files: where kzkb writes, and how, so a file is never half written nor
another file than the one named.

Every file kzkb writes for the user (exports, lint fixes, new records) is
written into a temporary file beside the target, flushed to disk, then
renamed over it: an interrupted write leaves the old file or none. The file
replaced keeps its identity: its mode, owner and group are given to the new
one, and a file with other hard links is written in place through its inode
(the new text flushed to the temporary file first), so every name keeps
showing the same file. A read-only file is refused. A character device or a
FIFO named (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is written into,
never replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from kzkb.model import KzkbError

# The content files Hugo builds as pages with no external tool: Markdown in
# each of its spellings, and HTML (Docsy's home and About pages are front
# matter plus HTML), with or without front matter. AsciiDoc, Pandoc and
# reStructuredText need a converter installed, and are not read.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
HTML_SUFFIXES = (".html", ".htm")
CONTENT_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES

_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}


def cache_folder() -> Path:
    """kzkb's folder in the user cache (XDG_CACHE_HOME on Linux): indexes,
    watcher sockets and the link-check cache live below it."""
    from platformdirs import user_cache_dir  # start-up: only commands that need it pay

    return Path(user_cache_dir("kzkb"))


@contextlib.contextmanager
def atomic_path(
    target: Path,
    force: bool,
    exists_hint: str = "add --force to replace it, or choose another -o",
) -> Iterator[str]:
    """A temporary path to write, published as `target` when the block ends
    without error, and removed otherwise.

    A regular file at `target` is replaced only with `force`, and keeps its
    mode, owner and group; one with other hard links is written in place.
    A character device or FIFO is written into (with or without `force`).
    Refused with a KzkbError: a symbolic link to a regular file, a folder,
    a block device or socket, a read-only file, a file whose owner cannot be
    kept. Without `force`, a file that appears at `target` meanwhile is not
    replaced either."""
    descriptor = _own_descriptor(target)
    if descriptor is not None:
        with _into(target, descriptor) as temp:
            yield temp
        return
    st = _lstat(target)
    if st is not None and stat.S_ISLNK(st.st_mode):
        followed = _stat(target)
        if followed is None or not _stream(followed.st_mode):
            raise KzkbError(
                f"{target} is a symbolic link; kzkb writes only to the file named",
                "give the real path with -o",
            )
        st = followed  # a link to a device or FIFO: written into, as the device itself
    if st is not None and _stream(st.st_mode):
        with _into(target, None) as temp:
            yield temp
        return
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise KzkbError(f"{target} is a folder", "give a file name with -o")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise KzkbError(
            f"{target} is {_kind(st.st_mode)}; kzkb writes files, character devices and FIFOs",
            "choose another -o",
        )
    if st is not None and not force:
        raise KzkbError(f"{target} exists", exists_hint)
    if st is not None:
        _writable(target, st)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise KzkbError(f"no such folder: {folder}", "create it first, or choose another -o")
    import tempfile  # start-up: files.py is loaded by every command, tempfile by writes

    # a file with other names is written in place: renaming over one name
    # would split it from the others
    in_place = st is not None and st.st_nlink > 1
    # cut to 200 bytes: a name of 255 (the most a file system takes) leaves
    # no room for the temporary file's dot, random part and .part
    short = os.fsdecode(os.fsencode(target.name)[:200])
    fd, temp = tempfile.mkstemp(prefix=f".{short}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        if st is not None:
            if not in_place:  # written in place, the file keeps its owner anyway
                _same_owner(temp, target, st)
            mode = stat.S_IMODE(st.st_mode)
        else:  # mkstemp makes the file private; give it the mode a new file gets
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)  # after chown, which clears set-id bits
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if in_place:
            _in_place(temp, target)
        elif force:
            os.replace(temp, target)
        else:
            _publish_new(temp, target, exists_hint)
    except BaseException as exc:
        if not isinstance(exc, _Kept):  # a _Kept temporary file holds the only new text
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _own_descriptor(target: Path) -> int | None:
    """The descriptor `-o /dev/stdout` (or /dev/stderr, /dev/fd/N,
    /proc/self/fd/N) names: written to as it is, whatever it leads to (a
    pipe, a terminal, the file the shell opened, in append mode or not)."""
    name = os.path.normpath(str(target))
    if name in _STANDARD:
        return _STANDARD[name]
    for prefix in ("/dev/fd/", "/proc/self/fd/"):
        number = name.removeprefix(prefix)
        if number != name and number.isdigit():
            return int(number)
    return None


def _stream(mode: int) -> bool:
    """A character device or FIFO: written into, never replaced."""
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _kind(mode: int) -> str:
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _writable(target: Path, st: os.stat_result) -> None:
    """Refuse a file that says it is not to be changed: no write bit at all
    (root may write anything, so the bits are read, not only access()), or
    one this user may not write."""
    if st.st_mode & 0o222 == 0 or not os.access(target, os.W_OK):
        raise KzkbError(
            f"{target} is read-only (mode {stat.S_IMODE(st.st_mode):04o});"
            " kzkb does not replace it",
            f"make it writable first if it should change: chmod u+w {target}",
        )


def _same_owner(temp: str, target: Path, st: os.stat_result) -> None:
    """Give the new file the owner and group of the one it replaces (root
    writing a user's file must not make it root's), or refuse."""
    mine = os.stat(temp)
    if (mine.st_uid, mine.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.chown(temp, st.st_uid, st.st_gid)
    except OSError:
        raise KzkbError(
            f"{target} belongs to user {st.st_uid}, group {st.st_gid}; a replacement written"
            " by this user could not keep them, so it is not replaced",
            "run kzkb as its owner, or give the file to this user first",
        ) from None


def _in_place(temp: str, target: Path) -> None:
    """Write temp's bytes into `target` itself, so its other hard links show
    them too. Room for a longer text is reserved first, so a full disk fails
    before a byte of the old text is overwritten; temp (flushed already)
    holds the new text until the copy is flushed too, and is kept, and
    named, if the copy fails."""
    import errno
    import shutil

    size = os.path.getsize(temp)
    with open(temp, "rb") as source, open(target, "r+b") as handle:
        old_size = os.fstat(handle.fileno()).st_size
        if size > old_size and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(handle.fileno(), 0, size)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    with contextlib.suppress(OSError):
                        handle.truncate(old_size)
                    raise KzkbError(
                        f"cannot write {target}: {exc.strerror or exc}; it is unchanged",
                        "make room on the disk, then run the command again",
                    ) from None
        try:
            shutil.copyfileobj(source, handle)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            raise _Kept(
                f"could not write {target} in place ({exc.strerror or exc});"
                f" the new text is in {temp}",
                f"make room, then copy it in: cat {temp} > {target}",
            ) from None
    os.unlink(temp)


class _Kept(KzkbError):
    """A failure after which the temporary file is kept: it holds the text."""


@contextlib.contextmanager
def _into(target: Path, descriptor: int | None) -> Iterator[str]:
    """A temporary file (in the temporary folder: /dev is no place for it)
    whose bytes go into the device or FIFO `target`, or the open
    `descriptor`, at the end: a reader sees the whole export, or nothing if
    it fails."""
    import shutil
    import tempfile

    fd, temp = tempfile.mkstemp(prefix="kzkb-", suffix=".part")
    os.close(fd)
    try:
        yield temp
        try:
            with (
                open(temp, "rb") as source,
                open(
                    target if descriptor is None else descriptor, "wb", closefd=descriptor is None
                ) as handle,
            ):
                shutil.copyfileobj(source, handle)
        except OSError as exc:
            raise KzkbError(
                f"cannot write into {target}: {exc.strerror or exc}", "choose another -o"
            ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _publish_new(temp: str, target: Path, exists_hint: str) -> None:
    """Give temp the name `target` only if no file has taken it since the
    check (another kzkb new, a second export): a hard link fails on a name
    that exists, where a rename would replace the file."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise KzkbError(f"{target} exists", exists_hint) from None
    except OSError:  # a file system without hard links (FAT, some network ones)
        os.replace(temp, target)
        return
    with contextlib.suppress(OSError):  # the file is in place: a stray name is harmless
        os.unlink(temp)


@contextlib.contextmanager
def naming(target: Path | str | None) -> Iterator[None]:
    """An OSError while writing `target` names it: a full disk or a read-only
    folder is reported for the file the user asked for (not atomic_path's
    temporary file beside it, nor no file at all, as a write to a stream says)."""
    try:
        yield
    except OSError as exc:
        if target is None or isinstance(exc, BrokenPipeError):
            raise
        name = os.fsdecode(exc.filename) if exc.filename is not None else None
        # the temporary file atomic_path writes beside the target
        temp = name is not None and Path(name).parent == Path(target).parent
        temp = temp and Path(str(name)).name.startswith(".") and str(name).endswith(".part")
        if name is None or temp:
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise


class _Changed(Exception):
    pass


def replace_unless_changed(target: Path, old: bytes, new: bytes) -> bool:
    """Write `new` over `target` atomically (beside it, then renamed over it),
    unless the file no longer holds `old`: an editor's save or a git checkout
    meanwhile is kept, not overwritten by a repair of what was there before.
    False if not written (changed, or deleted: a deleted file is not brought
    back); a KzkbError if kzkb may not write it (see atomic_path)."""
    try:
        with naming(target), atomic_path(target, force=True) as temp:
            Path(temp).write_bytes(new)
            # as late as it can be: only a save in this very moment is lost
            if target.read_bytes() != old:
                raise _Changed
    except (_Changed, FileNotFoundError):
        return False
    return True
