"""Turn a Markdown file into a Record: front matter, normalisation, links, headings.

One loader for every command. It never raises on a bad file: it returns a
Skipped with file:line and the reason, so the rest of the KB still loads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat as stat_
import tomllib
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from kzkb.config import Config
from kzkb.model import Heading, Link, Record, Skipped
from kzkb.urls import (
    expand_permalink,
    heading_id,
    normalize_url,
    page_url,
    permalink_pattern,
    resolve_relative,
    term_slug,
    unique_ids,
)

MARKDOWN_SUFFIXES = (".md", ".markdown")

# Fields Hugo and Docsy expect to hold one value / several values. Real
# portals get both wrong (title: ["X"], category: "INGO"); we accept either.
SCALAR_FIELDS = frozenset(
    {
        "title",
        "linkTitle",
        "description",
        "date",
        "created",
        "lastmod",
        "publishDate",
        "expiryDate",
        "url",
        "slug",
        "weight",
        "kind",
        "type",
        "draft",
        "source",
        "summary",
    }
)
LIST_FIELDS = frozenset({"aliases", "contributor", "contributors", "authors", "keywords"})
DATE_FIELDS = frozenset({"date", "created", "lastmod", "publishDate", "expiryDate"})

# Bounds on what one file may make the loader build. Front matter nests a few
# levels and repeats little; a file past these is an accident or an attack,
# and walking it (normalising it, storing it as JSON) would exhaust the stack,
# the memory or the patience of whoever indexes the KB.
MAX_DEPTH = 100
# values YAML aliases may add to what is written: a "billion laughs" file of
# 300 bytes expands to 10^9 values otherwise
ALIAS_BUDGET = 100_000
# Python turns no int of more digits into text (sys.int_max_str_digits), and
# storing a record does
MAX_INT_DIGITS = 4300
_INT_LIMIT = 10**MAX_INT_DIGITS
TOO_DEEP = f"front matter nested more than {MAX_DEPTH} levels deep: flatten it"
LONG_NUMBER = f"a number of more than {MAX_INT_DIGITS} digits: quote it to keep it as text"
# the reason of a file the loader failed on by a bug of its own (see load_bytes)
INTERNAL = "kzkb failed on this file"

# opening -> closing curly quote: “…”, ‘…’, „…“ and the Swedish ”…” / ’…’
_CURLY_PAIRS = {
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u201e": "\u201c",
    "\u201d": "\u201d",
    "\u2019": "\u2019",
}


@lru_cache(maxsize=1)
def _handlers() -> dict[str, Any]:
    """Front-matter formats Hugo reads: YAML (---), TOML (+++), JSON ({ }).
    Made on first use: search, which reads only the index, never loads them."""
    from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

    return {
        "yaml": YAMLHandler(),
        # python-frontmatter's TOML handler needs the old `toml` package; its
        # splitter with Hugo's +++ boundary is all we need (tomllib parses).
        "toml": BaseHandler(re.compile(r"^\+{3,}\s*$", re.MULTILINE)),
        "json": JSONHandler(),
    }


def _detect(text: str) -> tuple[str, Any] | None:
    first = text.split("\n", 1)[0].rstrip()
    if re.fullmatch(r"-{3,}", first):
        return "yaml", _handlers()["yaml"]
    if re.fullmatch(r"\+{3,}", first):
        return "toml", _handlers()["toml"]
    if first == "{":
        return "json", _handlers()["json"]
    return None


class FrontMatterError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line where the body starts). Raises FrontMatterError."""
    detected = _detect(text)
    if detected is None:
        return {}, text, 1
    fmt, handler = detected
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        raise FrontMatterError(1, f"{fmt.upper()} front matter is never closed") from None
    body_line = text[: len(text) - len(body)].count("\n") + 1
    # Lines of fm_text counted from 0 are file lines counted from 1, shifted
    # by the newlines the opening boundary swallowed (its \s* eats blank lines).
    opening = handler.FM_BOUNDARY.match(text)
    shift = text[: opening.end()].count("\n") if opening else 0
    if fmt == "toml" and (long_key := _long_toml_key(fm_text)):
        raise FrontMatterError(long_key + shift, TOO_DEEP)
    import yaml

    try:
        if fmt == "yaml":
            loader = yaml_loader() if "&" in fm_text else _yaml_loader_without_anchors()
            data = yaml.load(fm_text, Loader=loader)
        elif fmt == "toml":
            data = tomllib.loads(fm_text)
        else:
            data = json.loads(fm_text)
    except yaml.YAMLError as exc:
        row, problem = yaml_problem(exc)
        line = row + 1 + shift if row is not None else 1
        if isinstance(exc, yaml_loader().Refused):
            raise FrontMatterError(line, problem) from None  # valid YAML, but refused
        if "maximum nesting depth" in problem:  # libyaml's own bound, deeper than ours
            raise FrontMatterError(line, TOO_DEEP) from None
        raise FrontMatterError(line, f"invalid YAML front matter: {problem}") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        line = int(m.group(1)) + shift if m else 1
        raise FrontMatterError(line, f"invalid TOML front matter: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FrontMatterError(exc.lineno, f"invalid JSON front matter: {exc.msg}") from None
    except ValueError as exc:  # tomllib and json: an int of too many digits
        reason = (
            LONG_NUMBER if "digits" in str(exc) else f"invalid {fmt.upper()} front matter: {exc}"
        )
        raise FrontMatterError(1, reason) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            2, f"front matter is a {type(data).__name__}, not a mapping of fields"
        )
    return data, body, body_line


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


def yaml_problem(exc: Exception) -> tuple[int | None, str]:
    """(0-based line, problem) of a YAML error, as lint and the index both
    report it: an unclosed quote or bracket where it was opened (the
    context), not where the text ran out."""
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "problem_mark", None)
    if context.startswith(("while scanning a quoted", "while parsing a flow")):
        mark = getattr(exc, "context_mark", None) or mark
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["?"])[0]
    return (mark.line if mark is not None else None), str(problem)


@lru_cache(maxsize=1)
def yaml_loader() -> type:
    """PyYAML's safe loader (the C one, several times faster on large KBs),
    but a date that is no date (2023-13-45) stays the text it is, for lint
    to report, instead of failing the whole file; a value its type cannot
    hold (`!!bool maybe`, `0b_`) is a YAML error at its line, not a crash;
    and a document nested too deeply, holding an alias inside itself, or
    whose aliases multiply what is written (an alias bomb) is refused before
    anything is built from it, with the loader's `Refused`, a YAML error."""
    import yaml
    from yaml.constructor import ConstructorError

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    refused = type("Refused", (ConstructorError,), {})

    class KzkbSafeLoader(base):  # type: ignore[misc, valid-type]
        Refused = refused
        check_nodes = True

        def get_single_data(self) -> Any:
            node = self.get_single_node()
            if node is None:
                return None
            if self.check_nodes:
                _check_nodes(node, refused)
            try:
                return self.construct_document(node)
            except _CONSTRUCT_ERRORS as exc:
                raise ConstructorError(None, None, _bad_value(node, exc), node.start_mark) from None

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except _CONSTRUCT_ERRORS as exc:
                raise ConstructorError(None, None, _bad_value(node, exc), node.start_mark) from None

    KzkbSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    return KzkbSafeLoader


@lru_cache(maxsize=1)
def _yaml_loader_without_anchors() -> type:
    """yaml_loader() for YAML without an `&anchor`, which can hold no alias:
    nothing is shared, nothing repeats, and normalisation bounds the depth,
    so the walk of the nodes (a tenth of the parse) is not needed."""
    return type("KzkbPlainLoader", (yaml_loader(),), {"check_nodes": False})


# what PyYAML's constructors raise, besides YAML errors, on values like
# `!!int x`, `!!int` of nothing (IndexError), `!!bool maybe`, `0b_` or an
# int of 5,000 digits
_CONSTRUCT_ERRORS = (ValueError, TypeError, LookupError, OverflowError, AttributeError)


def _bad_value(node: Any, exc: Exception) -> str:
    if "digits" in str(exc):
        return LONG_NUMBER
    value = node.value if isinstance(node.value, str) else ""
    shown = value if len(value) <= 40 else value[:40] + "…"
    kind = str(node.tag).rsplit(":", 1)[-1]
    return f"{shown!r} is not a valid {kind}: quote it to keep it as text"


def _check_nodes(root: Any, refused: type[Exception]) -> None:
    """Refuse a YAML node graph nothing could walk: nesting deeper than
    MAX_DEPTH, an alias inside the value it names (a cycle), or aliases that
    expand it by more than ALIAS_BUDGET values. Aliases share nodes, so this
    visits each node once and knows each shared node's expanded size."""
    import yaml

    mapping, scalar = yaml.MappingNode, yaml.ScalarNode
    if isinstance(root, scalar):
        return

    def children(node: Any) -> Any:
        return chain.from_iterable(node.value) if isinstance(node, mapping) else iter(node.value)

    def bomb(node: Any) -> Exception:
        return refused(
            None,
            None,
            f"YAML aliases expand too far (alias bomb?): more than {ALIAS_BUDGET:,} values"
            " beyond those written; write the values out instead",
            node.start_mark,
        )

    done: dict[int, int] = {}  # id of a node walked -> its expanded size
    on_path = {id(root)}
    written = 1  # values as written, each node once
    # [node, its children still to visit, its expanded size so far]
    stack: list[list[Any]] = [[root, children(root), 1]]
    while stack:
        frame = stack[-1]
        child = next(frame[1], None)
        if child is None:
            stack.pop()
            key = id(frame[0])
            on_path.discard(key)
            done[key] = frame[2]
            if stack:
                stack[-1][2] += frame[2]
                if stack[-1][2] > written + ALIAS_BUDGET:
                    raise bomb(stack[-1][0])
            continue
        key = id(child)
        size = done.get(key)
        if size is not None:  # an alias of a node walked already
            frame[2] += size
            if frame[2] > written + ALIAS_BUDGET:
                raise bomb(frame[0])
        elif isinstance(child, scalar):
            size = 1 + len(child.value)
            written += size
            done[key] = size
            frame[2] += size
        elif key in on_path:
            raise refused(
                None,
                None,
                "a YAML alias inside the value it names (*a within &a): remove the alias",
                child.start_mark,
            )
        elif len(stack) >= MAX_DEPTH:
            raise refused(None, None, TOO_DEEP, child.start_mark)
        else:
            written += 1
            on_path.add(key)
            stack.append([child, children(child), 1])


def _timestamp_or_text(loader: Any, node: Any) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


# --- normalisation -----------------------------------------------------------


class Unusable(ValueError):
    """Front matter that parses but that no record can hold; the message is
    the reason to report."""


# JSON's "\ud800" is a lone surrogate, text no file (nor SQLite) can hold
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: str) -> str:
    if value.isascii():
        return value
    return _SURROGATE.sub("\ufffd", value)


def _clean_str(value: str) -> str:
    value = unicodedata.normalize("NFC", _storable(value)).strip()
    # Curly quotes typed where YAML wanted straight ones end up in the value.
    if len(value) >= 2 and value[0] in _CURLY_PAIRS and value[-1] == _CURLY_PAIRS[value[0]]:
        inner = value[1:-1]
        # “Sana Sezim” and “Feminita” is two quoted names, not one quoted value
        if value[0] not in inner and value[-1] not in inner:
            value = inner.strip()
    return value


def _clean(value: Any, depth: int = 1) -> Any:
    """A front-matter value as a record holds it: text cleaned, and only
    what JSON can store (YAML's !!omap pairs and !!set become lists). Raises
    Unusable past MAX_DEPTH (JSON and TOML front matter have no bound of
    their own below the interpreter's stack) or for an int too long to write."""
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, list | tuple | dict | set | frozenset) and depth > MAX_DEPTH:
        raise Unusable(TOO_DEEP)
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value if v is not None]
    if isinstance(value, dict):
        return {_clean_key(k): _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        # in a fixed order: a set's order changes from run to run
        return sorted((_clean(v, depth + 1) for v in value if v is not None), key=repr)
    if isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT:
        raise Unusable(LONG_NUMBER)
    return value


def _clean_key(key: Any) -> str:
    if isinstance(key, str):
        return _storable(key)
    if isinstance(key, int) and not -_INT_LIMIT < key < _INT_LIMIT:
        raise Unusable(LONG_NUMBER)
    return str(key)


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    if isinstance(value, str) and "," in value and "\n" not in value:
        # category: "INGO, Government" is two terms, not one
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def _as_scalar(value: Any) -> Any:
    if isinstance(value, list):
        items = [v for v in value if v not in (None, "")]
        return items[0] if items else None
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return value  # kept as written; lint reports it
    return value


def normalize_fields(data: dict[str, Any], config: Config) -> dict[str, Any]:
    """Front matter as every command sees it (see README, "The record format").
    Raises Unusable for front matter no record can hold."""
    list_fields = LIST_FIELDS | set(config.taxonomies.values())
    out: dict[str, Any] = {}
    for key, raw in data.items():
        key = unicodedata.normalize("NFC", _clean_key(key))
        value = _clean(raw, 2)
        if key in list_fields:
            value = [str(v) if not isinstance(v, str) else v for v in _as_list(value)]
        elif key in SCALAR_FIELDS:
            value = _as_scalar(value)
        if key in DATE_FIELDS:
            value = _as_date(value)
        out[key] = value
    return out


# --- Markdown: links and headings ---------------------------------------------

# pulldown-cmark (through pyromark) is a CommonMark parser like Hugo's
# Goldmark, and 200x faster than a pure-Python one: 5 us against 1.3 ms a
# record, the difference between a 100,000-record KB indexing in seconds or
# in minutes. It resolves reference links and never reports a link inside
# code spans or blocks.
_MD_OPTIONS = None


def _options() -> Any:
    global _MD_OPTIONS
    if _MD_OPTIONS is None:
        import pyromark

        _MD_OPTIONS = (
            pyromark.Options.ENABLE_HEADING_ATTRIBUTES
            | pyromark.Options.ENABLE_TABLES
            | pyromark.Options.ENABLE_STRIKETHROUGH
        )
    return _MD_OPTIONS


# Raw HTML is read as a browser's HTML5 tokenizer reads it, in one pass.
# Not with html.parser: on an unclosed quote or comment it re-reads the rest
# of the text at every later "<", so that 100 KB of HTML took 30 s.
_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\f\r />]*")
_TAG_GAP = re.compile(r"[\t\n\f\r /]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r /=>]*[\t\n\f\r ]*(=[\t\n\f\r ]*)?")
_UNQUOTED = re.compile(r"[^\t\n\f\r >]*")
_RAW_TEXT_END = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}


def _html_targets(html: str) -> tuple[list[tuple[str, str]], list[str]]:
    """href and src targets of raw HTML, as (tag, target), and the ids a
    #fragment may name (id, and name of <a>). Nothing in comments, nor in
    a tag the text ends inside (as a browser drops it)."""
    lowered = html if html.islower() else html.lower()  # HTML's names have no case
    if not any(word in lowered for word in ("href", "src", "id", "name")):
        return [], []
    from html import unescape

    found: list[tuple[str, str]] = []
    ids: list[str] = []
    end = len(html)
    i = 0
    while (i := html.find("<", i)) >= 0:
        if html.startswith("<!--", i):
            i = html.find("-->", i + 4)
            if i < 0:
                break
            i += 3
            continue
        if html[i + 1 : i + 2] in ("!", "?", "/"):  # a declaration, or an end tag
            i = html.find(">", i + 2)
            if i < 0:
                break
            continue
        name = _TAG_NAME.match(html, i + 1)
        if name is None:
            i += 1
            continue
        tag = name.group().lower()
        i = name.end()
        attrs: list[tuple[str, str]] = []
        closed = False
        while (i := _TAG_GAP.match(html, i).end()) < end:
            if html[i] == ">":
                closed = True
                i += 1
                break
            attr = _ATTR_NAME.match(html, i)
            assert attr is not None  # it matches whatever is not a gap or ">"
            key = html[i : attr.start(1) if attr.group(1) else attr.end()].rstrip().lower()
            i = attr.end()
            value = ""
            if attr.group(1) is not None:
                if html[i : i + 1] in ('"', "'"):
                    close = html.find(html[i], i + 1)
                    if close < 0:
                        break  # the text ends inside the value: no tag
                    value, i = html[i + 1 : close], close + 1
                else:
                    unquoted = _UNQUOTED.match(html, i)
                    assert unquoted is not None
                    value, i = unquoted.group(), unquoted.end()
            attrs.append((key, unescape(value) if "&" in value else value))
        if not closed:
            break
        for key, value in attrs:
            if key in ("href", "src") and value:
                found.append((tag, value))
            elif value and (key == "id" or (key == "name" and tag == "a")):
                ids.append(value)
        if tag in _RAW_TEXT_END:  # no tags inside <script> and <style>
            after = _RAW_TEXT_END[tag].search(html, i)
            if after is None:
                break
            i = after.start()
    return found, ids


# Hugo's {{< ref "path#anchor" >}} and relref, in either shortcode notation;
# a commented-out {{</* ref */>}} does not match.
_REF = re.compile(r"\{\{([<%])\s*(?:rel)?ref\s+(?:path=)?(?:\"([^\"\n]*)\"|`([^`\n]*)`)\s*[>%]\}\}")


_INLINE_ENDS = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript"})
_SHORTCODE_OPEN = re.compile(r"\{\{[<%]")
_SHORTCODE_CLOSE = re.compile(r"[%>]\}\}")


class _Positions:
    """Byte offsets of the body (what pulldown-cmark reports) to file line and
    character column.

    Linear in the body however many links one line holds: an ASCII body's
    columns are byte counts, and otherwise each column is counted on from
    the one asked before it on that line (links come in order) rather than
    from the line's start, which on a line of 10,000 links is quadratic."""

    def __init__(self, body: str, first_line: int) -> None:
        self.data = body.encode("utf-8")
        self.ascii = len(self.data) == len(body)
        self.first_line = first_line
        self.starts = [0]
        find = self.data.find
        pos = find(b"\n")
        while pos >= 0:
            self.starts.append(pos + 1)
            pos = find(b"\n", pos + 1)
        self._last = (-1, 0, 0)  # row, offset and column of the last answer

    def at(self, offset: int) -> tuple[int, int]:
        row = bisect_right(self.starts, offset) - 1
        start = self.starts[row]
        if self.ascii:
            return row + self.first_line, offset - start + 1
        last_row, last_offset, last_column = self._last
        if row == last_row and offset >= last_offset:
            start, column = last_offset, last_column
        else:
            column = 0
        column += len(self.data[start:offset].decode("utf-8", "replace"))
        self._last = (row, offset, column)
        return row + self.first_line, column + 1

    def byte_offsets(self, body: str, offsets: list[int]) -> list[int]:
        """Byte offsets of ascending character offsets into `body`."""
        if self.ascii:
            return offsets
        out = []
        chars = done = 0
        for offset in offsets:
            done += len(body[chars:offset].encode("utf-8"))
            chars = offset
            out.append(done)
        return out

    def find(self, needle: str, start: int, end: int) -> int:
        """Offset of `needle` within [start, end), the last one (a link's
        target follows its text), or `start` when it is not written there."""
        pos = self.data.rfind(needle.encode("utf-8"), start, end)
        return pos if pos >= 0 else start


def plain_text(body: str) -> str:
    """A Markdown body as the plain text search reads (Record.text)."""
    return scan_markdown(body)[2]


def scan_markdown(
    body: str, first_line: int = 1
) -> tuple[list[Link], list[Heading], str, list[str]]:
    """Links, headings, plain text and HTML ids of a Markdown body.

    Lines are file lines (the body starts at `first_line`); a link's line and
    column are those of its target as written. Code holds no links.
    """
    if not body.strip():
        return [], [], "", []
    import pyromark

    events = pyromark.events_with_range(body, options=_options())
    pos = _Positions(body, first_line)
    links: list[Link] = []
    heads: list[tuple[int, str, str | None, int]] = []
    text: list[str] = []
    html_ids: list[str] = []
    code: list[tuple[int, int]] = []  # byte ranges of code, where no shortcode counts
    open_links: list[tuple[str, str, int, int, int]] = []  # kind, target, start, end, text at
    heading: tuple[int, str | None, int, int] | None = None  # level, id, start, text at
    for event, span in events:
        if isinstance(event, dict):
            ((name, value),) = event.items()
            if name == "Text":
                text.append(value)
            elif name == "Code":
                text.append(value)
                code.append((span["start"], span["end"]))
            elif name == "Start" and isinstance(value, dict):
                ((kind, attrs),) = value.items()
                if kind in ("Link", "Image"):
                    open_links.append(
                        (kind.lower(), attrs["dest_url"], span["start"], span["end"], len(text))
                    )
                elif kind == "Heading":
                    heading = (int(attrs["level"][1]), attrs.get("id"), span["start"], len(text))
                elif kind == "CodeBlock":
                    code.append((span["start"], span["end"]))
            elif name == "End" and value in ("Link", "Image") and open_links:  # before End
                kind, target, start, end, at = open_links.pop()
                label = "".join(text[at:])
                offset = pos.find(target, start, end) if target else start
                line, column = pos.at(offset)
                links.append(Link(target, label, line, column, kind))
            elif name == "End":
                if isinstance(value, dict) and "Heading" in value and heading:
                    level, explicit, start, at = heading
                    line, _ = pos.at(start)
                    heads.append((level, "".join(text[at:]).strip(), explicit or None, line))
                    heading = None
                if isinstance(value, dict) or value not in _INLINE_ENDS:
                    text.append(" ")  # a block ended: its words must not run into the next
            elif name in ("Html", "InlineHtml"):
                targets, ids = _html_targets(value)
                html_ids += ids
                for tag, target in targets:
                    offset = pos.find(target, span["start"], span["end"])
                    line, column = pos.at(offset)
                    links.append(
                        Link(target, "", line, column, "image" if tag == "img" else "html")
                    )
        elif event in ("SoftBreak", "HardBreak"):
            text.append(" ")
        elif event == "Rule":
            text.append("\n")
    if "ref" in body and "{{" in body:
        links += _shortcode_refs(body, pos, code)
    links.sort(key=lambda x: (x.line, x.column))
    ids = unique_ids([explicit or heading_id(t) for _, t, explicit, _ in heads])
    headings = [
        Heading(level, t, anchor, line)
        for (level, t, _, line), anchor in zip(heads, ids, strict=True)
    ]
    plain = " ".join("".join(text).split())
    if "{{" in plain:
        plain = _drop_shortcodes(plain)
    return links, headings, plain, html_ids


def _drop_shortcodes(text: str) -> str:
    """Text without its {{< … >}} and {{% … %}} shortcodes. Not one lazy
    regular expression (`{{<.*?>}}`): with it every unclosed `{{<` scans to
    the end of the text, quadratic in a body of many; here the first search
    for a closing `>}}` that fails ends the work."""
    out = []
    done = 0
    while (opening := _SHORTCODE_OPEN.search(text, done)) is not None:
        closing = _SHORTCODE_CLOSE.search(text, opening.end())
        if closing is None:
            break
        out += (text[done : opening.start()], " ")
        done = closing.end()
    out.append(text[done:])
    return "".join(out)


def _shortcode_refs(body: str, pos: _Positions, code: list[tuple[int, int]]) -> list[Link]:
    """Hugo ref and relref shortcodes outside code, as links of kind "ref"."""
    matches = list(_REF.finditer(body))
    if not matches:
        return []
    # code ranges sorted and merged, so one bisect tells if an offset is code
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(code):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    chars: list[int] = []
    for match in matches:
        quoted = 2 if match.group(2) is not None else 3
        chars += (match.start(), match.start(quoted))
    offsets = pos.byte_offsets(body, chars)
    out = []
    for i, match in enumerate(matches):
        offset, quote = offsets[2 * i], offsets[2 * i + 1]
        k = bisect_right(starts, offset) - 1
        if k >= 0 and offset < ends[k]:
            continue
        target = match.group(2) if match.group(2) is not None else match.group(3)
        line, column = pos.at(quote)
        out.append(Link(target, "", line, column, "ref"))
    return out


# --- files ---------------------------------------------------------------------


def _decode(data: bytes, path: str) -> str | Skipped:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return Skipped(path, line, "binary file (NUL byte): not a Markdown record")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Skipped(
            path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8"
        )
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def locate(relpath: str, config: Config) -> tuple[list[str], str | None]:
    """(URL segments, lang) of a content path, per Hugo's multilingual rules:
    the language of the folder it is in (a language's contentDir), unless its
    name says another (a.kk.md); lang None when no language's folder holds
    it, which Hugo does not build."""
    lang, inner = config.split_path(relpath)
    parts = inner.split("/")
    parts[-1] = parts[-1].rsplit(".", 1)[0]
    stem, dot, suffix = parts[-1].rpartition(".")
    if dot and suffix in config.languages:
        parts[-1] = stem
        if lang is not None:
            lang = suffix
    return parts, lang


def translation_paths(relpath: str, config: Config, other: str) -> list[str]:
    """The content paths a record's translation into `other` may have: Hugo
    pairs translations by their path less the language (guides/a.md,
    guides/a.kk.md, kk/guides/a.md), whatever their URLs."""
    logical = "/".join(locate(relpath, config)[0])
    ext = relpath.rpartition(".")[2]
    dirs = config.language_dirs()
    paths = [_join(folder, f"{logical}.{other}.{ext}") for folder in dirs]
    paths += [_join(folder, f"{logical}.{ext}") for folder, code in dirs.items() if code == other]
    return paths


def new_translation_path(relpath: str, lang: str, other: str, config: Config) -> str:
    """Where the `other` translation of a record goes: in that language's
    folder when the record is in its own language's (kk/guides/a.md ->
    guides/a.md), else beside it with the language in its name (a.kk.md)."""
    home, inner = config.split_path(relpath)
    folders, _, name = inner.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if stem.endswith(f".{lang}"):
        stem = stem[: -len(lang) - 1]
    bare = _join(folders, f"{stem}{dot}{ext}")
    if len(inner) < len(relpath):  # the record lives in a language's own folder
        for folder, code in config.language_dirs().items():
            if code == other:
                return _join(folder, bare)
    beside = relpath[: len(relpath) - len(inner)] + folders
    new = f"{stem}{dot}{ext}" if home == other else f"{stem}.{other}{dot}{ext}"
    return _join(beside.strip("/"), new)


def _join(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder else path


def record_url(
    config: Config, segments: list[str], lang: str, fields: dict[str, Any], title: str
) -> str:
    """The URL Hugo serves a record at: front matter `url`, else the KB's
    permalink pattern for its section, else its path (with `slug`)."""
    slug = fields.get("slug") if isinstance(fields.get("slug"), str) else None
    url_field = fields.get("url") if isinstance(fields.get("url"), str) else None
    permalink = None
    if config.permalinks and url_field is None:
        section = segments[-1] == "_index"
        bundle = segments[-1] == "index" and len(segments) > 1
        folders = segments[:-2] if bundle else segments[:-1]
        pattern = permalink_pattern(
            config.permalinks.get("section" if section else "page", {}), folders
        )
        if pattern is not None:
            date = fields.get("date")
            permalink = expand_permalink(
                pattern,
                sections=folders,
                filename="" if section else segments[-2 if bundle else -1],
                title=title,
                slug=slug,
                date=date if isinstance(date, dt.date) else None,
            )
    return page_url(
        segments,
        lang=lang,
        default_lang=config.default_language,
        slug=slug,
        url=url_field,
        prefix=config.url_prefix(lang),
        permalink=permalink,
    )


def _kind(fields: dict[str, Any], segments: list[str], config: Config) -> str:
    explicit = fields.get("kind")
    if isinstance(explicit, str) and explicit:
        return explicit
    if segments and segments[-1] == "_index":
        return "section"
    if len(segments) > 1:
        return config.kinds.get(segments[0], "page")
    return "page"


def build_record(relpath: str, text: str, config: Config) -> Record | Skipped:
    """A Record from a file's text. Pure: no I/O."""
    if not text.strip():
        return Skipped(relpath, 1, "empty file: nothing to index")
    try:
        raw, body, body_line = split_front_matter(text)
    except FrontMatterError as err:
        return Skipped(relpath, err.line, err.reason)
    except RecursionError:  # JSON and TOML nested thousands deep
        return Skipped(relpath, 1, TOO_DEEP)
    try:
        fields = normalize_fields(raw, config)
    except Unusable as err:
        return Skipped(relpath, 1, str(err))
    segments, lang = locate(relpath, config)
    if lang is None:
        return Skipped(
            relpath,
            1,
            "in no language's contentDir, so Hugo does not build it: move it into one",
        )
    links, headings, plain, html_ids = scan_markdown(body, body_line)
    title = fields.get("title")
    if not isinstance(title, str) or not title:
        h1 = next((h.text for h in headings if h.level == 1), "")
        title = h1 or segments[-1].replace("_", " ").replace("-", " ")
        if title in ("_index", "index") and len(segments) > 1:
            title = segments[-2]
    url = record_url(config, segments, lang, fields, str(title))
    description = fields.get("description")
    terms: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for singular, plural in config.taxonomies.items():
        values = [str(v) for v in fields.get(plural, []) if str(v).strip()]
        slugs: list[str] = []
        shown: list[str] = []
        seen: set[str] = set()  # not `in slugs`: 80,000 terms took 30 s
        for value in values:
            slug_ = term_slug(value)
            if slug_ and slug_ not in seen:
                seen.add(slug_)
                slugs.append(slug_)
                shown.append(value)
        terms[singular] = slugs
        labels[singular] = shown
    aliases = []
    for alias in fields.get("aliases", []):
        alias = str(alias)
        aliases.append(
            normalize_url(alias) if alias.startswith("/") else resolve_relative(alias, url)
        )
    return Record(
        path=relpath,
        url=url,
        lang=lang,
        kind=_kind(fields, segments, config),
        title=str(title),
        description=str(description) if description is not None else "",
        fields=fields,
        terms=terms,
        term_labels=labels,
        aliases=aliases,
        body=body,
        body_line=body_line,
        text=plain,
        links=links,
        headings=headings,
        anchors=html_ids,
    )


def load_bytes(data: bytes, relpath: str, config: Config) -> Record | Skipped:
    """A Record from a file's bytes: decoding, then build_record. Pure, and
    never raises: a file it fails on by a bug of its own is a Skipped too
    (reason INTERNAL), so one file cannot stop the KB from loading."""
    try:
        text = _decode(data, relpath)
        result = text if isinstance(text, Skipped) else build_record(relpath, text, config)
    except RecursionError:
        result = Skipped(relpath, 1, TOO_DEEP)
    except Exception as exc:
        result = Skipped(
            relpath, 1, f"{INTERNAL} ({type(exc).__name__}: {exc}): please report it as a bug"
        )
    if isinstance(result, Skipped):
        return Skipped(result.path, result.line, one_line(result.reason))
    return result


def one_line(text: str) -> str:
    """A reason as one line of plain text: it is printed as `path:line: reason`
    and in workflow annotations, where a line break or an escape code from a
    file (a YAML error quotes the text it stopped at) must not forge a line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


class Source(NamedTuple):
    """What reading one file of the KB gave: its bytes, or why it was not
    read; and its mtime and size, as the change scan lists them."""

    data: bytes | None
    mtime_ns: int
    size: int
    skipped: Skipped | None = None


def read_source(full: str, relpath: str, content_dir: str, max_size: int) -> Source:
    """The bytes of a file the change scan listed, read as safely as a file
    from anyone may be: nothing over `max_size` bytes (from its stat, before
    a byte is read), nothing but a regular file (a FIFO named x.md would
    block the read), and through a symbolic link only to a file inside the
    KB (the scan checked that, but the link may have changed since)."""
    from kzkb import scan

    try:
        st = os.lstat(full)
    except (FileNotFoundError, NotADirectoryError):
        # a name that is not UTF-8 or holds a line break is listed escaped
        problem = scan.name_problem(content_dir, relpath)
        if problem is None:
            return Source(None, 0, 0, Skipped(relpath, 1, "cannot read: the file is gone"))
        reason, st = problem
        return Source(None, st.st_mtime_ns, st.st_size, Skipped(relpath, 1, reason))
    except OSError as exc:
        return Source(None, 0, 0, Skipped(relpath, 1, f"cannot read: {exc.strerror or exc}"))
    path = full
    if stat_.S_ISLNK(st.st_mode):
        path = os.path.realpath(full)
        if not path.startswith(os.path.realpath(content_dir) + os.sep):
            reason = "symbolic link to a file outside the KB: not followed"
            return Source(None, st.st_mtime_ns, st.st_size, Skipped(relpath, 1, reason))
        try:
            st = os.stat(path)
        except OSError as exc:
            reason = f"symbolic link not followed: {exc.strerror or exc}"
            return Source(None, st.st_mtime_ns, st.st_size, Skipped(relpath, 1, reason))

    def refuse(st: os.stat_result) -> Skipped | None:
        if not stat_.S_ISREG(st.st_mode):
            return Skipped(relpath, 1, "not a regular file (a FIFO, a device?): not read")
        if st.st_size > max_size:
            return Skipped(relpath, 1, too_big(st.st_size, max_size))
        return None

    skipped = refuse(st)
    if skipped is None:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
            with open(fd, "rb") as handle:
                st = os.fstat(fd)  # the file opened, which may not be the one looked at
                skipped = refuse(st)
                if skipped is None:
                    data = handle.read(max_size + 1)
                    if len(data) > max_size:  # it grew since
                        skipped = Skipped(relpath, 1, too_big(len(data), max_size))
                    else:
                        return Source(data, st.st_mtime_ns, st.st_size)
        except OSError as exc:
            skipped = Skipped(relpath, 1, f"cannot read: {exc.strerror or exc}")
    return Source(None, st.st_mtime_ns, st.st_size, skipped)


def too_big(size: int, limit: int) -> str:
    return (
        f"{_megabytes(size)} is more than the {_megabytes(limit)} a record may be: not read"
        f" (raise [index] max_file_size in kzkb.toml to index it)"
    )


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size:,} bytes"


def load_file(path: Path, relpath: str, config: Config) -> Record | Skipped:
    source = read_source(str(path), relpath, str(config.content_dir), config.max_file_size)
    if source.data is None:
        assert source.skipped is not None
        return source.skipped
    result = load_bytes(source.data, relpath, config)
    if isinstance(result, Record):
        result.mtime_ns = source.mtime_ns
        result.size = source.size
    return result


def load_kb(config: Config) -> tuple[list[Record], list[Skipped]]:
    """Every record of the KB, without an index (the walk is scan.scan's)."""
    from kzkb.scan import scan

    records: list[Record] = []
    skipped: list[Skipped] = []
    for rel in sorted(scan(config.content_dir)):
        result = load_file(config.content_dir / rel, rel, config)
        (records if isinstance(result, Record) else skipped).append(result)
    return records, skipped
