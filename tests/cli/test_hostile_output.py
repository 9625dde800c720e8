"""Record text is data: console markup in a title, a term, a path or a body
is shown as written and never fails a command; terminal controls in any of
them are made visible on every human output, stdout and stderr alike."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import on_pty

# What a terminal obeys: the window title (OSC 0), clear screen, cursor up, an
# OSC 8 link, an OSC 52 clipboard write, a C1 CSI, DEL, a bidi override, BEL.
ESCAPES = (
    "\x1b]0;owned\x07",
    "\x1b[2J",
    "\x1b[1A",
    "\x1b]8;;https://evil.example/\x1b\\",
    "\x1b]52;c;aGk=\x07",
    "\x9b31m",
    "\x7f",
    "\u202e",
)
RAW = ("\x1b", "\x9b", "\x7f", "\u202e", "\x07", "\x9d")
MARKUP_TITLE = "[pdf] Annual report on [gender] equality [/x]"
LINK = "[link=https://evil.example/]Feminita official site[/link]"


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar holding `text` (controls as \\x escapes)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def hostile_files() -> dict[str, str]:
    controls = "".join(ESCAPES)
    return {
        "sources/markup.md": (
            f"---\ntitle: {_yaml(MARKUP_TITLE)}\n"
            f"description: {_yaml(LINK + ' about rights')}\n"
            f"category: [{_yaml('Local [NGO] [/x]')}]\n"
            f"tags: [{_yaml('[/b]')}, {_yaml('[bold]')}]\n"
            "---\n"
            "rights [bold]x[/bold] [/x] " + LINK + " <img src=x onerror=alert(1)>\n\n"
            "[a missing page](/nowhere/) and [the title](#no-such-heading)\n"
        ),
        "sources/controls.md": (
            f"---\ntitle: {_yaml('Evil ' + controls + ' title')}\n"
            f"description: {_yaml('rights ' + controls)}\n"
            f"category: [{_yaml('cat ' + controls)}]\n"
            f"tags: [{_yaml('tag ' + controls)}]\n"
            f"date: {_yaml('bad ' + controls)}\n"
            "---\n"
            f"rights in the body {controls}\n\n"
            "[a missing page](/nowhere/) [x](#no\x7fpe)\n\n"
            f"```\ncode {controls}\n```\n"
        ),
        # a folder named `notes[` holding `]2024.md`: the path reads as markup
        "notes[/]2024.md": "---\ntitle: Notes of 2024\n---\nrights\n",
    }


COMMANDS = {
    "list": ["list"],
    "search": ["search", "rights", "-n", "0"],
    "show-markup": ["show", "sources/markup.md"],
    "show-controls": ["show", "sources/controls.md"],
    "terms": ["terms"],
    "tags": ["terms", "tags"],
    "stats": ["stats"],
    "lint": ["lint"],
    "check-links": ["check-links"],
    "cite": ["cite", "sources/markup.md", "sources/controls.md"],
    "mv-dry-run": ["mv", "sources/markup.md", "sources/moved.md", "--dry-run"],
    "explain": ["search", "rights", "--explain"],
    "index": ["index"],
    "lint-github": ["lint", "-f", "github"],
    "check-links-github": ["check-links", "-f", "github"],
    # the same as tables (a pipe gets tab-separated lines and plain text by default)
    "list-table": ["list", "-f", "table"],
    "search-table": ["search", "rights", "-n", "0", "-f", "table"],
    "show-markup-table": ["show", "sources/markup.md", "-f", "table"],
    "show-controls-table": ["show", "sources/controls.md", "-f", "table"],
    "terms-table": ["terms", "-f", "table"],
    "stats-table": ["stats", "-f", "table"],
    "lint-table": ["lint", "-f", "table"],
    "check-links-table": ["check-links", "-f", "table"],
    "explain-table": ["search", "rights", "--explain", "-f", "table"],
}
# lint and check-links exit 1 for the findings the records hold
FINDINGS = {"lint", "check-links", "lint-github", "check-links-github", "lint-table"}
FINDINGS |= {"check-links-table"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.helpers import write_kb

    root = tmp_path_factory.mktemp("hostile")
    return write_kb(root / "kb", hostile_files()), root / "index.sqlite"


def invoke(args: list[str], kb: Path, index: Path, terminal: bool = False) -> Any:
    from typer.testing import CliRunner

    from kzkb import views
    from kzkb.cli import app

    where = ["--kb", str(kb)] + ([] if args[0] == "lint" else ["--index", str(index)])
    env = {"KZKB_KB": None, "KZKB_INDEX": None, "COLUMNS": "120", "KZKB_WATCH": "off"}
    # a terminal as Rich sees one: colours, and links as OSC 8 if any were made
    env |= {"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"} if terminal else {"NO_COLOR": "1"}
    views.reset()
    try:
        return CliRunner().invoke(app, [*args, *where], env=env, catch_exceptions=False)
    finally:
        views.reset()


def without_styles(text: str) -> str:
    """What Rich itself writes (colours: SGR) taken out; what is left came from the KB."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_markup_in_record_text_fails_no_command(hostile, name) -> None:
    result = invoke(COMMANDS[name], *hostile)
    assert result.exit_code == (1 if name in FINDINGS else 0), result.output
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("name", ["list", "search", "show-markup"])
def test_bracketed_words_in_a_title_are_kept(hostile, name) -> None:
    shown = invoke(COMMANDS[name], *hostile).stdout  # a narrow cell wraps the title
    assert "[pdf] Annual report on" in shown and "[gender]" in shown and "equality [/x]" in shown


def test_show_prints_every_field_and_the_body_as_written(hostile) -> None:
    shown = invoke(COMMANDS["show-markup"], *hostile).stdout
    assert LINK + " about rights" in shown  # the description, not a link
    assert "Local [NGO] [/x]" in shown and "[/b], [bold]" in shown
    assert "rights [bold]x[/bold] [/x] " + LINK in shown  # the body
    assert "<img src=x onerror=alert(1)>" in shown  # HTML in the body shown, not dropped
    assert "[a missing page](/nowhere/)" in shown  # a pipe gets the body as written
    rendered = invoke(COMMANDS["show-markup-table"], *hostile).stdout
    assert "a missing page (/nowhere/)" in rendered  # a link says where it goes


def test_terms_and_stats_show_a_term_as_written(hostile) -> None:
    assert "Local [NGO] [/x]" in invoke(COMMANDS["terms"], *hostile).stdout
    assert "[/b]" in invoke(COMMANDS["tags"], *hostile).stdout
    assert "Local [NGO] [/x]" in invoke(COMMANDS["stats"], *hostile).stdout


def test_a_folder_named_like_markup_is_listed(hostile) -> None:
    assert "notes[/]2024.md" in invoke(COMMANDS["list"], *hostile).stdout


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_terminal_control_from_a_record_reaches_the_terminal(hostile, name) -> None:
    result = invoke(COMMANDS[name], *hostile, terminal=True)
    assert result.exit_code == (1 if name in FINDINGS else 0), result.output
    for stream in (result.stdout, result.stderr):
        left = without_styles(stream)
        assert not [c for c in RAW if c in left], repr(left)
        assert "\x1b]8;" not in stream  # no OSC 8 link, Rich's own included


def test_the_controls_are_shown_as_visible_pictures(hostile) -> None:
    shown = invoke(COMMANDS["show-controls"], *hostile).stdout
    # the title, a field and the body: ESC as ␛, BEL as ␇, DEL as ␡, C1 and bidi as �
    assert shown.count("␛]0;owned␇␛[2J␛[1A␛]8;;https://evil.example/␛\\␛]52;c;aGk=␇�31m␡�") >= 3


def test_a_quoted_record_text_in_a_message_is_visible(hostile) -> None:
    kb, index = hostile
    result = invoke(["show", "Evil \x1b]0;x\x07\x7f\x9b"], kb, index)
    assert result.exit_code == 2
    assert not [c for c in RAW if c in result.stderr], repr(result.stderr)


def test_show_of_a_hostile_record_on_an_80_column_terminal(hostile) -> None:
    kb, index = hostile
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env.pop("COLUMNS", None)
    env["KZKB_WATCH"] = "off"
    for ref in ("sources/controls.md", "sources/markup.md"):
        raw = on_terminal_raw(["show", ref, "--kb", str(kb), "--index", str(index)], 80, env)
        left = without_styles(raw)
        assert not [c for c in RAW if c in left], repr(left)
        lines = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw).replace("\r", "").splitlines()
        assert lines and not [line for line in lines if len(line) > 80], lines


def on_terminal_raw(args: list[str], columns: int, env: dict[str, str]) -> str:
    """What kzkb wrote to a pseudo-terminal, escapes and all (see on_terminal)."""
    return on_pty(args, env, columns)[1]


def test_a_repair_diff_shows_the_records_controls_on_a_terminal_only(tmp_path, run) -> None:
    from tests.helpers import write_kb

    text = "---\ntitle: T\ncategory: Local NGO\ndescription: d\n---\nbody \x9b2J \u202e x\n"
    kb = write_kb(tmp_path / "kb", {"sources/a.md": text})
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    shown = on_terminal_raw(["lint", "--fix", "--dry-run", "--kb", str(kb)], 80, env)
    assert "+category: [Local NGO]" in shown and " body �2J � x" in shown
    assert not [c for c in RAW if c in without_styles(shown)], repr(shown)
    piped = run("lint", "--fix", "--dry-run", "--kb", str(kb))  # for patch: as it is
    assert " body \x9b2J \u202e x\n" in piped.stdout


def test_shell_completion_shows_record_text_visibly(hostile) -> None:
    """A completion's help (a record's title, a term's label) is shown by the
    shell; a line break in it would also end the completion protocol's line."""
    from types import SimpleNamespace

    from kzkb.cli import complete

    kb, index = hostile
    ctx = SimpleNamespace(params={"kb": str(kb), "index": str(index)})
    offered = [*complete.records(ctx, ""), *complete.terms_of("category")(ctx, "")]
    helps = [help for _, help in offered]
    assert any(h.startswith("Evil ␛]0;owned␇") for h in helps), helps
    assert any(h.startswith("cat ␛]0;owned␇") for h in helps), helps
    assert not [h for h in helps if any(c in h for c in (*RAW, "\n"))], helps


@pytest.mark.parametrize(
    "args",
    [["show", "sources/controls.md", "-f", "json"], ["list", "-f", "json"],
     ["list", "-f", "jsonl"], ["search", "rights", "-f", "json"], ["terms", "-f", "json"],
     ["check-links", "-f", "json"]],
    ids=["show", "list", "jsonl", "search", "terms", "check-links"],
)  # fmt: skip
def test_json_output_escapes_what_a_terminal_would_obey(hostile, args) -> None:
    """JSON escapes C0 controls itself; DEL, C1 controls and bidi overrides
    it writes as they are, and a terminal acts on those: written as \\u
    escapes, the same JSON value, nothing raw."""
    import json

    result = invoke(args, *hostile)
    assert result.exit_code == (1 if args[0] in FINDINGS else 0), result.output
    assert not [c for c in RAW if c in result.stdout], repr(result.stdout)
    if args[0] in FINDINGS:  # the link to #no\x7fpe, as written
        assert "#no\x7fpe" in [f["target"] for f in json.loads(result.stdout)["findings"]]
        return
    lines = result.stdout.splitlines() if "jsonl" in args else [result.stdout]

    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    found = strings([json.loads(line) for line in lines])  # the text as written
    assert {"Evil " + "".join(ESCAPES) + " title", "cat " + "".join(ESCAPES)} & set(found)


COUNTS = {"len(backlinks)", "len(skipped)", "total", "shown", "i", "data['records']"}


def test_views_build_text_from_variables_only_through_data() -> None:
    """A Text made of a variable is made by data() (visible, never markup):
    the views' Text() calls take a literal or an f-string of counts only."""
    import ast

    src = Path(__file__).resolve().parents[2] / "src" / "kzkb"
    wrong = []
    for path in [*sorted((src / "views").glob("*.py")), *sorted((src / "cli").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Text"):
                continue
            made = ast.unparse(node.args[0]) if node.args else ""
            if path.name == "console.py" and made in ("visible(text)", "lines(text)"):
                continue  # data() and data_lines() themselves
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant):
                    continue
                if isinstance(arg, ast.JoinedStr) and all(
                    isinstance(v, ast.Constant) or ast.unparse(v.value) in COUNTS
                    for v in arg.values
                ):
                    continue  # f"{len(backlinks)} record(s)", f"{total} results"
                wrong.append(f"{path.name}:{node.lineno}: Text({ast.unparse(arg)})")
    assert not wrong, wrong


def test_a_records_own_snippet_marks_are_text(make_kb, tmp_path) -> None:
    """Search marks its matches in a snippet with \\x02…\\x03: the same
    characters in a record are its text, shown, never a highlight."""
    kb = make_kb({"sources/a.md": "---\ntitle: A\n---\nrights \x02not a match\x03 here\n"})
    index = tmp_path / "index.sqlite"
    table = invoke(["search", "rights"], kb, index).stdout
    assert "␂not a match␃ here" in table
    import json

    [hit] = json.loads(invoke(["search", "rights", "-f", "json"], kb, index).stdout)
    assert "not a match" in hit["snippet"] and hit["snippet"].count("rights") == 1
    assert "\x02" not in hit["snippet"] and "\x03" not in hit["snippet"]
