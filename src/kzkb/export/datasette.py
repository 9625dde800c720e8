"""metadata.json for Datasette, written beside an exported SQLite file:
the catalogue's title, licence and source, what each table and column
holds, the facets a reader starts from and the full-text table, so that
`datasette kb.db -m metadata.json` opens a searchable, faceted catalogue."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kzkb.export.sqlite import term_columns
from kzkb.files import atomic_path, naming
from kzkb.model import KzkbError
from kzkb.settings.config import Config

METADATA_NAME = "metadata.json"

RECORDS_COLUMNS = {
    "path": "The record's Markdown file, relative to the KB's content folder.",
    "url": "The page the record is on the KB's Hugo site.",
    "lang": "The language of the record's own text.",
    "kind": "guide, source, document, section or page: what the record is.",
    "title": "The record's title.",
    "description": "A sentence or two on what the record is about.",
    "website": "The organisation's or document's own web address, when the record gives one.",
    "date": "When the record was last revised (ISO date).",
    "created": "When the record was first written (ISO date).",
    "aliases": "Other addresses of the page (a JSON array).",
    "fields": "Every front-matter field (a JSON object).",
    "body": "The record's Markdown text.",
}


def metadata(config: Config, database: str) -> dict[str, Any]:
    """Datasette's metadata for the database named `database` (the file's
    name less its extension, as Datasette names it)."""
    publish = config.publish
    columns = term_columns(config)
    records_columns = dict(RECORDS_COLUMNS)
    for key, column in columns.items():
        records_columns[column] = f"The record's {key} terms (a JSON array of their labels)."
    facets: list[Any] = ["kind", "lang"]
    for key, column in columns.items():
        if key == "category" or config.vocabulary.get(key):
            facets.insert(0, {"array": column})
    out: dict[str, Any] = {"title": config.title or "kzkb catalogue"}
    if publish.description:
        out["description"] = publish.description
    if publish.license is not None:
        out["license"] = publish.license.name
        out["license_url"] = publish.license.path
    source = publish.source or config.base_url
    if source:
        out["source"] = config.title or source
        out["source_url"] = source
    out["databases"] = {
        database: {
            "tables": {
                "records": {
                    "description": "One row a record of the knowledge base.",
                    "columns": records_columns,
                    "facets": facets,
                    "fts_table": "records_fts",
                    "sort": "path",
                    "label_column": "title",
                },
                "terms": {
                    "description": "The terms of every taxonomy: the vocabulary of kzkb.toml,"
                    " then each other term a record uses.",
                    "columns": {
                        "id": "The term's number (record_terms.term_id refers to it).",
                        "taxonomy": "The taxonomy the term is of (its key in kzkb.toml).",
                        "slug": "The term's page name, its last URL segment.",
                        "label": "The term's name: the vocabulary's, else as a record first"
                        " spells it.",
                        "description": "The vocabulary's description of the term.",
                    },
                    "facets": ["taxonomy"],
                    "label_column": "label",
                },
                "record_terms": {
                    "description": "Which record has which term, in the record's order.",
                    "columns": {
                        "record_path": "The record (records.path).",
                        "taxonomy": "The taxonomy.",
                        "slug": "The term's slug.",
                        "label": "The term as the record spells it.",
                        "term_id": "The term (terms.id).",
                    },
                    "facets": ["taxonomy"],
                },
                "links": {
                    "description": "Every link in a record's text.",
                    "columns": {
                        "record_path": "The record the link is in (records.path).",
                        "target": "The link's target as written.",
                        "text": "The link's text.",
                        "line": "The line of the file it is on.",
                        "col": "The column of its target on that line.",
                        "kind": "link, image, html or ref (Hugo's ref shortcodes).",
                        "target_path": "The record it leads to, when it is one of those"
                        " exported (records.path).",
                    },
                    "facets": ["kind"],
                },
            }
        }
    }
    return out


def _beside(target: Path) -> Path | None:
    """Where metadata.json goes: beside a file, none beside a stream (a
    device, a FIFO, a descriptor, which is no folder of the user's)."""
    name = os.path.normpath(str(target))
    if name.startswith(("/dev/", "/proc/")):
        return None
    with contextlib.suppress(OSError):
        if not stat.S_ISREG(os.stat(target).st_mode):
            return None
    return target.parent / METADATA_NAME


@contextlib.contextmanager
def metadata_beside(target: Path, config: Config, force: bool) -> Iterator[None]:
    """metadata.json written beside `target` once the block has written it
    (not when it fails); an existing one is refused before anything is
    written, unless `force`."""
    where = _beside(target)
    hint = f"add --force to replace it (and {target.name}), or export into another folder"
    if where is not None and not force and os.path.lexists(where):
        raise KzkbError(f"{where} exists, and Datasette's metadata goes there", hint)
    yield
    if where is None:
        return
    text = json.dumps(metadata(config, target.stem), ensure_ascii=False, indent=2) + "\n"
    with naming(where), atomic_path(where, force, hint) as temp:
        Path(temp).write_text(text, encoding="utf-8")
