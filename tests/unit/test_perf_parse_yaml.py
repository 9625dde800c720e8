"""The simple front matter read without the YAML loader (kzkb.parse.simple_yaml)
is read exactly as the loader reads it: the same keys in the same order,
the same values of the same types; and whatever it is not sure of, it
leaves to the loader, so that the loader's errors stay the ones reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kzkb.parse.frontmatter import parse_front, split
from kzkb.parse.simple_yaml import read_simple
from kzkb.safe_yaml import yaml_loader

ROOT = Path(__file__).resolve().parents[2]


def _loaded(text: str) -> tuple[Any, Exception | None]:
    try:
        return yaml.load(text, Loader=yaml_loader()), None
    except Exception as exc:  # any failure of the loader: the fast path must decline
        return None, exc


def _agrees(text: str) -> bool:
    """Whether read_simple read `text` (True) or declined (False); fails
    if it read it otherwise than the loader."""
    fast = read_simple(text)
    full, error = _loaded(text)
    if fast is None:
        return False
    assert error is None, f"read {text!r} that the loader refuses: {error}"
    # repr: True is not 1, a date not a datetime, and the keys' order counts
    assert repr(fast) == repr(full), text
    return True


# characters each of which YAML treats specially somewhere, or refuses
CHARS = st.sampled_from(
    [
        *"aAzZ09 ._-+~=<'\"\\#:,[]{}&*!|>%@`?\t\r\n",
        "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\ufeff", "\ufffe",
        "é", "Қ", "ж", "\u0301", "“", "”", "\U0001f600", "\ud800", "\ue000",
    ]
)  # fmt: skip
WORDS = st.sampled_from(
    [
        "2021-07-17", "2021-13-45", "2021-07-17T10:00:00Z", "2001-12-14 21:59:43.10 -5",
        "12", "1_000", "0x1F", "0o17", "017", "0b101", "1e3", "1.5", "1.5e+3", "+1", "-1",
        ".inf", "-.inf", ".nan", "190:20:30", "1:20", "true", "True", "No", "off", "ON", "y",
        "~", "null", "Null", "", "<<", "=", "https://example.org/a#b", "a: b", "a #b", "a#b",
        "Алматы", "Women's", "x" * 1030,
    ]
)  # fmt: skip
KEYS = st.one_of(
    st.sampled_from(
        ["title", "description", "tags", "date", "a", "A_1", "yes", "no", "On", "null",
         "NULL", "true", "y", "n", "x" * 100, "x" * 101, "_k", "1a", "t-x", "~", "<<", "k k"]
    ),
    st.text(st.sampled_from("aAyYnNoOtTfF1_-~."), min_size=1, max_size=5),
)  # fmt: skip
TEXT = st.one_of(
    WORDS,
    st.text(CHARS, max_size=12),
    st.lists(WORDS | st.text(CHARS, max_size=4), max_size=3).map(" ".join),
)


@st.composite
def values(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["double", "single", "list", "plain", "block", "raw"]))
    text = draw(TEXT)
    tail = draw(st.sampled_from(["", "", "", " ", " # c", '"', "'", "\t"]))
    if kind == "double":
        return f'"{text}"{tail}'
    if kind == "single":
        return f"'{text}'{tail}"
    if kind == "list":
        items = draw(st.lists(TEXT, max_size=4))
        quote = draw(st.sampled_from(['"', '"', "'", ""]))
        sep = draw(st.sampled_from([", ", ",", " , ", ",  ", ", ,"]))
        return "[" + sep.join(f"{quote}{item}{quote}" for item in items) + "]" + tail
    if kind == "plain":
        return text + tail
    if kind == "block":
        header = draw(st.sampled_from([">", "|", ">-", "|-", ">+", "|2", "> ", ">\t"]))
        lines = draw(st.lists(st.tuples(st.integers(0, 4), TEXT), min_size=0, max_size=4))
        return header + "".join(f"\n{' ' * n}{line}" for n, line in lines)
    return text


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        form = draw(st.sampled_from(["entry"] * 8 + ["blank", "comment", "indented", "raw"]))
        if form == "entry":
            sep = draw(st.sampled_from([": ", ": ", ":  ", ":", " : ", ":\t"]))
            lines.append(f"{draw(KEYS)}{sep}{draw(values())}")
        elif form == "blank":
            lines.append(draw(st.sampled_from(["", " ", "  "])))
        elif form == "comment":
            lines.append("# " + draw(TEXT))
        elif form == "indented":
            lines.append(" " * draw(st.integers(1, 3)) + draw(TEXT))
        else:
            lines.append(draw(TEXT))
    end = draw(st.sampled_from(["\n", "\n", "\n", "", "\n\n"]))
    return "\n".join(lines) + end


# the same, but mostly of the shape read_simple reads, one thing at a time amiss
PLAINER = st.text(st.sampled_from([*"abc XYZ", *"абв", "é", "-", ".", ","]), max_size=8) | (
    st.sampled_from(["2021-07-17", "2021-13-45", "12", "1.5", "true", "No", "~", "Women's"])
)
ODD = st.sampled_from(
    [*[""] * 60, '"', "'", "''", "#", " ", ":", "\\", "\t", ": ", " #", "\u2028", "\x85", "&", "["]
)


@st.composite
def simple_documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        key = draw(st.sampled_from(["title", "tags", "date", "a", "A_1", "linkTitle", "On", "y"]))
        text = draw(PLAINER) + draw(ODD) + draw(PLAINER)
        kind = draw(st.sampled_from(["double", "single", "list", "plain", "block"]))
        if kind == "double":
            value = f'"{text}"'
        elif kind == "single":
            value = f"'{text}'"
        elif kind == "list":
            value = (
                "[" + ", ".join(f'"{draw(PLAINER)}"' for _ in range(draw(st.integers(0, 3)))) + "]"
            )
        elif kind == "plain":
            value = text
        else:
            header = draw(st.sampled_from([">", "|", ">-", "|-", ">+"]))
            indent = " " * draw(st.integers(1, 3))
            body = draw(st.lists(PLAINER.map(lambda t: t.strip() or "w"), min_size=1, max_size=3))
            value = header + "".join(f"\n{indent}{line}" for line in body) + draw(ODD)
        lines.append(f"{key}: {value}{draw(ODD)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=3000, deadline=None)
@given(documents() | simple_documents())
def test_simple_front_matter_is_read_as_the_yaml_loader_reads_it(text: str) -> None:
    _agrees(text)


SIMPLE = """\
title: "Arta Legal Aid Centre"
description: >
  Election sex-disaggregated data urban publication department about on
  publishes languages law. In 2018 it counted 3752 cases in Astana.
category: ["local-ngo"]
tags: ["statistics", "gender-gap", "human-rights"]
url: "https://example-5239.org/"
created: 2021-07-17
date: 2021-11-15
weight: 3
summary: |-
  one
  two
linkTitle: 'It''s # here: "x"'
source: Plain text, with:colons and [brackets] {braces}
"""


def test_the_shapes_it_reads_have_their_yaml_types() -> None:
    assert _agrees(SIMPLE)
    data = read_simple(SIMPLE)
    assert data is not None
    assert data["created"] == dt.date(2021, 7, 17) and type(data["created"]) is dt.date
    assert data["weight"] == 3 and type(data["weight"]) is int
    assert data["summary"] == "one\ntwo"
    assert data["description"].endswith("in Astana.\n")
    assert data["linkTitle"] == 'It\'s # here: "x"'
    # each read makes its own lists: a record may change its own
    again = read_simple(SIMPLE)
    assert again is not None and again["tags"] == data["tags"] and again["tags"] is not data["tags"]


@pytest.mark.parametrize(
    "text",
    [
        "yes: 1\n",  # a key YAML takes as a bool
        "title: Arta\n  continued\n",  # a plain value going on
        'title: "x" # note\n',
        "title: x\n\ndate: 2021-01-01\n",  # a blank line
        "description: >\n    more\n  less\n",
        "description: >\n  a\n    more indented\n",
        "description: >\n  trailing \n",
        "title: a\tb\n",
        "title: a\u2028b\n",
        "title: \ufeffa\n",
        'title: "a\\"b"\n',
        "title: x",  # no final line break
        "",
        "date: 2021-13-45\n",  # stays text: by the loader, not guessed
        "tags: [a, b]\n",
        "a: &x 1\nb: *x\n",
        "n: 1" + "0" * 5000 + "\n",  # refused by the loader: its error must be reported
    ],
)
def test_what_it_is_not_sure_of_is_the_loaders(text: str) -> None:
    _agrees(text)


@pytest.mark.parametrize("kb", ["kb", "bench/generate"])
def test_every_record_of_a_kb_is_read_the_fast_way_and_the_same(kb: str, tmp_path: Path) -> None:
    if kb == "kb":
        folder = ROOT / "kb"
    else:
        from bench.generate import generate

        folder = tmp_path / "gen"
        generate(folder, 300, seed=7)
    fronts = []
    for path in sorted(folder.rglob("*.md")):
        found = split(path.read_text(encoding="utf-8"))
        assert found.fmt == "yaml"
        fronts.append(found)
    assert len(fronts) >= 90
    for found in fronts:
        assert _agrees(found.front), found.front  # the fast way, not the loader
        assert repr(parse_front(found)) == repr(_loaded(found.front)[0])
