"""What several test files need: records and KBs written to disk, the installed
`kzkb` run in a clean environment, and a web server on 127.0.0.1.

Fixtures stay in conftest.py; these are plain functions, so a module-scoped
fixture or a helper thread can call them too.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# --- records and KBs ------------------------------------------------------------------------


def record(title: str, body: str = "", *, blank: bool = True, **front: str) -> str:
    """A Markdown record: YAML front matter with `title` and `front` (values
    written as given, so `tags='["a"]'` is a list), then the body. `blank=False`
    leaves out the empty line after the front matter, so the body starts on
    the line right after the closing `---`."""
    lines = [f'title: "{title}"', *(f"{k}: {v}" for k, v in front.items())]
    return "---\n" + "\n".join(lines) + "\n---\n" + ("\n" if blank else "") + body + "\n"


def write_kb(root: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    """Write {path relative to root: text or bytes} under root (folders made as
    needed; text as UTF-8, byte for byte), and kzkb.toml when config is given."""
    root.mkdir(parents=True, exist_ok=True)
    if config:
        (root / "kzkb.toml").write_bytes(config.encode("utf-8"))
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


BIG = 3000  # records in write_big_kb's KB: enough that a refresh uses the worker pool


def word(i: int) -> str:
    """A made-up word unique to record i, far (in letters) from every other one."""
    digest = hashlib.sha1(f"record {i}".encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16)) for c in digest[:10])


def write_big_kb(root: Path, n: int = BIG, words: Callable[[int], str] = word) -> Path:
    """n generated records sources/r0000.md…, record i findable by words(i) alone,
    each linking to the next."""
    files: dict[str, str | bytes] = {
        f"sources/r{i:04d}.md": record(
            f"{words(i).capitalize()} ledger",
            f"Entry {i} of a generated collection mentions {words(i)} once. "
            f"See also [the next entry](/sources/r{(i + 1) % n:04d}/).",
            description=f'"Generated record number {i}."',
            tags='["generated"]',
        )
        for i in range(n)
    }
    return write_kb(root, files)


def later(path: Path, seconds: float = 2.0) -> None:
    """Move the mtime forward, as an edit made a moment later would."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + int(seconds * 1e9)))


# --- the installed command ------------------------------------------------------------------


def kzkb_exe() -> list[str]:
    """The installed console script beside this interpreter."""
    script = Path(sys.executable).parent / "kzkb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kzkb"]


def clean_env(tmp: Path) -> dict[str, str]:
    """The user's environment without kzkb's variables; caches and home in `tmp`
    so no test reads or writes the real user cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("KZKB_KB", "KZKB_INDEX", "KZKB_DEBUG")}
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    env["HOME"] = str(tmp / "home")
    (tmp / "home").mkdir(parents=True, exist_ok=True)
    return env


def run_kzkb(
    env: dict[str, str], *args: str, extra: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*kzkb_exe(), *args],
        capture_output=True,
        text=True,
        env={**env, **(extra or {})},
        cwd=cwd,
        timeout=180,
        check=False,
    )


def hits_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Paths of a `search -f json` or `list -f json`; [] for "nothing found" (exit 1)."""
    assert result.returncode in (0, 1), f"exit {result.returncode}: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 1:
        return []
    return [h["path"] for h in json.loads(result.stdout)]


def index_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    return json.loads(result.stdout)


def integrity(db: Path) -> str:
    """SQLite's own verdict on an index file: "ok" when it is whole."""
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


# --- a web server on 127.0.0.1 --------------------------------------------------------------


class Request(BaseHTTPRequestHandler):
    """One request, as a route sees it: `route` (the path without its query),
    `query` (first value of each parameter), `before` (requests to this very
    path, query included, that came earlier) and `state` (the Server)."""

    protocol_version = "HTTP/1.1"
    state: Server
    route: str
    query: dict[str, str]
    before: int

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        body = b"" if 300 <= status < 400 else b"hello"
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self) -> None:
        state = self.state
        with state.lock:
            state.requests.append((self.command, self.path))
            state.client_ports.append(self.client_address[1])
            state.times.append(time.monotonic())
            self.before = sum(1 for _, p in state.requests if p == self.path) - 1
        parts = urlsplit(self.path)
        self.route = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        state.routes(self)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up on a slow answer is what some tests are about


class Server:
    """A web server on 127.0.0.1 (a free port), answering with `routes(request)`
    from its own thread, and what it saw: (method, path) per request in order,
    the TCP client port and arrival time of each, and the most requests it had
    in flight at once (kept by the routes that count `inflight`)."""

    def __init__(self, routes: Callable[[Request], None]) -> None:
        self.routes = routes
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.client_ports: list[int] = []
        self.times: list[float] = []
        self.inflight = 0
        self.max_inflight = 0
        handler = type("Handler", (Request,), {"state": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01})
        thread.daemon = True
        thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path in self.requests]

    def methods(self, path: str) -> list[str]:
        """Methods of the requests for `path` exactly (query included)."""
        with self.lock:
            return [method for method, p in self.requests if p == path]

    def seen(self, path: str) -> int:
        return len(self.methods(path))

    def total(self) -> int:
        with self.lock:
            return len(self.requests)


# --- a terminal ------------------------------------------------------------------------------


def on_pty(
    args: list[str],
    env: dict[str, str],
    columns: int,
    *,
    rows: int = 50,
    cwd: Path | None = None,
    timeout: float = 60,
) -> tuple[int, str]:
    """Run kzkb with stdin, stdout and stderr on a pseudo-terminal `columns`
    wide, as a person sees it: its exit code and everything it wrote, byte
    for byte (escape sequences, and the terminal's \r\n line ends)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen(
        [*kzkb_exe(), *args], stdin=follower, stdout=follower, stderr=follower, env=env, cwd=cwd
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the other end closed: Linux says EIO
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=timeout)
    os.close(leader)
    return code, b"".join(chunks).decode("utf-8", "replace")


def press_ctrl_c(leader: int, pid: int, timeout: float = 10) -> None:
    """Type Ctrl-C on a pseudo-terminal once the process waits at its prompt.

    Typed the instant the prompt appears — between Python's write of the prompt
    and its read of the terminal — the SIGINT is noted by Python's handler, but
    the read that follows then blocks for good (CPython looks at signals when a
    read is interrupted, not before it starts): a race of a test reacting in
    microseconds, which a person at the keyboard does not meet, and which hung
    CI on a loaded machine. On Linux the kernel says when the process sleeps in
    its terminal read; elsewhere a pause stands in."""
    wchan = Path(f"/proc/{pid}/wchan")
    if wchan.exists():
        end = time.monotonic() + timeout
        while time.monotonic() < end and wchan.read_text() not in ("wait_woken", "n_tty_read"):
            time.sleep(0.01)
    else:
        time.sleep(0.5)
    os.write(leader, b"\x03")


def own_terminal() -> None:
    """preexec_fn making the pseudo-terminal the child's controlling terminal,
    so that ^C typed on it is the child's SIGINT, with SIGINT's default action
    as a shell gives its foreground job: a suite started in the background by a
    non-interactive shell (`pytest &`) ignores SIGINT, and its children would
    inherit that."""
    import fcntl
    import termios

    default_sigint()
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def default_sigint() -> None:
    """preexec_fn: SIGINT's default action in the child, as a shell gives its
    foreground job, whatever the suite was started with (see own_terminal)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
