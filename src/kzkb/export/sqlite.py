"""SQLite: records, terms, record_terms and links tables and an FTS index,
ready for Datasette or sqlite-utils (the metadata.json Datasette reads
beside it is datasette.py's)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from kzkb.export.shapes import dumps
from kzkb.hugo.links import link_key, own_site
from kzkb.model import Record
from kzkb.settings.config import Config
from kzkb.store.exported import RECORD_COLUMNS, ExportedDatabase
from kzkb.urls import term_slug


def term_columns(config: Config) -> dict[str, str]:
    """Taxonomy key -> the records column holding its terms (a JSON array
    Datasette facets by): the front-matter field's name, unless SQLite
    would read it as another column's (names are the KB's, and SQLite's
    are case-blind), then with `_terms` and a number as needed."""
    taken = {c.lower() for c in RECORD_COLUMNS}
    out: dict[str, str] = {}
    for key, plural in config.taxonomies.items():
        name = plural or key or "terms"
        n = 1
        while name.lower() in taken:
            name = f"{plural}_terms" + (str(n) if n > 1 else "")
            n += 1
        taken.add(name.lower())
        out[key] = name
    return out


def write_sqlite(records: Iterable[Record], path: str, config: Config, body: bool = True) -> int:
    """records, terms, record_terms and links tables and an FTS index, ready
    for Datasette or sqlite-utils."""
    # (taxonomy, slug) -> [id, label, description]: the vocabulary's first,
    # then each new term as a record first spells it
    terms: dict[tuple[str, str], list] = {}
    for taxonomy, vocabulary in config.vocabulary.items():
        for slug, definition in vocabulary.items():
            terms[(taxonomy, slug)] = [len(terms) + 1, definition.label, definition.description]
    columns = term_columns(config)
    site = own_site(config.base_url)
    out = ExportedDatabase(path, list(columns.values()))
    try:
        count = 0
        for record in records:
            count += 1
            its_terms = []
            facets: dict[str, list[str]] = {key: [] for key in columns}
            for taxonomy, labels in record.term_labels.items():
                for label in labels:
                    slug = term_slug(label)
                    term = terms.setdefault((taxonomy, slug), [len(terms) + 1, label, ""])
                    its_terms.append((record.path, taxonomy, slug, label, term[0]))
                    if taxonomy in facets and term[1] not in facets[taxonomy]:
                        facets[taxonomy].append(term[1])
            row = (
                record.path, record.url, record.lang, record.kind, record.title,
                record.description, record.website or None,
                record.date.isoformat() if record.date else None,
                record.created.isoformat() if record.created else None,
                json.dumps(record.aliases, ensure_ascii=False),
                dumps(record.fields),
                record.body if body else None,
                *(json.dumps(facets[key], ensure_ascii=False) for key in columns),
            )  # fmt: skip
            links = [
                (record.path, x.target, x.text, x.line, x.column, x.kind, link_key(x, record, site))
                for x in record.links
            ]
            out.add_record(row, its_terms, links)
        out.finish([(i, t, s, label, about) for (t, s), (i, label, about) in terms.items()])
    finally:
        out.close()
    return count
