"""The HTTP side: one URL's fetch, hop by hop, with httpx.

A false alarm (a working link reported broken) is the worst outcome: people
learn to ignore a checker that cries wolf. Hence:

- HEAD first, since it costs the server no body. Servers often answer HEAD
  wrongly, so any 4xx but 429, and 500 or 501, is asked again with GET, whose
  body is never read. Once GET was needed, later tries of that URL use GET.
- Redirects are followed by hand (at most `max_redirects`), so every hop goes
  through the private-address guard, and each request is sent to an address
  the guard passed, by number (guard.py: DNS rebinding). A 301 or 308 anywhere in the chain
  makes a working link a warning naming the new address; an error at the
  end wins.
- A timeout (`timeout` bounds each request as a whole, connect to headers) is
  retried once, as a GET, so a URL costs at most two timeouts per hop; it
  then is an error. Other retries: retry.py.
- No answer at all (connection refused, DNS failure, no route, a TLS
  handshake that fails) is "unreachable: ...", a warning unless strict. Not
  retried, except a connection dropped after it was made; a connection
  refused or without a route is tried at the name's next address.
- With a deadline, a Retry-After that ends after it is not waited for: the
  URL is "not checked: deadline" (a warning), as is every URL the deadline
  cuts short (external.py).
- Connections are kept alive per host name and address, each request on a connection of its
  own (`_Pool`), and only `concurrency` idle ones stay open.

httpx is imported in functions only: importing kzkb.check costs start-up nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kzkb import __version__
from kzkb.check.failures import describe, one_line, status_label, unreachable
from kzkb.check.guard import Guard
from kzkb.check.plan import host_problem
from kzkb.check.ratelimit import HostLimits, PastDeadline
from kzkb.check.report import ERROR, OK, WARNING, UrlResult
from kzkb.check.retry import RetryPolicy, retry_after, retryable

if TYPE_CHECKING:
    from collections import OrderedDict
    from collections.abc import Callable

    import httpx

USER_AGENT = f"kzkb-linkcheck/{__version__}"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
# Browsers' Accept: a few servers answer 406 or 403 to a client that asks
# for nothing in particular.
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True, slots=True)
class ClientOptions:
    timeout: float
    retries: int
    per_host: int
    concurrency: int
    allow_private: bool
    strict: bool
    user_agent: str
    max_redirects: int
    backoff: float
    max_wait: float


# The connection (a one-connection httpx transport) the current task sends on.
_CONNECTION: contextvars.ContextVar[httpx.AsyncHTTPTransport] = contextvars.ContextVar(
    "kzkb_external_connection"
)


# A kept-alive connection serves one (scheme, host name, port, address): a TLS
# connection made for one name is never reused for another on the same address.
PoolKey = tuple[str, str, int, str]


@contextlib.asynccontextmanager
async def open_checker(
    opts: ClientOptions, guard: Guard, deadline: float | None = None
) -> AsyncIterator[Checker]:
    """A Checker for one run, its client and connections closed at the end.
    `deadline` is the loop time by which the run ends, if any."""
    _skip_missing_sniffio()
    import httpx

    async with httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(opts.timeout),
        transport=_task_transport(guard.admit),
        headers={"User-Agent": opts.user_agent, "Accept": _ACCEPT},
    ) as client:
        checker = Checker(client, opts, guard, deadline)
        try:
            yield checker
        finally:
            await checker.pool.aclose()


def _task_transport(admit: Callable[[str], None]) -> httpx.AsyncBaseTransport:
    """The client's transport: it sends each request down the connection that
    the sending task took from its host (`Checker._send`), once the guard
    admits the address the request is for."""
    import httpx

    class TaskTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            admit(request.url.host)
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


class _Pool:
    """Kept-alive connections, each a transport of exactly one connection.

    httpcore's own pool scans all its connections for every request it
    places, and one shared pool of 64 made a 1,000-URL run four times slower
    than these one-connection pools. At most `keep` idle connections stay
    open (least recently used closed first), so a KB linking to thousands of
    hosts does not run out of file descriptors."""

    def __init__(self, keep: int) -> None:
        from collections import OrderedDict

        import httpx

        self.keep = keep
        self.by_host: dict[PoolKey, list[httpx.AsyncHTTPTransport]] = {}  # idle, per host
        self.idle: OrderedDict[httpx.AsyncHTTPTransport, PoolKey] = OrderedDict()
        self.ssl_context = httpx.create_ssl_context()  # slow to build: shared by all
        self.one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    def take(self, host: PoolKey) -> httpx.AsyncHTTPTransport:
        import httpx

        free = self.by_host.get(host)
        if free:
            connection = free.pop()
            del self.idle[connection]
            return connection
        return httpx.AsyncHTTPTransport(verify=self.ssl_context, limits=self.one_connection)

    async def give_back(self, host: PoolKey, connection: httpx.AsyncHTTPTransport) -> None:
        self.by_host.setdefault(host, []).append(connection)
        self.idle[connection] = host
        while len(self.idle) > self.keep:
            await self._close_oldest()

    async def aclose(self) -> None:
        while self.idle:
            await self._close_oldest()

    async def _close_oldest(self) -> None:
        oldest, owner = self.idle.popitem(last=False)
        self.by_host[owner].remove(oldest)
        await oldest.aclose()


class Checker:
    """One run's shared state: the client, the limits, the connections, the
    guard and its DNS answers. Each request holds one of its host's
    `per_host` slots, and with it a connection of its own."""

    def __init__(
        self, client: httpx.AsyncClient, opts: ClientOptions, guard: Guard, deadline: float | None
    ) -> None:
        self.client = client
        self.opts = opts
        self.deadline = deadline
        self.limits = HostLimits(
            per_host=opts.per_host, concurrency=opts.concurrency, deadline=deadline
        )
        self.retry = RetryPolicy(opts.retries, opts.backoff, opts.max_wait)
        self.guard = guard
        self.pool = _Pool(opts.concurrency)

    async def check(self, key: str) -> UrlResult:
        import httpx

        url = httpx.URL(key)
        permanent = False
        for hop in range(self.opts.max_redirects + 1):
            addresses = await self.guard.addresses(key, url, hop=hop > 0)
            if isinstance(addresses, UrlResult):
                return addresses
            answer = await self._fetch(key, url, addresses)
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
                return UrlResult(key, ERROR, f"invalid redirect {location!r}: {one_line(exc)}")
            if url.scheme not in ("http", "https"):
                return UrlResult(key, WARNING, f"redirects to a non-web address: {target}")
            problem = host_problem(url.raw_host.decode("ascii"))
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
        label = status_label(status, phrase)
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

    async def _fetch(
        self, key: str, url: httpx.URL, addresses: list[str]
    ) -> tuple[int, str, httpx.Headers, int] | UrlResult:
        """One hop, sent to `addresses` (the guard's, in order; the next one
        when a connection cannot be made): (status, reason phrase, headers,
        tries), or a final result when no usable answer came."""
        import asyncio

        import httpx

        strict = self.opts.strict
        method = "HEAD"
        timed_out = False
        tries = 0
        address, others = addresses[0], addresses[1:]
        while True:
            tries += 1
            may_retry = self.retry.may_retry(tries)
            try:
                status, phrase, headers = await self._send(url, address, method)
                if method == "HEAD" and _head_unreliable(status):
                    method = "GET"
                    status, phrase, headers = await self._send(url, address, method)
            except PastDeadline as exc:
                return _past_deadline(key, f"the server asked to wait {exc.wait:.0f} s more")
            except (TimeoutError, httpx.TimeoutException):
                if timed_out or not may_retry:
                    return UrlResult(key, ERROR, f"timed out after {self.opts.timeout:g} s")
                timed_out, method = True, "GET"
                continue
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                if isinstance(exc, httpx.UnsupportedProtocol):
                    return UrlResult(key, ERROR, f"invalid URL: {one_line(exc)}")
                if others:  # say, an IPv6 address of a name, and no IPv6 route here
                    address, others, tries = others[0], others[1:], tries - 1
                    continue
                return unreachable(key, describe(exc, url.host), strict=strict)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                # The server dropped the connection without answering:
                # overloaded, or a keep-alive connection closed under us.
                if not may_retry:
                    return unreachable(key, describe(exc, url.host), strict=strict)
                await asyncio.sleep(self.retry.delay(tries))
                continue
            if not retryable(status) or not may_retry:
                return status, phrase, headers, tries
            wait = retry_after(headers.get("retry-after"))
            if wait is None:
                await asyncio.sleep(self.retry.delay(tries))
                continue
            wait = self.retry.capped(wait)
            self.limits.hold_back(_server(url, address), wait)
            loop = asyncio.get_running_loop()
            if self.deadline is not None and loop.time() + wait >= self.deadline:
                label = status_label(status, phrase)
                return _past_deadline(key, f"{label}, Retry-After {wait:g} s ends after it")

    async def _send(
        self, url: httpx.URL, address: str, method: str
    ) -> tuple[int, str, httpx.Headers]:
        """One request to `address`, within its server's and the run's
        limits, and after any Retry-After the server asked for; the body is
        never read. The URL keeps its host name for the Host header and TLS
        (server name and certificate), but the connection is to `address`:
        nothing resolves the name again."""
        import asyncio

        server = _server(url, address)
        name = url.raw_host.decode("ascii")
        async with self.limits.turn(server):
            pool_key = (url.scheme, name, server[1], address)
            connection = self.pool.take(pool_key)
            _CONNECTION.set(connection)
            try:
                async with (
                    asyncio.timeout(self.opts.timeout),
                    self.client.stream(
                        method,
                        url.copy_with(host=address),
                        headers={"Host": url.netloc.decode("ascii")},
                        extensions={"sni_hostname": name},
                    ) as response,
                ):
                    if method == "HEAD":
                        # Never a body, but reading its end is what lets the
                        # connection stay open for the next request.
                        await response.aread()
                    return response.status_code, response.reason_phrase, response.headers
            finally:
                await self.pool.give_back(pool_key, connection)


def _server(url: httpx.URL, address: str) -> tuple[str, int]:
    """What the per-host limits count: the address connected to, and the port."""
    return address, url.port or (443 if url.scheme == "https" else 80)


def _past_deadline(key: str, why: str) -> UrlResult:
    return UrlResult(key, WARNING, f"not checked: deadline ({why})")


def _head_unreliable(status: int) -> bool:
    """Answers to HEAD that a GET often contradicts (405, 501, and servers
    that 403, 404 or 500 on HEAD alone); 429 is a real answer and is retried."""
    return (400 <= status < 500 and status != 429) or status in (500, 501)
