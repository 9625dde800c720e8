"""Markdown: a catalogue of titles and descriptions, a table a category.

Record text is text in it, whatever Markdown renders it: every character
Markdown or HTML would act on is escaped, and a title links only to its
record's address, only when that is a web or relative address."""

from __future__ import annotations

import re
from typing import IO, Any

from kzkb.export.shapes import Rows
from kzkb.settings.config import Config
from kzkb.urls import term_slug

# what Markdown acts on anywhere in a line (~ is GFM's strikethrough), an
# entity's & (&lt; stays &lt;), and a heading's closing #s
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])|&(?=#?\w+;)|#(?=#*$)")
# what ends or breaks a <...> link destination, or a table row, or hides in one
_URL_UNSAFE = re.compile(r"[\x00-\x20<>|\\\"`\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def _md(text: Any) -> str:
    """Text safe in a table cell and a link's text: one line, with Markdown's
    active characters escaped."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m[0], " ".join(str(text or "").split()))


def _destination(url: str) -> str | None:
    """A link destination for `url`, or None when it is not a web (http, https)
    or relative address: a catalogue never links to javascript:, data: or
    file:. Read as a browser reads it: leading controls and spaces dropped,
    tabs and line breaks removed anywhere."""
    seen = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(0x21))))
    scheme = _SCHEME.match(seen)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return None
    if not scheme and seen != url.lstrip():
        return None  # a scheme split by a tab or a line break: not an address anyone means
    encoded = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)
    return f"<{encoded}>"


def write_markdown(rows: Rows, out: IO[str], header: dict[str, Any], config: Config) -> int:
    """A catalogue: a table of titles (linked to their URLs) and descriptions
    for each category, in the vocabulary's order, then the uncategorised."""
    plural = config.taxonomies.get("category", "category")
    labels = {t["slug"]: t["label"] for t in header["terms"].get("category", [])}
    groups: dict[str, list[tuple[str, str | None, str]]] = {}
    count = 0

    for row in rows:
        count += 1
        url = str(row.get("url") or "")
        entry = (
            _md(row.get("title")),
            _destination(url) if url else None,
            _md(row.get("description")),
        )
        terms = [term_slug(str(t)) for t in row.get(plural) or []] or [""]
        for slug in terms:
            groups.setdefault(slug, []).append(entry)
    out.write(f"# {_md(header['title'] or 'Knowledge base')}\n")
    order = [s for s in labels if s in groups] + sorted(s for s in groups if s not in labels)
    for slug in order:
        title = labels.get(slug, slug) if slug else "Uncategorised"
        out.write(f"\n## {_md(title)}\n\n| Title | Description |\n| --- | --- |\n")
        for name, destination, description in groups[slug]:
            link = f"[{name}]({destination})" if destination else name
            out.write(f"| {link} | {description} |\n")
    return count
