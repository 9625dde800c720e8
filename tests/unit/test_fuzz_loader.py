"""The loader and the link extractor against generated input (hypothesis).

Properties a user relies on, whatever a file holds:

- loading never raises: every file is a Record or a Skipped with a one-line
  reason, and never one of the loader's own failures (loader.INTERNAL);
- a record that loads can be stored and read back as it was;
- every link is found at a line and column inside the body, and the
  linear-time column and shortcode code agrees with the plain computation
  it replaced.

Examples are bounded so the suite stays fast; tests/system/fuzz_campaign.py runs
the same properties for as long as one likes. Crashes the fuzzing found are
kept as @example cases.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kzkb.model import Link, Record, Skipped
from kzkb.parse.markdown import _drop_shortcodes, _Positions, _shortcode_refs, scan_markdown
from kzkb.parse.record import INTERNAL, load_bytes
from kzkb.settings.config import Config
from kzkb.store.codec import record_from_json, record_to_json
from kzkb.store.index import Index
from kzkb.store.prepare import Prepared, _fill

CONFIG = Config(root=Path("/kb"), content_dir=Path("/kb"), languages=["en", "kk"])
FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# --- strategies (tests/system/fuzz_campaign.py uses them too) -------------------------------------

# what YAML, TOML, JSON and Markdown give meaning to, and text that is hard on
# decoders: a byte-order mark, line separators, combining marks, Cyrillic, NUL
SYNTAX = [
    *"-+{}[]()<>!&*#|:,'\"`\\=%@?~\t\n\r ",
    "---\n", "+++\n", "...\n", "\n---\n", "&a ", "*a", "&b ", "*b", "<<: ", "!!set ", "!!omap ",
    "!!binary ", "!!int ", "!!float ", "!!bool ", "!!str ", "!!timestamp ", "? ", "- ", ": ",
    "0b_", "0x", "._", "1e999", ".nan", "2023-13-45", "2020-01-01T10:00:00Z", "~", "null",
    "{{< ", " >}}", "{{% ", " %}}", '{{< ref "', '" >}}', "relref", "](", "![", "[^1]",
    "<a href='", "<img src=", "<!--", "-->", "<![CDATA[", "<script>", "</script>", "id=",
    "&amp;", "&#x", "&#xD800;", "\\u", "\\ud800", "```\n", "    ", "# ", "\ufeff", "\u2028",
    "\x85", "\u0301", "ж", "қ", "😀", "\x00", "\x1b[", "\ud800",
]  # fmt: skip
soup = st.lists(st.sampled_from(SYNTAX) | st.text(max_size=4), max_size=40).map("".join)


def _scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.text(max_size=12),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.dates(),
        st.datetimes(timezones=st.none() | st.just(dt.UTC)),
    )


keys = st.text(min_size=1, max_size=10) | st.sampled_from(
    ["title", "date", "created", "url", "slug", "aliases", "category", "tags", "kind"]
)
values = st.recursive(
    _scalar(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
front = st.dictionaries(keys, values, max_size=6)


def _toml_safe(value: Any) -> Any:
    """What TOML can hold: no None, no NaN-free demand, lists of one type."""
    if isinstance(value, dict):
        return {k: _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        items = [_toml_safe(v) for v in value if v is not None]
        return items if len({type(v) for v in items}) <= 1 else [str(v) for v in items]
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def render(fmt: str, data: dict[str, Any]) -> str:
    """Front matter as a writer of that format would write it."""
    if fmt == "yaml":
        return "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"
    if fmt == "toml":
        try:
            return "+++\n" + tomli_w.dumps(_toml_safe(data)) + "+++\n"
        except (TypeError, ValueError):
            return "+++\n+++\n"
    return json.dumps(_json_safe(data), ensure_ascii=False, indent=1) + "\n"


@st.composite
def front_matter_files(draw: st.DrawFn) -> str:
    """A record whose front matter is written by a YAML, TOML or JSON writer,
    then perhaps damaged by a few splices of syntax: valid files, and files
    a little or very wrong."""
    fmt = draw(st.sampled_from(["yaml", "toml", "json"]))
    text = render(fmt, draw(front))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + draw(soup) + text[at + cut :]
    return text + "\n" + draw(soup)


# --- properties ----------------------------------------------------------------------------------


def check_loaded(result: Record | Skipped, rel: str = "x.md") -> None:
    assert isinstance(result, Record | Skipped)
    if isinstance(result, Skipped):
        assert result.path == rel
        assert result.line >= 1
        assert INTERNAL not in result.reason, result
        assert result.reason.isprintable(), result.reason
        return
    stored = record_to_json(result)
    stored.encode("utf-8")  # SQLite refuses text that is not
    back = record_from_json(stored)
    assert record_to_json(back) == stored
    check_links(result.body, result.body_line, result.links)
    # and its rows for the index: link keys, search columns
    rows = _fill(Prepared(rel, 0, 0, b""), result)
    assert rows.links is not None and len(rows.links) == len(result.links)


def check_links(body: str, first_line: int, links: list[Link]) -> None:
    lines = body.split("\n")
    for link in links:
        row = link.line - first_line
        assert 0 <= row < len(lines), link
        assert 1 <= link.column <= len(lines[row]) + 1, (link, lines[row])
        if link.kind == "ref":  # found by kzkb's own pattern: where it is written
            assert lines[row][link.column - 1 :].startswith(link.target), link


@FAST
@given(st.binary(max_size=300))
@example(b"---\nx: 0b_\n---\n")  # ValueError from PyYAML's int constructor
@example(b"---\nx: !!bool maybe\n---\n")  # KeyError
@example(b'{\n"x": ' + b"1" * 5000 + b"\n}\n")  # int too long for Python to print
@example(b"---\na: &a [*a]\n---\n")  # RecursionError normalising a cycle
@example(b"---\nx: !!omap [a: {2020-01-01: 1}]\n---\n")  # json.dumps: date key
@example(b'{\n"t": "\\ud800"\n}\n')  # SQLite: surrogates not allowed
@example(b"---\nt: 2020-01-01T10:00:00Z\n---\n")  # stored, then unreadable
# found by tests/system/fuzz_campaign.py (atheris): !!int of nothing, an IndexError
@example(b"---\n-&<!:\r--&:-,:\r--!::\rnam}^0]:\r!!int :\r<!:\r--!:\r\r--:\r------\n")
@example(b"---\nx: !!int\n---\n")
def test_any_bytes_load_or_are_skipped(data: bytes) -> None:
    check_loaded(load_bytes(data, "x.md", CONFIG))


@FAST
@given(soup)
def test_syntax_soup_loads_or_is_skipped(text: str) -> None:
    check_loaded(load_bytes(text.encode("utf-8", "surrogatepass"), "x.md", CONFIG))


@FAST
@given(front_matter_files())
def test_front_matter_of_any_shape_loads_or_is_skipped(text: str) -> None:
    check_loaded(load_bytes(text.encode("utf-8", "surrogatepass"), "x.md", CONFIG))


@FAST
@given(st.sampled_from(["yaml", "toml", "json"]), front)
def test_valid_front_matter_always_loads(fmt: str, data: dict[str, Any]) -> None:
    text = render(fmt, data) + "\nbody\n"
    result = load_bytes(text.encode(), "x.md", CONFIG)
    if fmt == "json" and any(isinstance(v, float) and not math.isfinite(v) for v in _leaves(data)):
        return  # json.dumps writes NaN, which JSON front matter (RFC 8259) has not
    assert isinstance(result, Record), (text, result)
    check_loaded(result)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


markdown = st.lists(
    st.sampled_from(SYNTAX) | st.text(max_size=6) | st.sampled_from(["[a](/x/)", "<a href=/y>"]),
    max_size=60,
).map("".join)


@FAST
@given(markdown, st.integers(1, 50))
def test_links_are_where_the_body_holds_them(body: str, first_line: int) -> None:
    body = body.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    links, headings, _, _ = scan_markdown(body, first_line)
    check_links(body, first_line, links)
    for heading in headings:
        assert first_line <= heading.line < first_line + body.count("\n") + 1


@FAST
@given(st.text(max_size=80), st.data())
def test_columns_counted_on_agree_with_counting_from_the_line_start(text: str, data) -> None:
    text = text.encode("utf-8", "replace").decode("utf-8")
    pos = _Positions(text, 1)
    encoded = text.encode("utf-8")
    # character boundaries, in order and out of it, as links and headings ask
    boundaries = [len(text[:i].encode("utf-8")) for i in range(len(text) + 1)]
    offsets = data.draw(st.lists(st.sampled_from(boundaries), max_size=20))
    for offset in offsets:
        row = encoded[:offset].count(b"\n")
        start = encoded.rfind(b"\n", 0, offset) + 1
        column = len(encoded[start:offset].decode("utf-8")) + 1
        assert pos.at(offset) == (row + 1, column)


@FAST
@given(st.lists(st.sampled_from(["{{<", "{{%", ">}}", "%}}", "{", "}", "<", "%", "a", " "])))
def test_shortcodes_are_dropped_as_the_regular_expression_did(parts: list[str]) -> None:
    text = "".join(parts)
    assert _drop_shortcodes(text) == re.sub(r"\{\{[<%].*?[%>]\}\}", " ", text, flags=re.S)


def _refs_as_before(body: str, pos: _Positions, code: list[tuple[int, int]]) -> list[Link]:
    """_shortcode_refs as it was: quadratic, and plainly right."""
    from kzkb.parse.markdown import _REF

    out = []
    for match in _REF.finditer(body):
        target = match.group(2) if match.group(2) is not None else match.group(3)
        offset = len(body[: match.start()].encode("utf-8"))
        if any(start <= offset < end for start, end in code):
            continue
        quote = match.start(2) if match.group(2) is not None else match.start(3)
        line, column = _Positions(body, pos.first_line).at(len(body[:quote].encode("utf-8")))
        out.append(Link(target, "", line, column, "ref"))
    return out


ref_bodies = st.lists(
    st.sampled_from(['{{< ref "a.md" >}}', "{{% relref `b` %}}", "`", "```\n", "ж", "\n", "x"]),
    max_size=30,
).map("".join)


@FAST
@given(ref_bodies)
def test_refs_are_found_as_before(body: str) -> None:
    import pyromark

    from kzkb.parse.markdown import _options

    code = [
        (span["start"], span["end"])
        for event, span in pyromark.events_with_range(body, options=_options())
        if isinstance(event, dict)
        and (
            "Code" in event
            or (isinstance(event.get("Start"), dict) and "CodeBlock" in event["Start"])
        )
    ]
    pos = _Positions(body, 3)
    assert _shortcode_refs(body, pos, code) == _refs_as_before(body, pos, code)


@FAST
@given(st.binary(max_size=30).map(os.fsdecode) | st.text(max_size=30))
@example("a\\x41\n.md")  # a backslash in a name that is escaped
@example("nbsp\u00a0.md")  # not printable, yet nothing to escape
def test_file_names_are_escaped_only_when_they_must_be_and_read_back(name: str) -> None:
    from kzkb.listing.scan import _needs_escape, _unescape, name_key

    key = name_key(name)
    assert not any(_needs_escape(ord(ch)) for ch in key)
    if any(_needs_escape(ord(ch)) for ch in name):
        assert _unescape(key) == os.fsencode(name)
    else:
        assert key == name


@settings(FAST, max_examples=100, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["yaml", "toml", "json"]), front, markdown)
def test_an_indexed_record_reads_back_as_it_was_loaded(fmt: str, data, body: str) -> None:
    text = render(fmt, data) + "\n" + body.replace("\x00", "")
    raw = text.encode("utf-8", "replace")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "r.md").write_bytes(raw)
        config = Config(root=root, content_dir=root)
        loaded = load_bytes(raw, "r.md", config)
        index = Index.open(":memory:")
        try:
            index.refresh(config)
            stored = index.records.by_path("r.md")
            skipped = index.records.skipped()
        finally:
            index.close()
    if isinstance(loaded, Skipped):
        assert stored == [] and [(s.path, s.reason) for s in skipped] == [("r.md", loaded.reason)]
        return
    (back,) = stored
    loaded.mtime_ns, loaded.size = back.mtime_ns, back.size
    loaded.text = ""  # the index keeps the body, not its plain text
    assert record_to_json(back) == record_to_json(loaded)
    assert back.links == loaded.links and back.headings == loaded.headings
