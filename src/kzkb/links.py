"""Where a link in a record points, by Hugo's rules."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from kzkb.model import Link, Record
from kzkb.urls import normalize_url, resolve_relative

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_external(target: str) -> bool:
    """http:, mailto:, javascript: ... and protocol-relative //host links."""
    return bool(_SCHEME.match(target)) or target.startswith("//")


def link_key(link: Link, record: Record) -> str | None:
    """What the index stores for an internal link, with no other record needed:
    the normalised site URL, or "path:<content path>" for a link to a
    Markdown file (../feminita.md), which only the target's own path names."""
    target = link.target.strip()
    if not target or is_external(target) or target.startswith("#"):
        return None
    path = urlsplit(target).path
    if not path:
        return None
    if path.lower().endswith((".md", ".markdown")):
        base = posixpath.dirname(record.path)
        rel = path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
        return "path:" + posixpath.normpath(unquote(rel))
    if path.startswith("/"):
        return normalize_url(path)
    return resolve_relative(path, record.url)
