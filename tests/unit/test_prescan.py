"""The change scan started before the command line loads (kzkb.listing.prescan), and
search answering from the index while that scan runs: answers must still
never be stale, and a failed scan must only cost time."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from kzkb.kb import KnowledgeBase
from kzkb.listing import prescan
from kzkb.settings.config import open_config
from tests.helpers import hits_of, later, record

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="prescan forks")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["search", "feminist"], ("search", None)),
        (["search", "x", "--kb", "some/kb"], ("search", "some/kb")),
        (["--kb=other", "list"], ("list", "other")),
        (["--debug", "show", "feminita"], ("show", None)),
        (["search", "--", "--kb"], ("search", None)),
    ],
)
def test_arguments_name_the_command_and_the_kb(argv, expected):
    assert prescan._kb_argument(argv) == expected


def test_no_scan_for_help_version_or_unknown_commands():
    for argv in (["--version"], ["search", "--help"], ["frobnicate"], []):
        prescan.start(argv)
        assert prescan._pending is None, argv


# every command that refreshes the index before it answers: stats and new were once left out
REFRESHING = [
    "check-links",
    "cite",
    "export",
    "index",
    "list",
    "mv",
    "new",
    "search",
    "show",
    "stats",
    "terms",
]


@pytest.mark.parametrize("command", REFRESHING)
def test_every_command_that_refreshes_the_index_starts_the_scan(command, kb_path, monkeypatch):
    monkeypatch.setenv("KZKB_WATCH", "off")  # a forked scan, whatever watchers run
    prescan.start([command, "--kb", str(kb_path)])
    pending = prescan.take(open_config(str(kb_path)).content_dir)
    assert isinstance(pending, prescan.Pending), command
    try:
        assert pending.source == "scan"
        header = pending.header()
        assert header is not None and header.count > 0
        assert pending.changes_since(header.stamp) is None  # a scan knows no earlier listing
    finally:
        pending.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pending.pid, 0)


def test_the_prescanned_commands_are_those_the_cli_registers_that_refresh():
    """prescan runs before the command line is imported, so it names the
    commands itself: they must be exactly the registered commands whose
    module opens a KB (and so refreshes its index)."""
    import inspect

    import typer.main

    from kzkb.cli import load_commands

    app = load_commands()

    refreshing = set()
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        source = inspect.getsource(inspect.getmodule(info.callback))
        if "open_kb(" in source or "KnowledgeBase.open(" in source:
            refreshing.add(name)
    assert refreshing == set(REFRESHING)
    assert refreshing == prescan.INDEX_COMMANDS


def test_a_scan_is_taken_once_and_only_for_its_own_folder(kb_path, tmp_path):
    prescan.start(["list", "--kb", str(kb_path)])
    try:
        assert not prescan.running(tmp_path)
        assert prescan.running(kb_path.resolve()) or prescan.running(kb_path)
        assert prescan.take(tmp_path) is None  # another folder: dropped
        assert prescan._pending is None
    finally:
        prescan._pending = None


def test_a_killed_scan_falls_back_to_scanning_here(make_kb, tmp_path):
    kb = make_kb({"a.md": record("Zorbex Foundation", "Archives.")})
    db = tmp_path / "i.sqlite"
    KnowledgeBase.open(kb, index_path=db).index.close()
    (kb / "b.md").write_text(record("Quillon Institute", "Surveys."), "utf-8")
    prescan.start(["search", "x", "--kb", str(kb)])
    pending = prescan._pending
    assert pending is not None
    os.kill(pending.pid, signal.SIGKILL)
    os.waitpid(pending.pid, 0)
    base = KnowledgeBase.open(kb, index_path=db, defer=True)
    assert base.settle() is False  # b.md was found: by the fallback scan
    assert [h.record.path for h in base.search("Quillon")] == ["b.md"]


def test_deferred_answer_is_recomputed_when_the_scan_finds_a_change(make_kb, tmp_path):
    kb = make_kb({"a.md": record("Zorbex Foundation", "Archives.")})
    db = tmp_path / "i.sqlite"
    KnowledgeBase.open(kb, index_path=db).index.close()
    (kb / "a.md").write_text(record("Quillon Foundation", "Archives."), "utf-8")
    prescan.start(["search", "x", "--kb", str(kb)])
    base = KnowledgeBase.open(kb, index_path=db, defer=True)
    # answered from the index as it was: the scan has not been looked at yet
    assert [h.record.path for h in base.search("Zorbex")] == ["a.md"]
    assert base.settle() is False
    assert base.search("Zorbex") == []
    assert [h.record.path for h in base.search("Quillon")] == ["a.md"]


def test_without_a_scan_running_open_refreshes_at_once(make_kb, tmp_path):
    kb = make_kb({"a.md": record("Zorbex Foundation", "Archives.")})
    base = KnowledgeBase.open(kb, index_path=tmp_path / "i.sqlite", defer=True)
    assert base.settle() is True
    assert base.last_refresh.added == 1


# --- through the installed command, which starts the scan itself ---------------------------


def kz(*args: str, env: dict[str, str]):
    import subprocess

    from tests.helpers import kzkb_exe

    return subprocess.run(
        [*kzkb_exe(), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    from tests.helpers import clean_env

    return clean_env(tmp_path)


def test_search_filter_on_a_term_new_in_an_edited_file(make_kb, tmp_path, env):
    kb = make_kb({"a.md": record("Zorbex Foundation", "Archives.", category="[local-ngo]")})
    db = str(tmp_path / "i.sqlite")
    assert hits_of(
        kz("search", "Zorbex", "--kb", str(kb), "--index", db, "-f", "json", env=env)
    ) == ["a.md"]
    path = kb / "a.md"
    path.write_text(record("Zorbex Foundation", "Archives.", category="[brand-new]"), "utf-8")
    later(path)
    # the index does not know brand-new yet: the query must wait for the refresh
    for args in (["Zorbex", "--category", "brand-new"], ["Zorbex category:brand-new"]):
        result = kz("search", *args, "--kb", str(kb), "--index", db, "-f", "json", env=env)
        assert hits_of(result) == ["a.md"], result.stderr


def test_search_sees_a_file_added_a_moment_before(make_kb, tmp_path, env):
    files = {f"s{i}.md": record(f"Record {i}", "Plain text.") for i in range(50)}
    kb = make_kb(files)
    db = str(tmp_path / "i.sqlite")
    args = ("--kb", str(kb), "--index", db, "-f", "json")
    assert hits_of(kz("search", "Quillon", *args, env=env)) == []
    (kb / "new.md").write_text(record("Quillon Institute", "Surveys."), "utf-8")
    assert hits_of(kz("search", "Quillon", *args, env=env)) == ["new.md"]
    (kb / "new.md").unlink()
    assert hits_of(kz("search", "Quillon", *args, env=env)) == []


def test_the_scan_child_leaves_no_process_behind(make_kb, tmp_path, env):
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    kb = make_kb({"a.md": record("Zorbex Foundation", "Archives.")})
    db = str(tmp_path / "i.sqlite")
    result = kz("search", "Zorbex", "--kb", str(kb), "--index", db, env=env)
    assert result.returncode == 0, result.stderr
    # a usage error after the scan started: the child must still end
    result = kz("search", "Zorbex", "--kb", str(kb), "--index", db, "--limit", "-1", env=env)
    assert result.returncode == 2
    deadline = time.monotonic() + 10
    while _leftover(str(kb)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leftover(str(kb)) == []


def _leftover(kb: str) -> list[str]:
    """kzkb processes (or their scan children) still alive for this KB."""
    return [
        p
        for p in os.listdir("/proc")
        if p.isdigit() and kb in _cmdline(p) and _state(p) not in ("Z", "")
    ]


def _state(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""
