"""Check external http(s) links: concurrently, politely, and without false alarms.

A library, not a command: nothing here prints, and neither typer, rich, httpx
nor asyncio is imported until `check_urls` is called, so importing this module
costs kzkb's start-up nothing.

This module runs a check: it plans each URL (plan), skips private hosts it
can tell without DNS (guard), answers from the cache (cache) once the guard
has passed the URL's host (an "ok" cached by a run with allow_private says
nothing about whether a run without it may reach that host), fetches the
rest concurrently (client, with ratelimit and retry) and stores the
successes. Each of those modules states its own rules. No URL ever raises:
a failure of the checker itself is a warning "check failed: ...".

With a deadline (seconds from the start of the run), a URL not checked by
then is a warning "not checked: deadline", never an "ok": the run ends by
the deadline whatever the servers do (Retry-After, slow answers, many URLs).
Every number is checked first (settings.sections.seconds): a NaN timeout
would otherwise pass every link, an infinite one disable it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kzkb.check.cache import from_cache, load_cache, update_cache
from kzkb.check.client import USER_AGENT, ClientOptions, open_checker
from kzkb.check.failures import one_line
from kzkb.check.guard import SKIPPED, Guard, obviously_private, skipped
from kzkb.check.plan import plan
from kzkb.check.report import ERROR, WARNING, UrlResult
from kzkb.settings.sections import seconds

Progress = Callable[[int, int], None]


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
    progress: Progress | None = None,
    user_agent: str = USER_AGENT,
    max_redirects: int = 10,
    backoff: float = 0.25,
    max_wait: float = 30.0,
    deadline: float = 0.0,
) -> dict[str, UrlResult]:
    """Check every URL and return its result, keyed by the URL as given.

    `progress(done, total)` is called after each distinct check (total is the
    number of distinct checks, after dropping fragments), from the thread
    that runs the event loop. Safe to call from inside a running event loop:
    the checks then run on a thread of their own. `deadline` bounds the whole
    run in seconds (0: none). A number that is not finite or out of its
    range raises KzkbError.
    """
    timeout = seconds(timeout, "timeout", "timeout")
    cache_ttl = seconds(cache_ttl, "cache-ttl", "cache_ttl")
    backoff = seconds(backoff, "backoff", "backoff")
    max_wait = seconds(max_wait, "max-wait", "max_wait")
    deadline = seconds(deadline, "deadline", "deadline")
    given = list(dict.fromkeys(urls))
    if not given:
        return {}
    import asyncio

    opts = ClientOptions(
        timeout=timeout,
        retries=max(retries, 0),
        per_host=max(per_host, 1),
        concurrency=max(concurrency, 1),
        allow_private=allow_private,
        strict=strict,
        user_agent=user_agent,
        max_redirects=max(max_redirects, 0),
        backoff=backoff,
        max_wait=max_wait,
    )
    run = _Run(given, opts, cache_path, cache_ttl, progress, deadline)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run.check_all())
    # asyncio.run refuses to nest: a caller already in a loop gets a thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run.check_all()).result()


class _Run:
    """One call of check_urls: the URLs given, what each is fetched as, the
    results so far and the progress count."""

    def __init__(
        self,
        given: list[str],
        opts: ClientOptions,
        cache_path: Path | None,
        cache_ttl: float,
        progress: Progress | None,
        deadline: float = 0.0,
    ) -> None:
        self.given = given
        self.seconds = deadline  # 0: none
        self.deadline: float | None = None  # the loop time it ends at
        self.opts = opts
        self.cache_path = cache_path
        self.cache_ttl = cache_ttl
        self.progress = progress
        self.planned: dict[str, list[str]] = {}  # fetch key -> the URLs given for it
        self.results: dict[str, UrlResult] = {}
        self.done = 0
        self.total = 0

    def finish(self, urls: list[str], result: UrlResult) -> None:
        for url in urls:
            self.results[url] = replace(result, url=url)
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    async def check_all(self) -> dict[str, UrlResult]:
        import asyncio

        if self.seconds > 0:
            self.deadline = asyncio.get_running_loop().time() + self.seconds
        guard = Guard(
            timeout=self.opts.timeout,
            strict=self.opts.strict,
            allow_private=self.opts.allow_private,
        )
        self.plan_all()
        cache: dict[str, dict[str, Any]] = {}
        if self.cache_path is not None and self.cache_ttl > 0:
            cache = load_cache(self.cache_path)
        to_fetch = await self._answer_from_cache(cache, guard)
        if to_fetch:
            fetched = await self._fetch_all(to_fetch, guard)
            if self.cache_path is not None:
                update_cache(self.cache_path, fetched, self.cache_ttl, self.opts.allow_private)
        return {url: self.results[url] for url in self.given}

    def plan_all(self) -> None:
        for url in self.given:
            planned = plan(url)
            if isinstance(planned, UrlResult):
                self.results[url] = planned
            else:
                self.planned.setdefault(planned, []).append(url)
        self.total = len(self.results) + len(self.planned)
        for url in list(self.results):
            self.finish([url], self.results[url])

    async def _answer_from_cache(self, cache: dict[str, dict[str, Any]], guard: Guard) -> list[str]:
        """Finish the URLs that are private or cached; the keys left to fetch.
        A cached URL's host goes through the guard first, all at once."""
        import asyncio
        import time

        import httpx

        now = time.time()
        to_fetch: list[str] = []
        hits: dict[str, UrlResult] = {}
        for key, urls in self.planned.items():
            host = None if self.opts.allow_private else obviously_private(key)
            if host is not None:
                self.finish(urls, skipped(key, host))
                continue
            hit = from_cache(key, cache.get(key), now, self.cache_ttl, self.opts.allow_private)
            if hit is not None:
                hits[key] = hit
            else:
                to_fetch.append(key)
        if hits and not self.opts.allow_private:
            keys = list(hits)
            verdicts = await self._in_time(
                asyncio.gather(*(guard.refuse(k, httpx.URL(k), hop=False) for k in keys))
            )
            if verdicts is None:  # the deadline came first
                hits = {key: _not_checked(key) for key in keys}
            else:
                for key, verdict in zip(keys, verdicts, strict=True):
                    # a private address overrides what is cached; a DNS failure does not
                    if verdict is not None and verdict.reason.startswith(SKIPPED):
                        hits[key] = verdict
        for key, hit in hits.items():
            self.finish(self.planned[key], hit)
        return to_fetch

    async def _in_time(self, work: Any) -> Any:
        """`work` awaited until the deadline; None when the deadline came first."""
        import asyncio

        try:
            async with asyncio.timeout_at(self.deadline):
                return await work
        except TimeoutError:
            return None

    async def _fetch_all(self, keys: list[str], guard: Guard) -> dict[str, UrlResult]:
        import asyncio

        fetched: dict[str, UrlResult] = {}
        async with open_checker(self.opts, guard, self.deadline) as checker:

            async def one(key: str) -> None:
                try:
                    result = await self._in_time(checker.check(key))
                    if result is None:
                        result = _not_checked(key)
                except Exception as exc:  # a bug here must not cost the other URLs
                    severity = ERROR if self.opts.strict else WARNING
                    result = UrlResult(key, severity, f"check failed: {one_line(exc)}")
                fetched[key] = result
                self.finish(self.planned[key], result)

            await asyncio.gather(*(one(key) for key in keys))
        return fetched


def _not_checked(key: str) -> UrlResult:
    return UrlResult(key, WARNING, "not checked: deadline (the run's time was up)")
