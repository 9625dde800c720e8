"""Markdown: a catalogue of titles and descriptions, a table a category."""

from __future__ import annotations

import re
from typing import IO, Any

from kzkb.export.shapes import Rows
from kzkb.settings.config import Config
from kzkb.urls import term_slug

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: Any) -> str:
    """Text safe in a table cell and a link's text: one line, with Markdown's
    active characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def write_markdown(rows: Rows, out: IO[str], header: dict[str, Any], config: Config) -> int:
    """A catalogue: a table of titles (linked to their URLs) and descriptions
    for each category, in the vocabulary's order, then the uncategorised."""
    plural = config.taxonomies.get("category", "category")
    labels = {t["slug"]: t["label"] for t in header["terms"].get("category", [])}
    groups: dict[str, list[tuple[str, str, str]]] = {}
    count = 0

    for row in rows:
        count += 1
        entry = (_md(row.get("title")), str(row.get("url", "")), _md(row.get("description")))
        terms = [term_slug(str(t)) for t in row.get(plural) or []] or [""]
        for slug in terms:
            groups.setdefault(slug, []).append(entry)
    out.write(f"# {header['title'] or 'Knowledge base'}\n")
    order = [s for s in labels if s in groups] + sorted(s for s in groups if s not in labels)
    for slug in order:
        title = labels.get(slug, slug) if slug else "Uncategorised"
        out.write(f"\n## {_md(title)}\n\n| Title | Description |\n| --- | --- |\n")
        for name, url, description in groups[slug]:
            link = f"[{name}](<{url}>)" if url else name
            out.write(f"| {link} | {description} |\n")
    return count
