"""Shared fixtures: the bundled KB, a CLI runner, and a builder for messy KBs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kzkb import views
from kzkb.cli import app
from tests.helpers import kzkb_exe, write_kb

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Indexes go to the user cache by default: keep the tests' out of the real one."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.pop("KZKB_INDEX", None)
    # a pty-driven test is a terminal, where show and the listings start a pager
    # (less waits for a key): tests that want one set KZKB_PAGER themselves
    os.environ["PAGER"] = "cat"
    os.environ.pop("KZKB_PAGER", None)


@pytest.fixture
def kb_path() -> Path:
    return KB


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Invoke the CLI in-process; KZKB_KB unset so discovery is explicit."""
    monkeypatch.delenv("KZKB_KB", raising=False)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> object:
        views.reset()
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `kzkb` as a user would: a real process, stdout a pipe."""

    def call(
        *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "KZKB_KB"}
        full_env.update(env or {})
        return subprocess.run(
            [*kzkb_exe(), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=full_env,
            timeout=60,
            check=False,
        )

    return call


@pytest.fixture
def make_kb(tmp_path: Path) -> Callable[[dict[str, str | bytes], str], Path]:
    """Write a KB from {relative path: text or bytes}; kzkb.toml optional."""

    def build(files: dict[str, str | bytes], config: str = "") -> Path:
        return write_kb(tmp_path / "kb", files, config)

    return build


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The judged search figures per kind, whether the test passed or not."""
    from tests import judged

    for table in judged.REPORT:
        terminalreporter.write_sep("-", "search on the judged queries (hit@5, MRR)")
        terminalreporter.write_line(table)
