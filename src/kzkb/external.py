"""Check external http(s) links: concurrently, politely, and without false alarms.

A library, not a command: nothing here prints, and neither typer, rich, httpx
nor asyncio is imported until `check_urls` is called, so importing this module
costs kzkb's start-up nothing.

A false alarm (a working link reported broken) is the worst outcome: people
learn to ignore a checker that cries wolf. Hence the rules below.

- Each distinct URL is fetched once; the fragment is dropped first, so
  ``page#a`` and ``page#b`` are one check. Only http: and https: are fetched
  (a protocol-relative ``//host/x`` as https:); file:, javascript: and data:
  links are a warning, other schemes (mailto:, tel:, ftp: ...) are not checked.
- HEAD first, since it costs the server no body. Servers often answer HEAD
  wrongly, so any 4xx but 429, and 500 or 501, is asked again with GET, whose
  body is never read. Once GET was needed, later tries of that URL use GET.
- Redirects are followed by hand (at most `max_redirects`), so every hop goes
  through the private-address check. A 301 or 308 anywhere in the chain makes
  a working link a warning naming the new address; an error at the end wins.
- 429 and 5xx are retried `retries` times, after Retry-After (seconds or an
  HTTP date) or an exponential backoff from `backoff` seconds, either capped
  at `max_wait`. A Retry-After holds back every request to that host, not
  only the one that got it. A connection the server drops without answering
  is retried the same way.
- A timeout (`timeout` bounds each request as a whole, connect to headers) is
  retried once, as a GET, as some servers hang on HEAD only, so a URL costs
  at most two timeouts per hop; it then is an error.
- No answer at all (connection refused, DNS failure, no route, a TLS
  handshake that fails) is a warning, "unreachable: ...", as it is as often
  the checker's network as the site; with strict=True it is an error. Not
  retried, except a connection dropped after it was made (see above).
- Politeness: at most `per_host` requests in flight per (host, port), and
  `concurrency` in all. Per (host, port) rather than per host name, as a port
  is a separate server as far as load goes. The default 16 is polite to a
  real site, yet 4 busy hosts fill the 64 global slots: 1,000 URLs spread
  over 4 or more local servers answering in 50 ms take 1.6-1.8 s (2 CPUs);
  1,000 on a single (host, port) cannot beat 1,000 x 50 ms / 16 = 3.1 s.
- Connections are kept alive per host, each request on a connection of its
  own (`_Checker`), and only `concurrency` idle ones stay open.
- Private addresses: unless allow_private=True, a URL whose host is, or
  resolves to, a private, loopback, link-local, unspecified, multicast or
  reserved address is not fetched (a KB from an untrusted contributor must
  not make CI probe its own network). Checked again on every redirect hop;
  DNS rebinding between the check and the connection is not prevented.
- The disk cache (`cache_path`) keeps only successes: "ok" and permanent
  redirects. Errors and unreachable links are fetched again on every run, so
  a site that comes back clears at once instead of after `cache_ttl`.
- No URL ever raises: a malformed one is an error "invalid URL: ...", and a
  failure of the checker itself is a warning "check failed: ...".
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzkb import __version__

if TYPE_CHECKING:
    import asyncio

    import httpx

OK, WARNING, ERROR = "ok", "warning", "error"
USER_AGENT = f"kzkb-linkcheck/{__version__}"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")
_NEVER_FETCHED = frozenset({"file", "javascript", "data"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
# Browsers' Accept: a few servers answer 406 or 403 to a client that asks
# for nothing in particular.
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True, slots=True)
class UrlResult:
    """The verdict on one URL, as the caller passed it."""

    url: str
    severity: str  # ok | warning | error
    reason: str  # one line for people: "404 Not Found", "timed out after 2 s"
    status: int | None = None  # final HTTP status, if there was an answer
    redirect: str | None = None  # the new address after a 301/308 in the chain
    cached: bool = False


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_private_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address a link checker must not reach for an untrusted KB:
    private, loopback, link-local, unspecified, multicast, reserved, shared
    (100.64/10) or documentation ranges, including IPv4 ones wrapped in IPv6
    (::ffff:10.0.0.1, 6to4 2002::/16, NAT64 64:ff9b::/96)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_private_address(embedded)
    # is_global alone would pass multicast (224.0.0.1 is "global"); the other
    # tests are there because Python versions disagree on the edge ranges.
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
    )


def check_urls(
    urls: Iterable[str],
    *,
    timeout: float = 10.0,
    retries: int = 2,
    per_host: int = 16,
    concurrency: int = 64,
    allow_private: bool = False,
    strict: bool = False,
    cache_path: Path | None = None,
    cache_ttl: float = 86400.0,
    progress: Callable[[int, int], None] | None = None,
    user_agent: str = USER_AGENT,
    max_redirects: int = 10,
    backoff: float = 0.25,
    max_wait: float = 30.0,
) -> dict[str, UrlResult]:
    """Check every URL and return its result, keyed by the URL as given.

    `progress(done, total)` is called after each distinct check (total is the
    number of distinct checks, after dropping fragments), from the thread
    that runs the event loop. Safe to call from inside a running event loop:
    the checks then run on a thread of their own.
    """
    given = list(dict.fromkeys(urls))
    if not given:
        return {}
    import asyncio

    opts = _Options(
        timeout=max(timeout, 0.001),
        retries=max(retries, 0),
        per_host=max(per_host, 1),
        concurrency=max(concurrency, 1),
        allow_private=allow_private,
        strict=strict,
        cache_path=cache_path,
        cache_ttl=cache_ttl,
        progress=progress,
        user_agent=user_agent,
        max_redirects=max(max_redirects, 0),
        backoff=max(backoff, 0.0),
        max_wait=max(max_wait, 0.0),
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_check_all(given, opts))
    # asyncio.run refuses to nest: a caller already in a loop gets a thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _check_all(given, opts)).result()


@dataclass(frozen=True, slots=True)
class _Options:
    timeout: float
    retries: int
    per_host: int
    concurrency: int
    allow_private: bool
    strict: bool
    cache_path: Path | None
    cache_ttl: float
    progress: Callable[[int, int], None] | None
    user_agent: str
    max_redirects: int
    backoff: float
    max_wait: float


def _plan(url: str) -> str | UrlResult:
    """What to fetch for `url` (the key its duplicates share: normalised, no
    fragment), or, when nothing is to be fetched, the final result."""
    if not isinstance(url, str):
        return UrlResult(str(url), ERROR, "invalid URL: not a string")
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    match = _SCHEME.match(text)
    if not match:
        return UrlResult(url, ERROR, "invalid URL: not an absolute http(s) address")
    scheme = match.group(1).lower()
    if scheme in _NEVER_FETCHED:
        return UrlResult(url, WARNING, f"not checked: {scheme}: links are never fetched")
    if scheme not in ("http", "https"):
        return UrlResult(url, OK, "not checked")
    text = text.split("#", 1)[0]
    import httpx

    try:
        parsed = httpx.URL(text)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port
    except Exception as exc:  # httpx, idna and the codecs each raise their own
        return UrlResult(url, ERROR, f"invalid URL: {_one_line(exc)}")
    problem = _host_problem(host)
    if problem is None and port is not None and not 0 < port < 65536:
        problem = f"port {port} out of range"
    if problem is not None:
        return UrlResult(url, ERROR, f"invalid URL: {problem}")
    return str(parsed)


def _host_problem(host: str) -> str | None:
    if not host:
        return "no host"
    if _ip_literal(host) is not None:
        return None
    if not _HOST_NAME.fullmatch(host):
        return f"bad host name {host!r}"
    if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        return f"host name too long {host!r}"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_localhost(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


def _obviously_private(key: str) -> str | None:
    """The host of `key` when it is a private address or localhost, known
    without DNS: such a URL is skipped before the cache is even consulted."""
    import httpx

    host = httpx.URL(key).raw_host.decode("ascii")
    ip = _ip_literal(host)
    if (ip is not None and is_private_address(ip)) or _is_localhost(host):
        return host
    return None


def _skipped(url: str, address: str, *, hop: bool = False, name: str = "") -> UrlResult:
    what = "redirect to private address" if hop else "private address"
    of = f" for {name}" if name else ""
    return UrlResult(url, WARNING, f"skipped: {what} {address}{of} (use --allow-private)")


async def _check_all(given: list[str], opts: _Options) -> dict[str, UrlResult]:
    import asyncio
    import time

    planned: dict[str, list[str]] = {}  # fetch key -> the URLs given for it
    results: dict[str, UrlResult] = {}
    for url in given:
        plan = _plan(url)
        if isinstance(plan, UrlResult):
            results[url] = plan
        else:
            planned.setdefault(plan, []).append(url)

    total = len(results) + len(planned)
    done = 0

    def finish(urls: list[str], result: UrlResult) -> None:
        nonlocal done
        for url in urls:
            results[url] = replace(result, url=url)
        done += 1
        if opts.progress is not None:
            opts.progress(done, total)

    for url in list(results):
        finish([url], results[url])

    cache: dict[str, dict[str, Any]] = {}
    if opts.cache_path is not None and opts.cache_ttl > 0:
        cache = _load_cache(opts.cache_path)
    now = time.time()
    to_fetch: list[str] = []
    for key, urls in planned.items():
        host = None if opts.allow_private else _obviously_private(key)
        if host is not None:
            finish(urls, _skipped(key, host))
            continue
        hit = _from_cache(key, cache.get(key), now, opts.cache_ttl)
        if hit is not None:
            finish(urls, hit)
        else:
            to_fetch.append(key)
    if not to_fetch:
        return {url: results[url] for url in given}

    _skip_missing_sniffio()
    import httpx

    fetched: dict[str, UrlResult] = {}
    async with httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(opts.timeout),
        transport=_task_transport(),
        headers={"User-Agent": opts.user_agent, "Accept": _ACCEPT},
    ) as client:
        checker = _Checker(client, opts)

        async def one(key: str) -> None:
            try:
                result = await checker.check(key)
            except Exception as exc:  # a bug here must not cost the other URLs
                severity = ERROR if opts.strict else WARNING
                result = UrlResult(key, severity, f"check failed: {_one_line(exc)}")
            fetched[key] = result
            finish(planned[key], result)

        try:
            await asyncio.gather(*(one(key) for key in to_fetch))
        finally:
            await checker.aclose()

    if opts.cache_path is not None:
        _update_cache(opts.cache_path, fetched, opts.cache_ttl)
    return {url: results[url] for url in given}


def _task_transport() -> httpx.AsyncBaseTransport:
    """The client's transport: it sends each request down the connection that
    the sending task took from its host (`_Checker._send`)."""
    import httpx

    class TaskTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await _CONNECTION.get().handle_async_request(request)

    return TaskTransport()


def _skip_missing_sniffio() -> None:
    """httpcore tries `import sniffio` on every lock it makes and falls back to
    asyncio when it fails; since anyio 4.11 stopped requiring sniffio, that
    failed import (a sys.path scan, Python does not remember failures) cost
    a third of the run's time. A None in sys.modules makes the same import
    fail at once. See encode/httpcore#1103; installing sniffio also cures it."""
    import importlib.util
    import sys

    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


# The connection (a one-connection httpx transport) the current task sends on.
_CONNECTION: contextvars.ContextVar[httpx.AsyncHTTPTransport] = contextvars.ContextVar(
    "kzkb_external_connection"
)


@dataclass(slots=True)
class _Host:
    slots: asyncio.Semaphore  # per_host requests in flight at most
    idle: list[httpx.AsyncHTTPTransport] = field(default_factory=list)  # kept-alive, free
    not_before: float = 0.0  # loop time before which no request may go (Retry-After)


class _Checker:
    """One run's shared state: the client, the limits, the connections, the
    DNS answers.

    Connections: each request holds one of its host's `per_host` slots, and
    with it a transport of exactly one connection, kept alive for the next
    request to that host. httpcore's own pool scans all its connections for
    every request it places, and one shared pool of 64 made a 1,000-URL run
    four times slower than these one-connection pools. At most `concurrency`
    idle connections stay open (least recently used closed first), so a KB
    linking to thousands of hosts does not run out of file descriptors."""

    def __init__(self, client: httpx.AsyncClient, opts: _Options) -> None:
        import asyncio
        from collections import OrderedDict

        import httpx

        self.client = client
        self.opts = opts
        self.slots = asyncio.Semaphore(opts.concurrency)
        self.hosts: dict[tuple[str, int], _Host] = {}
        self.dns: dict[str, asyncio.Task[list[str]]] = {}
        self.idle: OrderedDict[httpx.AsyncHTTPTransport, _Host] = OrderedDict()
        self.ssl_context = httpx.create_ssl_context()  # slow to build: shared by all
        self.one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    def _take_connection(self, host: _Host) -> httpx.AsyncHTTPTransport:
        import httpx

        if host.idle:
            connection = host.idle.pop()
            del self.idle[connection]
            return connection
        return httpx.AsyncHTTPTransport(verify=self.ssl_context, limits=self.one_connection)

    async def _give_back(self, host: _Host, connection: httpx.AsyncHTTPTransport) -> None:
        host.idle.append(connection)
        self.idle[connection] = host
        while len(self.idle) > self.opts.concurrency:
            oldest, owner = self.idle.popitem(last=False)
            owner.idle.remove(oldest)
            await oldest.aclose()

    async def aclose(self) -> None:
        while self.idle:
            oldest, owner = self.idle.popitem(last=False)
            owner.idle.remove(oldest)
            await oldest.aclose()

    async def check(self, key: str) -> UrlResult:
        import httpx

        url = httpx.URL(key)
        permanent = False
        for hop in range(self.opts.max_redirects + 1):
            refused = await self._guard(key, url, hop=hop > 0)
            if refused is not None:
                return refused
            answer = await self._fetch(key, url)
            if isinstance(answer, UrlResult):
                return answer
            status, phrase, headers, tries = answer
            location = headers.get("location")
            if status not in _REDIRECTS or not location:
                return self._verdict(key, url, status, phrase, headers, tries, permanent, hop)
            permanent = permanent or status in _PERMANENT
            try:
                url = url.join(location.strip()).copy_with(fragment=None)
                target = str(url)
            except Exception as exc:
                return UrlResult(key, ERROR, f"invalid redirect {location!r}: {_one_line(exc)}")
            if url.scheme not in ("http", "https"):
                return UrlResult(key, WARNING, f"redirects to a non-web address: {target}")
            problem = _host_problem(url.raw_host.decode("ascii"))
            if problem is not None:
                return UrlResult(key, ERROR, f"invalid redirect to {target}: {problem}")
        limit = self.opts.max_redirects
        return UrlResult(key, ERROR, f"too many redirects (more than {limit})")

    def _verdict(
        self,
        key: str,
        url: httpx.URL,
        status: int,
        phrase: str,
        headers: httpx.Headers,
        tries: int,
        permanent: bool,
        hops: int,
    ) -> UrlResult:
        label = _status_label(status, phrase)
        final = str(url)
        if 200 <= status < 400:
            if permanent:
                return UrlResult(
                    key, WARNING, f"permanent redirect to {final}", status, redirect=final
                )
            return UrlResult(key, OK, label, status)
        if headers.get("cf-mitigated", "").lower() == "challenge":
            # A bot wall, not a broken page: a person with a browser gets in.
            return UrlResult(key, WARNING, f"{label}: blocked by bot protection", status)
        if not 400 <= status < 600:
            return UrlResult(key, WARNING, f"unexpected status {label}", status)
        if tries > 1:
            label += f" after {tries} tries"
        if hops:
            label += f" at {final}"
        return UrlResult(key, ERROR, label, status)

    async def _guard(self, key: str, url: httpx.URL, *, hop: bool) -> UrlResult | None:
        """None when `url` may be fetched; otherwise the result that says why not."""
        if self.opts.allow_private:
            return None
        import asyncio
        import socket

        host = url.raw_host.decode("ascii")
        ip = _ip_literal(host)
        if ip is not None:
            return _skipped(key, host, hop=hop) if is_private_address(ip) else None
        if _is_localhost(host):
            return _skipped(key, host, hop=hop)
        name = host.lower().rstrip(".")
        task = self.dns.get(name)
        if task is None:
            task = self.dns[name] = asyncio.ensure_future(self._resolve(name))
        try:
            addresses = await asyncio.shield(task)
        except TimeoutError:
            return self._unreachable(key, f"DNS lookup for {name} timed out")
        except (OSError, UnicodeError, ValueError) as exc:
            if isinstance(exc, socket.gaierror):
                return self._unreachable(key, f"DNS lookup failed for {name}")
            return UrlResult(key, ERROR, f"invalid URL: {_one_line(exc)}")
        for address in addresses:
            if is_private_address(address):
                return _skipped(key, address, hop=hop, name=name)
        return None

    async def _resolve(self, name: str) -> list[str]:
        import asyncio
        import socket

        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.opts.timeout):
            infos = await loop.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        # IPv6 scope ids ("fe80::1%eth0") are not part of the address.
        return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})

    def _unreachable(self, key: str, why: str) -> UrlResult:
        return UrlResult(key, ERROR if self.opts.strict else WARNING, f"unreachable: {why}")

    async def _fetch(
        self, key: str, url: httpx.URL
    ) -> tuple[int, str, httpx.Headers, int] | UrlResult:
        """One hop: (status, reason phrase, headers, tries), or a final result
        when no usable answer came."""
        import asyncio

        import httpx

        opts = self.opts
        method = "HEAD"
        timed_out = False
        tries = 0
        while True:
            tries += 1
            may_retry = tries <= opts.retries
            try:
                status, phrase, headers = await self._send(url, method)
                if method == "HEAD" and _head_unreliable(status):
                    method = "GET"
                    status, phrase, headers = await self._send(url, method)
            except (TimeoutError, httpx.TimeoutException):
                if timed_out or not may_retry:
                    return UrlResult(key, ERROR, f"timed out after {opts.timeout:g} s")
                timed_out, method = True, "GET"
                continue
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                if isinstance(exc, httpx.UnsupportedProtocol):
                    return UrlResult(key, ERROR, f"invalid URL: {_one_line(exc)}")
                return self._unreachable(key, _describe(exc, url.host))
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                # The server dropped the connection without answering:
                # overloaded, or a keep-alive connection closed under us.
                if not may_retry:
                    return self._unreachable(key, _describe(exc, url.host))
                await asyncio.sleep(self._backoff(tries))
                continue
            if not (status == 429 or 500 <= status < 600) or not may_retry:
                return status, phrase, headers, tries
            wait = _retry_after(headers.get("retry-after"))
            if wait is None:
                await asyncio.sleep(self._backoff(tries))
            else:
                host = self._host(url)
                loop = asyncio.get_running_loop()
                host.not_before = max(host.not_before, loop.time() + min(wait, opts.max_wait))

    def _backoff(self, tries: int) -> float:
        return min(self.opts.backoff * 2 ** (tries - 1), self.opts.max_wait)

    def _host(self, url: httpx.URL) -> _Host:
        import asyncio

        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.host, port)
        host = self.hosts.get(key)
        if host is None:
            host = self.hosts[key] = _Host(asyncio.Semaphore(self.opts.per_host))
        return host

    async def _send(self, url: httpx.URL, method: str) -> tuple[int, str, httpx.Headers]:
        """One request, within the host's and the run's limits, and after any
        Retry-After the host asked for; the body is never read."""
        import asyncio

        host = self._host(url)
        loop = asyncio.get_running_loop()
        while True:
            delay = host.not_before - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            async with host.slots, self.slots:
                if host.not_before > loop.time():
                    continue  # another request got a Retry-After while this one queued
                connection = self._take_connection(host)
                _CONNECTION.set(connection)
                try:
                    async with (
                        asyncio.timeout(self.opts.timeout),
                        self.client.stream(method, url) as response,
                    ):
                        if method == "HEAD":
                            # Never a body, but reading its end is what lets the
                            # connection stay open for the next request.
                            await response.aread()
                        return response.status_code, response.reason_phrase, response.headers
                finally:
                    await self._give_back(host, connection)


def _head_unreliable(status: int) -> bool:
    """Answers to HEAD that a GET often contradicts (405, 501, and servers
    that 403, 404 or 500 on HEAD alone); 429 is a real answer and is retried."""
    return (400 <= status < 500 and status != 429) or status in (500, 501)


def _status_label(status: int, phrase: str) -> str:
    from http import HTTPStatus

    with contextlib.suppress(ValueError):
        phrase = HTTPStatus(status).phrase
    return f"{status} {phrase}".strip()


def _retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date),
    or None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils
    import time

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; an unzoned one is read so
        import datetime as dt

        when = when.replace(tzinfo=dt.UTC)
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _describe(exc: BaseException, host: str) -> str:
    """The root cause of a failed connection in a few words."""
    import errno
    import socket
    import ssl

    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue:
        err = queue.pop(0)
        if id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, ssl.SSLCertVerificationError):
            return f"TLS certificate not accepted ({err.verify_message})"
        if isinstance(err, ssl.SSLError):
            return f"TLS failed ({err.reason or err})"
        if isinstance(err, socket.gaierror):
            return f"DNS lookup failed for {host}"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, ConnectionResetError):
            return "connection reset"
        if isinstance(err, OSError) and err.errno == errno.EHOSTUNREACH:
            return "no route to host"
        if isinstance(err, OSError) and err.errno == errno.ENETUNREACH:
            return "network unreachable"
        if isinstance(err, BaseExceptionGroup):
            queue.extend(err.exceptions)
        queue.extend(e for e in (err.__cause__, err.__context__) if e is not None)
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# The disk cache: {url: {checked_at, severity, reason, status, redirect}}.


def _load_cache(path: Path) -> dict[str, dict[str, Any]]:
    """The cache's valid entries; a missing, unreadable or corrupt file is empty."""
    import json

    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and _valid_entry(v)}


def _valid_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("checked_at"), int | float)
        and entry.get("severity") in (OK, WARNING)
        and isinstance(entry.get("reason"), str)
        and isinstance(entry.get("status"), int | None)
        and isinstance(entry.get("redirect"), str | None)
    )


def _from_cache(key: str, entry: dict[str, Any] | None, now: float, ttl: float) -> UrlResult | None:
    if entry is None or not 0 <= now - entry["checked_at"] < ttl:
        return None
    return UrlResult(
        key, entry["severity"], entry["reason"], entry["status"], entry["redirect"], cached=True
    )


def _cacheable(result: UrlResult) -> bool:
    return result.severity == OK or (result.severity == WARNING and result.redirect is not None)


def _update_cache(path: Path, fetched: dict[str, UrlResult], ttl: float) -> None:
    """Merge this run's results into the file: successes stored, everything
    else dropped (so a stale "ok" cannot outlive a failure), entries older
    than `ttl` pruned. Re-read first, as another run may have written since.
    Best effort: a cache that cannot be written is not worth failing a check."""
    import json
    import tempfile
    import time

    entries = _load_cache(path)
    now = time.time()
    if ttl > 0:
        entries = {k: v for k, v in entries.items() if 0 <= now - v["checked_at"] < ttl}
    for key, result in fetched.items():
        if _cacheable(result):
            entries[key] = {
                "checked_at": now,
                "severity": result.severity,
                "reason": result.reason,
                "status": result.status,
                "redirect": result.redirect,
            }
        else:
            entries.pop(key, None)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
