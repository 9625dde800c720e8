"""An alias added to a record's front matter, and nothing else changed.

The new line is written as a person would (YAML `aliases: [/old/]`, a
block list's next `- /old/`, TOML `aliases = ["/old/"]`), and kept only
when the file then reads, as every command reads it, with that alias
appended and every other field and the body as they were (lint's gate,
kzkb.lint.gate: the same check lint --fix passes its repairs through).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from kzkb.lint.gate import flow_list, same
from kzkb.model import KzkbError, Skipped
from kzkb.parse.frontmatter import FrontMatterError, split
from kzkb.parse.record import Front, read_front
from kzkb.parse.source import as_loaded
from kzkb.settings.config import Config
from kzkb.urls import normalize_url

_LEADING = " \t\r\n\ufeff"
_YAML_KEY = re.compile(r"aliases[ \t]*:(?P<rest>[^\r\n]*)")
_TOML_KEY = re.compile(r"aliases[ \t]*=[ \t]*(?P<rest>[^\r\n]*)")
_JSON_KEY = re.compile(r'"aliases"[ \t]*:[ \t]*\[[^\]\r\n]*\]')


def add_alias(
    text: str, alias: str, *, config: Config | None = None, rel: str = "record.md"
) -> str:
    """`text` (a record's whole text, as written) with `alias` appended to
    its front matter's `aliases`; the text unchanged when the alias is
    there already. A KzkbError when no edit reads back exactly so (front
    matter kzkb cannot edit line by line, e.g. a TOML array over lines)."""
    config = config or Config(root=Path("."), content_dir=Path("."))
    old = _read(text, rel, config)
    if old is None:
        raise KzkbError(f"{rel}: not a record, so it takes no alias", "fix its front matter first")
    had = old.fields.get("aliases", [])
    had = list(had) if isinstance(had, list) else [had]
    if alias in [str(a) for a in had]:
        return text
    new = _edited(text, alias, old.split.fmt)
    front = _read(new, rel, config) if new is not None else None
    if new is None or front is None or not _only_aliases_changed(old, front, [*had, alias]):
        raise KzkbError(
            f"{rel}: cannot add the alias {alias!r} to its front matter line by line",
            f"add `{alias}` to its aliases by hand",
        )
    return new


def drop_alias(
    text: str, alias: str, *, config: Config | None = None, rel: str = "record.md"
) -> str:
    """`text` without `alias` (compared as a site URL) in its `aliases`: a
    record moved back to a URL it once had must not redirect from its own
    page. Only a list on one line or a YAML block list is edited; a
    KzkbError otherwise, or when the result does not read back exactly so."""
    config = config or Config(root=Path("."), content_dir=Path("."))
    old = _read(text, rel, config)
    if old is None:
        return text
    had = old.fields.get("aliases", [])
    had = list(had) if isinstance(had, list) else [had]
    want = [a for a in had if normalize_url(str(a)) != normalize_url(alias)]
    if len(want) == len(had):
        return text
    new = _without(text, alias, want, old.split.fmt)
    front = _read(new, rel, config) if new is not None else None
    if new is None or front is None or not _only_aliases_changed(old, front, want, set()):
        raise KzkbError(
            f"{rel}: cannot remove the alias {alias!r} (the page's new URL) line by line",
            f"remove `{alias}` from its aliases by hand, then run kzkb mv again",
        )
    return new


def _without(text: str, alias: str, want: list[Any], fmt: str) -> str | None:
    import yaml

    if fmt == "json":
        match = _JSON_KEY.search(text)
        if match is None:
            return None
        spelled = json.dumps(want, ensure_ascii=False)
        return text[: match.start()] + f'"aliases": {spelled}' + text[match.end() :]
    begin, end = _region(text)
    lines = text[begin:end].splitlines(keepends=True)
    key = _YAML_KEY if fmt == "yaml" else _TOML_KEY
    for i, line in enumerate(lines):
        match = key.match(line)
        if match is None:
            continue
        _, ending = _ending(line, "\n")
        rest = match["rest"].strip()
        if rest and not rest.startswith("#"):
            spelled = flow_list(want) if fmt == "yaml" else _toml_array([str(a) for a in want])
            if spelled is None:
                return None
            sep = ": " if fmt == "yaml" else " = "
            lines[i] = f"aliases{sep}{spelled}{ending}"
        elif fmt == "yaml":
            j = i + 1
            while j < len(lines) and lines[j].lstrip(" ").startswith("-"):
                try:
                    item = yaml.safe_load(lines[j].lstrip(" ")[1:])
                except yaml.YAMLError:
                    item = None
                if isinstance(item, str) and normalize_url(item) == normalize_url(alias):
                    del lines[j]
                    continue
                j += 1
        return text[:begin] + "".join(lines) + text[end:]
    return None


def _region(text: str) -> tuple[int, int]:
    """Start and end of the front matter between its delimiter lines."""
    start = len(text) - len(text.lstrip(_LEADING))
    begin = start + 3
    begin += text.startswith("\r", begin)
    begin += text.startswith("\n", begin)
    return begin, begin + len(split(text).front)


def _read(text: str, rel: str, config: Config) -> Front | None:
    front = read_front(rel, as_loaded(text), config)
    return None if isinstance(front, Skipped) else front


def _only_aliases_changed(
    old: Front, new: Front, aliases: list[Any], added: set[str] | None = None
) -> bool:
    keys = set(old.raw) | ({"aliases"} if added is None else added)
    if new.split.body != old.split.body or set(new.raw) != keys:
        return False
    if any(not same(v, new.raw[k]) for k, v in old.raw.items() if k != "aliases"):
        return False
    if any(not same(v, new.fields.get(k)) for k, v in old.fields.items() if k != "aliases"):
        return False
    return same(aliases, new.fields.get("aliases"))


def _edited(text: str, alias: str, fmt: str) -> str | None:
    newline = "\r\n" if "\r\n" in text[:4096] else "\n"
    start = len(text) - len(text.lstrip(_LEADING))
    if not fmt:
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        line = flow_list([alias])
        if line is None:
            return None
        return f"{bom}---{newline}aliases: {line}{newline}---{newline}{text[len(bom) :]}"
    try:
        split(text)
    except FrontMatterError:
        return None
    if fmt == "json":
        return _json(text, alias, start)
    begin, end = _region(text)
    lines = text[begin:end].splitlines(keepends=True)
    edit = _yaml if fmt == "yaml" else _toml
    out = edit(lines, alias, newline)
    return None if out is None else text[:begin] + "".join(out) + text[end:]


def _ending(line: str, newline: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :] or newline


def _yaml(lines: list[str], alias: str, newline: str) -> list[str] | None:
    import yaml

    for i, line in enumerate(lines):
        match = _YAML_KEY.match(line)
        if match is None:
            continue
        _, end = _ending(line, newline)
        rest = match["rest"].strip()
        if rest and not rest.startswith("#"):
            try:
                value = yaml.safe_load(rest)
            except yaml.YAMLError:
                return None
            values = value if isinstance(value, list) else [value]
            spelled = flow_list([*values, alias])
            if spelled is None:
                return None
            return [*lines[:i], f"aliases: {spelled}{end}", *lines[i + 1 :]]
        items = i + 1
        indent = None
        while items < len(lines) and (
            lines[items].startswith((" ", "\t", "-")) or not lines[items].strip()
        ):
            stripped = lines[items].lstrip(" ")
            if indent is None and stripped.startswith("-"):
                indent = lines[items][: len(lines[items]) - len(stripped)]
            items += 1
        while items > i + 1 and not lines[items - 1].strip():
            items -= 1  # blank lines after the list stay after the new item
        if indent is None:  # `aliases:` with nothing: null
            spelled = flow_list([alias])
            return (
                None
                if spelled is None
                else [*lines[:i], f"aliases: {spelled}{end}", *lines[i + 1 :]]
            )
        item = yaml.safe_dump([alias], default_flow_style=False, allow_unicode=True, width=math.inf)
        last_end = _ending(lines[items - 1], newline)[1]
        fixed = (
            lines[items - 1]
            if lines[items - 1].endswith(("\n", "\r"))
            else lines[items - 1] + newline
        )
        return [*lines[: items - 1], fixed, indent + item.rstrip("\n") + last_end, *lines[items:]]
    spelled = flow_list([alias])
    if spelled is None:
        return None
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines = [*lines[:-1], lines[-1] + newline]
    return [*lines, f"aliases: {spelled}{newline}"]


def _toml(lines: list[str], alias: str, newline: str) -> list[str] | None:
    import tomllib

    for i, line in enumerate(lines):
        if line.lstrip().startswith("["):
            break  # a table: keys below it are its own
        match = _TOML_KEY.match(line)
        if match is None:
            continue
        try:
            value = tomllib.loads("v = " + match["rest"])["v"]
        except tomllib.TOMLDecodeError:
            return None  # an array over several lines
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            return None
        _, end = _ending(line, newline)
        return [*lines[:i], f"aliases = {_toml_array([*values, alias])}{end}", *lines[i + 1 :]]
    else:
        i = len(lines)
    if i and not lines[i - 1].endswith(("\n", "\r")):
        lines = [*lines[: i - 1], lines[i - 1] + newline, *lines[i:]]
    return [*lines[:i], f"aliases = {_toml_array([alias])}{newline}", *lines[i:]]


def _toml_array(values: list[str]) -> str:
    # JSON's string escapes are TOML's basic string's
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def _json(text: str, alias: str, start: int) -> str | None:
    match = _JSON_KEY.search(text, start)
    if match is not None:
        try:
            values = json.loads(match.group().partition(":")[2])
        except ValueError:
            return None
        spelled = json.dumps([*values, alias], ensure_ascii=False)
        return text[: match.start()] + f'"aliases": {spelled}' + text[match.end() :]
    spelled = json.dumps([alias], ensure_ascii=False)
    return text[: start + 1] + f' "aliases": {spelled},' + text[start + 1 :]
