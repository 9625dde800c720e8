#!/usr/bin/env python3
"""A local web server that answers every request 200 OK after a fixed delay.

    python bench/slow_server.py [--ports 8] [--delay 0.05] [--host 127.0.0.1]

For run.py's external check-links measure: one process, one
ThreadingHTTPServer per port (ports chosen by the OS), a thread per
connection, HTTP/1.1 keep-alive. Every HEAD or GET of any path sleeps
--delay seconds, then answers 200 with a short HTML body (none for HEAD).

Prints one JSON line on stdout once all ports listen, {"ports": [...]} and
then serves until SIGTERM or SIGINT. GET /_stats (answered at once, not
counted) returns {"HEAD": n, "GET": n, "other": n, "cpu": s}: the requests
answered so far, for checking how many requests a run made, and the CPU
seconds the server has used.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATS_PATH = "/_stats"
BODY = b"<!doctype html><title>ok</title><p>ok</p>\n"


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts = {"HEAD": 0, "GET": 0, "other": 0}

    def add(self, method: str) -> None:
        key = method if method in self.counts else "other"
        with self.lock:
            self.counts[key] += 1

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            counts: dict[str, float] = dict(self.counts)
        counts["cpu"] = round(time.process_time(), 3)  # the server's CPU seconds so far
        return counts


def handler(delay: float, counter: Counter) -> type[BaseHTTPRequestHandler]:
    class Slow(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
        server_version = "kzkb-bench-slow/1"

        def answer(self, body: bytes | None, content_type: str = "text/html") -> None:
            self.send_response(200)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body if body is not None else BODY)))
            self.end_headers()
            if body is not None:
                self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == STATS_PATH:
                self.answer(json.dumps(counter.snapshot()).encode(), "application/json")
                return
            time.sleep(delay)
            counter.add("GET")
            self.answer(BODY)

        def do_HEAD(self) -> None:
            time.sleep(delay)
            counter.add("HEAD")
            self.answer(None)

        def other(self) -> None:
            time.sleep(delay)
            counter.add("other")
            self.answer(BODY)

        do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = other

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request would cost more than the answer

    return Slow


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 drops connections when 16 or more clients
    # connect at once, and a dropped SYN costs the client a 1 s retransmission.
    request_queue_size = 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", type=int, default=8, help="how many ports (default: 8)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds (default: 0.05)")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    if args.ports < 1 or args.delay < 0:
        parser.error("--ports must be at least 1 and --delay not negative")
    counter = Counter()
    cls = handler(args.delay, counter)
    servers = [Server((args.host, 0), cls) for _ in range(args.ports)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(json.dumps({"ports": [s.server_address[1] for s in servers]}), flush=True)
    while not stop.wait(0.2):  # short waits: the signal handler runs between them
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    print(json.dumps(counter.snapshot()), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
