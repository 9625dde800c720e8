"""The rules of one file: those that need no other file of the KB."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kzkb.lint.edits import _CURLY, _CURLY_VALUE, _reshape
from kzkb.lint.findings import OFF, LintFinding
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _escaped, _Field, _File, _parse
from kzkb.parse.frontmatter import FrontMatterError, split_front_matter
from kzkb.safe_yaml import TOO_DEEP
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
    if not _is_slug_name(name, config) and name not in ("_index.md", "index.md"):
        add(
            1, "file-name", f"file name {name!r} is not a slug",
            f"rename it {_slug_name(name, config)!r} (lower case, dashes; aliases keep old links)",
        )  # fmt: skip
    f, syntax = _parse(rel, text)
    if f.fm_start < 0 and _escaped(f):
        add(
            1, "escaped-front-matter",
            "the front matter is escaped (\\-\\-\\-, \\[ ...), so the record has no fields",
            "unescape it (--fix)", True,
        )  # fmt: skip
        return f, out
    if syntax is not None:
        add(syntax.line, syntax.rule, syntax.message, syntax.fix)
        return f, out
    if f.fm_start < 0:
        first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip()
        if first == "{" or re.fullmatch(r"\+{3,}", first):
            # TOML or JSON front matter: checked as the index parses it; the
            # line-by-line rules below read YAML only

            try:
                data, _, _ = split_front_matter(text.lstrip("\ufeff"))
            except FrontMatterError as err:
                add(err.line, "front-matter-syntax", err.reason, "fix the front matter there")
                return f, out
            except RecursionError:
                add(1, "front-matter-syntax", TOO_DEEP, "flatten the front matter")
                return f, out
            for key in options.required:
                if _empty(data.get(key)):
                    add(1, "required-field", f"{key} is missing or empty", f"add {key}")
            return f, out
        add(1, "required-field", "the file has no front matter", "start it with --- and a title")
        return f, out
    for i in range(f.fm_start + 1, f.fm_end):
        line = f.lines[i]
        if any(c in line for c in _CURLY) and _CURLY_VALUE.search(line):
            add(
                i + 1, "curly-quotes", "a value quoted with curly quotes keeps them as text",
                'use straight quotes: "…" (--fix)', True,
            )  # fmt: skip
    for key in options.required:
        fld = f.fields.get(key)
        if fld is None or _empty(fld.value):
            line = fld.line if fld else f.fm_end + 1
            add(line, "required-field", f"{key} is missing" if fld is None else f"{key} is empty",
                f"add {key}: …")  # fmt: skip
    description = f.fields.get("description")
    if "description" not in options.required and (description is None or _empty(description.value)):
        line = description.line if description else f.fm_end + 1
        add(line, "empty-description", "the record has no description",
            "add description: one or two sentences on what the source holds")  # fmt: skip
    for key, fld in f.fields.items():
        kind = options.types.get(key)
        if kind is not None:
            # offered as --fix exactly when --fix would make the repair
            can_fix = not f.odd and _reshape(f.lines, fld, kind) is not None
            _check_type(fld, kind, add, can_fix)
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


def _check_type(fld: _Field, kind: str, add: Any, can_fix: bool) -> None:
    value = fld.value
    tail = " (--fix)" if can_fix else ""
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
            f'write {fld.key}: ["{value}"]{tail}', can_fix)  # fmt: skip
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
    return ext in ("md", "markdown") and bool(stem) and term_slug(stem) == stem


def _slug_name(name: str, config: Config) -> str:
    stem, lang, ext = _split_name(name, config)
    return (term_slug(stem) or "record") + lang + "." + (ext.lower() or "md")
