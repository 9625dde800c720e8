"""Front-matter fields as every command sees them (README, "The record format").

Real portals get Hugo's field types wrong (title: ["X"], category: "INGO"),
type curly quotes where YAML wanted straight ones, and write values no
record can store; normalize_fields accepts the first two and refuses the last.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from kzkb.safe_yaml import LONG_NUMBER, MAX_DEPTH, MAX_INT_DIGITS, TOO_DEEP
from kzkb.settings.config import Config

# Fields Hugo and Docsy expect to hold one value / several values. Real
# portals get both wrong (title: ["X"], category: "INGO"); we accept either.
SCALAR_FIELDS = frozenset(
    {
        "title",
        "linkTitle",
        "description",
        "date",
        "created",
        "lastmod",
        "publishDate",
        "expiryDate",
        "url",
        "slug",
        "weight",
        "kind",
        "type",
        "draft",
        "source",
        "summary",
    }
)
LIST_FIELDS = frozenset({"aliases", "contributor", "contributors", "authors", "keywords"})
DATE_FIELDS = frozenset({"date", "created", "lastmod", "publishDate", "expiryDate"})

_INT_LIMIT = 10**MAX_INT_DIGITS

# opening -> closing curly quote: “…”, ‘…’, „…“ and the Swedish ”…” / ’…’
CURLY_PAIRS = {
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u201e": "\u201c",
    "\u201d": "\u201d",
    "\u2019": "\u2019",
}


class Unusable(ValueError):
    """Front matter that parses but that no record can hold; the message is
    the reason to report."""


# JSON's "\ud800" is a lone surrogate, text no file (nor SQLite) can hold
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: str) -> str:
    if value.isascii():
        return value
    return _SURROGATE.sub("\ufffd", value)


def _clean_str(value: str) -> str:
    value = unicodedata.normalize("NFC", _storable(value)).strip()
    # Curly quotes typed where YAML wanted straight ones end up in the value.
    if len(value) >= 2 and value[0] in CURLY_PAIRS and value[-1] == CURLY_PAIRS[value[0]]:
        inner = value[1:-1]
        # “Sana Sezim” and “Feminita” is two quoted names, not one quoted value
        if value[0] not in inner and value[-1] not in inner:
            value = inner.strip()
    return value


def _clean(value: Any, depth: int = 1) -> Any:
    """A front-matter value as a record holds it: text cleaned, and only
    what JSON can store (YAML's !!omap pairs and !!set become lists). Raises
    Unusable past MAX_DEPTH (JSON and TOML front matter have no bound of
    their own below the interpreter's stack) or for an int too long to write."""
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, list | tuple | dict | set | frozenset) and depth > MAX_DEPTH:
        raise Unusable(TOO_DEEP)
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value if v is not None]
    if isinstance(value, dict):
        return {_clean_key(k): _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        # in a fixed order: a set's order changes from run to run
        return sorted((_clean(v, depth + 1) for v in value if v is not None), key=repr)
    if isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT:
        raise Unusable(LONG_NUMBER)
    return value


def _clean_key(key: Any) -> str:
    if isinstance(key, str):
        return _storable(key)
    if isinstance(key, int) and not -_INT_LIMIT < key < _INT_LIMIT:
        raise Unusable(LONG_NUMBER)
    return str(key)


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    if isinstance(value, str) and "," in value and "\n" not in value:
        # category: "INGO, Government" is two terms, not one
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def _as_scalar(value: Any) -> Any:
    if isinstance(value, list):
        items = [v for v in value if v not in (None, "")]
        return items[0] if items else None
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return value  # kept as written; lint reports it
    return value


def as_text(value: Any) -> str:
    """A value where text belongs, as text. A mapping or list is what YAML
    made of text holding ': ' or '- ' (`description:` over an indented
    `Breakdown of households: economic, social`): its YAML source, as
    written but for quoting, so every command shows what the writer typed,
    never a Python dict; lint reports it and --fix quotes it to this text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        import math

        import yaml

        text = yaml.safe_dump(
            value, allow_unicode=True, default_flow_style=False, sort_keys=False, width=math.inf
        )
        return text.removesuffix("\n...\n").strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text_fields(config: Config) -> frozenset[str]:
    """The fields that hold text: Hugo's text fields and those [lint.types]
    types string or url."""
    if _last[0] is not config:  # one KB a run: asked once a record
        typed = config.lint.field_types(config.taxonomies.values())
        _last[:] = [
            config,
            _TEXT_FIELDS | {k for k, kind in typed.items() if kind in ("string", "url")},
        ]
    return _last[1]


_last: list[Any] = [None, frozenset()]


_TEXT_FIELDS = SCALAR_FIELDS - DATE_FIELDS - {"weight", "draft"}


def normalize_fields(data: dict[str, Any], config: Config) -> dict[str, Any]:
    """Front matter as every command sees it (see README, "The record format").
    Raises Unusable for front matter no record can hold."""
    list_fields = LIST_FIELDS | set(config.taxonomies.values())
    texts = text_fields(config)
    out: dict[str, Any] = {}
    for key, raw in data.items():
        key = unicodedata.normalize("NFC", _clean_key(key))
        value = _clean(raw, 2)
        if key in list_fields:
            value = [as_text(v) for v in _as_list(value)]
        elif key in SCALAR_FIELDS:
            value = _as_scalar(value)
        if key in texts and (
            isinstance(value, dict) or (key in SCALAR_FIELDS and isinstance(value, list))
        ):
            value = as_text(value)
        if key in DATE_FIELDS:
            value = _as_date(value)
        out[key] = value
    return out
