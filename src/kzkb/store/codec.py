"""A Record as the JSON text the index keeps of it, and back."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

from kzkb.model import Heading, Link, Record
from kzkb.store.damage import record_error


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):  # a datetime too: its text is longer than a date's
        return {"$date": value.isoformat()}
    return str(value)  # anything else YAML can produce is kept as its text


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$date" in obj:
        text = obj["$date"]
        # a front-matter mapping may be {"$date": "soon"}: it stays a mapping
        with contextlib.suppress(TypeError, ValueError):
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text)
    return obj


# made once: json.dumps with options builds an encoder for every record
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_encode)


def record_to_json(record: Record) -> str:
    data = {
        "path": record.path,
        "url": record.url,
        "lang": record.lang,
        "kind": record.kind,
        "title": record.title,
        "description": record.description,
        "fields": record.fields,
        "terms": record.terms,
        "term_labels": record.term_labels,
        "aliases": record.aliases,
        "body": record.body,
        "body_line": record.body_line,
        # named tuples, which JSON writes as the lists of their fields
        "links": record.links,
        "headings": record.headings,
        "anchors": record.anchors,
        "mtime_ns": record.mtime_ns,
        "size": record.size,
    }
    return _ENCODER.encode(data)


def record_from_json(text: str) -> Record:
    """The Record of a stored row; IndexDamaged if the row is not one
    record_to_json wrote (see store.damage)."""
    try:
        data = json.loads(text, object_hook=_decode)
        data["links"] = [Link(*x) for x in data["links"]]
        data["headings"] = [Heading(*h) for h in data["headings"]]
        return Record(**data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise record_error(exc) from None
