"""TOML: a [kb] table, then a [[records]] table a record, as tomli-w writes
them, long strings escaped here at str.translate's speed (toml_string)."""

from __future__ import annotations

import datetime as dt
import os
from typing import IO, Any

from kzkb.export.shapes import Rows

# TOML's integers are 64-bit; a parser must refuse a larger one
TOML_INT = range(-(2**63), 2**63)


def toml_value(value: Any) -> Any:
    """TOML has no null: empty values are dropped; dates stay TOML dates;
    an integer past 64 bits (YAML reads any) is written exactly, as text;
    nan and inf stay numbers, which TOML has."""
    if isinstance(value, dict):
        return {str(k): toml_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [toml_value(v) for v in value if v is not None]
    if isinstance(value, int) and not isinstance(value, bool) and value not in TOML_INT:
        return str(value)
    if isinstance(value, (str, int, float, bool, dt.date)):
        return value
    return str(value)


# tomli-w escapes a string one character at a time in Python: 0.6 ms of a
# 4 kB body, most of a TOML export. Long strings are written here instead,
# with str.translate, as tomli-w writes them (a basic string: quote,
# backslash and control characters but tab escaped), in the place tomli-w
# puts a placeholder for them.
_TOML_ESCAPES = {i: f"\\u{i:04x}" for i in [*range(0x20), 0x7F] if i != 0x09}
_TOML_ESCAPES.update({0x08: "\\b", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
_TOML_ESCAPES.update({0x22: '\\"', 0x5C: "\\\\"})
_TOML_LONG = 256
_TOML_MARK = f"kzkb-{os.urandom(8).hex()}-"  # no record holds it


def toml_string(text: str) -> str:
    """A TOML basic string of `text`, the characters tomli-w escapes escaped."""
    return '"' + text.translate(_TOML_ESCAPES) + '"'


def toml_record(row: dict[str, Any]) -> str:
    import tomli_w

    value = toml_value(row)
    long: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, str) and len(item) > _TOML_LONG:
            mark = f"{_TOML_MARK}{len(long)}"
            long[f'"{mark}"'] = toml_string(item)
            value[key] = mark
    text = tomli_w.dumps({"records": [value]})
    if not text.startswith("[[records]]"):
        # tomli-w writes a short array of tables inline (records = [{...}]),
        # which after [kb] tables would land inside them; a record that
        # short has only short sub-tables, which stay inline under a header
        text = "[[records]]\n" + tomli_w.dumps(value)
    for mark, string in long.items():
        text = text.replace(mark, string, 1)
    return text


def toml_head(header: dict[str, Any]) -> str:
    """The [kb] table, before any record."""
    import tomli_w

    return tomli_w.dumps({"kb": toml_value(header)})


def write_toml(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
    """A [kb] table, then a [[records]] table a record."""
    out.write(toml_head(header))
    count = 0
    for row in rows:
        out.write("\n" + toml_record(row))
        count += 1
    return count
