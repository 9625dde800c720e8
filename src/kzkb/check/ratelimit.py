"""Politeness: at most `per_host` requests in flight per (host, port), and
`concurrency` in all, and no request to a host that asked to be left alone.

Per (host, port) rather than per host name, as a port is a separate server
as far as load goes. The default 16 is polite to a real site, yet 4 busy
hosts fill the 64 global slots: 1,000 URLs spread over 4 or more local
servers answering in 50 ms take 1.6-1.8 s (2 CPUs); 1,000 on a single
(host, port) cannot beat 1,000 x 50 ms / 16 = 3.1 s.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    import httpx

HostKey = tuple[str, int]


@dataclass(slots=True)
class Host:
    key: HostKey
    slots: asyncio.Semaphore  # per_host requests in flight at most
    not_before: float = 0.0  # loop time before which no request may go (Retry-After)


class HostLimits:
    """One run's limits: a semaphore per (host, port), one for the run."""

    def __init__(self, *, per_host: int, concurrency: int) -> None:
        import asyncio

        self.per_host = per_host
        self.slots = asyncio.Semaphore(concurrency)
        self.hosts: dict[HostKey, Host] = {}

    def host(self, url: httpx.URL) -> Host:
        import asyncio

        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.host, port)
        host = self.hosts.get(key)
        if host is None:
            host = self.hosts[key] = Host(key, asyncio.Semaphore(self.per_host))
        return host

    def hold_back(self, url: httpx.URL, seconds: float) -> None:
        """No request to the URL's host for `seconds`: it said so (Retry-After)."""
        import asyncio

        host = self.host(url)
        loop = asyncio.get_running_loop()
        host.not_before = max(host.not_before, loop.time() + seconds)

    @contextlib.asynccontextmanager
    async def turn(self, url: httpx.URL) -> AsyncIterator[Host]:
        """Held while one request to the URL's host is in flight, entered once
        the host's and the run's limits allow and any Retry-After is over."""
        import asyncio

        host = self.host(url)
        loop = asyncio.get_running_loop()
        while True:
            delay = host.not_before - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            async with host.slots, self.slots:
                if host.not_before > loop.time():
                    continue  # another request got a Retry-After while this one queued
                yield host
                return
