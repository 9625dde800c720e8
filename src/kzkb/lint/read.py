"""One file read as every command reads it, then parsed line by line:
lint needs each field's lines (the loader forgets them), and reports what
the loader forgives (`title: ["X"]`, curly quotes) instead of normalising it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from kzkb.lint.findings import ERROR, LintFinding
from kzkb.parse.fields import CURLY_PAIRS
from kzkb.parse.frontmatter import FrontMatterError, Split, parse_front, split
from kzkb.parse.source import read_source
from kzkb.safe_yaml import TOO_DEEP, compose_and_load, yaml_problem
from kzkb.settings.config import Config

# a boundary line a converter escaped: \-\--\ , \--- , \-\-\-
_ESCAPED_BOUNDARY = re.compile(r"^(?=.*\\)[\\-]*-[\\-]*-[\\-]*-[\\-]*$")


@dataclass(slots=True)
class _Field:
    key: str
    line: int  # file line of the key
    end: int  # last file line of its value
    value: Any
    # the YAML value node and the file line index of its front matter's
    # first line (None for TOML and JSON): where the value is written
    node: Any = None
    shift: int = 0

    def span(self, node: Any = None) -> tuple[int, int, int] | None:
        """(line index, first column, end column) of `node` (default: the
        value) when it is written on one line, else None."""
        node = self.node if node is None else node
        if node is None or node.start_mark.line != node.end_mark.line:
            return None
        return node.start_mark.line + self.shift, node.start_mark.column, node.end_mark.column


@dataclass(slots=True)
class _Curly:
    """A value quoted with curly quotes, as YAML wrote it (a plain scalar on one line)."""

    key: str
    line: int  # line index in the file
    start: int  # its columns
    end: int
    inner: str  # the value without its quotes


@dataclass(slots=True)
class _File:
    path: str
    lines: list[str]
    fm_start: int = 0  # index (0-based) of the line the front matter opens on, -1: none
    fm_end: int = -1  # index of its closing line
    fields: dict[str, _Field] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    # line breaks YAML sees and a line split does not (a lone CR, U+2028):
    # field lines are then approximate, and no line is edited
    odd: bool = False
    fmt: str = ""  # "yaml", "toml", "json"; "" for none
    curly: list[_Curly] = field(default_factory=list)
    # a key written twice: (key, its first file line, the line of the value
    # kept); YAML and JSON keep the last without a word
    twice: list[tuple[str, int, int]] = field(default_factory=list)


def _read(config: Config, rel: str) -> tuple[bytes, str] | LintFinding:
    """A file's bytes and text, read as every command reads it (the size
    limit, regular files only, no link out of the KB, escaped names); what
    stops the others stops lint with a finding."""

    content = str(config.content_dir)
    source = read_source(os.path.join(content, rel), rel, content, config.index.max_file_size)
    if source.data is None:
        skipped = source.skipped
        reason = skipped.reason if skipped is not None else "cannot read the file"
        return LintFinding(
            rel, skipped.line if skipped is not None else 1, "unreadable", ERROR, reason,
            "rename, shrink or make it readable; until then no command serves it",
        )  # fmt: skip
    data = source.data
    if b"\x00" in data:  # what every other command skips as binary
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return LintFinding(
            rel, line, "front-matter-syntax", ERROR, "the file holds a NUL byte: binary, not text",
            "remove the NUL byte, or the file if it is not a record",
        )  # fmt: skip
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return LintFinding(
            rel, line, "front-matter-syntax", ERROR, "the file is not UTF-8",
            "save it as UTF-8",
        )  # fmt: skip
    return data, text


def _parse(rel: str, text: str) -> tuple[_File, LintFinding | None]:
    """The file's front-matter fields with their lines, split as the loader
    splits it (kzkb.parse.frontmatter.split); a syntax finding if the front
    matter does not parse."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    # a lone CR ends a line for the loader and YAML: counted so here too
    lines = text.replace("\r", "\n").split("\n")
    f = _File(rel, lines, fm_start=-1)
    try:
        found = split("\n".join(lines))
    except FrontMatterError as err:
        return f, _syntax(rel, err.line, err.reason)
    if not found.fmt:
        f.body = text
        return f, None
    f.fmt, f.fm_start, f.fm_end = found.fmt, found.open_line, found.close_line
    f.body, f.body_line = found.body, found.body_line
    front_end = sum(len(line) + 1 for line in lines[: found.close_line])
    f.odd = "\r" in text[:front_end] or any(c in found.front for c in "\u2028\u2029\x85")
    if found.fmt != "yaml":
        try:
            data = parse_front(found)
        except FrontMatterError as err:
            return f, _syntax(rel, err.line, err.reason)
        except RecursionError:
            return f, _syntax(rel, found.open_line + 1, TOO_DEEP)
        for key, value in data.items():
            line = _key_line(lines, found, str(key))
            f.fields[str(key)] = _Field(str(key), line, line, value)
        if found.fmt == "json":
            f.twice = _json_twice(lines, found)
        return f, None
    import yaml

    source = found.front
    try:
        node, data = compose_and_load(source)
    except yaml.YAMLError as exc:
        row, problem = yaml_problem(exc)
        line = row + found.front_line + 1 if row is not None else found.open_line + 1
        return f, _syntax(rel, line, f"invalid YAML front matter: {problem}")
    if data is None:
        return f, None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return f, _syntax(rel, found.front_line + 1, "front matter is not a mapping of fields")
    shift = found.front_line
    last = max(found.close_line, shift + 1)
    first: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = min(key_node.start_mark.line + shift + 1, last)
        if key in first:
            f.twice.append((key, first[key], line))
        first.setdefault(key, line)
        if key in data:
            end = value_node.end_mark.line + 1 - (value_node.end_mark.column == 0)
            f.fields[key] = _Field(
                key,
                min(key_node.start_mark.line + shift + 1, last),
                min(end + shift, last),
                data[key],
                value_node,
                shift,
            )
            f.curly += _curly(key, value_node, shift, found.open_line)
    return f, None


def _syntax(rel: str, line: int, reason: str) -> LintFinding:
    return LintFinding(
        rel, line, "front-matter-syntax", ERROR, f"not a record: {reason}",
        "fix the front matter there (quote values holding ': ' or '#'; close YAML with ---)",
    )  # fmt: skip


def _json_twice(lines: list[str], found: Split) -> list[tuple[str, int, int]]:
    """The top-level keys of JSON front matter written twice, with the lines
    of the first and the last (json keeps the last)."""
    import json

    twice: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        twice[:] = [
            key for i, key in enumerate(keys) if key in keys[:i] and key not in keys[i + 1 :]
        ]
        return dict(items)

    try:
        json.loads(found.front, object_pairs_hook=pairs)
    except ValueError:
        return []
    out = []
    for key in twice:
        pattern = re.compile(r'^\s*\{?\s*"' + re.escape(key) + r'"\s*:')
        at = [
            i + 1 for i in range(found.front_line, found.close_line + 1) if pattern.match(lines[i])
        ]
        if len(at) >= 2:
            out.append((key, at[0], at[-1]))
    return out


def _key_line(lines: list[str], found: Split, key: str) -> int:
    """The file line of a TOML or JSON key: the first of its front matter's
    lines that starts with it, else the opening line."""
    pattern = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*[=:]')
    for index in range(found.front_line, found.close_line + 1):
        if pattern.match(lines[index]):
            return index + 1
    return found.open_line + 1


def _curly(key: str, root: Any, shift: int, open_line: int) -> list[_Curly]:
    """Every value under `root` that YAML read as a plain scalar on one line
    quoted with curly quotes, as the loader would drop them. Block and
    quoted scalars are content: their quotes are text, never repaired."""
    import yaml

    out: list[_Curly] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack += [value for _, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.ScalarNode) and not node.style:  # plain: "" or None
            value = node.value
            close = CURLY_PAIRS.get(value[:1])  # the pairs the loader drops
            line = node.start_mark.line
            if (
                close
                and len(value) >= 2
                and value[-1] == close
                and value[0] not in value[1:-1]
                and close not in value[1:-1]
                and line == node.end_mark.line
                and line + shift != open_line  # front matter on the "---" line: not edited
            ):
                out.append(
                    _Curly(
                        key, line + shift, node.start_mark.column, node.end_mark.column, value[1:-1]
                    )
                )
    return sorted(out, key=lambda c: (c.line, c.start))


def _escaped(f: _File) -> bool:
    first = next((line for line in f.lines if line.strip()), "")
    return bool(_ESCAPED_BOUNDARY.match(first.strip()))
