"""Hugo's URL rules: term slugs, page URLs, heading anchors, URL normalisation.

Kept to the rules Hugo documents so that a link that works on the built site
resolves here too, and one that 404s there is broken here.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

_PATH_PUNCT = frozenset("./\\_#+~-@")
_HEX = frozenset("0123456789abcdefABCDEF")


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat == "Nd"


def urlize(text: str) -> str:
    """How Hugo makes a path of a name: a content file's or folder's, a slug,
    a title in a permalink, a taxonomy term (paths.MakePath, lower-cased).

    Letters, digits, marks, ``._-+~#@/\\`` and a percent-escape (%20) stay;
    every white-space character becomes a hyphen, none collapsed or trimmed
    ("Women & Girls" -> "women--girls", "a - b" -> "a---b"); anything else,
    a lone % too, is dropped.
    Lower-cased, as Hugo does by default (``disablePathToLower = false``).
    Composed to NFC first, as links are compared (normalize_url): é and
    e + U+0301 are one page to kzkb, two paths to Hugo on Linux.
    This is the rule of the Hugo the test extras install, checked against
    its build in tests/system/test_hugo_oracle.py; Hugo's template function
    `urlize` collapses runs of spaces and is not what it names pages by.
    """
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _PATH_PUNCT or _is_word_char(ch):
            out.append(ch)
        elif ch.isspace():
            out.append("-")
        elif ch == "%" and text[i + 1 : i + 2] in _HEX and text[i + 2 : i + 3] in _HEX:
            out.append(ch)
    return "".join(out).lower()


@lru_cache(maxsize=16384)
def term_slug(term: str) -> str:
    """The slug of a taxonomy term, its page's last segment: "Local NGO",
    "local ngo" -> "local-ngo" (Hugo keeps every hyphen its spaces make)."""
    return urlize(term).strip("/")


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
    prefix: str | None = None,
    permalink: str | None = None,
) -> str:
    """The URL Hugo serves a content file at.

    `segments` are the folders and the file stem with the language folder and
    language suffix already removed; a trailing "_index" or "index" makes the
    page its folder's page. Front matter `url` wins: as written when it
    starts with "/", else below the language's prefix (Hugo's "context
    relative" URL); then an expanded `permalink` pattern; then `slug`
    replaces the last segment. `prefix` is the language's ("/kk"; by default
    none for the default language).
    """
    if prefix is None:
        prefix = "" if lang == default_lang else f"/{lang}"
    if url and "://" not in url and not url.startswith("//"):
        if not url.startswith("/"):
            # context relative: below the language's prefix, unless written with it
            written = bool(prefix) and url.startswith(prefix[1:] + "/")
            url = "/" + url if written else f"{prefix}/{url}"
        return normalize_url(url if url.endswith("/") or has_extension(url) else url + "/")
    if permalink is not None:
        return normalize_url(
            prefix + "/" + "/".join(urlize(p) for p in permalink.split("/") if p) + "/"
        )
    parts = list(segments)
    if parts and parts[-1] in ("_index", "index"):
        parts.pop()
    elif slug and parts:
        parts[-1] = slug
    path = "/".join(urlize(p) for p in parts if p)
    # Hugo's pretty URLs: every page is a folder, even vlast.kz.md
    return normalize_url(prefix + "/" + path + "/")


_PERMALINK_TOKEN = re.compile(r":(\w+)(\[[^\]]*\])?")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
_MONTHS += ["September", "October", "November", "December"]
_WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def _slice(items: list[str], cut: str | None) -> list[str]:
    """Hugo's :sections[a:b] cuts: [1], [last], [1:], [:2]."""
    if not cut:
        return items
    inner = cut[1:-1].strip().lower()

    def bound(text: str, default: int) -> int:
        if text == "":
            return default
        if text == "last":
            return len(items) - 1
        try:
            return max(int(text), 0)
        except ValueError:
            return 0

    if ":" not in inner:
        n = bound(inner, 0)
        return [items[n]] if 0 <= n < len(items) else []
    low, high = inner.split(":", 1)
    return items[bound(low, 0) : bound(high, len(items))]


def expand_permalink(
    pattern: str,
    *,
    sections: list[str],
    filename: str,
    title: str,
    slug: str | None,
    date: dt.date | None,
) -> str:
    """A Hugo permalink pattern ("/:sections/:slug/") for one page.

    `sections` are its folders, `filename` its file name less extension and
    language (a bundle's folder name for index.md). A token Hugo would reject
    is left as written, so the URL shows the mistake.
    """
    day = date or dt.date(1, 1, 1)  # Hugo's zero time, for a page with no date

    def token(match: re.Match[str]) -> str:
        name, cut = match.group(1).lower(), match.group(2)
        if name == "year":
            return str(day.year)
        if name == "month":
            return f"{day.month:02d}"
        if name == "monthname":
            return _MONTHS[day.month - 1]
        if name == "day":
            return f"{day.day:02d}"
        if name == "weekday":
            return str(day.isoweekday() % 7)
        if name == "weekdayname":
            return _WEEKDAYS[day.isoweekday() % 7]
        if name == "yearday":
            return str(day.timetuple().tm_yday)
        if name == "section":
            return sections[0] if sections else ""
        if name == "sections":
            return "/".join(_slice(sections, cut))
        if name == "title":
            return urlize(title)
        if name == "slug":
            return urlize(slug or title)
        if name in ("filename", "contentbasename"):
            return urlize(filename)
        if name in ("slugorfilename", "slugorcontentbasename"):
            return urlize(slug or filename)
        return match.group(0)

    return _PERMALINK_TOKEN.sub(token, pattern.replace("\\:", "\x00")).replace("\x00", ":")


def permalink_pattern(patterns: dict[str, str], sections: list[str]) -> str | None:
    """The pattern of the most specific section key holding these sections
    (Hugo matches "sources" to sources/ and everything below it; "" is the
    root)."""
    path = "/".join(sections)
    best: str | None = None
    for key in patterns:
        holds = (key == "" and not sections) or (
            key != "" and (path == key or path.startswith(key + "/"))
        )
        if holds and (best is None or len(key) > len(best)):
            best = key
    return patterns[best] if best is not None else None


def resolve_relative(target: str, base_url: str) -> str:
    """Resolve a relative link the way a browser does from `base_url`."""
    joined = posixpath.join(base_url, target)
    return normalize_url(joined)
