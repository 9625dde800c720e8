"""Start the change scan of a KB while the rest of kzkb starts up.

Every command first checks the KB for changed files (kzkb.scan): one stat
per file, which at 100,000 files is most of what a search costs. The command
line starts that scan in a forked child before it imports Typer and Rich,
parses its options and runs the query; the index takes the answer when it
needs it (Index.refresh). The child sends a header line, the fingerprint and
the number of files, then the listing itself, which is read only when the
fingerprint shows a change.

Where a watcher keeps the KB's listing (kzkb.watch), its answer is taken
instead, and nothing is scanned. Only POSIX systems fork; elsewhere, and
whenever anything is unusual (no KB found, an error in the child), the index
simply scans by itself.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

# commands that open a KB, and so refresh its index first
KB_COMMANDS = frozenset({"search", "list", "show", "terms", "index", "check-links", "export"})


class Pending:
    """A scan running in a child process."""

    def __init__(self, root: str, pid: int, pipe: BinaryIO) -> None:
        self.root = root
        self.pid = pid
        self.pipe = pipe
        self._header: tuple[str, int] | None = None

    def header(self) -> tuple[str, int] | None:
        """(fingerprint, number of files), or None if the child failed."""
        if self._header is None:
            self._header = read_header(self.pipe)
            if self._header is None:
                self.close()
        return self._header

    def files(self) -> dict[str, tuple[int, int]] | None:
        """The listing, or None if the child failed."""
        if self.header() is None:
            return None
        try:
            files = marshal.loads(self.pipe.read())
        except (OSError, ValueError, EOFError, TypeError):
            files = None
        self.close()
        return files if isinstance(files, dict) else None

    def close(self) -> None:
        # a child still writing gets EPIPE and leaves; reap it if it has
        with contextlib.suppress(OSError):
            self.pipe.close()
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, os.WNOHANG)


def read_header(reader: BinaryIO) -> tuple[str, int] | None:
    """The "FINGERPRINT COUNT" line a scan's source (a forked scan, a watcher)
    sends first; None if it sent something else or nothing."""
    try:
        stamp, count = reader.readline().decode("ascii").split()
        return stamp, int(count)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


_pending: Any = None  # a Pending, or a kzkb.watch.Answer (the same methods)


def running(content_dir: Path) -> bool:
    """Whether a scan of this folder was started and not yet taken."""
    return _pending is not None and _pending.root == str(content_dir)


def take(content_dir: Path) -> Any:
    """The scan started for this folder, if any; each scan is taken once."""
    global _pending
    pending, _pending = _pending, None
    if pending is None:
        return None
    if pending.root != str(content_dir):
        pending.close()
        return None
    return pending


def _kb_argument(argv: list[str]) -> tuple[str | None, str | None]:
    """(command, --kb value) read from the raw arguments, as Click will."""
    command = None
    kb = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--kb" and i + 1 < len(argv):
            kb = argv[i + 1]
            i += 1
        elif arg.startswith("--kb="):
            kb = arg[len("--kb=") :]
        elif arg == "--":
            break
        elif command is None and not arg.startswith("-"):
            command = arg
        i += 1
    return command, kb


def start(argv: list[str] | None = None) -> None:
    """Fork the scan of the KB the command will open, if it opens one."""
    global _pending
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return  # macOS frameworks are not fork-safe; Windows has no fork
    if "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
        return  # fork is only safe in a single-threaded process
    args = sys.argv[1:] if argv is None else argv
    command, kb = _kb_argument(args)
    if command not in KB_COMMANDS or "-h" in args or "--help" in args:
        return
    try:
        from kzkb.config import open_config

        config = open_config(kb)
        root = str(config.content_dir)
    except Exception:
        return  # the command itself will say what is wrong
    if "--rebuild" not in args:
        from kzkb import watch

        answer = watch.connect(root, config)
        if answer is not None:
            _pending = answer  # a watcher keeps the listing: no scan at all
            return
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return
    if pid == 0:
        _child(root, read_end, write_end)
    os.close(write_end)
    _pending = Pending(root, pid, os.fdopen(read_end, "rb"))


def _child(root: str, read_end: int, write_end: int) -> None:
    try:
        import signal

        # Ctrl-C ends the child quietly; the parent reports the interrupt
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.close(read_end)
        # the child never prints, and must not hold the parent's stdout open:
        # `kzkb list | head`, or a caller reading to end of file, would wait for it
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        from kzkb.scan import fingerprint, scan

        files = scan(Path(root))
        with open(write_end, "wb") as pipe:
            pipe.write(f"{fingerprint(files)} {len(files)}\n".encode("ascii"))
            pipe.flush()
            pipe.write(marshal.dumps(files))
    except BaseException:
        pass  # the parent sees a short answer and scans by itself
    finally:
        os._exit(0)
