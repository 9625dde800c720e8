"""Front matter: where a file's is, as Hugo finds it, and its fields as parsed.

Hugo reads YAML (---), TOML (+++) and JSON ({ }). The loader and lint split
a file with the same function (split), so they agree on what is a record.
Every failure is a FrontMatterError with the file line and the reason to report.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any, NamedTuple

from kzkb.parse.simple_yaml import read_simple
from kzkb.safe_yaml import (
    LONG_NUMBER,
    TOO_DEEP,
    yaml_loader,
    yaml_loader_without_anchors,
    yaml_problem,
)


class FrontMatterError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


class Split(NamedTuple):
    """Where a file's front matter is, found as Hugo finds it. Lines are
    counted from 0, in the text split at "\n"."""

    fmt: str  # "yaml", "toml", "json", or "" when the file has no front matter
    front: str  # the text its parser reads
    body: str
    open_line: int  # the line the front matter opens on (-1: none)
    front_line: int  # the line `front` starts on
    close_line: int  # the line of its closing delimiter or brace
    body_line: int  # the file line (from 1) the body starts on


# what Hugo passes over before front matter: blank lines, spaces, tabs, BOMs
_LEADING = " \t\r\n\ufeff"
_DELIMITERS = {
    "-": ("yaml", re.compile(r"(?<=[\r\n])---")),
    "+": ("toml", re.compile(r"(?<=[\r\n])\+\+\+")),
}


def split(text: str) -> Split:
    """The front matter of `text` and its body, by Hugo's rules (its page
    lexer, checked against the hugo binary): after blank space, "---" opens
    YAML and "+++" TOML, each closed by the first later line that starts with
    the same three characters (the rest of that line is body); "{" opens
    JSON, closed by its matching brace, on the same line or another. A
    closing "..." is no delimiter to Hugo. Raises FrontMatterError for front
    matter never closed; lint and the loader both split with this."""
    start = len(text) - len(text.lstrip(_LEADING))
    lead = text[start : start + 1]
    open_line = text.count("\n", 0, start)
    if lead in _DELIMITERS and text.startswith(lead * 3, start):
        fmt, closing = _DELIMITERS[lead]
        begin = _crlf(text, start + 3)
        # a lookbehind sees the text before `begin`: right after an opening
        # line ending, the closing line may be the very next one
        found = closing.search(text, begin)
        if found is None:
            raise FrontMatterError(open_line + 1, _never_closed(fmt, text[begin:]))
        end = found.start()
        after = _crlf(text, end + 3)
        front = text[begin:end]
    elif lead == "{":
        end = _json_end(text, start)
        if end < 0:
            raise FrontMatterError(open_line + 1, _never_closed("json", ""))
        fmt, begin, after = "json", start, _crlf(text, end)
        front = text[start:end]
        end -= 1  # the closing brace
    else:
        return Split("", "", text, -1, 0, -1, 1)
    return Split(
        fmt,
        front,
        text[after:],
        open_line,
        text.count("\n", 0, begin),
        text.count("\n", 0, end),
        text.count("\n", 0, after) + 1,
    )


def _crlf(text: str, at: int) -> int:
    """Past one line ending at `at`, as Hugo consumes it (\r, \n or both)."""
    if text.startswith("\r", at):
        at += 1
    if text.startswith("\n", at):
        at += 1
    return at


def _json_end(text: str, start: int) -> int:
    """The index after the brace closing the one at `start`, counted as Hugo
    counts (braces outside "strings", a backslash skipping the next
    character), or -1."""
    level, quoted, i, n = 0, False, start, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 1
        elif c == '"':
            quoted = not quoted
        elif not quoted and c == "{":
            level += 1
        elif not quoted and c == "}":
            level -= 1
            if level == 0:
                return i + 1
        i += 1
    return -1


def _never_closed(fmt: str, rest: str) -> str:
    reason = f"{fmt.upper()} front matter is never closed"
    if fmt == "yaml" and re.search(r"^\.\.\.\s*$", rest, re.MULTILINE):
        reason += ": Hugo ends it only at a line of ---, not ..."
    return reason


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line where the body starts). Raises FrontMatterError."""
    found = split(text)
    return parse_front(found), found.body, found.body_line


def parse_front(found: Split) -> dict[str, Any]:
    """The fields of split front matter: a mapping, {} for none. Raises
    FrontMatterError at the file line of the problem."""
    fmt, fm_text = found.fmt, found.front
    if not fmt:
        return {}
    shift = found.front_line  # a line of fm_text counted from 0 is this file line from 1, less 1
    if fmt == "toml" and (long_key := _long_toml_key(fm_text)):
        raise FrontMatterError(long_key + shift, TOO_DEEP)
    if fmt == "yaml":
        simple = read_simple(fm_text)
        if simple is not None:
            return simple
    import yaml

    try:
        if fmt == "yaml":
            loader = yaml_loader() if "&" in fm_text else yaml_loader_without_anchors()
            data = yaml.load(fm_text, Loader=loader)
        elif fmt == "toml":
            data = tomllib.loads(fm_text)
        else:
            data = json.loads(fm_text)
    except yaml.YAMLError as exc:
        row, problem = yaml_problem(exc)
        line = row + 1 + shift if row is not None else found.open_line + 1
        if isinstance(exc, yaml_loader().Refused):
            raise FrontMatterError(line, problem) from None  # valid YAML, but refused
        if "maximum nesting depth" in problem:  # libyaml's own bound, deeper than ours
            raise FrontMatterError(line, TOO_DEEP) from None
        raise FrontMatterError(line, f"invalid YAML front matter: {problem}") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        line = int(m.group(1)) + shift if m else found.open_line + 1
        raise FrontMatterError(line, f"invalid TOML front matter: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FrontMatterError(
            exc.lineno + shift, f"invalid JSON front matter: {exc.msg}"
        ) from None
    except ValueError as exc:  # tomllib and json: an int of too many digits
        reason = (
            LONG_NUMBER if "digits" in str(exc) else f"invalid {fmt.upper()} front matter: {exc}"
        )
        raise FrontMatterError(found.open_line + 1, reason) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            found.front_line + 1,
            f"front matter is a {type(data).__name__}, not a mapping of fields",
        )
    return data


# tomllib takes time quadratic in the parts of one dotted key (a.b.c = 1):
# 30,000 of them, 60 KB, take 25 s. A key of more parts than this nests
# deeper than MAX_DEPTH anyway.
_KEY_PARTS = 1000
_KEY_DOT = re.compile(r"\.[\t ]*[\w\"'-]")


def _long_toml_key(text: str) -> int:
    """The line (from 1) of a dotted key of more than _KEY_PARTS parts, else 0.
    Counted by dots followed by a key, line by line, only in text with
    that many dots at all."""
    if text.count(".") <= _KEY_PARTS:
        return 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.count(".") > _KEY_PARTS and len(_KEY_DOT.findall(line)) > _KEY_PARTS:
            return number
    return 0
