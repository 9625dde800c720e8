"""The repairs (`--fix`): the text each writes. Only front-matter lines are
edited, each keeping its own line ending; the body, the order of fields and
every comment stay as they are. A repair is made only when its outcome is
certain (a list of one title becomes that title, not a list of two)."""

from __future__ import annotations

import re

from kzkb.lint.findings import OFF
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _ESCAPED_BOUNDARY, _escaped, _Field, _parse
from kzkb.settings.config import Config
from kzkb.urls import term_slug

_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CURLY = "\u201c\u201d\u201e\u2018\u2019"
# a value quoted with curly quotes: after "key:", "[" or "," and before ",", "]" or the end
_CURLY_VALUE = re.compile(
    r"(?P<lead>(?:^[^:#]+:|\[|,)\s*)[\u201c\u201e\u2018\u201d](?P<inner>[^\u201c\u201d\u201e\u2018\u2019\"\n]*)[\u201d\u201c\u2019](?=\s*(?:,|\]|$|#))"
)
_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:(?P<rest>.*)$")


def fixed_text(
    rel: str, text: str, config: Config, options: LintOptions, canonical: dict[tuple[str, str], str]
) -> tuple[str, list[str]]:
    """The file's text with every safe repair made, and the rules repaired.
    `canonical`: (taxonomy field, slug) -> the spelling to write.

    Lines are edited one by one, each keeping its own ending (a file may mix
    CRLF and LF); the body is never touched."""
    done: list[str] = []
    if text.startswith("\ufeff") and options.severity["bom"] != OFF:
        text = text[1:]
        done.append("bom")
    f, _ = _parse(rel, text)
    if f.fm_start < 0 and _escaped(f) and options.severity["escaped-front-matter"] != OFF:
        text = "\n".join(_unescape(text.split("\n")))
        done.append("escaped-front-matter")
        f, _ = _parse(rel, text)
    if f.fm_start < 0 or f.fm_end < 0 or f.odd:
        return text, done
    raw = text.split("\n")  # as _parse's lines, but each with its "\r", if any

    def put(start: int, end: int, new: list[str]) -> None:
        ending = "\r" if raw[start].endswith("\r") else ""
        raw[start : end + 1] = [line + ending for line in new]

    if options.severity["curly-quotes"] != OFF:
        for i in range(f.fm_start + 1, f.fm_end):
            new = _CURLY_VALUE.sub(_straight, f.lines[i])
            if new != f.lines[i]:
                put(i, i, [new])
                if "curly-quotes" not in done:
                    done.append("curly-quotes")
        f, _ = _parse(rel, "\n".join(raw))
        if f.fm_end < 0 or f.odd:
            return "\n".join(raw), done
    lines = f.lines
    edits: dict[int, tuple[int, list[str]]] = {}  # first line index -> (last index, new lines)
    if options.severity["field-type"] != OFF:
        for key, fld in f.fields.items():
            reshaped = _reshape(lines, fld, options.types.get(key))
            if reshaped is not None:
                edits[fld.line - 1] = (fld.end - 1, reshaped)
                if "field-type" not in done:
                    done.append("field-type")
    if options.severity["term-spelling"] != OFF:
        for plural in config.taxonomies.values():
            fld = f.fields.get(plural)
            if fld is None or fld.line - 1 in edits:
                continue
            start, end = fld.line - 1, fld.end - 1
            block = lines[start : end + 1]
            values = fld.value if isinstance(fld.value, list) else [fld.value]
            for value in values:
                if not isinstance(value, str):
                    continue
                want = canonical.get((plural, term_slug(value)))
                if want and want != value.strip():
                    block = [_replace_value(line, value.strip(), want) for line in block]
            if block != lines[start : end + 1]:
                edits[start] = (end, block)
                if "term-spelling" not in done:
                    done.append("term-spelling")
    for start in sorted(edits, reverse=True):
        end, new = edits[start]
        put(start, end, new)
    return "\n".join(raw), done


def _straight(m: re.Match[str]) -> str:
    """A curly-quoted value as a YAML double-quoted one: backslashes escaped."""
    return m["lead"] + '"' + m["inner"].replace("\\", "\\\\") + '"'


def _unescape(lines: list[str]) -> list[str]:
    out = list(lines)
    first = next(i for i, line in enumerate(out) if line.strip())
    out[first] = "---" + ("\r" if out[first].endswith("\r") else "")
    for i in range(first + 1, len(out)):
        if _ESCAPED_BOUNDARY.match(out[i].strip()) or out[i].strip() == "---":
            out[i] = "---" + ("\r" if out[i].endswith("\r") else "")
            break
        out[i] = _BACKSLASH_ESCAPE.sub(r"\1", out[i])
    return out[first:] if first else out


def _reshape(lines: list[str], fld: _Field, kind: str | None) -> list[str] | None:
    """New lines for a field of the wrong shape, when the repair is certain:
    a one-item list where one value belongs, or one value where a list does."""
    value = fld.value
    start, end = fld.line - 1, fld.end - 1
    if kind is None or end >= len(lines) or start > end:
        return None
    head = _KEY_LINE.match(lines[start])
    if head is None or head["key"] != fld.key:
        return None
    rest = head["rest"].split(" #", 1)[0].strip()
    if kind in ("string", "date", "url") and isinstance(value, list) and len(value) == 1:
        item = value[0]
        if isinstance(item, (list, dict)):
            return None
        if start == end and rest.startswith("[") and rest.endswith("]"):
            inner = rest[1:-1].strip().rstrip(",").strip()  # the item as written, quotes and all
            return [f"{fld.key}: {inner}{_comment(head['rest'])}"]
        if start < end and not rest:  # a block list: key, then "- item"
            block = lines[start + 1 : end + 1]
            items = [ln for ln in block if ln.strip() and not ln.strip().startswith("#")]
            if len(items) == 1 and items[0].strip().startswith("- "):
                # the key line's comment stays on it; comment lines stay below
                comments = [ln for ln in block if ln.strip().startswith("#")]
                item = items[0].strip()[2:].strip()
                return [f"{fld.key}: {item}{_comment(head['rest'])}", *comments]
        return None
    if kind == "list" and isinstance(value, str) and start == end and rest:
        if rest[0] in "[{|>":
            return None
        return [f"{fld.key}: [{rest}]{_comment(head['rest'])}"]
    return None


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
    quoted = '"' + new.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for pattern in (f'"{re.escape(old)}"', f"'{re.escape(old)}'"):
        line, count = re.subn(pattern, lambda _: quoted, line)
        if count:
            return line
    bare = re.compile(r"(?<=[\[,:\-]\s)" + re.escape(old) + r"(?=\s*(?:,|\]|$|#))")
    line, count = bare.subn(lambda _: quoted, line)
    if not count:
        line = re.sub(r"(?<=[\[,])" + re.escape(old) + r"(?=\s*(?:,|\]))", lambda _: quoted, line)
    return line
