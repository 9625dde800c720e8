"""The watcher: keep a large KB's file listing current between commands (Linux inotify).

One process per KB folder (`python -m kzkb.listing.daemon ROOT SOCKET`, started
by client.start) holds the listing and keeps it current from the kernel's
change events; commands ask it over a Unix socket (see client for the
questions, protocol for the wire) instead of stat'ing every file.

Answers are never stale. The kernel queues an event before the write, rename
or delete that caused it returns, and the watcher reads every queued event
before it answers; a file named in an event is stat'ed again. Where it cannot
vouch for the listing (the kernel's queue overflowed, a folder was created,
moved or removed, a watch was lost), it scans the whole KB again before it
answers. It runs only on local file systems, where every change passes
through this kernel; on a network or FUSE mount it declines to start. One
change it cannot see, as no inotify user can: a record hard-linked from
outside the KB and edited through that other name (git's fsmonitor shares
the limit); `kzkb index --rebuild`, or `[index] watch = false`, covers it.

It watches the folder it was started for, and only that one: its root must
be the absolute path its socket is named for (it is started from `/`), and
it notes the folder's device and inode at start. When the path names another
folder later (`mv site site-old; mv site-new site`), it answers no more
question and leaves: the command that asked scans, and starts a watcher of
the new folder.

It leaves after IDLE_SECONDS without a question, when its KB folder goes or
is replaced, or on `kzkb watcher stop`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kzkb.listing.protocol import (
    Changes,
    Listing,
    encode_header,
    frame,
    lock_path,
    refused_marker,
    socket_path,
)
from kzkb.listing.scan import CONTENT_SUFFIXES, Entry, fingerprint, name_key, scan, stat_key

IDLE_SECONDS = 30 * 60
HISTORY = 256  # listings whose differences the watcher remembers, by default

# File systems whose changes all pass through this kernel, so inotify sees them.
LOCAL_FILE_SYSTEMS = frozenset(
    {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs", "f2fs", "zfs",
        "bcachefs", "jfs", "reiserfs", "nilfs2", "overlay", "apfs", "hfsplus",
    }
)  # fmt: skip


def file_system_type(path: str) -> str | None:
    """The type of the file system `path` is on, from /proc/self/mountinfo."""
    real = os.path.realpath(path)
    best, kind = "", None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                left, _, right = line.partition(" - ")
                fields = left.split()
                if len(fields) < 5 or not right:
                    continue
                mount = fields[4].replace("\\040", " ")
                inside = real == mount or real.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) >= len(best):
                    best, kind = mount, right.split()[0]
    except OSError:
        return None
    return kind


class Watch:
    """The listing of one KB folder, kept current from inotify events."""

    def __init__(self, root: str, *, history: int = HISTORY) -> None:
        from inotify_simple import INotify, flags

        self.root = root
        self.history = history
        self.real_root = os.path.realpath(root)
        self.flags = flags
        self.inotify = INotify()
        self.mask = (
            flags.CREATE | flags.DELETE | flags.MODIFY | flags.ATTRIB | flags.CLOSE_WRITE
            | flags.MOVED_FROM | flags.MOVED_TO | flags.DELETE_SELF | flags.MOVE_SELF
            | flags.ONLYDIR | flags.EXCL_UNLINK
        )  # fmt: skip
        self.lost = flags.Q_OVERFLOW | flags.IGNORED | flags.DELETE_SELF | flags.MOVE_SELF
        self.lost |= flags.UNMOUNT
        self.tree_change = flags.CREATE | flags.DELETE | flags.MOVED_FROM | flags.MOVED_TO
        self.folders: dict[int, str] = {}  # watch descriptor -> "sub/folder/" ("" is the root)
        self.files: Listing = {}
        self.symlinks: set[str] = set()
        self.dirty: set[str] = set()
        self.whole = True  # scan everything at the next update
        self.stamp = ""
        # what changed, listing by listing: a client that holds an older
        # listing gets the difference, not 100,000 entries
        self.generation = 0
        self.generations: dict[str, int] = {}  # fingerprint -> its latest generation
        self.log: list[tuple[int, set[str]]] = []  # (generation, paths changed to reach it)
        self.lock = threading.Lock()
        self.started = time.time()
        self.questions = 0
        self.events = 0
        self.rescans = 0

    def _watch_tree(self) -> None:
        """A watch on every folder the scan walks (not hidden ones, not links)."""
        folders: dict[int, str] = {}
        stack = [(self.root, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                wd = self.inotify.add_watch(folder, self.mask)
            except FileNotFoundError:
                if not prefix:
                    raise
                continue  # gone meanwhile: the event on its parent says so
            folders[wd] = prefix
            try:
                with os.scandir(folder) as listing:
                    for entry in listing:
                        if entry.name[0] != "." and entry.is_dir(follow_symlinks=False):
                            stack.append((entry.path, f"{prefix}{entry.name}/"))
            except OSError:
                continue
        self.folders = folders

    def _take_events(self) -> None:
        while True:
            events = self.inotify.read(timeout=0)
            if not events:
                return
            self.events += len(events)
            for event in events:
                mask, name = event.mask, event.name
                if mask & self.lost:
                    self.whole = True
                    continue
                if not name or name[0] == ".":
                    continue  # hidden: the scan skips it too
                if mask & self.flags.ISDIR:
                    if mask & self.tree_change:
                        self.whole = True  # folders come and go: rescan, simply
                    continue
                if not name.lower().endswith(CONTENT_SUFFIXES):
                    continue
                prefix = self.folders.get(event.wd)
                if prefix is None:
                    self.whole = True
                elif not (prefix + name).isprintable() and name_key(prefix + name) != prefix + name:
                    self.whole = True  # the scan lists such a name escaped: let it
                else:
                    self.dirty.add(prefix + name)

    def _stat(self, rel: str) -> Entry | None:
        """As scan.scan would list one path: regular files, and links to
        files inside the KB."""
        full = os.path.join(self.root, rel)
        try:
            st = os.lstat(full)
            if stat.S_ISREG(st.st_mode):
                self.symlinks.discard(rel)
                return stat_key(st)
            if stat.S_ISLNK(st.st_mode):
                # asked again at every update, resolving or not: its target
                # may change, go and come back with no event in this folder
                self.symlinks.add(rel)
                real = os.path.realpath(full)
                if real.startswith(self.real_root + os.sep) and os.path.isfile(real):
                    return stat_key(os.stat(real))
                return None
        except OSError:
            pass
        self.symlinks.discard(rel)
        return None

    def update(self) -> None:
        """Take every queued event into the listing. Call with the lock held."""
        self._take_events()
        if self.whole:
            self.whole = False
            self.dirty.clear()
            self.rescans += 1
            # watches first: a change made during the scan then leaves an event
            self._watch_tree()
            symlinks: list[str] = []
            old, new = self.files, scan(self.root, symlinks)
            self.symlinks = set(symlinks)
            self._advance(new, {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)})
            return
        # a link's target may change without an event in the link's folder
        names = self.dirty | self.symlinks
        self.dirty = set()
        if not names:
            return
        files = self.files
        changed: set[str] = set()
        for rel in names:
            now = self._stat(rel)
            if now != files.get(rel):
                if not changed:
                    # answers handed out keep their listing: change a copy
                    files = dict(files)
                changed.add(rel)
                if now is None:
                    files.pop(rel, None)
                else:
                    files[rel] = now
        self._advance(files, changed)

    def _advance(self, files: Listing, changed: set[str]) -> None:
        if not changed and self.stamp:
            return
        self.files = files
        self.stamp = fingerprint(files)
        self.generation += 1
        self.log.append((self.generation, changed))
        self.generations[self.stamp] = self.generation
        if len(self.log) > self.history:
            del self.log[0]
            oldest = self.log[0][0] - 1  # the listing the oldest change starts from
            self.generations = {k: g for k, g in self.generations.items() if g >= oldest}

    def changes(self, stamp: str, generation: int, files: Listing) -> Changes | None:
        """What changed from the listing `stamp` to `files`, the listing of
        `generation`; None if `stamp` is not known here."""
        with self.lock:
            since = self.generations.get(stamp)
            if since is None or since > generation:
                return None
            paths: set[str] = set()
            for number, changed in self.log:
                if since < number <= generation:
                    paths |= changed
        return {p: files.get(p) for p in paths}

    def snapshot(self) -> tuple[str, Listing, int]:
        with self.lock:
            self.update()
            self.questions += 1
            return self.stamp, self.files, self.generation

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "files": len(self.files),
            "folders": len(self.folders),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
            "questions": self.questions,
            "events": self.events,
            "rescans": self.rescans,
        }


def serve(root: str, path: str) -> int:
    """Run the watcher of `root` on the socket `path` until it is idle,
    stopped, or its folder goes. Returns the exit status."""
    import fcntl
    import socketserver

    idle = float(os.environ.get("KZKB_WATCH_IDLE", IDLE_SECONDS))
    if not os.path.isabs(root) or socket_path(root) != Path(path):
        # a caller's mistake, not this folder's: no marker, which would keep
        # the real watcher of whatever folder the socket is named for away
        sys.stderr.write(f"kzkb watcher: {root} is not the folder {path} is named for\n")
        return 2
    sock = Path(path)
    sock.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    refused = refused_marker(sock)
    lock_file = open(lock_path(sock), "a+b")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another watcher of this folder runs, or is starting

    def decline(reason: str) -> int:
        _write_atomically(refused, reason + "\n")
        return 1

    try:
        # the folder this watcher watches: the path may name another later
        identity = _identity(root)
    except OSError as exc:
        return decline(f"cannot watch {root}: {exc.strerror or exc}")
    kind = file_system_type(root)
    if kind not in LOCAL_FILE_SYSTEMS:
        return decline(
            f"{root} is on a {kind or 'unknown'} file system, whose changes inotify may miss"
        )
    try:
        watch = Watch(root)
        with watch.lock:
            watch.update()
    except ImportError:
        return decline("inotify_simple is not installed: pip install inotify_simple")
    except OSError as exc:
        # ENOSPC: the user's inotify watches are used up (fs.inotify.max_user_watches)
        return decline(f"cannot watch {root}: {exc.strerror or exc}")
    with contextlib.suppress(OSError):
        refused.unlink()
    with contextlib.suppress(OSError):
        sock.unlink()  # a watcher that died left it; the lock says none runs now
    last = [time.monotonic()]
    stopping = threading.Event()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            last[0] = time.monotonic()
            # another folder at the path: hang up unanswered (the client then
            # scans by itself) and leave, which the main loop sees within a second
            if not _same_folder(root, identity):
                stopping.set()
                return
            stamp, files, generation = watch.snapshot()
            if not _same_folder(root, identity):
                stopping.set()
                return
            self.wfile.write(encode_header(stamp, len(files)))
            self.wfile.flush()
            while command := self.rfile.readline().strip():
                if command == b"files":
                    self.wfile.write(frame(files))
                elif command.startswith(b"since "):
                    old = command[6:].decode("ascii", "replace")
                    self.wfile.write(frame(watch.changes(old, generation, files)))
                elif command == b"status":
                    self.wfile.write(json.dumps(watch.status()).encode() + b"\n")
                elif command == b"stop":
                    stopping.set()
                    self.wfile.write(b"stopping\n")
                    _wake(path)  # the main loop waits for a connection: give it one
                else:
                    break
                self.wfile.flush()

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    old_umask = os.umask(0o177)  # the socket: its owner only
    try:
        server = Server(path, Handler)
    except OSError as exc:  # a path longer than AF_UNIX allows (107 bytes), say
        return decline(f"cannot listen at {path}: {exc.strerror or exc}")
    finally:
        os.umask(old_umask)
    ours = os.stat(path).st_ino
    server.timeout = 1.0
    try:
        while not stopping.is_set():
            server.handle_request()
            if time.monotonic() - last[0] > idle:
                break
            try:
                if os.stat(path).st_ino != ours:
                    break  # another watcher took over the socket
            except OSError:
                break  # the socket is gone
            if not _same_folder(root, identity):
                break  # the KB folder is gone, or another is at its path
            with watch.lock:
                # keep the kernel's queue short while nobody asks
                watch._take_events()
    finally:
        server.server_close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == ours:
                os.unlink(path)
        lock_file.close()
    return 0


def _identity(root: str) -> tuple[int, int]:
    st = os.stat(root)
    return (st.st_dev, st.st_ino)


def _same_folder(root: str, identity: tuple[int, int]) -> bool:
    """Whether `root` still names the folder this watcher started on."""
    try:
        return _identity(root) == identity
    except OSError:
        return False


def _wake(path: str) -> None:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(1.0)
        sock.connect(path)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2]))
