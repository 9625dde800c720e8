"""CSL-JSON: the items Zotero, Pandoc (--citeproc) and every citation
processor read, one a line of a JSON array (a record at a time: memory
stays flat however many records there are)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from kzkb.export.citation import Citation, keyword_text
from kzkb.export.shapes import dumps


def _date_parts(day: dt.date) -> dict[str, Any]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_item(c: Citation) -> dict[str, Any]:
    """One CSL-JSON item; a field the record lacks is left out, not empty."""
    item: dict[str, Any] = {"id": c.key, "type": c.type, "title": c.title}
    if c.authors:
        item["author"] = [{"literal": name} for name in c.authors]
    optional = {
        "publisher": c.publisher,
        "container-title": c.container,
        "URL": c.url,
        "language": c.language,
        "abstract": c.abstract,
        "keyword": keyword_text(c.keywords),
    }
    item.update((name, value) for name, value in optional.items() if value)
    if c.issued is not None:
        item["issued"] = _date_parts(c.issued)
    if c.accessed is not None:
        item["accessed"] = _date_parts(c.accessed)
    return item


def write_csl(items: Iterable[Citation], out: IO[str]) -> int:
    """A JSON array of CSL items, one a line."""
    count = 0
    lines: list[str] = []
    for c in items:
        lines.append(("[\n" if not count else ",\n") + dumps(csl_item(c)))
        count += 1
        if len(lines) == 256:  # one write a batch: the text layer's cost is per call
            out.write("".join(lines))
            lines.clear()
    lines.append("\n]\n" if count else "[]\n")
    out.write("".join(lines))
    return count
