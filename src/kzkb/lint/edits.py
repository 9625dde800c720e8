"""The repairs (`--fix`): the text each writes. Only front-matter lines are
edited, each keeping its own line ending; the body, the order of fields and
every comment stay as they are.

Every repair goes through one gate (kzkb.lint.gate): it is kept only when
the repaired file reads, as every command reads it, exactly as intended —
the field repaired holds the value meant, every other field and the body
are as they were, the record still loads. A repair the gate refuses is not
made; a second run finds nothing more it can make."""

from __future__ import annotations

import re
from typing import Any

from kzkb.lint.findings import OFF
from kzkb.lint.gate import Gate, flow_list
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _ESCAPED_BOUNDARY, _escaped, _Field, _File, _parse
from kzkb.settings.config import Config
from kzkb.urls import term_slug

# a Markdown escape (a backslash before ASCII punctuation), or a hard line
# break (a backslash ending the line): what a converter adds to each line
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|\\$")
_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


def fixed_text(
    rel: str, text: str, config: Config, options: LintOptions, canonical: dict[tuple[str, str], str]
) -> tuple[str, list[str]]:
    """The file's text with every safe repair made, and the rules repaired.
    `canonical`: (taxonomy field, slug) -> the spelling to write."""
    done: list[str] = []
    gate = Gate(rel, config)
    parsed: dict[str, _File] = {}

    def parse() -> _File:
        """The text as it now is, parsed (again only once it changed)."""
        if text not in parsed:
            parsed.clear()
            parsed[text] = _parse(rel, text)[0]
        return parsed[text]

    def keep(new: str, rule: str, expect: dict[str, Any]) -> bool:
        nonlocal text
        if new == text or not gate.allows(text, new, expect):
            return False
        text = new
        if rule not in done:
            done.append(rule)
        return True

    on = {rule for rule, severity in options.severity.items() if severity != OFF}
    if text.startswith("\ufeff") and "bom" in on:
        keep(text[1:], "bom", {})
    f = parse()
    if not f.fmt and _escaped(f) and "escaped-front-matter" in on:
        unescaped = unescape(text)
        if unescaped is not None and gate.allows_unescaped(text, *unescaped):
            text = unescaped[0]
            done.append("escaped-front-matter")
    if not _editable(parse()):
        return text, done
    if "curly-quotes" in on:
        # one value at a time, each through the gate, from the last: the
        # columns of those before it stay where they were
        for curly in reversed(parse().curly):
            line = _lines(text)[curly.line]
            new = line[: curly.start] + _double_quoted(curly.inner) + line[curly.end :]
            keep(_put(text, curly.line, curly.line, [new]), "curly-quotes", {curly.key: Gate.SAME})
    if "field-type" in on:
        for key in list(parse().fields):
            f = parse()
            fld = f.fields.get(key)
            kind = options.types.get(key)
            if fld is None or kind is None or not _editable(f):
                continue
            edit = reshape(f, fld, kind, config)
            if edit is not None:
                keep(_put(text, fld.line - 1, fld.end - 1, edit[0]), "field-type", edit[1])
    if "term-spelling" in on:
        for plural in config.taxonomies.values():
            f = parse()
            fld = f.fields.get(plural)
            if fld is not None and _editable(f):
                for new, expect in _respellings(f, fld, canonical, config, text):
                    if keep(new, "term-spelling", expect):
                        break
    return text, done


def _editable(f: _File) -> bool:
    return f.fmt == "yaml" and f.fm_end >= 0 and not f.odd


def _lines(text: str) -> list[str]:
    """The file's lines as _parse counts them, each without its line end."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")


def _put(text: str, start: int, end: int, new: list[str]) -> str:
    """`text` with lines start..end (indexes) replaced by `new`, each taking
    the line ending (CRLF or LF) of the first line replaced."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    raw = text.removeprefix("\ufeff").split("\n")
    ending = "\r" if raw[start].endswith("\r") else ""
    raw[start : end + 1] = [line + ending for line in new]
    return bom + "\n".join(raw)


def _double_quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unescape(text: str) -> tuple[str, int] | None:
    """The text with its escaped front matter unescaped completely (every
    Markdown escape and hard line break of each line up to the escaped
    closing line), and the number of lines that were; None if it has no
    closing line. The body is left as written."""
    lines = text.removeprefix("\ufeff").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not _ESCAPED_BOUNDARY.match(lines[first].strip()):
        return None
    out = lines[:first]
    for i in range(first, len(lines)):
        line = lines[i]
        ending = "\r" if line.endswith("\r") else ""
        plain = _MARKDOWN_ESCAPE.sub(lambda m: m[1] or "", line.removesuffix("\r"))
        boundary = plain.strip() == "---" or _ESCAPED_BOUNDARY.match(line.strip())
        out.append(("---" if boundary else plain) + ending)
        if boundary and i > first:
            return "\n".join(out + lines[i + 1 :]), i + 1
    return None


def reshape(
    f: _File, fld: _Field, kind: str, config: Config
) -> tuple[list[str], dict[str, Any]] | None:
    """New lines for a field of the wrong shape, and what it must then hold,
    when the repair is certain: a one-item list where one value belongs, or
    one value where a list does (written by YAML's emitter, so a value
    holding [ ] , # or quotes stays that value)."""
    value = fld.value
    lines = f.lines
    start, end = fld.line - 1, fld.end - 1
    if fld.node is None or end >= len(lines) or start > end:
        return None
    head = _KEY_LINE.match(lines[start])
    if head is None or head["key"] != fld.key:
        return None
    from kzkb.parse.fields import normalize_fields

    if kind in ("string", "date", "url") and isinstance(value, list) and len(value) == 1:
        if isinstance(value[0], (list, dict)) or not fld.node.value:
            return None
        expect = {fld.key: normalize_fields({fld.key: value[0]}, config)[fld.key]}
        item = fld.span(fld.node.value[0])
        whole = fld.span()
        if whole is not None and item is not None and whole[0] == start:
            line = lines[start]
            written = line[item[1] : item[2]]  # the item as written, quotes and all
            return [_head(line, whole[1]) + written + _tail(line, whole[2])], expect
        if start < end and whole is None and item is not None and fld.node.flow_style is False:
            # a block list of one: key (and its comment), then "- item"
            block = lines[start + 1 : end + 1]
            if len([ln for ln in block if ln.strip() and not ln.strip().startswith("#")]) != 1:
                return None
            # the key line's comment stays on it; comment lines stay below
            comments = [ln for ln in block if ln.strip().startswith("#")]
            written = lines[item[0]][item[1] : item[2]]
            comment = _comment(lines[start][head.end() :])
            return [f"{fld.key}: {written}{comment}", *comments], expect
        return None
    if kind in ("string", "url") and isinstance(value, dict):
        # text YAML read as a mapping: written again as the text the loader shows
        text = normalize_fields({fld.key: value}, config)[fld.key]
        block = lines[start + 1 : end + 1]
        if not isinstance(text, str) or any(ln.strip().startswith("#") for ln in block):
            return None
        comment = _comment(lines[start][head.end() :])
        if "\n" not in text:
            return [f"{fld.key}: {_double_quoted(text)}{comment}"], {fld.key: text}
        return [f"{fld.key}: |-{comment}", *("  " + ln for ln in text.split("\n"))], {fld.key: text}
    if kind == "list" and isinstance(value, str):
        whole = fld.span()
        if whole is None or whole[0] != start or fld.node.style in ("|", ">"):
            return None
        read = normalize_fields({fld.key: value}, config)[fld.key]
        items = read if isinstance(read, list) else [read]
        written = flow_list(items)
        if written is None:
            return None
        line = lines[start]
        return [_head(line, whole[1]) + written + _tail(line, whole[2])], {fld.key: items}
    return None


def _respellings(
    f: _File,
    fld: _Field,
    canonical: dict[tuple[str, str], str],
    config: Config,
    text: str,
) -> list[tuple[str, dict[str, Any]]]:
    """The respelled field's text, the ways it may be written (each term
    replaced where it stands, else the whole one-line list written anew),
    with the list it must then hold."""
    from kzkb.parse.fields import normalize_fields

    values = fld.value if isinstance(fld.value, list) else [fld.value]
    read = normalize_fields({fld.key: fld.value}, config)[fld.key]
    if not isinstance(read, list):
        return []
    wanted = [canonical.get((fld.key, term_slug(v)), v) if isinstance(v, str) else v for v in read]
    if wanted == read:
        return []
    expect = {fld.key: wanted}
    start, end = fld.line - 1, fld.end - 1
    block = f.lines[start : end + 1]
    for value in values:
        if isinstance(value, str):
            want = canonical.get((fld.key, term_slug(value)))
            if want and want != value.strip():
                block = [_replace_value(line, value.strip(), want) for line in block]
    out = [(_put(text, start, end, block), expect)]
    whole = fld.span()
    written = flow_list(wanted)
    if isinstance(fld.value, list) and whole is not None and whole[0] == start and written:
        line = f.lines[start]
        out.append(
            (
                _put(text, start, start, [_head(line, whole[1]) + written + _tail(line, whole[2])]),
                expect,
            )
        )
    return out


def _head(line: str, start: int) -> str:
    """What precedes a value rewritten: `key:` and one space (a tab there is
    not taken by every YAML reader before a flow list)."""
    return line[:start].rstrip() + " "


def _tail(line: str, end: int) -> str:
    """What follows a value rewritten: its comment, after the same spaces
    (two if they held a tab, which not every YAML reader takes after a
    flow list); nothing if only blanks."""
    tail = line[end:]
    if not tail.strip():
        return ""
    gap = tail[: len(tail) - len(tail.lstrip())]
    return ("  " if "\t" in gap or not gap else gap) + tail.lstrip()


def _comment(rest: str) -> str:
    """The trailing comment of a line's value, with the spaces before it."""
    value = rest.split(" #", 1)[0]
    return rest[len(value.rstrip()) :] if len(value) < len(rest) else ""


def _replace_value(line: str, old: str, new: str) -> str:
    """`old`, as a whole quoted or bare list item or value, replaced by `new`;
    a trailing comment is left as it is."""
    comment = _comment(line)
    value = _replace_in_value(line[: len(line) - len(comment)], old, new)
    return value + comment


def _replace_in_value(line: str, old: str, new: str) -> str:
    quoted = _double_quoted(new)
    for pattern in (f'"{re.escape(old)}"', f"'{re.escape(old)}'"):
        line, count = re.subn(pattern, lambda _: quoted, line)
        if count:
            return line
    bare = re.compile(r"(?<=[\[,:\-]\s)" + re.escape(old) + r"(?=\s*(?:,|\]|$|#))")
    line, count = bare.subn(lambda _: quoted, line)
    if not count:
        line = re.sub(r"(?<=[\[,])" + re.escape(old) + r"(?=\s*(?:,|\]))", lambda _: quoted, line)
    return line
