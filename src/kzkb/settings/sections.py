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
    lines = tuple(_line_of(file, pattern) for pattern in values)
    for pattern, line in zip(values, lines, strict=True):
        # a bad one is reported here, not as an --exclude given
        problem = exclude_problem(pattern)
        if problem is not None:
            where = f"{file}:{line}" if line else str(file)
            raise KzkbError(f"{where}: [check-links] exclude {pattern!r}: {problem}", _EXCLUDE_FIX)
    return CheckLinksSettings(exclude=tuple(values), exclude_lines=lines, file=str(file))


_EXCLUDE_FIX = (
    "give a Python regular expression without a repeat of a repeat, e.g. 'facebook\\.com'"
)


def exclude_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be an exclude pattern, or None. kzkb.toml comes
    with the KB, so a pattern may be hostile. A repeat of something that is
    itself nothing but a repeat, like (a+)+ or (\\w+\\s?)+, takes exponential
    time on a long URL that does not match, and Python's re cannot be
    interrupted: refused here, at once. ([a-z]+\\.)+ is fine: each round
    needs its dot. The matching itself runs under a time limit as well
    (kzkb.check.exclude), for the slow patterns no rule of form catches."""
    import re._parser as parser  # sre_parse, under its 3.11 name

    try:
        parsed = parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"invalid pattern: {exc}"
    if _nested_repeat(parsed.data):
        return "a repeat of a repeat, like (a+)+, takes exponential time on a long URL"
    return None


def _nested_repeat(items: Any) -> bool:
    """Whether a backtracking repeat (one that may match more than once) in
    the parsed pattern `items` repeats something that a repeat alone can
    match: the text then splits between the rounds in exponentially many ways."""
    import re._constants as sre
    import re._parser as parser

    for op, arg in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            _, high, body = arg
            if (high > 1 and _just_a_repeat(body.data)) or _nested_repeat(body.data):
                return True
        elif op in (sre.POSSESSIVE_REPEAT, sre.ATOMIC_GROUP):
            continue  # never backtracks into itself
        elif any(_nested_repeat(part.data) for part in _subpatterns(arg, parser.SubPattern)):
            return True
    return False


def _just_a_repeat(items: Any) -> bool:
    """Whether the sequence `items` holds a backtracking repeat and nothing
    that must match text besides it (the rest optional or zero-width), in
    one of its branches at least."""
    import re._constants as sre

    zero_width = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
    repeats = 0
    for op, arg in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[1] > 1:
            repeats += 1
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] == 0:
            continue  # optional
        elif op in zero_width:
            continue
        elif op == sre.SUBPATTERN:
            if not _just_a_repeat(arg[3].data):
                return False
            repeats += 1
        elif op == sre.BRANCH:
            if not any(_just_a_repeat(branch.data) for branch in arg[1]):
                return False
            repeats += 1
        else:
            return False
    return repeats > 0


def _subpatterns(arg: Any, kind: type) -> list[Any]:
    """The sub-patterns among a parsed node's arguments, however nested
    (a group's body, each branch, a lookaround's body)."""
    if isinstance(arg, kind):
        return [arg]
    if isinstance(arg, tuple | list):
        return [sub for item in arg for sub in _subpatterns(item, kind)]
    return []


def _line_of(file: Path, pattern: str) -> int:
    """The line of kzkb.toml that writes `pattern` (as a basic or a literal
    TOML string), after its [check-links] header; 0 when none does (tomllib
    gives values, not lines)."""
    import json

    spellings = {json.dumps(pattern, ensure_ascii=False)[1:-1], pattern}
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    seen_header = False
    for number, line in enumerate(lines, 1):
        if re.match(r"\s*\[[^\]]*check-links[\"']?\s*\]", line):
            seen_header = True
        elif seen_header and any(f'"{s}"' in line or f"'{s}'" in line for s in spellings):
            return number
    return 0


# The licences a data portal knows by SPDX id (CKAN, Zenodo, data.gov
# portals): title and the licence's own page, as a Data Package names them.
LICENSES = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution Share-Alike 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC-BY-NC-4.0": (
        "Creative Commons Attribution Non Commercial 4.0",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    "CC-BY-NC-SA-4.0": (
        "Creative Commons Attribution Non Commercial Share Alike 4.0",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    ),
    "CC-BY-ND-4.0": (
        "Creative Commons Attribution No Derivatives 4.0",
        "https://creativecommons.org/licenses/by-nd/4.0/",
    ),
    "CC0-1.0": (
        "Creative Commons Zero v1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "ODbL-1.0": (
        "Open Data Commons Open Database License v1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "ODC-By-1.0": (
        "Open Data Commons Attribution License v1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
    "PDDL-1.0": (
        "Open Data Commons Public Domain Dedication & License 1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
}
_WEB_ADDRESS = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f<>\"]+", re.IGNORECASE)
_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]{0,63}")


@dataclass(frozen=True, slots=True)
class License:
    """The KB's licence as the Data Package spec names one."""

    name: str  # its SPDX id, e.g. CC-BY-SA-4.0
    title: str
    path: str  # the licence's text on the web


@dataclass(frozen=True, slots=True)
class PublishSettings:
    """What a published catalogue says of itself (`license` or `licence`,
    `description`, `source` in kzkb.toml): the Data Package, Datasette's
    metadata and the schema.org Dataset carry it."""

    license: License | None = None
    description: str = ""
    source: str = ""  # where the KB comes from: its repository or site


def publish_settings(data: Mapping[str, Any], file: Path) -> PublishSettings:
    """license/licence, description and source, each checked: a value a
    portal would publish wrong is an error naming its line."""
    if "license" in data and "licence" in data:
        where = locate([file], ("licence",))
        raise KzkbError(f"{where}: both license and licence are set", "keep one of them")
    key = "licence" if "licence" in data else "license"
    value = data.get(key)
    where = locate([file], (key,))
    license_ = None
    if isinstance(value, str):
        known = {k.lower(): k for k in LICENSES}
        name = known.get(value.strip().lower())
        if name is None:
            raise KzkbError(
                f"{where}: unknown licence {value!r}",
                f"use an SPDX id ({', '.join(LICENSES)}), or a table:"
                f' {key} = {{ name = "…", title = "…", path = "https://…" }}',
            )
        license_ = License(name, *LICENSES[name])
    elif isinstance(value, Mapping):
        name, title, path = (value.get(k) for k in ("name", "title", "path"))
        if not isinstance(name, str) or not _SPDX_ID.fullmatch(name):
            raise KzkbError(
                f"{where}: {key}.name must be a licence id (letters, digits, . + -)",
                'write name = "CC-BY-SA-4.0"',
            )
        if not isinstance(path, str) or not _WEB_ADDRESS.fullmatch(path):
            raise KzkbError(
                f"{where}: {key}.path must be the licence's http(s) address",
                'write path = "https://…"',
            )
        if title is not None and (not isinstance(title, str) or not title.isprintable()):
            raise KzkbError(f"{where}: {key}.title must be one line of text", "")
        license_ = License(name, title or name, path)
    elif value is not None:
        raise KzkbError(
            f"{where}: {key} must be a licence id or a table, not {type(value).__name__}",
            f'write {key} = "CC-BY-SA-4.0"',
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise KzkbError(
            f"{locate([file], ('description',))}: description must be text",
            'write description = "…"',
        )
    source = data.get("source", "")
    if not isinstance(source, str) or (source and not _WEB_ADDRESS.fullmatch(source)):
        raise KzkbError(
            f"{locate([file], ('source',))}: source must be an http(s) address",
            'write source = "https://…" (where the KB comes from)',
        )
    return PublishSettings(license_, description, source)
