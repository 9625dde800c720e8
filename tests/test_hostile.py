"""Bad, big and hostile files (issue 7): each one is reported and skipped, or
indexed correctly, while the rest of the KB is served — never a traceback,
never a hang, never memory without bound.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from kzkb.config import Config
from kzkb.index import Index, record_from_json, record_to_json
from kzkb.loader import ALIAS_BUDGET, MAX_DEPTH, TOO_DEEP, load_bytes, scan_markdown
from kzkb.model import Record, Skipped

Cli = Callable[..., subprocess.CompletedProcess[str]]


def billion_laughs(levels: int) -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels):
        this, prev = chr(ord("a") + n), chr(ord("a") + n - 1)
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n\nlol\n"


def block_nesting(depth: int) -> str:
    return "---\n" + "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "k: v\n---\n"


HOSTILE: dict[str, tuple[bytes, int, str]] = {
    "latin1.md": (
        b"---\ntitle: caf\xe9\n---\n",
        2,
        "not UTF-8 (byte 0xe9): save the file as UTF-8",
    ),
    "nul.md": (b"---\ntitle: x\n---\n\nbo\x00dy\n", 5, "NUL byte"),
    "empty.md": (b"", 1, "empty file"),
    "blank.md": (b"  \n\n\t\n", 1, "empty file"),
    "bad-yaml.md": (b"---\ntitle: [unclosed\n---\n", 2, "invalid YAML front matter"),
    "bad-toml.md": (b"+++\ntitle = \n+++\n", 2, "invalid TOML front matter"),
    "bad-json.md": (b'{\n"title": \n}\n', 3, "invalid JSON front matter"),
    "unclosed.md": (b"---\ntitle: x\n", 1, "never closed"),
    "list.md": (b"---\n- a\n- b\n---\n", 2, "not a mapping"),
    "bomb.md": (billion_laughs(9).encode(), 6, "YAML aliases expand too far (alias bomb?)"),
    "cycle.md": (b"---\na: &a [x, *a]\n---\n", 2, "alias inside the value it names"),
    "deep-flow.yaml.md": (b"---\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n---\n", 2, TOO_DEEP),
    "deep-block.yaml.md": (block_nesting(1500).encode(), 1001, TOO_DEEP),
    "deep.json.md": (b'{\n"x": ' + b"[" * 5000 + b"]" * 5000 + b"\n}\n", 1, TOO_DEEP),
    "deep.toml.md": (b"+++\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n+++\n", 1, TOO_DEEP),
    "huge-int.md": (b"---\nx: " + b"7" * 5000 + b"\n---\n", 2, "more than 4300 digits"),
}


# --- front matter, through the loader ---------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(root=tmp_path, content_dir=tmp_path)


@pytest.mark.parametrize("rel", sorted(HOSTILE))
def test_hostile_front_matter_is_skipped_with_its_line_and_reason(config: Config, rel: str):
    content, line, words = HOSTILE[rel]
    result = load_bytes(content, rel, config)
    assert isinstance(result, Skipped)
    assert (result.path, result.line) == (rel, line)
    assert words in result.reason


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"---\nx: " + b"[" * 150 + b"]" * 150 + b"\n---\n", id="yaml-150"),
        pytest.param(block_nesting(150).encode(), id="yaml-block-150"),
        pytest.param(b'{\n"x": ' + b"[" * 900 + b"]" * 900 + b"\n}\n", id="json-900"),
        pytest.param(b'{\n"x": ' + b'{"a": ' * 500 + b"1" + b"}" * 500 + b"\n}\n", id="json-obj"),
        pytest.param(b"+++\nx = " + b"[" * 500 + b"]" * 500 + b"\n+++\n", id="toml-500"),
        pytest.param(b"+++\nx = " + b"{a = " * 300 + b"1" + b"}" * 300 + b"\n+++\n", id="inline"),
        pytest.param(b"+++\n" + b".".join([b"a"] * 150) + b" = 1\n+++\n", id="toml-dotted-150"),
        pytest.param(b"+++\n[" + b".".join([b"a"] * 150) + b"]\n+++\n", id="toml-table-150"),
        # tomllib takes time quadratic in a dotted key's parts: refused unread
        pytest.param(b"+++\n" + b" . ".join([b"a"] * 50_000) + b" = 1\n+++\n", id="toml-50000"),
    ],
)
def test_nesting_below_the_parsers_own_limits_is_skipped_too(config: Config, content: bytes):
    """Deeper than MAX_DEPTH but not deep enough for the parser to fail:
    normalising or storing it would exhaust the stack further on."""
    result = load_bytes(content, "deep.md", config)
    assert isinstance(result, Skipped)
    assert result.reason == TOO_DEEP


def test_nesting_within_the_bound_is_indexed_and_read_back(config: Config, tmp_path: Path):
    depth = MAX_DEPTH - 2
    content = b"---\ntitle: Deep\nx: " + b"[" * depth + b"1" + b"]" * depth + b"\n---\n"
    record = load_bytes(content, "deep.md", config)
    assert isinstance(record, Record)
    value = record.fields["x"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == [1]
    assert record_from_json(record_to_json(record)).fields == record.fields


def test_alias_bomb_is_refused_before_anything_is_built(config: Config) -> None:
    # six levels expand to 531,441 values: over the budget, yet small enough
    # that without the guard this test would still end, only slowly
    result = load_bytes(billion_laughs(6).encode(), "bomb.md", config)
    assert isinstance(result, Skipped)
    assert "alias bomb" in result.reason


def test_aliases_that_repeat_a_little_are_fine(config: Config) -> None:
    text = "---\ntitle: Aliases\nbase: &b [Kazakhstan, Kyrgyzstan]\ncountries: *b\nmore: *b\n---\n"
    record = load_bytes(text.encode(), "a.md", config)
    assert isinstance(record, Record)
    assert record.fields["countries"] == record.fields["more"] == ["Kazakhstan", "Kyrgyzstan"]


def test_alias_of_a_long_text_counts_its_length(config: Config) -> None:
    """100 aliases of 100,000 characters are 10 MB in memory from 100 KB of file."""
    text = "---\na: &a '" + "x" * 100_000 + "'\nb: [" + ", ".join(["*a"] * 100) + "]\n---\n"
    result = load_bytes(text.encode(), "a.md", config)
    assert isinstance(result, Skipped)
    assert "alias bomb" in result.reason
    assert ALIAS_BUDGET < 100 * 100_000


def test_lint_reports_an_alias_bomb_instead_of_hanging(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "bomb.md").write_text(billion_laughs(9), "utf-8")
    done = cli("lint", "--kb", str(root), "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(Path(f["file"]).name, f["rule"]) for f in findings] == [
        ("bomb.md", "front-matter-syntax")
    ]
    assert "alias bomb" in findings[0]["message"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("---\nx: 0b_\n---\n", "'0b_' is not a valid int: quote it"),
        ("---\nx: ._\n---\n", None),  # a float to YAML 1.1's pattern, and no float: text
        ("---\nx: !!bool maybe\n---\n", "'maybe' is not a valid bool"),
        ("---\nx: !!int twelve\n---\n", "'twelve' is not a valid int"),
        ("---\nx: !!float 1.2.3\n---\n", "'1.2.3' is not a valid float"),
        ("---\nx: 0x" + "f" * 5000 + "\n---\n", "more than 4300 digits"),
        ('{\n"x": ' + "1" * 5000 + "\n}\n", "more than 4300 digits"),
        ("+++\nx = " + "1" * 5000 + "\n+++\n", "more than 4300 digits"),
        ("---\na: &a {<<: *a}\n---\n", "alias inside the value it names"),
        ('---\nx: "\x1b[31m red"\n---\n', "control characters are not allowed"),
    ],
)
def test_values_their_type_cannot_hold_are_reported_not_raised(config, text, words):
    result = load_bytes(text.encode(), "v.md", config)
    if words is None:
        assert isinstance(result, Record)
        return
    assert isinstance(result, Skipped)
    assert words in result.reason
    assert result.reason.isprintable()  # the escape code of the file is not printed


def test_values_json_cannot_store_are_indexed_and_read_back(tmp_path: Path) -> None:
    """YAML's ordered maps, sets, timestamps, a lone surrogate from JSON: the
    record is stored, and what is read back is what was stored."""
    files = {
        "omap.md": "---\ntitle: Omap\nx: !!omap [a: {2020-01-01: 1}, b: 2]\n---\n",
        "set.md": "---\ntitle: Set\nx: !!set {b, a, 2020-01-01}\n---\n",
        "stamp.md": "---\ntitle: Stamp\nupdated: 2020-01-01T10:00:00+05:00\n---\n",
        "dollar.md": '---\ntitle: Dollar\nx: {"$date": soon}\n---\n',
        "surrogate.md": '{\n"title": "a\\ud800b"\n}\n',
        "binary.md": "---\ntitle: Binary\nx: !!binary aGVsbG8=\n---\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, "utf-8")
    config = Config(root=tmp_path, content_dir=tmp_path)
    index = Index.open(tmp_path / "i.sqlite", owned=True)
    try:
        index.refresh(config)
        assert index.skipped() == []
        back = {r.path: r for r in index._records("SELECT d.data FROM record_data d")}
    finally:
        index.close()
    assert back["omap.md"].fields["x"] == [["a", {"2020-01-01": 1}], ["b", 2]]
    assert back["set.md"].fields["x"][:2] == ["a", "b"]
    assert back["stamp.md"].fields["updated"].isoformat() == "2020-01-01T10:00:00+05:00"
    assert back["dollar.md"].fields["x"] == {"$date": "soon"}
    assert back["surrogate.md"].title == "a\ufffdb"
    assert back["binary.md"].fields["x"] == "b'hello'"


# --- 10,000 links in one record ---------------------------------------------------------------


def test_ten_thousand_links_on_one_line_are_all_found_where_they_are(config: Config) -> None:
    """Cyrillic text before each link, so that columns are characters, not
    bytes; and ref shortcodes between code spans, which hold none."""
    links = [f"[ссылка {i}](/x/{i}/)" for i in range(10_000)]
    refs = [f'{{{{< ref "r{i}.md" >}}}} `{{{{< ref "code.md" >}}}}`' for i in range(10_000)]
    text = f"---\ntitle: Many\n---\n\n{' '.join(links)}\n\n{' '.join(refs)}\n"
    record = load_bytes(text.encode(), "many.md", config)
    assert isinstance(record, Record)

    def columns(parts: list[str], within: str) -> list[int]:
        """1-based column of `within` in each part of the line they make."""
        out, at = [], 0
        for part in parts:
            out.append(at + part.index(within) + 1)
            at += len(part) + 1
        return out

    found = [(x.target, x.line, x.column) for x in record.links if x.kind == "link"]
    assert found == [(f"/x/{i}/", 5, column) for i, column in enumerate(columns(links, "/x/"))]
    found = [(x.target, x.line, x.column) for x in record.links if x.kind == "ref"]
    quotes = columns(refs, '"r')
    assert found == [(f"r{i}.md", 7, column + 1) for i, column in enumerate(quotes)]


def test_ten_thousand_links_are_all_stored(tmp_path: Path) -> None:
    links = "\n".join(f"[l{i}](/x/{i}/) and [f{i}](#h{i})" for i in range(10_000))
    (tmp_path / "many.md").write_text(f"---\ntitle: Many\n---\n\n{links}\n", "utf-8")
    index = Index.open(tmp_path / "i.sqlite", owned=True)
    try:
        index.refresh(Config(root=tmp_path, content_dir=tmp_path))
        assert index.link_count() == 20_000
    finally:
        index.close()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{{< " * 40_000 + "text", id="unclosed-shortcodes"),
        pytest.param('{{< ref "a ' * 20_000, id="unclosed-refs"),
        pytest.param("<div href=x>" + "<a b='" * 20_000, id="unclosed-html-attributes"),
        pytest.param("<div href=x>" + "<!--x" * 20_000, id="unclosed-html-comments"),
        pytest.param("<div href=x>" + "<![CDATA[" * 20_000, id="unclosed-cdata"),
    ],
)
def test_inputs_that_were_quadratic_are_scanned(body: str) -> None:
    """Each took from 5 s to minutes before (a lazy regular expression,
    html.parser re-reading the rest at every "<"); the result is the same."""
    links, _, plain, _ = scan_markdown(body)
    assert [x.target for x in links] == (["x"] if body.startswith("<div") else [])
    assert plain.endswith("text") or not body.endswith("text")


@pytest.mark.parametrize(
    ("html", "targets", "ids"),
    [
        ('<a href="/x">y</a>', [("a", "/x")], []),
        ("<A HREF='/y' ID=top>", [("a", "/y")], ["top"]),
        ('<img src=/i.png alt="a>b">', [("img", "/i.png")], []),
        ('<a title="a>b" href="/z">', [("a", "/z")], []),
        ('<!-- <a href="/no"> --><a href="/yes">', [("a", "/yes")], []),
        ('<a href="/unclosed', [], []),
        ('<a name="n" href="/a?b=1&amp;c=2">', [("a", "/a?b=1&c=2")], ["n"]),
        ('<div name="n" id="d">', [], ["d"]),
        ('<script>x = "<a href=/s>"</script><a href=/after>', [("a", "/after")], []),
        ("<p/><a/href=/slash>", [("a", "/slash")], []),
        ("<a href>", [], []),
    ],
)
def test_raw_html_targets_and_ids(html: str, targets, ids) -> None:
    from kzkb.loader import _html_targets

    assert _html_targets(html) == (targets, ids)
