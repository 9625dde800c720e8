"""What a worker prepares of one file, off the main process: its hash and,
if it loads, every row the database needs of it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from kzkb.hugo.links import OwnSite, fragment_of, link_key, own_site
from kzkb.model import Link, Record, Skipped
from kzkb.search.columns import fts_columns
from kzkb.settings.config import Config
from kzkb.store.codec import record_to_json
from kzkb.text.fold import fold


@dataclass(slots=True)
class Prepared:
    """Everything the database needs of one file, built off the main process."""

    path: str
    mtime_ns: int
    size: int
    hash: bytes
    skipped: Skipped | None = None
    row: tuple[Any, ...] | None = None  # records row without id
    data: str = ""  # the record as JSON
    terms: list[tuple[str, str, str]] | None = None
    urls: list[tuple[str, int]] | None = None
    links: list[tuple[str | None, str, str, str, int, int, str, bool]] | None = None
    anchors: list[str] | None = None
    fts: tuple[str, str, str, str] | None = None


_CONFIG: Config | None = None  # set before parsing; fork hands it to the workers
_SITE: OwnSite | None = None  # the site's baseURL, for links written with it


def use_config(config: Config) -> None:
    """The settings _prepare parses by, in this process and the workers it forks."""
    global _CONFIG, _SITE
    _CONFIG = config
    _SITE = own_site(config.base_url)


def _prepare(job: tuple[str, str]) -> Prepared:
    # start-up: a refresh that finds nothing changed parses nothing, so the
    # parser (its six modules) loads only in a process that reads a file
    from kzkb.parse.record import INTERNAL, load_bytes
    from kzkb.parse.source import one_line, read_source

    full, rel = job
    config = _CONFIG
    assert config is not None

    # too big, not a regular file, a link out of the KB, a name no command can
    # print: reported without a byte read
    source = read_source(full, rel, str(config.content_dir), config.index.max_file_size)
    if source.data is None:
        assert source.skipped is not None
        # the reason as the hash: a file skipped for another reason is a change
        digest = hashlib.blake2b(source.skipped.reason.encode(), digest_size=16).digest()
        return Prepared(rel, source.mtime_ns, source.size, digest, skipped=source.skipped)
    digest = hashlib.blake2b(source.data, digest_size=16).digest()
    result = load_bytes(source.data, rel, config)
    prepared = Prepared(rel, source.mtime_ns, source.size, digest)
    if isinstance(result, Skipped):
        prepared.skipped = result
        return prepared
    result.mtime_ns, result.size = source.mtime_ns, source.size
    try:
        return _fill(prepared, result)
    except Exception as exc:  # a bug must cost one file, not the whole refresh
        reason = one_line(f"{INTERNAL} ({type(exc).__name__}: {exc}): please report it as a bug")
        return Prepared(rel, source.mtime_ns, source.size, digest, skipped=Skipped(rel, 1, reason))


def _fill(prepared: Prepared, record: Record) -> Prepared:
    """The rows of a record that loaded."""

    prepared.row = (
        record.path,
        record.url,
        record.lang,
        record.kind,
        record.title,
        record.title.casefold(),
        fold(record.title),
        record.date.isoformat() if record.date else None,
        record.created.isoformat() if record.created else None,
    )
    prepared.data = record_to_json(record)
    prepared.terms = [
        (taxonomy, slug, label, record.lang)
        for taxonomy, slugs in record.terms.items()
        for slug, label in zip(slugs, record.term_labels[taxonomy], strict=True)
    ]
    prepared.urls = [(record.url, 0)] + [(alias, 1) for alias in record.aliases]
    own = {record.url, *record.aliases, "path:" + record.path}
    prepared.links = [
        (key, fragment, x.target, x.text, x.line, x.column, x.kind, key in own)
        for x in record.links
        for key, fragment in (_key_and_fragment(x, record),)
    ]
    prepared.anchors = sorted({h.id for h in record.headings if h.id} | set(record.anchors))
    prepared.fts = fts_columns(record)
    return prepared


# Keys of root-relative links (/sources/x/#y), which need no record to
# resolve: most links of a KB go to the same pages, and their key and
# fragment cost 6 us a link to work out again (urlsplit, normalize_url).
_ROOT_KEYS: dict[str, tuple[str | None, str]] = {}
_ROOT_KEYS_MAX = 100_000  # distinct targets kept; then the cache starts again


def _key_and_fragment(link: Link, record: Record) -> tuple[str | None, str]:
    """link_key and fragment_of of a link, those of a target written from
    the site's root ("/", not "//" nor a ref shortcode's path) looked up:
    link_key reads neither the record nor the site's address for those."""
    target = link.target
    if target[:1] != "/" or target[1:2] == "/" or link.kind == "ref":
        return link_key(link, record, _SITE), fragment_of(target)
    found = _ROOT_KEYS.get(target)
    if found is None:
        if len(_ROOT_KEYS) >= _ROOT_KEYS_MAX:
            _ROOT_KEYS.clear()
        found = _ROOT_KEYS[target] = (link_key(link, record, _SITE), fragment_of(target))
    return found


def prepare_forked(jobs: list[tuple[str, str]], workers: int, chunk: int) -> Iterator[Prepared]:
    """Every job prepared, in order, by `workers` forked processes: worker w
    prepares chunks w, w + workers, ... of `chunk` jobs and sends each, as
    one pickled list, down a pipe of its own, which the writer reads in
    turn. The jobs need not be sent: the workers have them from the fork.
    A pipe holds a few chunks, so a worker runs at most that far ahead of
    the writer. multiprocessing.Pool cost the writer's process a third of
    its time: its worker-handling thread wakes whenever a result waits to
    be read, over and over, and every result goes through two more threads.

    Closing the iterator early (an error, Ctrl-C) ends the workers at once.
    A worker that dies is an error here, not a wait for ever."""
    import pickle
    import signal

    header = _HEADER.size
    count = -(-len(jobs) // chunk)
    pids: list[int] = []
    readers: list[Any] = []
    try:
        for first in range(workers):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: it never returns
                os.close(r)
                for other in readers:
                    other.close()
                _work(w, jobs, range(first, count, workers), chunk)
            os.close(w)
            pids.append(pid)
            readers.append(os.fdopen(r, "rb", buffering=2**16))
        for k in range(count):
            reader = readers[k % workers]
            size = reader.read(header)
            if len(size) == header:
                (n,) = _HEADER.unpack(size)
                data = reader.read(n)
                if len(data) == n:
                    yield from pickle.loads(data)
                    continue
            raise RuntimeError("a worker process ended before its work was done")
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # those done have exited already
        for reader in readers:
            reader.close()
        for pid in pids:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


_HEADER = struct.Struct("<Q")  # a chunk's length in bytes, before its bytes
_PIPE_BYTES = 2**20  # F_SETPIPE_SZ: a pipe holds a few chunks (Linux's default: 64 KB)


def _work(fd: int, jobs: list[tuple[str, str]], chunks: range, chunk: int) -> NoReturn:
    """A worker's life: its chunks prepared and written to `fd`, then its
    end, without running the exit handlers or flushing the buffers it
    shares with the writer's process."""
    import pickle

    code = 1
    try:
        _worker_init()
        with contextlib.suppress(OSError, AttributeError):
            import fcntl

            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
        for k in chunks:
            done = [_prepare(job) for job in jobs[k * chunk : (k + 1) * chunk]]
            data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            _write_all(fd, _HEADER.pack(len(data)))
            _write_all(fd, data)
        code = 0
    finally:
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def spawned_init(config: Config) -> None:
    """A spawned worker's start (where there is no fork): the settings it
    parses by, which a forked one has from its parent."""
    use_config(config)
    _worker_init()


def _worker_init() -> None:
    """Workers leave Ctrl-C to the main process, which rolls back and says so
    in one line; if the main process dies, they end without a word."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
