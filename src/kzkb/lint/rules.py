"""The rules of one file: those that need no other file of the KB."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

from kzkb.files import CONTENT_SUFFIXES
from kzkb.lint.edits import _put, reshape, unescape
from kzkb.lint.findings import OFF, LintFinding
from kzkb.lint.gate import Gate, flow_list
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _escaped, _Field, _File, _parse
from kzkb.model import Skipped
from kzkb.parse.record import EMPTY, NO_LANGUAGE, read_front
from kzkb.parse.source import as_loaded
from kzkb.settings.config import Config
from kzkb.urls import term_slug


def check_file(
    rel: str, text: str, config: Config, options: LintOptions
) -> tuple[_File, list[LintFinding]]:
    """The findings of one file that need no other file; the parsed file."""
    out: list[LintFinding] = []

    def add(line: int, rule: str, message: str, fix: str, fixable: bool = False) -> None:
        severity = options.severity[rule]
        if severity != OFF:
            out.append(LintFinding(rel, line, rule, severity, message, fix, fixable))

    if text.startswith("\ufeff"):
        add(1, "bom", "the file starts with a byte-order mark", "remove it (--fix)", True)
    name = rel.rsplit("/", 1)[-1]
    if not _is_slug_name(name, config) and not _is_section_name(name):
        add(
            1, "file-name", f"file name {name!r} is not a slug",
            f"rename it {_slug_name(name, config)!r} (lower case, dashes; aliases keep old links)",
        )  # fmt: skip
    f, syntax = _parse(rel, text)
    # whether it is a record at all is the loader's to say, in its words
    front = read_front(rel, as_loaded(text), config)
    if isinstance(front, Skipped):
        rule = "unreadable" if front.reason in (EMPTY, NO_LANGUAGE) else "front-matter-syntax"
        fix = "fix it there" if rule == "front-matter-syntax" else "write the record, or move it"
        add(
            front.line,
            rule,
            f"not a record: {front.reason}",
            f"{fix}; until then no command reads it",
        )
        return f, out
    if not f.fmt and _escaped(f):
        unescaped = unescape(text)
        can_fix = unescaped is not None and Gate(rel, config).allows_unescaped(text, *unescaped)
        add(
            1, "escaped-front-matter",
            "the front matter is escaped (\\-\\-\\-, \\[ ...), so the record has no fields",
            "unescape it (--fix)" if can_fix else
            "unescape it by hand: unescaped, it does not read as front matter, so --fix leaves it",
            can_fix,
        )  # fmt: skip
        return f, out
    if syntax is not None:
        return f, out  # the loader reads it, lint cannot place its fields: nothing to say
    if not f.fmt:
        add(1, "required-field", "the file has no front matter", "start it with --- and a title")
        return f, out
    for line in sorted({curly.line for curly in f.curly}):
        add(
            line + 1, "curly-quotes", "a value quoted with curly quotes keeps them as text",
            'use straight quotes: "…" (--fix)', True,
        )  # fmt: skip
    for key, first, kept in f.twice:
        add(
            first, "duplicate-key",
            f"{key} is written twice, on lines {first} and {kept}; "
            f"{f.fmt.upper()} keeps the last, {_one_line(f.fields[key].value)}, and drops this one",
            "delete the one you do not mean",
        )  # fmt: skip
    _check_countries(f, config, add)
    for key in options.required:
        fld = f.fields.get(key)
        if fld is None or _empty(fld.value):
            # a missing YAML field at the closing ---; TOML's and JSON's at the opening
            line = fld.line if fld else (f.fm_end if f.fmt == "yaml" else f.fm_start) + 1
            add(line, "required-field", f"{key} is missing" if fld is None else f"{key} is empty",
                f"add {key}: …")  # fmt: skip
    description = f.fields.get("description")
    if "description" not in options.required and (description is None or _empty(description.value)):
        line = description.line if description else f.fm_end + 1
        add(line, "empty-description", "the record has no description",
            "add description: one or two sentences on what the source holds")  # fmt: skip
    gate = Gate(rel, config)
    for key, fld in f.fields.items():
        kind = options.types.get(key)
        if kind is None:
            continue
        if f.fmt == "json" and kind == "date" and isinstance(fld.value, str):
            # JSON has no dates: Hugo reads "2023-12-06" as one, and so does the loader
            with contextlib.suppress(ValueError):
                fld = dataclasses.replace(fld, value=dt.date.fromisoformat(fld.value.strip()[:10]))
        # offered as --fix exactly when --fix would make the repair
        edit = reshape(f, fld, kind, config) if f.fmt == "yaml" and not f.odd else None
        can_fix = edit is not None and gate.allows(
            text, _put(text, fld.line - 1, fld.end - 1, edit[0]), edit[1]
        )
        _check_type(fld, kind, add, can_fix, config)
    if not f.body.strip():
        add(f.body_line if f.fm_end >= 0 else 1, "empty-body", "the record has no text",
            "write what the source is and why it matters below the front matter")  # fmt: skip
    return f, out


def _empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, list) and all(v in (None, "") for v in value))
    )


def _as_list_hint(fld: _Field, config: Config) -> str:
    """A one-value field written as the list --fix makes of it."""
    from kzkb.parse.fields import normalize_fields

    if not isinstance(fld.value, str):
        return ""
    read = normalize_fields({fld.key: fld.value}, config)[fld.key]
    return flow_list(read if isinstance(read, list) else [read]) or ""


def _check_type(fld: _Field, kind: str, add: Any, can_fix: bool, config: Config) -> None:
    value = fld.value
    tail = " (--fix)" if can_fix else ""
    if kind in ("string", "url") and isinstance(value, dict):
        # `description:` over `  Breakdown of households: economic, social`
        text = _loaded_text(fld, config)
        add(
            fld.line, "field-type",
            f"{fld.key} is a mapping: YAML read the ': ' in its text as a field; it takes text",
            f"quote the value: {fld.key}: {_shown(text)}{tail}" if "\n" not in text else
            f"write {fld.key}: |- and its lines below it{tail}",
            can_fix,
        )  # fmt: skip
        return
    if kind == "list" and isinstance(value, list):
        items = fld.node.value if fld.node is not None and hasattr(fld.node, "value") else []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                node = items[i] if i < len(items) and not isinstance(items[i], str) else None
                line = node.start_mark.line + fld.shift + 1 if node is not None else fld.line
                add(
                    line, "field-type",
                    f"{fld.key} holds a mapping: YAML read the ': ' in {_text(item)!r} as a field",
                    f"quote the item: - {_shown(_text(item))}",
                )  # fmt: skip
        return
    if kind in ("string", "date", "url") and isinstance(value, list):
        one = len(value) == 1 and not isinstance(value[0], (list, dict))
        add(
            fld.line, "field-type",
            f"{fld.key} is a list of {len(value)}; it takes one value",
            f"write {fld.key}: {_shown(value[0])}{tail}" if value else f"write one {fld.key}",
            can_fix,
        )  # fmt: skip
        if not one:
            return
        value = value[0]
    if kind == "list" and isinstance(value, str):
        add(fld.line, "field-type", f"{fld.key} is one value; it takes a list",
            f"write {fld.key}: {_as_list_hint(fld, config) or [value]}{tail}", can_fix)  # fmt: skip
        return
    if kind == "date" and value not in (None, "") and not isinstance(value, dt.date):
        add(fld.line, "invalid-date", f"{fld.key} {str(value)!r} is not a date",
            f"write {fld.key}: YYYY-MM-DD")  # fmt: skip
    web = ("http://", "https://")
    if kind == "url" and isinstance(value, str) and value and not value.lower().startswith(web):
        fix = (
            f"write {fld.key}: https://{value.split('://')[-1]}"
            if "." in value
            else f"give {fld.key} the organisation's web address (https://…)"
        )
        add(fld.line, "url-scheme", f"{fld.key} {value!r} is not an http(s) address", fix)


def _check_countries(f: _File, config: Config, add: Any) -> None:
    """Each value of the country taxonomy that misspells a country's name
    (`Kazakstan`); a value far from every country (a region) is the KB's choice."""
    from kzkb.lint.countries import code_of, country_field, nearest
    from kzkb.parse.fields import normalize_fields

    key = country_field(config)
    fld = f.fields.get(key) if key else None
    if fld is None:
        return
    values = normalize_fields({fld.key: fld.value}, config)[fld.key]
    for value in values if isinstance(values, list) else []:
        if value.strip() and code_of(value) is None:
            near = nearest(value)
            if near:
                add(fld.line, "unknown-country", f"{fld.key}: {value!r} is no country",
                    f"did you mean {near!r}?")  # fmt: skip


def _loaded_text(fld: _Field, config: Config) -> str:
    """The text the loader makes of a field (kzkb.parse.fields.as_text)."""
    from kzkb.parse.fields import normalize_fields

    return str(normalize_fields({fld.key: fld.value}, config)[fld.key])


def _one_line(value: Any) -> str:
    """A value as one line: text quoted, a list or mapping in YAML's flow style."""
    if isinstance(value, list | dict):
        import math

        import yaml

        flow = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=math.inf)
        return flow.removesuffix("\n...\n").strip()
    return repr(value) if isinstance(value, str) else _text(value)


def _text(value: Any) -> str:
    from kzkb.parse.fields import as_text

    return as_text(value)


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return '"' + str(value).replace('"', '\\"') + '"'


def _split_name(name: str, config: Config) -> tuple[str, str, str]:
    """(stem, ".lang" or "", extension) of a record's file name."""
    stem, _, ext = name.rpartition(".")
    head, dot, lang = stem.rpartition(".")
    if dot and lang in config.languages:
        return head, "." + lang, ext
    return stem, "", ext


def _is_slug_name(name: str, config: Config) -> bool:
    """A file name as Hugo would make it of the title (Cyrillic letters too),
    with a lower-case extension: what `kzkb new` writes."""
    stem, _, ext = _split_name(name, config)
    return f".{ext}" in CONTENT_SUFFIXES and bool(stem) and term_slug(stem) == stem


def _is_section_name(name: str) -> bool:
    """_index.md, index.html and the like: the names Hugo gives a section's
    or a bundle's own page."""
    stem, _, ext = name.rpartition(".")
    return stem in ("_index", "index") and f".{ext}" in CONTENT_SUFFIXES


def _slug_name(name: str, config: Config) -> str:
    stem, lang, ext = _split_name(name, config)
    return (term_slug(stem) or "record") + lang + "." + (ext.lower() or "md")
