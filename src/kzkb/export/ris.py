"""RIS, for reference managers and library catalogues, written by rispy a
record at a time (memory stays flat however many records there are).

The references have no "1." line before each, which rispy's RisWriter
writes and the RIS specification has no place for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from kzkb.export.citation import RIS_TYPES, Citation


def ris_entry(c: Citation) -> dict[str, Any]:
    """One reference as rispy's names hold it (TY, ID, TI, AU, ...)."""
    entry: dict[str, Any] = {"type_of_reference": RIS_TYPES[c.type], "id": c.key, "title": c.title}
    if c.authors:
        entry["authors"] = list(c.authors)
    if c.publisher:
        entry["publisher"] = c.publisher
    if c.container:
        entry["secondary_title"] = c.container
    if c.url:
        entry["urls"] = [c.url]
    if c.issued is not None:
        entry["year"] = str(c.issued.year)
        entry["date"] = c.issued.strftime("%Y/%m/%d")
    if c.accessed is not None:
        entry["access_date"] = c.accessed.strftime("%Y/%m/%d")
    if c.language:
        entry["language"] = c.language
    if c.abstract:
        entry["abstract"] = c.abstract
    if c.keywords:
        entry["keywords"] = list(c.keywords)
    return entry


def write_ris(items: Iterable[Citation], out: IO[str]) -> int:
    """Each reference from TY to ER, an empty line between two."""
    from rispy import RisWriter  # the rispy package: only an RIS export loads it

    class Writer(RisWriter):
        def set_header(self, count: int) -> str:
            return ""

    writer = Writer()
    count = 0
    for c in items:
        if count:
            out.write("\n")
        writer.format_lines(out, [ris_entry(c)])
        count += 1
    return count
