"""Ask the watcher of a KB folder for its listing; start, query and stop it.

The watcher (kzkb.listing.daemon) is a small background process per KB folder
that holds the listing current from the kernel's change events, so that a
command asks it over a Unix socket instead of scanning: one stat per file,
0.4 s at 100,000 files on a 2-core machine, is most of what a search costs
there. Git's fsmonitor daemon and watchman do the same for the same reason.

The command line starts it (start) after refreshing a KB of `watch_from`
files or more (WATCH_FROM by default), unless `[index] watch` in kzkb.toml or
$KZKB_WATCH says otherwise. Without it, or when it does not answer, a command
scans by itself as before.

One connection per question: the watcher sends the header (protocol) at once;
the client then closes, or asks, line by line: "since STAMP" for what changed
from that listing to the header's (a frame of {path: scan.stat_key or
None}; the empty frame if that listing is unknown), "files" for the whole
listing the header was computed from (a frame), "status" for a JSON line, or
"stop".
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from kzkb.listing.protocol import (
    Changes,
    Listing,
    StreamSource,
    read_frame,
    refused_marker,
    socket_path,
)

# From this many files on, a KB is watched unless told otherwise: below it
# the scan takes less than about 0.1 s.
WATCH_FROM = 20_000
CONNECT_TIMEOUT = 10.0
# after the watcher declined to start, do not ask it again before this long
REFUSED_FOR = 3600.0
# what start runs: `python -m DAEMON ROOT SOCKET`
DAEMON = "kzkb.listing.daemon"

# socket and json are imported where used: every command imports this module
# (through prescan) before it knows whether it opens a KB at all
if TYPE_CHECKING:
    import socket


def setting(config: Any) -> str:
    """'on', 'off' or 'auto', from $KZKB_WATCH, else kzkb.toml [index] watch."""
    value: Any = os.environ.get("KZKB_WATCH")
    if value is None:
        value = config.watch.mode if config is not None else "auto"
    if value is True or str(value).lower() in ("on", "1", "true", "yes", "always"):
        return "on"
    if value is False or str(value).lower() in ("off", "0", "false", "no", "never"):
        return "off"
    return "auto"


class Answer(StreamSource):
    """The watcher's answer to one connection."""

    source = "watcher"

    def __init__(self, root: str, sock: socket.socket) -> None:
        super().__init__(root, sock.makefile("rb"))
        self.sock = sock

    def files(self) -> Listing | None:
        if self.header() is None:
            return None
        try:
            self.sock.sendall(b"files\n")
            files = read_frame(self.reader)
        except (OSError, ValueError, EOFError, TypeError):
            files = None
        self.close()
        return files if isinstance(files, dict) else None

    def changes_since(self, stamp: str) -> Changes | None:
        if self.header() is None:
            return None
        try:
            self.sock.sendall(b"since " + stamp.encode("ascii") + b"\n")
            changes = read_frame(self.reader)
        except (OSError, ValueError, EOFError, TypeError, UnicodeEncodeError):
            self.close()
            return None
        return changes if isinstance(changes, dict) else None

    def request(self, command: str) -> bytes:
        """Send a command after the header; its one-line reply."""
        self.sock.sendall(command.encode("ascii") + b"\n")
        return self.reader.readline()

    def close(self) -> None:
        super().close()
        with contextlib.suppress(OSError):
            self.sock.close()


def connect(
    root: str | os.PathLike[str], config: Any = None, *, whatever_the_setting: bool = False
) -> Answer | None:
    """The answer of the watcher of `root`, or None when none is running (or
    watching is off): the caller then scans by itself."""
    if not sys.platform.startswith("linux"):
        return None
    if not whatever_the_setting and setting(config) == "off":
        return None
    path = socket_path(root)
    if not path.exists():
        return None
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return Answer(str(root), sock)


def running(config: Any) -> bool:
    answer = connect(config.content_dir, whatever_the_setting=True)
    if answer is None:
        return False
    try:
        return answer.header() is not None
    finally:
        answer.close()


def refused(config: Any) -> str | None:
    """Why the watcher of this KB declined to start lately, if it did."""
    marker = refused_marker(socket_path(config.content_dir))
    try:
        if time.time() - marker.stat().st_mtime < REFUSED_FOR:
            return marker.read_text(encoding="utf-8").strip()
    except OSError:
        pass
    return None


def start(config: Any, files: int, *, force: bool = False, watch_from: int = WATCH_FROM) -> bool:
    """Start the watcher of this KB in the background if it should run and
    does not; True if one was started. Never waits for it.

    In the 'auto' setting it runs for a KB of `watch_from` `files` or more.
    A watcher that declined lately (a network mount, say) is not tried again
    for an hour unless `force`: each command would pay for a futile start."""
    if not sys.platform.startswith("linux"):
        return False
    wanted = setting(config)
    if wanted == "off" or (wanted == "auto" and files < watch_from):
        return False
    if not force and refused(config) is not None:
        return False
    if running(config):
        return False
    _launch(config)
    return True


def start_and_wait(config: Any, timeout: float = 60.0) -> str | None:
    """Start the watcher of this KB now, whatever its size, and wait until it
    answers: None once it does (or already did), else why it does not run,
    in the watcher's own words when it declined."""
    if running(config):
        return None
    marker = refused_marker(socket_path(config.content_dir))
    with contextlib.suppress(OSError):
        marker.unlink()  # asked to start: an old reason is moot, a new one is the answer
    process = _launch(config)
    deadline = time.monotonic() + timeout
    while not running(config):
        status = process.poll()
        # 0: another watcher of the folder holds the lock, and is starting
        if status is not None and status != 0:
            return refused(config) or f"it exited with status {status}"
        if time.monotonic() > deadline:
            return f"it did not answer within {timeout:g} s"
        time.sleep(0.05)
    return None


def _launch(config: Any) -> Any:
    """The watcher's process, started in the background (a subprocess.Popen).

    It runs from `/` (so that it keeps no folder busy), so it is given the
    folder's real path: a relative one would name another folder there, or
    none (and its socket, named for the real path, another's).
    """
    import subprocess

    root = os.path.realpath(config.content_dir)
    path = socket_path(root)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return subprocess.Popen(
        [sys.executable, "-m", DAEMON, root, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not stopped by the terminal's Ctrl-C
        close_fds=True,
        cwd="/",
    )


def status(config: Any) -> dict[str, Any]:
    """What the watcher of this KB is doing, or why none runs."""
    import json

    root = os.path.realpath(config.content_dir)
    path = socket_path(root)
    out: dict[str, Any] = {"kb": root, "socket": str(path), "setting": setting(config)}
    # a running watcher is reported (and can be stopped) even if the setting is off
    answer = connect(root, whatever_the_setting=True)
    if answer is None:
        out["running"] = False
        reason = refused(config)
        if reason:
            out["refused"] = reason
        return out
    try:
        if answer.header() is None:
            out["running"] = False
            return out
        out.update(json.loads(answer.request("status")))
        out["running"] = True
    except (OSError, ValueError):
        out["running"] = False
    finally:
        answer.close()
    return out


def stop(config: Any, wait: float = 5.0) -> bool:
    """Stop the watcher of this KB; True if one was running."""
    answer = connect(str(config.content_dir), whatever_the_setting=True)
    if answer is None:
        return False
    try:
        if answer.header() is None:
            return False
        answer.request("stop")
    except OSError:
        return False
    finally:
        answer.close()
    deadline = time.monotonic() + wait
    path = socket_path(config.content_dir)
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return True
