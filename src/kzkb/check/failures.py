"""Failures in a few words: an HTTP status, a failed connection, any exception."""

from __future__ import annotations

import contextlib

from kzkb.check.report import ERROR, WARNING, UrlResult


def unreachable(key: str, why: str, *, strict: bool) -> UrlResult:
    """No answer at all: as often the checker's network as the site, so a
    warning unless strict."""
    return UrlResult(key, ERROR if strict else WARNING, f"unreachable: {why}")


def status_label(status: int, phrase: str) -> str:
    from http import HTTPStatus

    with contextlib.suppress(ValueError):
        phrase = HTTPStatus(status).phrase
    return f"{status} {phrase}".strip()


def describe(exc: BaseException, host: str) -> str:
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
    return one_line(exc)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
