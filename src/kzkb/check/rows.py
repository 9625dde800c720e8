"""The index's link rows by name, so check code reads `row.source`, not `row[0]`.

Built from the tuples Index returns today (its LINK_COLUMNS, in that order);
the store will hand out named rows itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple


class LinkRow(NamedTuple):
    source: str  # the linking record's path in the KB
    source_url: str  # the linking record's page URL
    key: str | None  # what the link is looked up by; None for a web link
    fragment: str
    target: str  # the link as written
    text: str
    line: int
    column: int
    kind: str
    target_id: int | None = None  # the linked record: only rows of missing_anchors


def link_rows(rows: Iterable[Sequence[Any]]) -> list[LinkRow]:
    """Index rows (LINK_COLUMNS, perhaps plus the target's id) as LinkRows."""
    return [LinkRow(*row) for row in rows]
