"""Start the change scan of a KB while the rest of kzkb starts up.

Every command that refreshes the index first checks the KB for changed files
(kzkb.listing.scan): one stat per file, which at 100,000 files is most of what
a search costs. The command line starts that scan in a forked child before it
imports Typer and Rich, parses its options and runs the query; the refresh
takes the answer when it needs it (take). The child sends the header, the
fingerprint and the number of files, then the listing itself, which is read
only when the fingerprint shows a change (see protocol).

Where a watcher keeps the KB's listing (kzkb.listing.client), its answer is
taken instead, and nothing is scanned. Only POSIX systems fork; elsewhere, and
whenever anything is unusual (no KB found, an error in the child), the index
simply scans by itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import BinaryIO

from kzkb.listing import client
from kzkb.listing.protocol import (
    Changes,
    Listing,
    ListingSource,
    StreamSource,
    encode_header,
    frame,
    read_frame,
)
from kzkb.listing.scan import scan_stamped

# The commands that refresh the KB's index before they answer, by the names
# the command line registers. This runs before the command line is imported,
# so it cannot ask it; tests/test_prescan.py checks the two agree.
INDEX_COMMANDS = frozenset(
    {
        "check-links",
        "cite",
        "export",
        "index",
        "list",
        "mv",
        "new",
        "search",
        "show",
        "stats",
        "terms",
    }
)


class Pending(StreamSource):
    """A scan running in a child process."""

    source = "scan"

    def __init__(self, root: str, pid: int, pipe: BinaryIO) -> None:
        super().__init__(root, pipe)
        self.pid = pid

    def files(self) -> Listing | None:
        if self.header() is None:
            return None
        try:
            files = read_frame(self.reader)
        except (OSError, ValueError, EOFError, TypeError):
            files = None
        self.close()
        return files if isinstance(files, dict) else None

    def changes_since(self, stamp: str) -> Changes | None:
        return None  # a fresh scan knows no earlier listing: compare all of it

    def close(self) -> None:
        # a child still writing gets EPIPE and leaves; reap it if it has
        super().close()
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, os.WNOHANG)


_pending: ListingSource | None = None


def running(content_dir: Path) -> bool:
    """Whether a scan of this folder was started and not yet taken."""
    return _pending is not None and _pending.root == str(content_dir)


def take(content_dir: Path) -> ListingSource | None:
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
    """Fork the scan of the KB the command will open, if it refreshes its index."""
    global _pending
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return  # macOS frameworks are not fork-safe; Windows has no fork
    if "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
        return  # fork is only safe in a single-threaded process
    args = sys.argv[1:] if argv is None else argv
    command, kb = _kb_argument(args)
    if command not in INDEX_COMMANDS or "-h" in args or "--help" in args:
        return
    try:
        from kzkb.settings.config import open_config

        config = open_config(kb)
        root = str(config.content_dir)
    except Exception:
        return  # the command itself will say what is wrong
    if "--rebuild" not in args:
        answer = client.connect(root, config)
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
        stamp, count, files = scan_stamped(Path(root))
        with open(write_end, "wb") as pipe:
            # the header alone first: the parent reads no further when it
            # shows no change, and the listing is built only after it
            pipe.write(encode_header(stamp, count))
            pipe.flush()
            pipe.write(frame(files()))
    except BaseException:
        pass  # the parent sees a short answer and scans by itself
    finally:
        os._exit(0)
