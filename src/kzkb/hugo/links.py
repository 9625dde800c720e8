"""Where a link in a record points, by Hugo's rules.

A link is reduced, when the record is indexed, to a key that needs no other
record: the normalised site URL it asks for (/sources/sources/feminita/), or
"path:<content path>" for a link to a Markdown file (../feminita.md), or
"ref:<path>" for Hugo's ref and relref shortcodes, plus its #fragment.
Checking a KB's links is then a matter of looking keys up (see check.py).
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

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


def link_key(link: Link, record: Record) -> str | None:
    """What the index stores for an internal link, with no other record
    needed (see the module doc); None for external links and for links
    with no target at all."""
    target = link.target.strip()
    if not target or is_external(target):
        return None
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
