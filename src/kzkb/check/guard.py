"""The private-address guard: what a link checker must not reach for an untrusted KB.

Unless allow_private=True, a URL whose host is, or resolves to, a private,
loopback, link-local, unspecified, multicast or reserved address is not
fetched (a KB from an untrusted contributor must not make CI probe its own
network); a host name with any such address among its answers is refused.

The address checked is the address connected to, on every redirect hop: a
host name is resolved once a run, here, and the request goes to one of the
addresses that passed, by number (the client sends to the address, with the
name as Host and TLS server name, so certificates are checked as usual). A
name whose DNS answer changes between the check and the connection (DNS
rebinding) is never resolved a second time, and the client's transport
refuses any request to an address that is not a number the guard passed
(`admit`). With allow_private the names are resolved here all the same: the
per-host limits count the address, however the URL spells it.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from kzkb.check.failures import one_line, unreachable
from kzkb.check.report import ERROR, WARNING, UrlResult

if TYPE_CHECKING:
    import asyncio

    import httpx

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


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_localhost(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


def obviously_private(key: str) -> str | None:
    """The host of `key` when it is a private address or localhost, known
    without DNS: such a URL is skipped before the cache is even consulted."""
    import httpx

    host = httpx.URL(key).raw_host.decode("ascii")
    ip = ip_literal(host)
    if (ip is not None and is_private_address(ip)) or is_localhost(host):
        return host
    return None


SKIPPED = "skipped: "  # how a refusal by the guard begins


def skipped(url: str, address: str, *, hop: bool = False, name: str = "") -> UrlResult:
    what = "redirect to private address" if hop else "private address"
    of = f" for {name}" if name else ""
    return UrlResult(url, WARNING, f"{SKIPPED}{what} {address}{of} (use --allow-private)")


class Guard:
    """The check of each hop before it is fetched, with one DNS lookup a
    host name a run, however many URLs and hops name it."""

    def __init__(self, *, timeout: float, strict: bool, allow_private: bool = False) -> None:
        self.timeout = timeout
        self.strict = strict
        self.allow_private = allow_private
        self.dns: dict[str, asyncio.Task[list[str]]] = {}

    async def refuse(self, key: str, url: httpx.URL, *, hop: bool) -> UrlResult | None:
        """None when `url` may be fetched; otherwise the result that says why not."""
        answer = await self.addresses(key, url, hop=hop)
        return answer if isinstance(answer, UrlResult) else None

    async def addresses(self, key: str, url: httpx.URL, *, hop: bool) -> list[str] | UrlResult:
        """The addresses `url` may be fetched from, in the resolver's order of
        preference, or the result that says why none."""
        import asyncio
        import socket

        host = url.raw_host.decode("ascii")
        ip = ip_literal(host)
        if ip is not None:
            if not self.allow_private and is_private_address(ip):
                return skipped(key, host, hop=hop)
            return [str(ip)]
        if is_localhost(host) and not self.allow_private:
            return skipped(key, host, hop=hop)
        name = host.lower().rstrip(".")
        task = self.dns.get(name)
        if task is None:
            task = self.dns[name] = asyncio.ensure_future(self._resolve(name))
        try:
            addresses = await asyncio.shield(task)
        except TimeoutError:
            return unreachable(key, f"DNS lookup for {name} timed out", strict=self.strict)
        except (OSError, UnicodeError, ValueError) as exc:
            if isinstance(exc, socket.gaierror):
                return unreachable(key, f"DNS lookup failed for {name}", strict=self.strict)
            return UrlResult(key, ERROR, f"invalid URL: {one_line(exc)}")
        if not addresses:
            return unreachable(key, f"DNS lookup failed for {name}", strict=self.strict)
        if not self.allow_private:
            for address in addresses:
                if is_private_address(address):
                    return skipped(key, address, hop=hop, name=name)
        return addresses

    def admit(self, host: str) -> None:
        """Raise unless a request may go to `host`: only an address by number,
        and a public one unless allow_private. The transport asks this of
        every request, so no path through the client can connect to a name
        (resolved again, unchecked) or to an address the guard did not pass."""
        ip = ip_literal(host)
        if ip is None:
            raise PermissionError(f"kzkb bug: a request to {host!r}, not to a checked address")
        if not self.allow_private and is_private_address(ip):
            raise PermissionError(f"kzkb bug: a request to the private address {host}")

    async def _resolve(self, name: str) -> list[str]:
        import asyncio
        import socket

        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.timeout):
            infos = await loop.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        # the resolver's order is its preference (RFC 6724); IPv6 scope ids
        # ("fe80::1%eth0") are not part of the address
        return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
