"""Hugo's URL rules: term slugs, page URLs, heading anchors, URL normalisation.

Kept to the rules Hugo documents so that a link that works on the built site
resolves here too, and one that 404s there is broken here.
"""

from __future__ import annotations

import posixpath
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

_PATH_PUNCT = frozenset("./\\_#+~-@")


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat == "Nd"


def urlize(text: str) -> str:
    """Hugo's `urlize` (paths.Sanitize, then lower-cased): how a term or a
    file name becomes a path.

    Letters, digits, marks and ``._-+~#@/`` stay; a run of white space
    between kept characters becomes one hyphen, unless a hyphen follows
    anyway ("a - b" -> "a-b"); anything else is dropped. Lower-cased as
    Hugo does by default (``disablePathToLower = false``).
    """
    out: list[str] = []
    pending = False
    was_hyphen = False
    for ch in unicodedata.normalize("NFC", text):
        if ch in _PATH_PUNCT or _is_word_char(ch):
            was_hyphen = ch == "-"
            if pending and not was_hyphen:
                out.append("-")
            pending = False
            out.append(ch)
        elif out and not was_hyphen and ch.isspace():
            pending = True
    return "".join(out).lower()


@lru_cache(maxsize=16384)
def term_slug(term: str) -> str:
    """The slug of a taxonomy term: "Local NGO", "local ngo" -> "local-ngo"."""
    return urlize(term).strip("-/")


def heading_id(text: str) -> str:
    """The anchor Goldmark gives a heading (Hugo's default "github" style).

    Letters (any script), digits and underscores are kept lower-cased; every
    space or hyphen becomes a hyphen; everything else is dropped.
    """
    out: list[str] = []
    for ch in text.strip():
        if ch == "-" or ch.isspace():
            out.append("-")
        elif ch == "_" or unicodedata.category(ch)[0] == "L" or unicodedata.category(ch) == "Nd":
            out.append(ch.lower())
    return "".join(out)


def unique_ids(ids: list[str]) -> list[str]:
    """Suffix repeated anchors -1, -2 ... as Hugo does."""
    seen: dict[str, int] = {}
    out = []
    for base in ids:
        n = seen.get(base, 0)
        candidate = base if n == 0 else f"{base}-{n}"
        while candidate in seen:
            n += 1
            candidate = f"{base}-{n}"
        seen[base] = n + 1
        seen.setdefault(candidate, 1)
        out.append(candidate)
    return out


def has_extension(segment: str) -> bool:
    stem, dot, ext = segment.rpartition(".")
    return bool(dot and stem and ext and ext.isalnum() and len(ext) <= 5)


def normalize_url(url: str) -> str:
    """The form used to compare site URLs.

    Percent-decoded, lower-cased (Hugo lower-cases the paths it writes),
    without query or fragment, with a trailing slash on pages
    (/sources/sources/feminita and /sources/sources/feminita/ are one page)
    and none on files (/images/map.png); a written trailing slash is kept,
    so /sources/sources/vlast.kz/ stays a page.
    """
    path = unquote(urlsplit(url).path) if ("?" in url or "#" in url) else unquote(url)
    explicit_slash = path.endswith("/")
    path = unicodedata.normalize("NFC", path).lower()
    if not path.startswith("/"):
        path = "/" + path
    path = posixpath.normpath(path)
    if path in ("/", "//", "."):
        return "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    last = path.rsplit("/", 1)[-1]
    if explicit_slash or not has_extension(last):
        return path + "/"
    return path


def page_url(
    segments: list[str],
    *,
    lang: str,
    default_lang: str,
    slug: str | None = None,
    url: str | None = None,
) -> str:
    """The URL Hugo serves a content file at.

    `segments` are the folders and the file stem with the language folder and
    language suffix already removed; a trailing "_index" or "index" makes the
    page its folder's page. Front matter `url` (site-relative) wins, then
    `slug` replaces the last segment.
    """
    if url and url.startswith("/"):
        return normalize_url(url if url.endswith("/") or has_extension(url) else url + "/")
    parts = list(segments)
    if parts and parts[-1] in ("_index", "index"):
        parts.pop()
    elif slug and parts:
        parts[-1] = slug
    prefix = [] if lang == default_lang else [lang]
    path = "/".join(urlize(p) for p in prefix + parts if p)
    # Hugo's pretty URLs: every page is a folder, even vlast.kz.md
    return normalize_url("/" + path + "/")


def resolve_relative(target: str, base_url: str) -> str:
    """Resolve a relative link the way a browser does from `base_url`."""
    joined = posixpath.join(base_url, target)
    return normalize_url(joined)
