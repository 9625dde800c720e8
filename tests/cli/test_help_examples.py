"""Every example the help shows runs on the bundled KB.

Each `kzkb …` line of every command's --help (and the app's) is run as a
user would copy it, from a folder holding a copy of kb/ (so that `new`,
`export -o` and `lint --fix` write only there), and must answer 0 or 1
(found / nothing found), never a usage error or a KB error. The examples of
an option's help (--term's TAXONOMY:TERM) run too.

No network: `check-links --external` runs with name resolution refused, so
its examples are checked for what they are (options kzkb takes, a report),
not for what the web answers today.
"""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kzkb import views
from kzkb.cli import app
from tests.conftest import KB
from tests.helpers import clean_env, kzkb_exe

# lsp's examples start a server that waits for an editor: tests/lsp runs it
COMMANDS = [
    "", "search", "list", "show", "terms", "stats", "index", "check-links",
    "export", "lint", "new", "watcher", "completion", "cite", "mv",
]  # fmt: skip
_EXAMPLE = re.compile(r"^\s*(?:│\s*)?(kzkb .*?)\s*(?:│)?\s*$")


def help_text(command: str) -> str:
    views.reset()
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "250"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def examples() -> list[str]:
    found: list[str] = []
    for command in COMMANDS:
        for line in help_text(command).splitlines():
            match = _EXAMPLE.match(line)
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


EXAMPLES = examples()


def test_every_command_shows_examples():
    shown = {line.split()[1] for line in EXAMPLES}
    assert shown >= {c for c in COMMANDS if c}, sorted({c for c in COMMANDS if c} - shown)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a copy of the bundled KB as kb/, the working directory."""
    shutil.copytree(KB, tmp_path / "kb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KZKB_KB", raising=False)
    monkeypatch.setenv("KZKB_WATCH", "off")
    return tmp_path


def _no_names(*args: object, **kwargs: object) -> object:
    raise socket.gaierror(socket.EAI_NONAME, "name resolution refused in this test")


@pytest.mark.parametrize("line", EXAMPLES)
def test_example_runs_on_the_bundled_kb(site, line, monkeypatch, tmp_path):
    if "|" in line:  # a pipeline: the shell runs it, with kzkb as installed
        consumer = shlex.split(line.split("|", 1)[1])[0]
        if shutil.which(consumer) is None:
            line = line.split("|", 1)[0]  # kzkb's part still runs
        env = clean_env(tmp_path / "env")
        env["KZKB_WATCH"] = "off"
        kzkb = " ".join(shlex.quote(a) for a in kzkb_exe())
        result = subprocess.run(
            ["sh", "-c", "set -e; " + line.replace("kzkb ", kzkb + " ", 1)],
            cwd=site, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode in (0, 1), result.stderr
        assert result.stdout.strip(), result.stderr
        return
    import asyncio

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", _async_no_names)
    monkeypatch.setattr(socket, "getaddrinfo", _no_names)
    views.reset()
    args = shlex.split(line)[1:]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), f"{line}\n{result.output}"
    assert "Usage:" not in result.output
    assert "kzkb: error" not in result.stderr, result.stderr


async def _async_no_names(*args: object, **kwargs: object) -> object:
    return _no_names()


def test_the_term_option_s_example_runs(site):
    text = help_text("list")
    shown = re.search(r"--term\b.*?\((\w+:[\w-]+)\)", text, re.S)
    assert shown, text
    views.reset()
    result = CliRunner().invoke(app, ["list", "--term", shown.group(1)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
