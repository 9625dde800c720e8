"""The typed sections of kzkb.toml: [index] (IndexSettings, WatchSettings),
[lint] (LintSettings) and [check-links] (CheckLinksSettings).

Each is read and checked once, when the settings are loaded, so a mistake is
one error naming the file and the fix whichever command runs, and no other
module reads the raw tables. The defaults are those of a kzkb.toml without
the section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.settings.bounds import INT_MAX, out_of_bounds, size_in_bytes
from kzkb.settings.formats import locate

# a Markdown record is kilobytes; one of more megabytes is a mistake (or an
# attack), and is not read into memory
DEFAULT_MAX_FILE_SIZE = 10 * 2**20
WATCH_MODES = ("on", "off", "auto")

SEVERITIES = ("error", "warning", "off")
FIELD_TYPES = ("string", "list", "date", "url")
# a field's type when [lint.types] names none; each taxonomy's field is a list
DEFAULT_FIELD_TYPES = {
    "title": "string",
    "linkTitle": "string",
    "description": "string",
    "date": "date",
    "created": "date",
    "lastmod": "date",
    "url": "url",
    "aliases": "list",
}
DEFAULT_REQUIRED = ("title",)
DEFAULT_DUPLICATE_THRESHOLD = 90


def want(data: Mapping[str, Any], key: str, kind: type, file: Path) -> Any:
    """data[key] if it is a `kind` (None when absent), else a one-line error."""
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise KzkbError(
            f"{file}: `{key}` must be a {kind.__name__}, not {type(value).__name__}",
            f"write {key} as a TOML {kind.__name__}",
        )
    return value


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """[index]: what the index reads."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; a larger file is skipped, not read


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """[index] watch: whether a watcher daemon keeps the file listing."""

    mode: str = "auto"  # "on", "off" or "auto" (on for a large KB); $KZKB_WATCH wins


@dataclass(frozen=True, slots=True)
class LintSettings:
    """[lint]: what lint reports and how loudly. The rule names of
    [lint.severity] are lint's, and checked by severities()."""

    severity: Mapping[str, str] = field(default_factory=dict)  # rule -> error|warning|off
    required: tuple[str, ...] = DEFAULT_REQUIRED
    types: Mapping[str, str] = field(default_factory=dict)  # field -> one of FIELD_TYPES
    duplicate_threshold: int = DEFAULT_DUPLICATE_THRESHOLD  # rapidfuzz score, 1-100
    file: str = field(default="kzkb.toml", compare=False)  # where the section is, for errors

    def severities(self, defaults: Mapping[str, str]) -> dict[str, str]:
        """Every rule's severity: `defaults` (rule -> severity), as [lint.severity] changes them."""
        out = dict(defaults)
        for rule, value in self.severity.items():
            if rule not in defaults:
                raise KzkbError(
                    f"{self.file}: [lint.severity] names no rule {rule!r}",
                    f"rules are: {', '.join(defaults)}",
                )
            out[rule] = value
        return out

    def field_types(self, taxonomy_fields: Iterable[str]) -> dict[str, str]:
        """Every typed field's type: the defaults, each taxonomy's field a
        list, then [lint.types]."""
        out = dict(DEFAULT_FIELD_TYPES)
        for name in taxonomy_fields:
            out[name] = "list"
        out.update(self.types)
        return out


@dataclass(frozen=True, slots=True)
class CheckLinksSettings:
    """[check-links]: what check-links leaves alone."""

    exclude: tuple[str, ...] = ()  # regular expressions of URLs not checked
    exclude_lines: tuple[int, ...] = ()  # kzkb.toml's line of each, 0 when not found
    file: str = field(default="kzkb.toml", compare=False)  # where the section is, for errors


# check-links' numbers: (least, most) of each. NaN compares false with
# everything, so a range test alone lets it through and it then disables what
# it bounds (a NaN timeout passed every link); infinity is refused as well.
SECONDS_RANGES: dict[str, tuple[float, float]] = {
    "timeout": (0.1, 3600.0),  # one request, connect to headers
    "cache-ttl": (0.0, 10 * 365 * 86400.0),
    "deadline": (0.0, 7 * 86400.0),  # the whole run; 0 for none
    "backoff": (0.0, 3600.0),
    "max-wait": (0.0, 86400.0),
}


def seconds(value: object, name: str, where: str = "") -> float:
    """`value` as seconds for check-links' setting `name` (a key of
    SECONDS_RANGES): a finite number in its range, else a one-line KzkbError.
    The one check of these numbers, whether they come from the command line
    or a caller of the library; `where` is how the error names the value
    ("--timeout" by default)."""
    import math

    least, most = SECONDS_RANGES[name]
    shown = where or f"--{name}"
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or not least <= number <= most:
        raise KzkbError(
            f"{shown} {value!r} is not a number of seconds from {least:g} to {most:g}",
            f"give e.g. {shown} {max(least, min(10.0, most)):g}",
        )
    return float(number)


def index_settings(data: Mapping[str, Any], file: Path) -> tuple[IndexSettings, WatchSettings]:
    index = want(data, "index", dict, file) or {}
    watch = index.get("watch", "auto")
    if not isinstance(watch, bool) and watch not in WATCH_MODES:
        raise KzkbError(
            f"{file}: [index] watch = {watch!r} is not a setting",
            'write watch = true, false or "auto"',
        )
    mode = {True: "on", False: "off"}[watch] if isinstance(watch, bool) else watch
    given = index.get("max_file_size", DEFAULT_MAX_FILE_SIZE)
    size = size_in_bytes(given)
    problem = "is not a size" if size is None else out_of_bounds(size, 1)
    if problem:
        where = locate([file], ("max_file_size",))
        shown = repr(given) if len(repr(given)) <= 40 else repr(given)[:39] + "…"
        raise KzkbError(
            f"{where}: [index] max_file_size = {shown}: "
            + ("not a size" if size is None else f"the size in bytes must be from 1 to {INT_MAX}"),
            'write it in bytes (10485760) or as "10 MB"',
        )
    assert size is not None
    return IndexSettings(max_file_size=size), WatchSettings(mode=mode)


def _table(section: Mapping[str, Any], key: str, name: str, file: Path) -> Mapping[str, Any]:
    value = section.get(key) or {}
    if not isinstance(value, dict):
        raise KzkbError(f"{file}: {name} must be a table", f"write it as {name}")
    return value


def lint_settings(data: Mapping[str, Any], file: Path) -> LintSettings:
    section = data.get("lint", {})
    if not isinstance(section, dict):
        raise KzkbError(f"{file}: [lint] must be a table", "write it as [lint]")
    severity: dict[str, str] = {}
    for rule, value in _table(section, "severity", "[lint.severity]", file).items():
        if value not in SEVERITIES:
            raise KzkbError(
                f"{file}: [lint.severity] {rule} = {value!r}",
                'write "error", "warning" or "off"',
            )
        severity[rule] = value
    types: dict[str, str] = {}
    for name, kind in _table(section, "types", "[lint.types]", file).items():
        if kind not in FIELD_TYPES:
            raise KzkbError(
                f"{file}: [lint.types] {name} = {kind!r}",
                f"a field's type is one of {', '.join(FIELD_TYPES)}",
            )
        types[str(name)] = kind
    required = section.get("required", list(DEFAULT_REQUIRED))
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise KzkbError(
            f"{file}: [lint] required must be a list of field names",
            'write required = ["title", "category"]',
        )
    threshold = section.get("duplicate_threshold", DEFAULT_DUPLICATE_THRESHOLD)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 < threshold <= 100:
        raise KzkbError(
            f"{file}: [lint] duplicate_threshold = {threshold!r}",
            "give a whole number from 1 to 100 (the rapidfuzz score two titles must reach)",
        )
    return LintSettings(severity, tuple(required), types, threshold, file=str(file))


def check_links_settings(data: Mapping[str, Any], file: Path) -> CheckLinksSettings:
    section = data.get("check-links", {})
    values = section.get("exclude", []) if isinstance(section, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise KzkbError(
            f"{file}: [check-links] exclude must be a list of regular expressions",
            'write exclude = ["example\\\\.org", "^https://t\\\\.me/"]',
        )
    for pattern in values:  # a bad one is reported here, not as an --exclude given
        try:
            re.compile(pattern)
        except re.error as exc:
            raise KzkbError(
                f"{file}: [check-links] exclude: invalid pattern {pattern!r}: {exc}",
                "give a Python regular expression, e.g. 'facebook\\.com'",
            ) from None
    return CheckLinksSettings(exclude=tuple(values))
