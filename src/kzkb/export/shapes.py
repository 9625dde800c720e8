"""Records as export writes them: the records chosen (Stored), and each one
as a dict of plain values, the shape every writer starts from."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from kzkb.model import KzkbError, Record
from kzkb.settings.config import Config

Rows = Iterable[dict[str, Any]]


class Stored:
    """Records by id in an index, in order: iterated one at a time, or read
    by worker processes (each with its own connection) for a large export."""

    def __init__(self, index: Any, ids: list[int]) -> None:
        self.index = index
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Record]:
        from kzkb.store.codec import record_from_json

        count = 0
        for start in range(0, len(self.ids), 256):
            for data in self.index.records.data_of(self.ids[start : start + 256]):
                count += 1
                yield record_from_json(data)
        if count != len(self.ids):
            raise changed_meanwhile()


def changed_meanwhile() -> KzkbError:
    """Records chosen, then gone: another kzkb refreshed the index during the
    export. Better no file than one that silently lacks them."""
    return KzkbError(
        "the index changed while exporting (another kzkb command refreshed it)",
        "run the export again",
    )


def _json_default(value: Any) -> Any:
    """Dates (anywhere in a record's front matter) as ISO text; the C encoder
    calls this only for what JSON has no type for."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def record_dict(record: Record, config: Config) -> dict[str, Any]:
    """A record as programs see it (README: "JSON output")."""
    data: dict[str, Any] = {
        "path": record.path,
        "url": record.url,
        "lang": record.lang,
        "kind": record.kind,
        "title": record.title,
        "description": record.description,
    }
    for singular, plural in config.taxonomies.items():
        data[plural] = list(record.term_labels.get(singular, []))
    data["website"] = record.website
    data["date"] = jsonable(record.date)
    data["created"] = jsonable(record.created)
    return data


def export_fields(config: Config, body: bool = True) -> list[str]:
    """Every field an exported record has, in order."""
    names = ["path", "url", "lang", "kind", "title", "description"]
    names += list(config.taxonomies.values())
    names += ["website", "date", "created", "aliases", "fields", "links"]
    return names + (["body"] if body else [])


def export_dict(record: Record, config: Config, body: bool = True) -> dict[str, Any]:
    """record_dict plus aliases, every front-matter field, links and the body;
    dates stay dates (each writer says how it writes them)."""
    data = record_dict(record, config)
    data["date"], data["created"] = record.date, record.created
    data["aliases"] = list(record.aliases)
    data["fields"] = record.fields
    data["links"] = [
        {"target": x.target, "text": x.text, "line": x.line, "column": x.column, "kind": x.kind}
        for x in record.links
    ]
    if body:
        data["body"] = record.body
    return data


def choose(data: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    return data if not fields else {name: data[name] for name in fields}


def kb_header(config: Config) -> dict[str, Any]:
    return {
        "title": config.title,
        "languages": list(config.languages),
        "taxonomies": dict(config.taxonomies),
        "terms": {
            taxonomy: [
                {"slug": t.slug, "label": t.label, "description": t.description}
                for t in terms.values()
            ]
            for taxonomy, terms in config.vocabulary.items()
        },
    }
