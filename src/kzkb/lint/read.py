"""One file read as every command reads it, then parsed line by line:
lint needs each field's lines (the loader forgets them), and reports what
the loader forgives (`title: ["X"]`, curly quotes) instead of normalising it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from kzkb.lint.findings import ERROR, LintFinding
from kzkb.parse.source import read_source
from kzkb.safe_yaml import yaml_loader, yaml_problem
from kzkb.settings.config import Config

# a boundary line a converter escaped: \-\--\ , \--- , \-\-\-
_ESCAPED_BOUNDARY = re.compile(r"^(?=.*\\)[\\-]*-[\\-]*-[\\-]*-[\\-]*$")


@dataclass(slots=True)
class _Field:
    key: str
    line: int  # file line of the key
    end: int  # last file line of its value
    value: Any


@dataclass(slots=True)
class _File:
    path: str
    lines: list[str]
    fm_start: int = 0  # index (0-based) of the opening boundary line, -1: none
    fm_end: int = -1  # index of the closing boundary line
    fields: dict[str, _Field] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    # line breaks YAML sees and a line split does not (a lone CR, U+2028):
    # field lines are then approximate, and no line is edited
    odd: bool = False


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
    """The file's front-matter fields with their lines; a syntax finding if
    the front matter does not parse."""
    import yaml

    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    f = _File(rel, lines)
    if not lines or lines[0].rstrip() != "---":
        f.fm_start = -1
        f.body = text
        return f, None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            f.fm_end = i
            break
    if f.fm_end < 0:
        return f, LintFinding(
            rel, 1, "front-matter-syntax", ERROR, "the front matter is never closed",
            "end it with a line of three dashes: ---",
        )  # fmt: skip
    f.body = "\n".join(lines[f.fm_end + 1 :])
    f.body_line = f.fm_end + 2
    source = "\n".join(lines[1 : f.fm_end])
    f.odd = any(c in source for c in "\r\u2028\u2029\x85")
    try:
        node = yaml.compose(source, Loader=yaml_loader())
        data = yaml.load(source, Loader=yaml_loader())
    except yaml.YAMLError as exc:
        row, problem = yaml_problem(exc)
        line = row + 2 if row is not None else 1
        return f, LintFinding(
            rel, line, "front-matter-syntax", ERROR, f"invalid YAML: {problem}",
            "fix the YAML there (quote values holding ': ' or '#')",
        )  # fmt: skip
    if data is None:
        return f, None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return f, LintFinding(
            rel, 2, "front-matter-syntax", ERROR, "the front matter is not a mapping of fields",
            "write one `field: value` a line",
        )  # fmt: skip
    last = max(f.fm_end, 2)
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in data:
            f.fields[key] = _Field(
                key,
                min(key_node.start_mark.line + 2, last),
                min(value_node.end_mark.line + 2 - (value_node.end_mark.column == 0), last),
                data[key],
            )
    return f, None


def _escaped(f: _File) -> bool:
    first = next((line for line in f.lines if line.strip()), "")
    return bool(_ESCAPED_BOUNDARY.match(first.strip()))
