"""The external link checker against a real HTTP server on 127.0.0.1.

The server counts every request it gets, so the tests can tell a URL that
was checked from one that was answered without asking (cache, dedup,
private-address protection). No network beyond the loopback interface.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kzkb.check import guard
from kzkb.check.external import check_urls
from kzkb.check.guard import is_private_address
from kzkb.check.report import UrlResult
from kzkb.check.retry import retry_after
from tests.helpers import Request, Server

# Small enough that the whole file runs in a few seconds.
FAST: dict[str, Any] = {"allow_private": True, "timeout": 2.0, "backoff": 0.01, "max_wait": 2.0}


def routes(req: Request) -> None:
    state, route, query, before = req.state, req.route, req.query, req.before
    if route == "/ok":
        req.answer(200)
    elif route == "/moved":
        req.answer(301, {"Location": "/ok"})
    elif route == "/moved308":
        req.answer(308, {"Location": state.url("/ok")})
    elif route == "/found":
        req.answer(302, {"Location": "/ok"})
    elif route == "/moved-to-missing":
        req.answer(301, {"Location": "/missing"})
    elif route == "/missing":
        req.answer(404)
    elif route == "/nohead":
        req.answer(405 if req.command == "HEAD" else 200)
    elif route == "/retry-after":
        req.answer(429, {"Retry-After": "1"}) if before == 0 else req.answer(200)
    elif route == "/rate-limited":
        req.answer(429)
    elif route == "/flaky":
        req.answer(500 if before < int(query.get("fail", "1")) else 200)
    elif route == "/unavailable":
        req.answer(503)
    elif route == "/slow":
        time.sleep(float(query.get("s", "1")))
        req.answer(200)
    elif route == "/loop":
        req.answer(302, {"Location": "/loop"})
    elif route == "/to-private":
        req.answer(302, {"Location": "http://10.255.255.1/secret"})
    elif route == "/challenge":
        req.answer(403, {"cf-mitigated": "challenge"})
    elif route == "/hold":
        with state.lock:
            state.inflight += 1
            state.max_inflight = max(state.max_inflight, state.inflight)
        time.sleep(float(query.get("s", "0.1")))
        with state.lock:
            state.inflight -= 1
        req.answer(200)
    else:
        req.answer(404)


@pytest.fixture
def start_server() -> Iterator[Callable[[], Server]]:
    running: list[Server] = []

    def start() -> Server:
        running.append(Server(routes))
        return running[-1]

    yield start
    for state in running:
        state.close()


@pytest.fixture
def server(start_server: Callable[[], Server]) -> Server:
    return start_server()


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_one(url: str, **kwargs: Any) -> UrlResult:
    options = {**FAST, **kwargs}
    return check_urls([url], **options)[url]


# Answers


def test_ok(server: Server) -> None:
    result = check_one(server.url("/ok"))
    assert (result.severity, result.reason, result.status) == ("ok", "200 OK", 200)
    assert result.redirect is None and not result.cached
    assert server.methods("/ok") == ["HEAD"]


@pytest.mark.parametrize("path", ["/moved", "/moved308"])
def test_permanent_redirect_is_a_warning_with_the_new_address(server: Server, path: str) -> None:
    result = check_one(server.url(path))
    new = server.url("/ok")
    assert result.severity == "warning"
    assert result.reason == f"permanent redirect to {new}"
    assert (result.redirect, result.status) == (new, 200)


def test_temporary_redirect_is_ok(server: Server) -> None:
    result = check_one(server.url("/found"))
    assert (result.severity, result.status, result.redirect) == ("ok", 200, None)
    assert server.paths() == ["/found", "/ok"]


def test_error_after_a_permanent_redirect_wins(server: Server) -> None:
    result = check_one(server.url("/moved-to-missing"))
    assert result.severity == "error"
    assert result.reason == f"404 Not Found at {server.url('/missing')}"
    assert (result.status, result.redirect) == (404, None)


def test_not_found_is_an_error_even_by_get(server: Server) -> None:
    result = check_one(server.url("/missing"))
    assert (result.severity, result.reason, result.status) == ("error", "404 Not Found", 404)
    # A 404 to HEAD is asked again with GET: servers that 404 HEAD alone exist.
    assert server.methods("/missing") == ["HEAD", "GET"]


def test_head_405_falls_back_to_get(server: Server) -> None:
    result = check_one(server.url("/nohead"))
    assert (result.severity, result.status) == ("ok", 200)
    assert server.methods("/nohead") == ["HEAD", "GET"]


def test_retry_after_is_honoured(server: Server) -> None:
    start = time.monotonic()
    result = check_one(server.url("/retry-after"))
    elapsed = time.monotonic() - start
    assert (result.severity, result.status) == ("ok", 200)
    assert server.seen("/retry-after") == 2
    assert elapsed >= 0.95


def test_retry_after_holds_back_the_whole_host(server: Server) -> None:
    urls = [server.url("/retry-after"), server.url("/ok")]
    results = check_urls(urls, concurrency=1, **FAST)
    assert all(r.severity == "ok" for r in results.values())
    paths = server.paths()
    assert sorted(paths) == ["/ok", "/retry-after", "/retry-after"]
    assert server.times[paths.index("/ok")] - server.times[0] >= 0.95


def test_retry_after_is_capped(server: Server) -> None:
    start = time.monotonic()
    result = check_one(server.url("/retry-after"), max_wait=0.1)
    assert result.severity == "ok"
    assert time.monotonic() - start < 0.9


def test_429_every_time_is_an_error_after_retries(server: Server) -> None:
    result = check_one(server.url("/rate-limited"), retries=2)
    assert result.severity == "error"
    assert result.reason == "429 Too Many Requests after 3 tries"
    assert server.methods("/rate-limited") == ["HEAD"] * 3  # 429 is an answer: no GET


def test_500_then_200_is_ok(server: Server) -> None:
    result = check_one(server.url("/flaky?fail=2"))
    assert (result.severity, result.status) == ("ok", 200)
    # HEAD 500 is asked again by GET, which also fails; the retry is a GET.
    assert server.methods("/flaky?fail=2") == ["HEAD", "GET", "GET"]


def test_503_every_time_is_an_error_after_retries(server: Server) -> None:
    result = check_one(server.url("/unavailable"), retries=2)
    assert result.severity == "error"
    assert result.reason == "503 Service Unavailable after 3 tries"
    assert result.status == 503
    assert server.seen("/unavailable") == 3


def test_no_retries(server: Server) -> None:
    result = check_one(server.url("/unavailable"), retries=0)
    assert result.reason == "503 Service Unavailable"
    assert server.seen("/unavailable") == 1


def test_backoff_grows(server: Server) -> None:
    start = time.monotonic()
    check_one(server.url("/unavailable"), retries=2, backoff=0.1)
    assert time.monotonic() - start >= 0.1 + 0.2 - 0.02


def test_slow_answer_times_out_after_one_retry_by_get(server: Server) -> None:
    start = time.monotonic()
    result = check_one(server.url("/slow?s=1"), timeout=0.3)
    elapsed = time.monotonic() - start
    assert (result.severity, result.reason, result.status) == (
        "error",
        "timed out after 0.3 s",
        None,
    )
    assert server.methods("/slow?s=1") == ["HEAD", "GET"]
    assert elapsed < 0.9


def test_timeout_not_retried_without_retries(server: Server) -> None:
    result = check_one(server.url("/slow?s=1"), timeout=0.2, retries=0)
    assert result.reason == "timed out after 0.2 s"
    assert server.seen("/slow?s=1") == 1


def test_closed_port_is_unreachable(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/"
    result = check_one(url)
    assert (result.severity, result.reason) == ("warning", "unreachable: connection refused")
    assert check_one(url, strict=True).severity == "error"


def test_too_many_redirects(server: Server) -> None:
    result = check_one(server.url("/loop"), max_redirects=3)
    assert (result.severity, result.reason) == ("error", "too many redirects (more than 3)")
    assert server.seen("/loop") == 4


def test_bot_protection_is_a_warning(server: Server) -> None:
    result = check_one(server.url("/challenge"))
    assert (result.severity, result.status) == ("warning", 403)
    assert "bot protection" in result.reason


# Which URLs are fetched at all


def test_duplicates_and_fragments_make_one_request(server: Server) -> None:
    urls = [server.url("/ok"), server.url("/ok"), server.url("/ok#a"), server.url("/ok#b")]
    results = check_urls(urls, **FAST)
    assert list(results) == [urls[0], urls[2], urls[3]]  # in order, duplicates once
    assert {r.severity for r in results.values()} == {"ok"}
    assert results[urls[2]].url == urls[2]  # each result names the URL as given
    assert server.requests == [("HEAD", "/ok")]


def test_non_http_schemes_are_never_fetched(server: Server) -> None:
    port = server.base.rsplit(":", 1)[1]
    urls = {
        "mailto:someone@example.org": ("ok", "not checked"),
        "tel:+77001234567": ("ok", "not checked"),
        f"ftp://127.0.0.1:{port}/": ("ok", "not checked"),
        "file:///etc/passwd": ("warning", "not checked: file: links are never fetched"),
        "javascript:alert(1)": ("warning", "not checked: javascript: links are never fetched"),
        "data:text/html,<b>x</b>": ("warning", "not checked: data: links are never fetched"),
    }
    results = check_urls(urls, **FAST)
    assert {url: (r.severity, r.reason) for url, r in results.items()} == urls
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://", "invalid URL: no host"),
        ("http:nothing", "invalid URL: no host"),
        ("http://exa mple.org/", "invalid URL: bad host name 'exa%20mple.org'"),
        ("http://a..b/", "invalid URL: bad host name 'a..b'"),
        ("http://example.org:99999/", "invalid URL: port 99999 out of range"),
        ("https://[::1/", "invalid URL: "),
        ("http://" + "a" * 64 + ".org/", "invalid URL: host name too long"),
        ("relative/path", "invalid URL: not an absolute http(s) address"),
        ("http://\udcff.org/", "invalid URL: "),
    ],
)
def test_invalid_urls_are_reported_not_raised(url: str, reason: str) -> None:
    result = check_urls([url], allow_private=False)[url]
    assert result.severity == "error"
    assert result.reason.startswith(reason)


def test_empty_input() -> None:
    start = time.monotonic()
    assert check_urls([]) == {}
    assert check_urls(iter(())) == {}
    assert time.monotonic() - start < 0.05


# Private addresses


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("224.0.0.1", True),  # multicast
        ("240.0.0.1", True),  # reserved
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("fc00::1", True),
        ("fd12:3456::1", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped
        ("::ffff:10.0.0.1", True),
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
        ("8.8.8.8", False),
        ("1.1.1.1", False),
        ("172.32.0.1", False),
        ("2001:4860:4860::8888", False),
        ("2001:4860::", False),
        ("::ffff:8.8.8.8", False),
        ("64:ff9b::808:808", False),
    ],
)
def test_private_address_classification(address: str, private: bool) -> None:
    assert is_private_address(address) is private


@pytest.mark.parametrize(
    ("path_host", "shown"),
    [
        ("127.0.0.1", "private address 127.0.0.1"),
        ("localhost", "private address localhost"),
        ("127.1", "private address 127.0.0.1 for 127.1"),  # inet_aton spelling, resolved
        ("2130706433", "private address 127.0.0.1 for 2130706433"),
    ],
)
def test_private_urls_are_skipped_without_a_request(
    server: Server, path_host: str, shown: str
) -> None:
    port = server.base.rsplit(":", 1)[1]
    url = f"http://{path_host}:{port}/ok"
    result = check_urls([url])[url]
    assert result.severity == "warning"
    assert result.reason == f"skipped: {shown} (use --allow-private)"
    assert server.requests == []


def test_redirect_to_a_private_address_is_refused(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only loopback is at hand: let it count as public, so the hop to
    # 10.255.255.1 is the only private address in sight.
    original = is_private_address
    monkeypatch.setattr(
        guard, "is_private_address", lambda a: str(a) != "127.0.0.1" and original(a)
    )
    url = server.url("/to-private")
    result = check_urls([url], timeout=2.0)[url]
    assert result.severity == "warning"
    assert (
        result.reason == "skipped: redirect to private address 10.255.255.1 (use --allow-private)"
    )
    assert server.paths() == ["/to-private"]


# Cache


def test_cache_hit_makes_no_request(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    url = server.url("/ok#frag")
    first = check_urls([url], cache_path=cache, **FAST)[url]
    assert not first.cached
    data = json.loads(cache.read_text())
    entry = data[server.url("/ok")]  # stored without the fragment
    assert set(entry) == {"checked_at", "severity", "reason", "status", "redirect", "allow_private"}
    assert (entry["severity"], entry["status"]) == ("ok", 200)

    second = check_urls([url], cache_path=cache, **FAST)[url]
    assert second.cached
    assert (second.url, second.severity, second.reason, second.status) == (url, "ok", "200 OK", 200)
    assert server.seen("/ok") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["links.json"]  # no temp file left


def test_permanent_redirect_is_cached_with_its_address(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    url = server.url("/moved")
    check_urls([url], cache_path=cache, **FAST)
    result = check_urls([url], cache_path=cache, **FAST)[url]
    assert result.cached and result.redirect == server.url("/ok")
    assert server.paths() == ["/moved", "/ok"]


def test_cache_expires(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    url = server.url("/ok")
    check_urls([url], cache_path=cache, **FAST)
    # ttl 0: the cache is not read (but still written).
    assert not check_urls([url], cache_path=cache, cache_ttl=0, **FAST)[url].cached
    assert server.seen("/ok") == 2
    # An entry older than the ttl is checked again.
    data = json.loads(cache.read_text())
    data[url]["checked_at"] -= 7200
    cache.write_text(json.dumps(data))
    assert not check_urls([url], cache_path=cache, cache_ttl=3600, **FAST)[url].cached
    assert server.seen("/ok") == 3
    assert check_urls([url], cache_path=cache, cache_ttl=3600, **FAST)[url].cached
    assert server.seen("/ok") == 3


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"x": 5}', b"\xff\xfe", b"[" * 100_000, b""],
)
def test_corrupt_cache_is_ignored(server: Server, tmp_path: Path, content: bytes) -> None:
    cache = tmp_path / "links.json"
    cache.write_bytes(content)
    url = server.url("/ok")
    result = check_urls([url], cache_path=cache, **FAST)[url]
    assert (result.severity, result.cached) == ("ok", False)
    assert url in json.loads(cache.read_text())  # and replaced by a good one


def test_corrupt_entry_is_ignored(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    url = server.url("/ok")
    cache.write_text(json.dumps({url: {"checked_at": "yesterday", "severity": "ok"}}))
    assert not check_urls([url], cache_path=cache, **FAST)[url].cached


def test_errors_are_not_cached(server: Server, tmp_path: Path, closed_port: int) -> None:
    cache = tmp_path / "links.json"
    urls = [server.url("/missing"), server.url("/unavailable"), f"http://127.0.0.1:{closed_port}/"]
    check_urls(urls, cache_path=cache, retries=0, **FAST)
    assert json.loads(cache.read_text()) == {}
    results = check_urls(urls, cache_path=cache, retries=0, **FAST)
    assert not any(r.cached for r in results.values())
    assert server.seen("/missing") == 4  # HEAD and GET, twice
    assert server.seen("/unavailable") == 2


def test_a_failure_removes_an_earlier_success(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    url = server.url("/missing")
    cache.write_text(
        json.dumps(
            {
                url: {
                    "checked_at": 0,
                    "severity": "ok",
                    "reason": "",
                    "status": 200,
                    "redirect": None,
                }
            }
        )
    )
    assert check_urls([url], cache_path=cache, **FAST)[url].severity == "error"
    assert url not in json.loads(cache.read_text())


def test_unwritable_cache_is_not_fatal(server: Server, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    url = server.url("/ok")
    result = check_urls([url], cache_path=blocker / "links.json", **FAST)[url]
    assert result.severity == "ok"


# Limits, progress, the event loop


def test_per_host_limit(server: Server) -> None:
    urls = [server.url(f"/hold?s=0.1&n={n}") for n in range(12)]
    results = check_urls(urls, per_host=3, **FAST)
    assert all(r.severity == "ok" for r in results.values())
    assert server.max_inflight == 3


def test_global_limit(server: Server) -> None:
    urls = [server.url(f"/hold?s=0.1&n={n}") for n in range(8)]
    check_urls(urls, per_host=8, concurrency=2, **FAST)
    assert server.max_inflight == 2


def test_connections_are_kept_alive(server: Server) -> None:
    urls = [server.url(f"/ok?n={n}") for n in range(5)] + [server.url("/nohead")]
    check_urls(urls, concurrency=1, **FAST)
    assert len(server.requests) == 7
    assert len(set(server.client_ports)) == 1


def test_idle_connections_are_capped(start_server: Callable[[], Server]) -> None:
    a, b = start_server(), start_server()
    # One request at a time, so one idle connection at most: b's first
    # request closes a's kept-alive connection, and a's second needs a new one.
    check_urls([a.url("/ok?1"), b.url("/ok?1"), a.url("/ok?2")], concurrency=1, **FAST)
    assert a.paths() == ["/ok?1", "/ok?2"]
    assert len(set(a.client_ports)) == 2


def test_progress_counts_distinct_checks(server: Server) -> None:
    calls: list[tuple[int, int]] = []
    urls = [server.url("/ok"), server.url("/ok#x"), server.url("/found"), "mailto:a@b.org"]
    check_urls(urls, progress=lambda done, total: calls.append((done, total)), **FAST)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_works_inside_a_running_event_loop(server: Server) -> None:
    async def main() -> UrlResult:
        return check_one(server.url("/ok"))

    assert asyncio.run(main()).severity == "ok"


def test_retry_after_parsing() -> None:
    now = time.time()
    assert retry_after(None) is None
    assert retry_after("7") == 7.0
    assert retry_after(" 0 ") == 0.0
    assert retry_after("soon") is None
    later = email.utils.formatdate(now + 20, usegmt=True)
    assert retry_after(later, now=now) == pytest.approx(20, abs=1.5)
    earlier = email.utils.formatdate(now - 20, usegmt=True)
    assert retry_after(earlier, now=now) == 0.0


def test_import_is_lazy() -> None:
    """kzkb's start-up must not pay for httpx, asyncio or the terminal UI."""
    code = (
        "import sys, kzkb.check.external; "
        "print(sorted(m for m in ('httpx', 'asyncio', 'typer', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
