"""The text a record is searched by: its fields, folded."""

from __future__ import annotations

from kzkb.model import Record
from kzkb.text.fold import fold


def fts_columns(record: Record) -> tuple[str, str, str, str]:
    """(title, terms, description, body) as the FTS table indexes them: folded,
    so that a query in one script or spelling finds text in any other."""

    terms = " ".join(label for labels in record.term_labels.values() for label in labels)
    title = record.title
    link_title = record.fields.get("linkTitle")
    if isinstance(link_title, str) and link_title and link_title != title:
        title = f"{title} {link_title}"
    return fold(title), fold(terms), fold(record.description), fold(record.text)
