"""Where a link in a record points, by Hugo's rules.

A link is reduced, when the record is indexed, to a key that needs no other
record: the normalised site URL it asks for (/sources/sources/feminita/), or
"path:<content path>" for a link to a Markdown file (../feminita.md), or
"ref:<path>" for Hugo's ref and relref shortcodes, plus its #fragment.
A full URL under the site's own baseURL is a link into the site, reduced the
same way (see OwnSite). Checking a KB's links is then a matter of looking
keys up (see kzkb.check).
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple
from urllib.parse import SplitResult, unquote, urlsplit

from kzkb.files import MARKDOWN_SUFFIXES
from kzkb.model import Link, Record
from kzkb.urls import normalize_url, resolve_relative

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_external(target: str) -> bool:
    """http:, mailto:, javascript: ... and protocol-relative //host links."""
    return bool(_SCHEME.match(target)) or target.startswith("//")


def is_web(target: str) -> bool:
    """A link an external check fetches: http(s) or protocol-relative."""
    lowered = target[:8].lower()
    return lowered.startswith(("http://", "https://")) or target.startswith("//")


def fragment_of(target: str) -> str:
    _, hash_, fragment = target.partition("#")
    return unquote(fragment) if hash_ else ""


class OwnSite(NamedTuple):
    """The site's own address, from its baseURL: a link to a URL under it
    is a link into the site, however it is written (https://example.org/portal/x/,
    http://EXAMPLE.org/portal/x, //example.org/portal/x/).

    The same site is decided conservatively: the same host (letter case
    aside) and port (the default ones aside), http or https, and the
    baseURL's path; www.example.org is another host, and a URL with a user
    name in it is no page of the site."""

    host: str
    port: int | None  # None for the scheme's default
    segments: tuple[str, ...]  # the baseURL's path, decoded and lower-cased

    def within(self, target: str) -> str | None:
        """The path on the site (from "/", past the baseURL's path, as
        written, with its query and fragment) of a URL under the baseURL;
        None for any other target."""
        parts = self._split(target)
        if parts is None:
            return None
        raw = parts.path.split("/")[1:] if parts.path else []
        n = len(self.segments)
        if tuple(unquote(x).lower() for x in raw[:n]) != self.segments:
            return None
        # https://example.org/portal is the home page, as /portal/ is
        path = "/" + "/".join(raw[n:])
        query = f"?{parts.query}" if parts.query else ""
        fragment = f"#{parts.fragment}" if "#" in target else ""
        return path + query + fragment

    def spelled(self, url: str, like: str) -> str:
        """A site URL (/sources/x/) written as `like`, a URL under the
        baseURL, is written: the same scheme, host and base path."""
        parts = self._split(like)
        if parts is None:
            return url
        raw = parts.path.split("/")[1 : len(self.segments) + 1]
        base = "/".join(raw)
        start = like[: like.index("//") + 2] + parts.netloc
        return f"{start}/{base}/{url.lstrip('/')}" if base else f"{start}/{url.lstrip('/')}"

    def _split(self, target: str) -> SplitResult | None:
        if not is_web(target):
            return None
        try:
            parts = urlsplit(target)
            port = parts.port
        except ValueError:  # a port that is no number
            return None
        if parts.username is not None or (parts.hostname or "").rstrip(".") != self.host:
            return None
        if (None if port in (80, 443) else port) != self.port:
            return None
        return parts


def own_site(base_url: str) -> OwnSite | None:
    """The OwnSite of a baseURL; None when it names no host (baseURL = "/")."""
    if not is_web(base_url):
        return None
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    segments = tuple(unquote(x).lower() for x in parts.path.split("/") if x)
    return OwnSite(parts.hostname.rstrip("."), None if port in (80, 443) else port, segments)


def link_key(link: Link, record: Record, site: OwnSite | None = None) -> str | None:
    """What the index stores for an internal link, with no other record
    needed (see the module doc); None for external links and for links
    with no target at all. A URL under the site's own baseURL (`site`) is
    an internal link."""
    target = link.target.strip()
    if not target:
        return None
    if is_external(target):
        inside = site.within(target) if site is not None else None
        if inside is None:
            return None
        target = inside
    if link.kind == "ref":
        path = target.split("#", 1)[0].strip()
        return "ref:" + path if path else record.url
    if target.startswith("#"):
        return record.url  # a heading of this very page
    path = urlsplit(target).path
    if not path:
        return record.url  # "?q=1#top" and the like: this page again
    if path.lower().endswith(MARKDOWN_SUFFIXES):
        base = posixpath.dirname(record.path)
        rel = path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
        return "path:" + posixpath.normpath(unquote(rel))
    if path.startswith("/"):
        return normalize_url(path)
    return resolve_relative(path, record.url)


# "facebook.com/feminita", "www.kazfem.kz": a site written without https://,
# which a browser reads as a page of this site.
_BARE_HOST = re.compile(
    r"^(?:www\d?\.)?(?:[a-z0-9-]+\.)+(?:[a-z]{2,24})(?::\d+)?(?:/|$)", re.IGNORECASE
)
_FILE_LIKE = re.compile(r"\.(?:md|markdown|html?|php|aspx?|png|jpe?g|gif|svg|pdf)$", re.I)


def bare_host(target: str) -> bool:
    """Whether a relative link looks like a web address missing its scheme."""
    if target.startswith(("/", ".", "#")):
        return False
    first = target.split("/", 1)[0]
    if _FILE_LIKE.search(first):
        return False
    return bool(_BARE_HOST.match(target))
