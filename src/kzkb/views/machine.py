"""Output for programs: records, hits and terms as JSON, JSONL and CSV rows."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from kzkb.export.shapes import jsonable
from kzkb.export.shapes import record_dict as as_dict
from kzkb.model import Record, Term
from kzkb.search.results import Hit
from kzkb.settings.config import Config

# what json leaves as it is (it escapes only C0) that a terminal acts on: DEL,
# C1 controls, bidi overrides; and the two line separators JavaScript reads as
# line ends. As \u escapes they are the same JSON value, and nothing raw.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(value: Any, indent: int | None = None) -> str:
    """`value` as JSON: UTF-8 text, with only what _UNSAFE names escaped."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text) if _UNSAFE.search(text) else text


def record_dict(record: Record, config: Config) -> dict[str, Any]:
    """A record as programs see it (README: "JSON output")."""

    return as_dict(record, config)


def _jsonable(value: Any) -> Any:

    return jsonable(value)


def hit_dict(rank: int, hit: Hit, config: Config) -> dict[str, Any]:
    data = {"rank": rank, "score": round(hit.score, 4), **record_dict(hit.record, config)}
    data["snippet"] = hit.snippet.replace("\x02", "").replace("\x03", "")
    data["matched"] = list(hit.matched)
    if hit.explanation is not None:
        from kzkb.views.search import explanation_dict

        data["explain"] = explanation_dict(hit.explanation)
    return data


def term_dict(term: Term) -> dict[str, Any]:
    return {"taxonomy": term.taxonomy, "slug": term.slug, "label": term.label, "count": term.count}


def write_rows(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    """json: one array; jsonl: an object a line; csv: a header and a row each."""
    stream = sys.stdout
    if fmt == "json":
        stream.write(json_text([_jsonable(r) for r in rows], indent=2) + "\n")
    elif fmt == "jsonl":
        for row in rows:
            stream.write(json_text(_jsonable(row)) + "\n")
    elif fmt == "csv":
        columns = list(rows[0]) if rows else []
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
    else:  # pragma: no cover - the CLI validates formats
        raise ValueError(fmt)
    stream.flush()


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(_jsonable(value))


def record_json(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    data = record_dict(record, config)
    data["aliases"] = record.aliases
    data["fields"] = _jsonable(record.fields)
    data["body"] = record.body
    data["links"] = [
        {"target": x.target, "text": x.text, "line": x.line, "column": x.column, "kind": x.kind}
        for x in record.links
    ]
    data["headings"] = [{"level": h.level, "text": h.text, "id": h.id} for h in record.headings]
    data["backlinks"] = [r.path for r in backlinks]
    data["translations"] = [r.path for r in translations]
    sys.stdout.write(json_text(data, indent=2) + "\n")
