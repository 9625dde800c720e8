"""SQLite: records, terms, record_terms and links tables and an FTS index,
ready for Datasette or sqlite-utils."""

from __future__ import annotations

import json
from collections.abc import Iterable

from kzkb.export.shapes import dumps
from kzkb.model import Record
from kzkb.settings.config import Config
from kzkb.store.exported import ExportedDatabase
from kzkb.urls import term_slug


def write_sqlite(records: Iterable[Record], path: str, config: Config, body: bool = True) -> int:
    """records, terms, record_terms and links tables and an FTS index, ready
    for Datasette or sqlite-utils."""
    terms: dict[tuple[str, str], str] = {}
    for taxonomy, vocabulary in config.vocabulary.items():
        for slug, definition in vocabulary.items():
            terms[(taxonomy, slug)] = definition.label
    out = ExportedDatabase(path)
    try:
        count = 0
        for record in records:
            count += 1
            row = (
                record.path, record.url, record.lang, record.kind, record.title,
                record.description, record.website or None,
                record.date.isoformat() if record.date else None,
                record.created.isoformat() if record.created else None,
                json.dumps(record.aliases, ensure_ascii=False),
                dumps(record.fields),
                record.body if body else None,
            )  # fmt: skip
            its_terms = []
            for taxonomy, labels in record.term_labels.items():
                for label in labels:
                    slug = term_slug(label)
                    terms.setdefault((taxonomy, slug), label)
                    its_terms.append((record.path, taxonomy, slug, label))
            links = [
                (record.path, x.target, x.text, x.line, x.column, x.kind) for x in record.links
            ]
            out.add_record(row, its_terms, links)
        out.finish([(t, s, label) for (t, s), label in terms.items()])
    finally:
        out.close()
    return count
