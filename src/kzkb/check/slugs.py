"""term_slug of every record's title at once, for the other-names lookup.

A broken link may name a page by the slug of its translation's title
(kzkb.check.othernames), so each run slugs every title: at 100,000 records
urlize's loop over the characters, in Python, took a second. Here the same
rule runs on all the titles joined into one string, with C doing the work:
NFC, a "%" without two hex digits after it dropped, ASCII kept (lower-cased),
dropped or made a hyphen by one bytes.translate, then each distinct non-ASCII
character that urlize drops, makes a hyphen or lower-cases replaced in the
UTF-8 (where no other place can match a character's bytes); with a capital
sigma, whose lower case depends on the letters beside it, one lower() instead.

The titles are joined by NUL, which urlize drops, which composes with no
character under NFC and which neither lower() (final sigma) nor NFC looks
across, so each title comes out as if slugged alone. A title holding a NUL
itself is slugged alone. tests/unit/test_check_perf.py holds the result
equal to term_slug's, title by title.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from itertools import compress
from typing import TypeVar

from kzkb.urls import _PATH_PUNCT, _is_word_char, term_slug

_SEP = "\0"
K = TypeVar("K")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")  # urlize keeps "%20", drops a lone %


def _kept(ch: str) -> str | None:
    """What urlize makes of one character (other than %): itself, "-" or nothing."""
    if ch in _PATH_PUNCT or _is_word_char(ch):
        return ch
    if ch.isspace():
        return "-"
    return None


def _ascii_table() -> tuple[bytes, bytes]:
    """bytes.translate's (table, deleted) for the ASCII rule, lower case
    included; other bytes, the separator and % (already screened) stay."""
    table = bytearray(range(256))
    deleted = bytearray()
    for code in range(128):
        ch = chr(code)
        if ch in (_SEP, "%"):
            continue
        kept = _kept(ch)
        if kept is None:
            deleted.append(code)
        else:
            table[code] = ord(kept.lower())
    return bytes(table), bytes(deleted)


_TABLE, _DELETED = _ascii_table()
_ASCII = bytes(range(128))
_MANY = 256  # distinct non-ASCII characters to replace one by one; past that, a map
_SIGMA = "\u03a3"  # the one letter whose lower case depends on its neighbours


def term_slugs(titles: list[str]) -> list[str]:
    """[term_slug(title) for title in titles], in far less time."""
    joined = _SEP.join(titles)
    if joined.count(_SEP) != len(titles) - 1:  # a title holds the separator
        return [term_slug(title) for title in titles]
    text = unicodedata.normalize("NFC", joined)  # at once for ASCII
    if "%" in text:
        text = _LONE_PERCENT.sub("", text)
    data = text.encode("utf-8", "surrogatepass").translate(_TABLE, _DELETED)
    if data.isascii():
        text = data.decode("ascii")
    else:
        others = set(data.translate(None, _ASCII).decode("utf-8", "surrogatepass"))
        # lower() maps each character alone but capital sigma: lower case
        # by character then, unless a sigma is there
        by_char = _SIGMA not in others
        changed = {ch: new for ch in others if (new := _slugged(ch, by_char)) != ch}
        if len(changed) <= _MANY:
            for ch, new in changed.items():
                data = data.replace(_utf8(ch), _utf8(new))
            text = data.decode("utf-8", "surrogatepass")
        else:
            text = data.decode("utf-8", "surrogatepass").translate(
                {ord(ch): new for ch, new in changed.items()}
            )
        if not by_char:
            text = text.lower()
    slugs = text.split(_SEP)
    if "/" in text:
        slugs = [slug.strip("/") for slug in slugs]
    return slugs


def slugs_beside(titles: list[str], keys: list[K]) -> tuple[list[str], list[K]]:
    """(slugs, keys): term_slug of each title beside its key, in an order of
    their own: the ASCII titles, most of a KB's, are slugged apart, where
    NFC, UTF-8 and lower case cost next to nothing."""
    plain = list(map(str.isascii, titles))
    if all(plain) or not any(plain):
        return term_slugs(titles), keys
    other = list(map(operator.not_, plain))
    slugs = term_slugs(list(compress(titles, plain))) + term_slugs(list(compress(titles, other)))
    return slugs, list(compress(keys, plain)) + list(compress(keys, other))


def _slugged(ch: str, lower: bool) -> str:
    """What urlize makes of one non-ASCII character, lower-cased if `lower`."""
    kept = _kept(ch)
    if kept is None:
        return ""
    return kept.lower() if lower else kept


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
