"""What a terminal shows (issue 17): at 80 and 120 columns, every path a
command prints is whole on one line (people copy it to `kzkb show` or an
editor) and every line fits the terminal.

Run in a real pseudo-terminal from the folder holding the KB, as a user
would: the paths are then `kb/…`, relative to where the user stands. The KB
is the bundled one with a few defects added, so lint and check-links have
findings to show.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import KB
from tests.helpers import clean_env, kzkb_exe, on_pty

LONG = "sources/sources/akimat_of_the_city_of_almaty.md"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled KB as kb/ in a folder of its own, with a bad date and two
    broken links in one of its longest-named records."""
    root = tmp_path_factory.mktemp("layout")
    shutil.copytree(KB, root / "kb")
    record = root / "kb" / LONG
    text = re.sub(r"(?m)^created: .*$", "created: 2023-13-45", record.read_text(encoding="utf-8"))
    text += "\nSee [gone](/sources/sources/no_such_record_anywhere/) and [x](../nowhere.md).\n"
    record.write_text(text, encoding="utf-8")
    return root


def environment(root: Path) -> dict[str, str]:
    env = clean_env(root)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env |= {"KZKB_WATCH": "off", "PAGER": "cat", "KZKB_INDEX": str(root / "index.sqlite")}
    return env


def on_terminal(args: list[str], columns: int, root: Path) -> str:
    """Run kzkb in `root` on a pseudo-terminal `columns` wide; what it
    printed (stdout and stderr), escapes removed."""
    _, text = on_pty(args, environment(root), columns, cwd=root, timeout=120)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", text).replace("\r", "")


def machine(args: list[str], root: Path) -> object:
    """The same command's JSON, for the records it names."""
    run = subprocess.run(
        [*kzkb_exe(), *args, "--format", "json"],
        capture_output=True, text=True, env=environment(root), cwd=root, timeout=120,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def expected_paths(name: str, args: list[str], root: Path) -> list[str]:
    """The paths the command must show whole, as the user names them from `root`."""
    found = machine(args, root)
    if name in ("lint", "check-links"):
        return [f["file"] for f in found["findings"]]  # type: ignore[index]
    if name == "show":
        paths = [found["path"], *found["backlinks"], *found["translations"]]  # type: ignore[index]
        return [f"kb/{p}" for p in paths]
    return [f"kb/{r['path']}" for r in found]  # type: ignore[union-attr]


COMMANDS = {
    "search": ["search", "akimat", "--kb", "kb"],
    "search-many": ["search", "women", "-n", "0", "--kb", "kb"],
    "list": ["list", "--kb", "kb"],
    "show": ["show", "feminita", "--kb", "kb"],
    "lint": ["lint", "--kb", "kb"],
    "check-links": ["check-links", "--kb", "kb"],
}


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_path_on_screen_is_whole_and_every_line_fits(site, name, columns) -> None:
    args = COMMANDS[name]
    paths = expected_paths(name.split("-many")[0], args, site)
    assert paths, "the command names no record: the test would prove nothing"
    shown = on_terminal(args, columns, site)
    lines = shown.splitlines()
    cut = [p for p in paths if not any(p in line for line in lines)]
    assert not cut, f"not whole on one line: {cut}\n{shown}"
    too_wide = [line for line in lines if cell_len(line) > columns]
    assert not too_wide, too_wide


def test_the_findings_name_the_file_as_the_other_commands_do(site) -> None:
    """lint, check-links, list and show name a record by one path, relative
    to where the user stands: one copied from lint is the one show prints."""
    shown = {
        name: on_terminal(COMMANDS[name], 120, site) for name in ("lint", "check-links", "list")
    }
    for name, text in shown.items():
        assert re.search(rf"^\s*kb/{re.escape(LONG)}\s*$|\skb/{re.escape(LONG)}\b", text, re.M), (
            name,
            text,
        )
    detail = on_terminal(["show", LONG, "--kb", "kb"], 120, site)
    assert f"kb/{LONG}" in detail


def test_thirty_thousand_findings_print_as_fast_as_json_nearly(monkeypatch, capsys) -> None:
    """lint took 37 s to print 31,000 findings as a table against 3 s as
    JSON (a Rich Table per file). Both are timed here on one machine, in one
    process, so the load of the moment counts for both."""
    import time

    from kzkb import views
    from kzkb.lint.findings import LintFinding, LintReport

    findings = [
        LintFinding(
            f"sources/record_with_a_long_name_{i // 4:05d}.md", 3 + i % 4, "invalid-date",
            "error", f"created '2023-13-{i % 90}' is not a date", "write created: YYYY-MM-DD",
        )
        for i in range(30_000)
    ]  # fmt: skip
    report = LintReport(files=7_500, findings=findings)
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal as Rich sees one: colours
    monkeypatch.setenv("COLUMNS", "120")
    timed = {}
    for fmt in ("json", "table"):
        views.reset()
        start = time.perf_counter()
        views.lint_report(report, fmt, lambda path: "kb/" + path)
        timed[fmt] = time.perf_counter() - start
        printed = capsys.readouterr().out
        assert printed.count("is not a date") == 30_000
    views.reset()
    assert timed["table"] < 8 * timed["json"] + 2.0, timed
