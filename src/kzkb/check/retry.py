"""When to ask again, and how long to wait first.

429 and 5xx are retried `retries` times, after Retry-After (seconds or an
HTTP date) or an exponential backoff from `backoff` seconds, either capped
at `max_wait`. A Retry-After holds back every request to that host, not
only the one that got it (ratelimit). A connection the server drops without
answering is retried the same way. A timeout is retried once, as a GET, as
some servers hang on HEAD only (client).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int  # tries after the first
    backoff: float  # the first wait, doubled each try after
    max_wait: float  # no wait, Retry-After's included, is longer

    def may_retry(self, tries: int) -> bool:
        """Whether a failed `tries`-th try may be followed by another."""
        return tries <= self.retries

    def delay(self, tries: int) -> float:
        """The backoff after the `tries`-th try."""
        return min(self.backoff * 2 ** (tries - 1), self.max_wait)

    def capped(self, wait: float) -> float:
        return min(wait, self.max_wait)


def retryable(status: int) -> bool:
    """Answers that may be different a moment later: too many requests, server errors."""
    return status == 429 or 500 <= status < 600


def retry_after(value: str | None, now: float | None = None) -> float | None:
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
