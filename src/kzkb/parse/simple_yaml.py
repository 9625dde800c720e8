"""The YAML front matter most records have, read without the YAML loader.

A record's front matter is mostly one `key: value` a line: quoted text, a
list of quoted text in brackets, a date, a folded description. PyYAML's
loader, even its C parser, builds a node and calls several Python
functions for every value: 130 us a record, the largest cost of a cold
index. read_simple reads that common shape directly and gives exactly what
the loader gives (tests/unit/test_perf_parse_yaml.py holds the two equal,
over generated text and every record of the bundled KB); anything else, or
anything it is not sure of, it leaves to the loader (None).

What it reads, each line starting at column 0 with a key of ASCII letters,
digits and underscores that YAML takes as text (not `yes`, `null`, ...):

- `key: "text"` without a backslash or a quote inside, `key: 'text'`;
- `key: ["a", "b"]`, quoted items without backslashes or quotes;
- `key: plain text` that YAML takes as text; another plain value (a date, a
  number, true) by the loader itself, one line at a time, remembered;
- `key: >` or `key: |` (or `>-`, `|-`) over lines indented alike, none
  blank, none ending in a space.

Never: tabs, carriage returns, blank lines, comments, anchors, tags,
characters YAML does not allow or reads as line breaks (NEL, U+2028/9), a
byte-order mark, a value going on to the next line.
"""

from __future__ import annotations

import re
from typing import Any

# characters YAML allows in a document, less tabs, carriage returns, the
# byte-order mark, and the line and paragraph separators it reads as breaks
_UNSAFE = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# One entry: a key (a simple key may be 1024 characters long: far inside
# that), then its value, each kind a group, then the line break. The line
# after a value on one line must not be indented: that would go on with it.
_ENTRY = re.compile(
    r"""([A-Za-z][A-Za-z0-9_]{0,99}):\ +(?:
      "([^"\\\n]*)"\n(?!\ )
    | '((?:[^'\n]|'')*)'\n(?!\ )
    | (\[\ *(?:"[^"\\\n]*"(?:\ *,\ *"[^"\\\n]*")*)?\ *\])\n(?!\ )
    | ([>|]-?)\n((?:\ [^\n]*\n)+)(?!\ )
    | ([^\s\-?:,\[\]{}\#&*!|>'"%@`](?:[^\#:\n]|:(?!\ ))*(?<![\s:]))\n(?!\ )
    )""",
    re.VERBOSE,
)
_ITEMS = re.compile(r'"([^"\\]*)"')
_BLOCK = {">": (" ", "\n"), ">-": (" ", ""), "|": ("\n", "\n"), "|-": ("\n", "")}
_STR = "tag:yaml.org,2002:str"

# lines of a plain value the loader read: line -> (key, value), immutable values only
_LINES: dict[str, tuple[str, Any]] = {}
_LINES_MAX = 20_000
_TEXT_KEYS: set[str] = set()  # keys YAML takes as text, seen before
_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}


def read_simple(text: str) -> dict[str, Any] | None:
    """The mapping PyYAML's safe loader (kzkb.safe_yaml) makes of `text`,
    if `text` has the simple shape above; otherwise None."""
    if not text.endswith("\n") or _UNSAFE.search(text) is not None:
        return None
    out: dict[str, Any] = {}
    match = _ENTRY.match
    at, end = 0, len(text)
    while at < end:
        m = match(text, at)
        if m is None:
            return None
        at = m.end()
        key, double, single, items, header, block, plain = m.groups()
        if key not in _TEXT_KEYS:
            if not _is_text(key):
                return None
            _TEXT_KEYS.add(key)
        if double is not None:
            out[key] = double
        elif single is not None:
            out[key] = single.replace("''", "'")
        elif items is not None:
            out[key] = _ITEMS.findall(items)
        elif block is not None:
            value = _block(block, *_BLOCK[header])
            if value is None:
                return None
            out[key] = value
        else:
            line = m.group()
            found = _LINES.get(line)
            if found is not None:
                out[key] = found[1]
            elif _is_text(plain):
                out[key] = plain
            else:
                found = _plain_line(line)
                if found is None or found[0] != key:
                    return None
                out[key] = found[1]
    return out if out else None


def _block(lines: str, joint: str, end: str) -> str | None:
    """A block scalar's value from its lines (each ending in a line break),
    if all are indented alike (not more: YAML keeps those lines' breaks),
    none blank and none ending in a space."""
    indent = len(lines) - len(lines.lstrip(" "))
    pad = " " * indent
    pieces = lines[:-1].split("\n")
    for piece in pieces:
        if not piece.startswith(pad) or piece[-1] == " " or piece[indent] == " ":
            return None
    return lines[indent:-1].replace("\n" + pad, joint) + end


def _is_text(plain: str) -> bool:
    """Whether YAML resolves this plain scalar to text, by the loader's own
    implicit resolvers (those of its first character)."""
    if not _resolvers:
        from kzkb.safe_yaml import yaml_loader

        _resolvers.update(yaml_loader().yaml_implicit_resolvers)
    candidates = _resolvers.get(plain[0], ()) or ()
    wildcard = _resolvers.get(None, ()) or ()
    for tag, regexp in (*candidates, *wildcard):
        if regexp.match(plain):
            return tag == _STR
    return True


def _plain_line(line: str) -> tuple[str, Any] | None:
    """(key, value) of one `key: plain value` line as the loader reads it
    alone (a date, a number...), remembered; None if it refuses it or makes
    something mutable of it."""
    found = _LINES.get(line)
    if found is not None:
        return found
    import yaml

    from kzkb.safe_yaml import yaml_loader_without_anchors

    try:
        data = yaml.load(line + "\n", Loader=yaml_loader_without_anchors())
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or len(data) != 1:
        return None
    ((key, value),) = data.items()
    if not isinstance(key, str) or isinstance(value, list | dict | set):
        return None
    if len(_LINES) >= _LINES_MAX:
        _LINES.clear()
    _LINES[line] = (key, value)
    return key, value
