"""Politeness: at most `per_host` requests in flight per (address, port), and
`concurrency` in all, and no request to a server that asked to be left alone.

A host is the address connected to, not the host name written: 127.0.0.1,
127.1, 2130706433 and every name that resolves to it are one server, and a
KB cannot multiply its load on one server by spelling it many ways. Per
(address, port) rather than per address, as a port is a separate server as
far as load goes. The default 16 is polite to a real site, yet 4 busy hosts
fill the 64 global slots: 1,000 URLs spread over 4 or more local servers
answering in 50 ms take 1.6-1.8 s (2 CPUs); 1,000 on a single (address,
port) cannot beat 1,000 x 50 ms / 16 = 3.1 s.

With a deadline, a request that could only start after it (the server's
Retry-After ends later) is not waited for: PastDeadline.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

HostKey = tuple[str, int]  # (address, port)


class PastDeadline(Exception):
    """The server asked for a wait that ends after the run's deadline."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"asked to wait {wait:.0f} s")
        self.wait = wait


@dataclass(slots=True)
class Host:
    key: HostKey
    slots: asyncio.Semaphore  # per_host requests in flight at most
    not_before: float = 0.0  # loop time before which no request may go (Retry-After)


class HostLimits:
    """One run's limits: a semaphore per (address, port), one for the run."""

    def __init__(self, *, per_host: int, concurrency: int, deadline: float | None = None) -> None:
        import asyncio

        self.per_host = per_host
        self.slots = asyncio.Semaphore(concurrency)
        self.hosts: dict[HostKey, Host] = {}
        self.deadline = deadline  # loop time, or None

    def host(self, key: HostKey) -> Host:
        import asyncio

        host = self.hosts.get(key)
        if host is None:
            host = self.hosts[key] = Host(key, asyncio.Semaphore(self.per_host))
        return host

    def hold_back(self, key: HostKey, seconds: float) -> None:
        """No request to the server for `seconds`: it said so (Retry-After)."""
        import asyncio

        host = self.host(key)
        loop = asyncio.get_running_loop()
        host.not_before = max(host.not_before, loop.time() + seconds)

    @contextlib.asynccontextmanager
    async def turn(self, key: HostKey) -> AsyncIterator[Host]:
        """Held while one request to the server is in flight, entered once
        the server's and the run's limits allow and any Retry-After is over."""
        import asyncio

        host = self.host(key)
        loop = asyncio.get_running_loop()
        while True:
            if self.deadline is not None and host.not_before >= self.deadline:
                raise PastDeadline(host.not_before - loop.time())
            delay = host.not_before - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            async with host.slots, self.slots:
                if host.not_before > loop.time():
                    continue  # another request got a Retry-After while this one queued
                yield host
                return
