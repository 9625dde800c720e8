"""JSON and JSON Lines: a record a line, dates as ISO text."""

from __future__ import annotations

import json
from typing import IO, Any

from kzkb.export.shapes import Rows, dumps


def json_head(header: dict[str, Any]) -> str:
    """What a JSON export starts with, before its first record."""
    return '{"kb": ' + json.dumps(header, ensure_ascii=False) + ',\n "records": ['


def write_json(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
    """{"kb": {...}, "records": [...]}, one record a line."""
    out.write(json_head(header))
    count = 0
    for row in rows:
        out.write(",\n  " if count else "\n  ")
        out.write(dumps(row))
        count += 1
    out.write("\n ]}\n" if count else "]}\n")
    return count


def write_jsonl(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
    count = 0
    lines: list[str] = []
    for row in rows:
        lines.append(dumps(row))
        count += 1
        if len(lines) == 256:  # one write a batch: the text layer's cost is per call
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")
    return count
