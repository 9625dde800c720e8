"""files: where kzkb writes, and how, so a file is never half written.

Every file kzkb writes for the user (exports, lint fixes, new records) is
written into a temporary file beside the target, flushed to disk, then
renamed over it: an interrupted write leaves the old file or none.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from kzkb.model import KzkbError

MARKDOWN_SUFFIXES = (".md", ".markdown")


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
    """A temporary path beside `target`, renamed over it when the block ends
    without error, and removed otherwise. Without `force`, a file that
    appears at `target` meanwhile is not replaced either."""
    if target.is_symlink():
        raise KzkbError(
            f"{target} is a symbolic link; kzkb writes only to the file named",
            "give the real path with -o",
        )
    if target.exists() and not force:
        raise KzkbError(f"{target} exists", exists_hint)
    if target.is_dir():
        raise KzkbError(f"{target} is a folder", "give a file name with -o")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise KzkbError(f"no such folder: {folder}", "create it first, or choose another -o")
    import tempfile  # start-up: files.py is loaded by every command, tempfile by writes

    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        # mkstemp makes the file private; give it the replaced file's mode,
        # or the one a new file gets
        if target.exists():
            mode = target.stat().st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if force:
            os.replace(temp, target)
        else:
            _publish_new(temp, target, exists_hint)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


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
