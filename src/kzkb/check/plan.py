"""What is fetched for a URL as written, or why nothing is.

Each distinct URL is fetched once; the fragment is dropped first, so
``page#a`` and ``page#b`` are one check. Only http: and https: are fetched
(a protocol-relative ``//host/x`` as https:); file:, javascript: and data:
links are a warning, other schemes (mailto:, tel:, ftp: ...) are not checked.
A malformed URL is an error "invalid URL: ...", never an exception.
"""

from __future__ import annotations

import re

from kzkb.check.failures import one_line
from kzkb.check.guard import ip_literal
from kzkb.check.report import ERROR, OK, WARNING, UrlResult

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")
_NEVER_FETCHED = frozenset({"file", "javascript", "data"})


def plan(url: str) -> str | UrlResult:
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
        return UrlResult(url, ERROR, f"invalid URL: {one_line(exc)}")
    problem = host_problem(host)
    if problem is None and port is not None and not 0 < port < 65536:
        problem = f"port {port} out of range"
    if problem is not None:
        return UrlResult(url, ERROR, f"invalid URL: {problem}")
    return str(parsed)


def host_problem(host: str) -> str | None:
    """What is wrong with a URL's host, if anything (a redirect's too)."""
    if not host:
        return "no host"
    if ip_literal(host) is not None:
        return None
    if not _HOST_NAME.fullmatch(host):
        return f"bad host name {host!r}"
    if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        return f"host name too long {host!r}"
    return None
