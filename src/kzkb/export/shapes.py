"""Records as export writes them: each one
as a dict of plain values, the shape every writer starts from."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

from kzkb.model import Record
from kzkb.settings.config import Config

Rows = Iterable[dict[str, Any]]


def _json_default(value: Any) -> Any:
    """Dates (anywhere in a record's front matter) as ISO text; the C encoder
    calls this only for what JSON has no type for."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    """`value` as JSON text, and only JSON: a NaN or infinity (YAML's .nan,
    -.inf) is written as jsonable writes it, never as the bare NaN that
    Python's json writes and no JSON parser reads."""
    try:
        return json.dumps(value, ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError:  # a float JSON has no number for: the rare record walked again
        return json.dumps(
            jsonable(value), ensure_ascii=False, default=_json_default, allow_nan=False
        )


# JSON has no NaN or infinities: they become the strings that JavaScript's
# Number() reads back to the same value (the names Python's json and JSON5
# write). null would lose them, and "nan" or ".nan" is one source syntax's.
NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def jsonable(value: Any) -> Any:
    """`value` with only what JSON has: dates as ISO text, keys as text,
    NaN and infinities as NON_FINITE's strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return NON_FINITE[str(value)]
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
