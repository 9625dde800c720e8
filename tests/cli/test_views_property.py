"""Any record text, through every human view: markup characters, control
bytes, escape sequences and bidi overrides in a title, a description, tags,
a category and a body fail no command, and none of it is interpreted: the
output holds the text as written (controls as visible()'s pictures) and no
escape, C1 control, DEL or bidi override of the record's."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzkb.views.console import visible
from tests.helpers import write_kb

# what a terminal or Rich would act on, whole and in pieces
TOKENS = [
    "[", "]", "\\", "/", "[/x]", "[bold]", "[/]", "[link=https://evil.example/]", "[/link]",
    ":smile:", "\x1b[31m", "\x1b[2J", "\x1b[1A", "\x1b]0;owned\x07", "\x1b]8;;http://e/\x1b\\",
    "\x1b]52;c;aGk=\x07", "\x1b", "\x9b", "\x9d", "\x85", "\x7f", "\x07", "\x08", "\x00",
    "\u202e", "\u2066", "\u200f", "<b>", "&amp;", "`", "*", "_", "#", "|",
]  # fmt: skip
# one cell wide each, so a short text stays on one line of any table
LETTERS = st.characters(
    min_codepoint=0x20, max_codepoint=0x4FF, exclude_categories=("Cs", "Mn", "Me", "Zs", "Cf")
)
CONTROLS = st.characters(
    codec="utf-8",
    categories=("Cc",),
)
BIDI = st.sampled_from(["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"])
PIECE = st.one_of(st.sampled_from(TOKENS), LETTERS, CONTROLS, BIDI)


def text(max_pieces: int, most: int) -> st.SearchStrategy[str]:
    """Hostile text that survives front matter as written: no white space,
    which a loader may trim or fold (a body keeps tabs and line breaks), and
    at most `most` characters, so that no table has to wrap it."""
    pieces = st.lists(PIECE, min_size=1, max_size=max_pieces)
    return pieces.map(lambda p: _no_space("".join(p))[:most])


def _no_space(value: str) -> str:
    return "".join(c for c in value if not c.isspace())


RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
RICH_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # what Rich writes for colour on a terminal


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar of `value`, anything not printable escaped."""
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def commands(paths: list[str]) -> dict[str, tuple[list[str], set[int]]]:
    return {
        "list": (["list"], {0}),
        "search": (["search", "zebrafish", "-n", "0"], {0}),
        **{f"show {path}": (["show", path], {0}) for path in paths},
        "terms": (["terms"], {0}),
        "tags": (["terms", "tags"], {0}),
        "stats": (["stats"], {0}),
        "lint": (["lint"], {0, 1}),  # 1: findings about the records
        "check-links": (["check-links"], {1}),  # 1: the broken link
    }


def invoke(args: list[str], kb: Path, index: Path) -> Any:
    from typer.testing import CliRunner

    from kzkb import views
    from kzkb.cli import app

    where = ["--kb", str(kb)] + ([] if args[0] == "lint" else ["--index", str(index)])
    # a terminal as Rich sees one, wide enough that no short text wraps
    env = {"KZKB_KB": None, "KZKB_INDEX": None, "KZKB_WATCH": "off", "NO_COLOR": None}
    env |= {"COLUMNS": "240", "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}
    views.reset()
    try:
        return CliRunner().invoke(app, [*args, *where], env=env, catch_exceptions=False)
    finally:
        views.reset()


def squashed(value: str) -> str:
    # kzkb keeps field text in NFC (parse/fields.py): U+0387 is shown as its
    # canonical equivalent U+00B7, the same text to any reader
    return unicodedata.normalize("NFC", "".join(value.split()))


RECORD = st.fixed_dictionaries(
    {
        "title": text(6, 24).map(lambda t: "T" + t),  # a title of its own, never empty
        "description": text(10, 80),
        "category": text(5, 22),
        "tags": st.lists(text(4, 20), min_size=1, max_size=2),
        "body": st.lists(st.one_of(PIECE, st.sampled_from(["\n", "\t", " ", "\n\n"])), max_size=30),
    }
)
EXAMPLES = iter(range(10**9))


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One KB and index for every example: the index warm, refreshed as the files change."""
    return tmp_path_factory.mktemp("views-property")


def write(where: Path, records: list[dict[str, Any]]) -> list[str]:
    """The records, in place of the last example's, at markup-like paths (a
    folder `notes[`, files named `]…[x].md`, new names each time); their paths."""
    n = next(EXAMPLES)
    for old in (where / "kb").rglob("*.md"):
        old.unlink()
    files = {}
    for i, r in enumerate(records):
        # a term's slug of its own: t0[ and t0[[ would be one term, t0, with one label
        r["category"] = f"c{i}" + r["category"]
        r["tags"] = [f"t{i}{j}" + tag for j, tag in enumerate(r["tags"])]
        body = "".join(r["body"]).replace("\x00", "")  # NUL: a binary file, not a record
        files[f"notes[/]{n}-{i}[x].md"] = (
            f"---\ntitle: {_yaml(r['title'])}\ndescription: {_yaml(r['description'])}\n"
            f"category: [{_yaml(r['category'])}]\ntags: [{', '.join(map(_yaml, r['tags']))}]\n"
            "---\n"
            f"zebrafish {body}\n\n[gone](/no-such-page/)\n"
        )
    write_kb(where / "kb", files)
    return list(files)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(RECORD, min_size=1, max_size=3, unique_by=lambda r: r["title"]))
def test_any_record_text_is_shown_as_written_through_every_view(where, records) -> None:
    paths = write(where, records)
    shown: dict[str, str] = {}
    for name, (args, codes) in commands(paths).items():
        result = invoke(args, where / "kb", where / "index.sqlite")
        assert result.exit_code in codes, (name, result.output)
        for stream in (result.stdout, result.stderr):
            assert "\x1b]" not in stream, (name, stream)  # no OSC: no link, no window title
            left = RICH_STYLE.sub("", stream)
            assert not RAW.findall(left), (name, RAW.findall(left), stream)
        shown[name] = squashed(RICH_STYLE.sub("", result.stdout))
    # each text as written, controls as pictures, wherever a view shows it
    for path, r in zip(paths, records, strict=True):
        expected = {
            "list": [r["title"], r["category"], path],
            "search": [r["title"], r["category"], path],
            f"show {path}": [r["title"], r["description"], r["category"], ", ".join(r["tags"])],
            "terms": [r["category"]],
            "tags": r["tags"],
            "stats": [r["category"], *r["tags"]],
        }
        for name, values in expected.items():
            for value in values:
                assert squashed(visible(value)) in shown[name], (name, value, shown[name])
