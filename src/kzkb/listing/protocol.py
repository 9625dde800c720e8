"""What an index refresh asks of a change source, and how sources send it.

Every command first learns which Markdown files the KB holds (kzkb.listing.scan):
one stat per file, most of what a search costs at 100,000 files. Two sources
can have that answer ready before the refresh asks: a scan forked while the
command line loads (prescan.Pending), and the watcher, which keeps the listing
current from inotify (client.Answer). A refresh takes at most one of them
(prescan.take, else client.connect); with none, or when the source fails, it
scans by itself. Both are a ListingSource, and both speak the wire format
written here: a header line, then length-framed marshal data.

The contract: what a refresh may assume of a ListingSource
----------------------------------------------------------

- ``header()`` is asked first. It is the ``Header(stamp, count)`` of one
  listing: ``stamp`` is ``scan.fingerprint`` of it, ``count`` its length. It is
  never stale: every change to the KB completed before the source was asked
  (the fork, the connection) is in it. ``None`` means the source failed and
  is closed; the refresh then scans by itself. Repeated calls return the
  first answer, so the header is read once.
- ``files()`` is that very listing, ``{path: scan.stat_key}``, so that
  ``fingerprint(files()) == header().stamp``: a refresh may store the stamp
  with what it built from the files. ``None`` on failure (scan by itself).
  It closes the source: it is asked at most once, and last.
- ``changes_since(stamp)`` is what changed from the listing of ``stamp`` (the
  one the index was last refreshed from) to the header's: ``{path:
  scan.stat_key, or None if gone}``; every path not in it is as it was. ``None`` when
  the source does not know that listing (a forked scan never does): the
  refresh then asks ``files()``. It leaves the source open.
- ``close()`` may be called at any time, more than once, and never waits for
  a child or a watcher.
- ``source`` names the kind, "scan" or "watcher", for RefreshStats.scanned_by.
- ``root`` is the content folder the listing is of; a source is used for that
  folder only (prescan.take drops a source of another).

No method raises for a source that fails, hangs up or sends garbage: each
says ``None``, and all a broken source costs is the scan it was to save.

The wire
--------

A source sends ``"STAMP COUNT\\n"`` (ASCII) first, then frames: an 8-byte
big-endian length and that many bytes of ``marshal`` data; a length of 0 is
the answer "unknown". The forked scan sends one frame, the listing; the
watcher one per question (see client and daemon). marshal, not pickle: it
builds no objects but dicts, tuples, strings and integers, and it is the
fastest codec Python has for them (100,000 entries in a few milliseconds).
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol

from kzkb.files import cache_folder
from kzkb.listing.scan import Entry

Listing = dict[str, Entry]  # relative path -> scan.stat_key (mtime_ns, size, ctime_ns, inode)
Changes = dict[str, Entry | None]  # None: the file is gone

# raised whenever what watchers and clients say to each other changes
# (2: a listing entry holds the ctime and the inode besides mtime and size;
# 3: scan.fingerprint no longer depends on which objects are shared)
PROTOCOL = 3


class Header(NamedTuple):
    stamp: str  # scan.fingerprint of the listing
    count: int  # how many files it holds


class ListingSource(Protocol):
    """A listing of a KB's files, ready or on its way; see the module doc."""

    root: str
    source: str

    def header(self) -> Header | None: ...

    def files(self) -> Listing | None: ...

    def changes_since(self, stamp: str) -> Changes | None: ...

    def close(self) -> None: ...


class StreamSource(ListingSource):
    """A ListingSource read from a byte stream that starts with the header."""

    source = "scan"

    def __init__(self, root: str, reader: BinaryIO) -> None:
        self.root = root
        self.reader = reader
        self._header: Header | None = None

    def header(self) -> Header | None:
        if self._header is None:
            self._header = read_header(self.reader)
            if self._header is None:
                self.close()
        return self._header

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.reader.close()


# --- the framing -------------------------------------------------------------------------


def encode_header(stamp: str, count: int) -> bytes:
    return f"{stamp} {count}\n".encode("ascii")


def read_header(reader: BinaryIO) -> Header | None:
    """The header line a source sends first; None if it sent something else
    or nothing."""
    try:
        stamp, count = reader.readline().decode("ascii").split()
        return Header(stamp, int(count))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def frame(value: Any) -> bytes:
    """`value` marshalled behind its length; None is the empty frame, "unknown"."""
    blob = b"" if value is None else marshal.dumps(value)
    return len(blob).to_bytes(8, "big") + blob


def read_frame(reader: BinaryIO) -> Any:
    """The value of the next frame; None for the empty one. Raises EOFError
    when the sender hung up midway, ValueError (or EOFError, TypeError) for
    data marshal cannot read."""
    size = int.from_bytes(_read_exactly(reader, 8), "big")
    return marshal.loads(_read_exactly(reader, size)) if size else None


def _read_exactly(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise EOFError("the source hung up")
    return data


# --- where the watcher of a folder listens -------------------------------------------------


def socket_path(root: str | os.PathLike[str]) -> Path:
    """The socket of the watcher of `root` (its content folder), in the user cache."""
    from kzkb.digest import sha1

    # a kzkb of another protocol talks to its own watcher, not to this one's
    key = sha1(f"{PROTOCOL}:{os.path.realpath(root)}".encode()).hexdigest()[:16]
    return cache_folder() / "watch" / f"{key}.sock"


def refused_marker(sock: Path) -> Path:
    """Beside the socket: why the watcher declined to start, written by it
    and read by clients, which then do not start it again for a while."""
    return sock.with_suffix(".refused")


def lock_path(sock: Path) -> Path:
    """Beside the socket: held by the one watcher of the folder."""
    return sock.with_suffix(".lock")
