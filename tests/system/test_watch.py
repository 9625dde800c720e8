"""The watcher (kzkb.listing): a background process per KB folder that keeps the
listing of the KB's Markdown files current from inotify events, so that a
command asks it instead of stat'ing every file.

What matters to a user, and what is tested here through the installed `kzkb`
in real processes:

- it never makes an answer stale: every change made before a command starts
  shows in that command's output, and `kzkb index -f json` says the watcher
  answered (refresh.scanned_by == "watcher"), so the freshness tests cannot
  pass through the fallback scan;
- it starts when it should (KZKB_WATCH, `[index] watch`, the KB's size), and
  not otherwise;
- it goes away when it should (`kzkb watcher stop`, idle, KB deleted), and a
  dead one (SIGKILL) costs nothing but the scan it would have saved.

The bottom of the file tests kzkb.listing.daemon.Watch in-process, without a daemon.

Every watcher a test starts is stopped by the fixture that made its KB, which
then checks, from /proc, that no watcher process of that KB survives.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kzkb.kb import KnowledgeBase
from kzkb.listing import client, daemon, prescan, protocol
from kzkb.listing.scan import scan
from kzkb.model import KzkbError
from kzkb.settings.config import open_config
from kzkb.settings.sections import index_settings
from tests.conftest import ROOT
from tests.helpers import hits_of, kzkb_exe, later, record, write_kb

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the watcher uses inotify, which is Linux only"
)

COUNTS = ("added", "changed", "removed", "unchanged")


# --- helpers -----------------------------------------------------------------------------------


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Poll `condition` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def watcher_pids(root: Path) -> list[int]:
    """Live `python -m kzkb.listing.daemon ROOT SOCKET` processes of this KB folder, from
    /proc (a zombie has an empty command line, so it does not count)."""
    want = os.path.realpath(root)
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        args = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
        if "kzkb.listing.daemon" in args:
            i = args.index("kzkb.listing.daemon")
            if len(args) > i + 1 and os.path.realpath(args[i + 1]) == want:
                found.append(int(entry.name))
    return found


def knock(path: Path) -> None:
    """Connect to a watcher's socket, read its header, hang up."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(2)
    try:
        sock.connect(str(path))
        sock.recv(100)
    except OSError:
        pass
    finally:
        sock.close()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class Kb:
    """A KB folder, its own user cache (so its own watcher socket and index),
    and the installed kzkb run on it with a clean environment."""

    def __init__(self, root: Path, cache: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.cache = cache
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
        self.env["XDG_CACHE_HOME"] = str(cache)
        self.env.update(env or {})

    def run(
        self, *args: str, timeout: float = 60, **overrides: str | None
    ) -> subprocess.CompletedProcess[str]:
        """kzkb ARGS; keyword arguments set (or, with None, unset) variables."""
        env = dict(self.env)
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return subprocess.run(
            [*kzkb_exe(), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )

    def index(self, *extra: str, **overrides: str | None) -> dict[str, Any]:
        """`kzkb index -f json`; its whole output."""
        result = self.run("index", "--kb", str(self.root), "-f", "json", *extra, **overrides)
        assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
        assert "Traceback" not in result.stderr, result.stderr
        return json.loads(result.stdout)

    def watched_index(self, **overrides: str | None) -> dict[str, Any]:
        """`kzkb index -f json`, which the watcher must have answered; its
        refresh counts must agree with a scan of the folder done right after."""
        out = self.index(**overrides)
        refresh = out["refresh"]
        assert refresh["scanned_by"] == "watcher", refresh
        assert refresh["files"] == len(scan(self.root)), refresh
        return out

    def search(self, query: str, **overrides: str | None) -> list[str]:
        return hits_of(self.run("search", query, "--kb", str(self.root), "-f", "json", **overrides))

    def paths(self, **overrides: str | None) -> list[str]:
        return sorted(hits_of(self.run("list", "--kb", str(self.root), "-f", "json", **overrides)))

    def titles(self) -> dict[str, str]:
        """{path: title} from `kzkb list -f json`."""
        result = self.run("list", "--kb", str(self.root), "-f", "json")
        assert result.returncode == 0, result.stderr
        return {r["path"]: r["title"] for r in json.loads(result.stdout)}

    def status(self, **overrides: str | None) -> dict[str, Any]:
        result = self.run("watcher", "status", "--kb", str(self.root), "-f", "json", **overrides)
        assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
        return json.loads(result.stdout)

    @property
    def socket(self) -> Path:
        return self.cache / "kzkb" / "watch" / protocol.socket_path(self.root).name

    def wait_running(self, timeout: float = 10.0) -> dict[str, Any]:
        """Poll `kzkb watcher status` until it says running; its status."""
        return wait_for(
            lambda: (s := self.status())["running"] and s, "the watcher to run", timeout
        )

    def cleanup(self) -> None:
        """Stop the watcher with `kzkb watcher stop`; kill it by pid as a last
        resort, and fail if one had to be killed."""
        pids = set(watcher_pids(self.root))
        if not pids:
            return
        if self.root.is_dir():
            # with the setting on auto: `watcher stop` must reach it whatever the test set
            env = {k: v for k, v in self.env.items() if k != "KZKB_WATCH"}
            stop = subprocess.Popen(
                [*kzkb_exe(), "watcher", "stop", "--kb", str(self.root)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            try:
                # the watcher looks at its stop flag between connections, and
                # waits a second for one: knock, so that tests need not wait
                while stop.poll() is None:
                    knock(self.socket)
                    time.sleep(0.05)
            finally:
                stop.wait(30)
        deadline = time.monotonic() + 5
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        if any(alive(p) for p in pids) and self.root.is_dir():
            status = self.run("watcher", "status", "--kb", str(self.root), "-f", "json",
                              KZKB_WATCH=None)  # fmt: skip
            if status.returncode == 0 and json.loads(status.stdout).get("pid"):
                pids.add(json.loads(status.stdout)["pid"])
        survivors = set(watcher_pids(self.root)) | {p for p in pids if alive(p)}
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not watcher_pids(self.root), "the killed watcher to go", 5)
        assert not survivors, f"watcher {survivors} of {self.root} survived `kzkb watcher stop`"


SMALL = {
    "a.md": record("Feminita", "Body text with the word feminist."),
    "sub/b.md": record("Zorbex Foundation", "Keeps archives of court cases."),
    "sub/c.md": record("Plinthar Institute", "Publishes annual surveys."),
}


@pytest.fixture
def make_watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Kb]]:
    """Build a KB with its own cache; stop its watcher, whatever happened, after."""
    made: list[Kb] = []

    def make(files: dict[str, str] | None = None, config: str = "", **env: str) -> Kb:
        # a short folder: a Unix socket's path is limited to 107 bytes
        base = tmp_path_factory.mktemp("w")
        kb = Kb(write_kb(base / "kb", dict(SMALL if files is None else files), config),
                base / "c", env)  # fmt: skip
        made.append(kb)
        return kb

    yield make
    for kb in made:
        kb.cleanup()


def started(kb: Kb, **overrides: str | None) -> dict[str, Any]:
    """Start kb's watcher through `kzkb watcher start`; its status."""
    result = kb.run("watcher", "start", "--kb", str(kb.root), "-f", "json", **overrides)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["running"], status
    return status


# --- starting ------------------------------------------------------------------------------------


def test_kzkb_watch_on_starts_a_watcher_that_answers_the_next_command(make_watched):
    kb = make_watched(KZKB_WATCH="on")
    assert not watcher_pids(kb.root)
    first = kb.index()
    assert first["refresh"]["scanned_by"] == "scan"  # nobody watched yet
    status = kb.wait_running()
    assert status["files"] == 3
    assert status["pid"] in watcher_pids(kb.root)
    assert kb.socket.exists()
    second = kb.watched_index()
    assert second["records"] == 3
    assert {k: second["refresh"][k] for k in COUNTS} == {
        "added": 0, "changed": 0, "removed": 0, "unchanged": 3,
    }  # fmt: skip
    # and one watcher only, however many commands ran
    assert kb.search("feminist") == ["a.md"]
    wait_for(lambda: watcher_pids(kb.root) == [status["pid"]], "a single watcher", 5)


def test_a_settings_change_rebuilds_every_record_while_the_watcher_answers(make_watched):
    """A changed kzkb.toml rebuilds the index; the watcher's "nothing changed
    since" must not stand in for the full listing a rebuild needs."""
    kb = make_watched({**SMALL, "sub/b.kk.md": record("Zorbex (kk)", "Мұрағат.")},
                      config='languages = ["en"]\n', KZKB_WATCH="on")  # fmt: skip
    kb.index()
    kb.wait_running()
    assert kb.watched_index()["records"] == 4
    (kb.root / "kzkb.toml").write_text('languages = ["en", "kk"]\n', encoding="utf-8")
    out = kb.watched_index()
    assert out["refresh"]["rebuilt"] is True
    assert out["records"] == 4
    assert out["by_lang"] == {"en": 3, "kk": 1}
    assert sorted(kb.titles()) == ["a.md", "sub/b.kk.md", "sub/b.md", "sub/c.md"]


def test_auto_mode_does_not_watch_a_small_kb(make_watched):
    kb = make_watched()  # KZKB_WATCH unset, no kzkb.toml
    assert "KZKB_WATCH" not in kb.env
    out = kb.index()
    assert out["refresh"]["scanned_by"] == "scan"
    assert out["refresh"]["files"] == 3 < client.WATCH_FROM
    assert kb.search("feminist") == ["a.md"]
    # a watcher is started (Popen) before the command exits: none was
    assert watcher_pids(kb.root) == []
    status = kb.status()
    assert status["running"] is False and status["setting"] == "auto"


def test_auto_mode_watches_a_kb_of_watch_from_files(make_watched, monkeypatch):
    """In-process, with the threshold lowered to the KB's size; as the command
    line does after a refresh (cli.app.keep_watching)."""
    kb = make_watched()
    monkeypatch.delenv("KZKB_WATCH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(kb.cache))

    def refresh_and_keep_watching() -> bool:
        base = KnowledgeBase.open(kb.root)
        return client.start(base.config, base.last_refresh.files, watch_from=4)

    assert refresh_and_keep_watching() is False
    assert watcher_pids(kb.root) == []  # 3 files < 4
    (kb.root / "d.md").write_text(record("Vexadrom Collective", "New."), "utf-8")
    assert refresh_and_keep_watching() is True
    wait_for(lambda: client.running(open_config(kb.root)), "the watcher of a 4-file KB")
    assert kb.watched_index()["refresh"]["files"] == 4


def test_kzkb_watch_off_starts_none_and_ignores_a_running_one(make_watched):
    kb = make_watched(KZKB_WATCH="off")
    assert kb.index()["refresh"]["scanned_by"] == "scan"
    assert kb.search("feminist") == ["a.md"]
    assert watcher_pids(kb.root) == []
    # a watcher started while watching was on
    started(kb, KZKB_WATCH="on")
    (kb.root / "sub/b.md").unlink()
    out = kb.index()  # KZKB_WATCH=off again
    assert out["refresh"]["scanned_by"] == "scan"
    assert out["refresh"]["removed"] == 1
    assert kb.paths() == ["a.md", "sub/c.md"]
    assert kb.index(KZKB_WATCH="on")["refresh"]["scanned_by"] == "watcher"


def test_kzkb_watch_off_still_lets_the_user_see_and_stop_a_running_watcher(make_watched):
    """`watcher status` and `watcher stop` report and stop a running watcher even
    when KZKB_WATCH=off is set (as in a shell profile), as client.status means to."""
    kb = make_watched()
    pid = started(kb, KZKB_WATCH="on")["pid"]
    status = kb.status(KZKB_WATCH="off")
    assert status["running"] is True, status
    assert status["pid"] == pid
    result = kb.run("watcher", "stop", "--kb", str(kb.root), KZKB_WATCH="off")
    assert result.returncode == 0, result.stderr
    wait_for(lambda: not alive(pid), "the watcher to stop", 5)


def test_toml_watch_false_keeps_it_off(make_watched):
    kb = make_watched(config="[index]\nwatch = false\n")
    assert "KZKB_WATCH" not in kb.env
    assert kb.index()["refresh"]["scanned_by"] == "scan"
    assert watcher_pids(kb.root) == []
    assert kb.status()["setting"] == "off"
    result = kb.run("watcher", "start", "--kb", str(kb.root))
    assert result.returncode == 2
    assert watcher_pids(kb.root) == []


def test_toml_watch_true_watches_a_small_kb(make_watched):
    kb = make_watched(config="[index]\nwatch = true\n")
    assert "KZKB_WATCH" not in kb.env
    assert kb.index()["refresh"]["scanned_by"] == "scan"
    status = kb.wait_running()
    assert status["setting"] == "on"
    (kb.root / "sub/c.md").write_text(record("Quillon Institute", "Surveys."), "utf-8")
    later(kb.root / "sub/c.md")
    assert kb.watched_index()["refresh"]["changed"] == 1
    assert kb.search("Quillon") == ["sub/c.md"]


def test_watcher_start_when_watching_is_off_is_a_one_line_error(make_watched):
    kb = make_watched(KZKB_WATCH="off")
    result = kb.run("watcher", "start", "--kb", str(kb.root))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "off" in result.stderr and "Traceback" not in result.stderr
    assert watcher_pids(kb.root) == []


def test_watcher_status_without_a_watcher_says_not_running(make_watched):
    kb = make_watched()
    result = kb.run("watcher", "--kb", str(kb.root))
    assert result.returncode == 0, result.stderr
    assert "not running" in result.stdout
    assert kb.status()["running"] is False
    stop = kb.run("watcher", "stop", "--kb", str(kb.root))
    assert stop.returncode == 0
    assert "no watcher" in stop.stderr


def test_watcher_start_fails_fast_or_works_when_the_socket_path_is_too_long(tmp_path_factory):
    """A user cache deep enough that the socket's path passes the 107-byte
    limit of AF_UNIX: the watcher must either work or decline, and then
    `kzkb watcher start` fails with its reason; it must not wait a minute for
    a watcher that crashed."""
    base = tmp_path_factory.mktemp("w")
    cache = base / ("c" * max(8, 110 - len(str(base))))
    kb = Kb(write_kb(base / "kb", dict(SMALL)), cache)
    assert len(str(kb.socket)) > 107
    try:
        try:
            result = kb.run("watcher", "start", "--kb", str(kb.root), "-f", "json", timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("`kzkb watcher start` still waiting after 5 s for a watcher that died")
        if result.returncode == 0:
            assert json.loads(result.stdout)["running"], result.stdout
        else:  # declined: one line that says why, and exit 2
            assert result.returncode == 2, result.stderr
            assert "declined" in result.stderr and "cannot listen" in result.stderr, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    finally:
        kb.cleanup()


# --- stopping ------------------------------------------------------------------------------------


def test_watcher_stop_stops_it_and_commands_scan_again(make_watched):
    kb = make_watched(KZKB_WATCH="on")
    kb.index()
    pid = kb.wait_running()["pid"]
    assert kb.watched_index()["records"] == 3
    assert kb.socket.exists()
    result = kb.run("watcher", "stop", "--kb", str(kb.root))
    assert result.returncode == 0, result.stderr
    assert "watcher stopped" in result.stderr
    wait_for(lambda: not alive(pid), "the watcher process to exit", 5)
    assert not kb.socket.exists()
    assert kb.status()["running"] is False
    (kb.root / "sub/new.md").write_text(record("Vexadrom Collective", "New."), "utf-8")
    out = kb.index()  # still KZKB_WATCH=on: nobody answers, so it scans
    assert out["refresh"]["scanned_by"] == "scan"
    assert out["refresh"]["added"] == 1
    assert kb.search("Vexadrom") == ["sub/new.md"]


def test_a_killed_watcher_costs_only_a_scan_and_is_replaced(make_watched):
    kb = make_watched(KZKB_WATCH="on")
    kb.index()
    pid = kb.wait_running()["pid"]
    kb.watched_index()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid), "the killed watcher to die", 5)
    assert kb.socket.exists()  # left behind: nobody answers on it
    (kb.root / "sub/b.md").write_text(record("Quillon Foundation", "Archives."), "utf-8")
    later(kb.root / "sub/b.md")
    out = kb.index()
    assert out["refresh"]["scanned_by"] == "scan"
    assert out["refresh"]["changed"] == 1
    assert kb.search("Quillon") == ["sub/b.md"]
    assert kb.search("Zorbex") == []
    # that command started a new watcher, which took the socket over
    new = kb.wait_running()
    assert new["pid"] != pid
    # a second one, started by a command before the first listened, gives way
    wait_for(lambda: watcher_pids(kb.root) == [new["pid"]], "a single watcher", 5)
    (kb.root / "sub/c.md").unlink()
    assert kb.watched_index()["refresh"]["removed"] == 1
    assert kb.paths() == ["a.md", "sub/b.md"]


def test_an_idle_watcher_leaves_by_itself(make_watched):
    kb = make_watched(KZKB_WATCH="on", KZKB_WATCH_IDLE="1")
    kb.index()
    # not `watcher status`: a question would keep it from being idle
    wait_for(lambda: kb.socket.exists() or not watcher_pids(kb.root), "the watcher to start")
    wait_for(lambda: not watcher_pids(kb.root), "the idle watcher to leave", 8)
    assert not kb.socket.exists()
    assert kb.index(KZKB_WATCH="off")["refresh"]["scanned_by"] == "scan"


def test_deleting_the_kb_folder_ends_its_watcher(make_watched):
    kb = make_watched(KZKB_WATCH="on")
    pid = started(kb)["pid"]
    shutil.rmtree(kb.root)
    wait_for(lambda: not alive(pid), "the watcher of a deleted KB to leave", 8)
    assert not kb.socket.exists()


# --- freshness through the watcher -----------------------------------------------------------
#
# One KB and one watcher for all of these: each test changes its own files,
# then the very next command must show it. `kzkb index -f json` comes first:
# it must say the watcher answered, and its counts come from that answer.

FRESH = {
    "a.md": record("Feminita", "Body text with the word feminist."),
    "edit/same.md": record("Quorvane Alliance", "Defends tenants."),
    "edit/grow.md": record("Hollenbeck Trust", "Funds shelters."),
    "del/gone.md": record("Talvessor Union", "Gone soon."),
    "ren/before.md": record("Oskavelt Circle", "Renamed soon."),
    "oldfolder/one.md": record("Drellmont First", "Moves with its folder."),
    "oldfolder/two.md": record("Drellmont Second", "Moves with its folder."),
    "outbound/leaving.md": record("Pembrake Hub", "Moved out of the KB."),
    "atomic/rec.md": record("Feldspire Network", "Saved by an editor."),
    "links/target.md": record("Lanternfjord Mission", "Linked to."),
    "relink/target.md": record("Mirrowdale Forum", "Linked to, deleted, restored."),
    "burst/keep.md": record("Burstkeep Record", "Stays."),
    "publish/.draft.md": record("Ossingrove Draft", "Hidden until published."),
}


@pytest.fixture(scope="module")
def fresh_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kb]:
    base = tmp_path_factory.mktemp("fresh")
    root = write_kb(base / "kb", FRESH)
    os.symlink("target.md", root / "relink/alias.md")
    kb = Kb(root, base / "c", {"KZKB_WATCH": "on"})
    try:
        kb.index()
        kb.wait_running()
        # the index now holds the watcher's listing: later refreshes ask for changes
        kb.watched_index()
        yield kb
    finally:
        kb.cleanup()


@pytest.fixture
def fresh(fresh_kb: Kb) -> Kb:
    return fresh_kb


def refreshed(kb: Kb) -> dict[str, int]:
    out = kb.watched_index()
    return {k: out["refresh"][k] for k in ("added", "changed", "removed")}


def test_edit_keeping_the_same_size_is_seen(fresh):
    path = fresh.root / "edit/same.md"
    before = path.stat().st_size
    path.write_text(path.read_text("utf-8").replace("Quorvane", "Quorvano"), "utf-8")
    later(path)
    assert path.stat().st_size == before
    assert refreshed(fresh) == {"added": 0, "changed": 1, "removed": 0}
    assert fresh.titles()["edit/same.md"] == "Quorvano Alliance"


def test_appended_text_is_found(fresh):
    with (fresh.root / "edit/grow.md").open("a", encoding="utf-8") as handle:
        handle.write("Also runs the Yarrowgate helpline.\n")
    assert fresh.search("Yarrowgate") == ["edit/grow.md"]  # the very first command
    out = fresh.watched_index()
    assert out["refresh"]["added"] == out["refresh"]["changed"] == 0  # the search refreshed


def test_added_file_is_found(fresh):
    (fresh.root / "add").mkdir(exist_ok=True)
    fresh.watched_index()
    (fresh.root / "add/new.md").write_text(record("Brumwick Collective", "New."), "utf-8")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    assert fresh.search("Brumwick") == ["add/new.md"]


def test_deleted_file_is_gone(fresh):
    (fresh.root / "del/gone.md").unlink()
    assert refreshed(fresh) == {"added": 0, "changed": 0, "removed": 1}
    assert fresh.search("Talvessor") == []
    assert "del/gone.md" not in fresh.paths()


def test_renamed_file_is_found_under_its_new_path_only(fresh):
    (fresh.root / "ren/before.md").rename(fresh.root / "ren/after.md")
    paths = fresh.paths()  # the very first command
    assert "ren/after.md" in paths and "ren/before.md" not in paths
    assert fresh.search("Oskavelt") == ["ren/after.md"]
    assert fresh.watched_index()["refresh"]["scanned_by"] == "watcher"


def test_renamed_folder_moves_its_records(fresh):
    (fresh.root / "oldfolder").rename(fresh.root / "newfolder")
    assert refreshed(fresh) == {"added": 2, "changed": 0, "removed": 2}
    assert sorted(fresh.search("Drellmont")) == ["newfolder/one.md", "newfolder/two.md"]
    # and the renamed folder is still watched
    (fresh.root / "newfolder/three.md").write_text(record("Drellmont Third", "."), "utf-8")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    assert len(fresh.search("Drellmont")) == 3


def test_record_in_a_new_folder_is_found(fresh):
    (fresh.root / "fresh/deep").mkdir(parents=True)
    (fresh.root / "fresh/deep/rec.md").write_text(record("Wyndmere Group", "Nested."), "utf-8")
    assert fresh.search("Wyndmere") == ["fresh/deep/rec.md"]
    # and the new folders are watched from now on
    (fresh.root / "fresh/deep/more.md").write_text(record("Wyndmere Annex", "."), "utf-8")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    assert len(fresh.search("Wyndmere")) == 2


def test_record_moved_in_from_outside_and_out_again(fresh, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(record("Carrowby Women's Centre", "Moved in."), "utf-8")
    os.rename(outside, fresh.root / "a-moved-in.md")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    assert fresh.search("Carrowby") == ["a-moved-in.md"]
    os.rename(fresh.root / "outbound/leaving.md", tmp_path / "leaving.md")
    assert refreshed(fresh) == {"added": 0, "changed": 0, "removed": 1}
    assert fresh.search("Pembrake") == []


def test_file_replaced_atomically_as_editors_save(fresh):
    path = fresh.root / "atomic/rec.md"
    tmp = fresh.root / "atomic/.rec.md.swp"
    tmp.write_text(record("Glimmerton Network", "Saved by an editor."), "utf-8")
    os.replace(tmp, path)
    assert refreshed(fresh) == {"added": 0, "changed": 1, "removed": 0}
    assert fresh.search("Glimmerton") == ["atomic/rec.md"]
    assert fresh.search("Feldspire") == []
    # editors that keep a backup: rename the old file away, write a new one
    os.rename(path, fresh.root / "atomic/rec.md~")
    path.write_text(record("Hearthwick Network", "Saved again."), "utf-8")
    assert fresh.search("Hearthwick") == ["atomic/rec.md"]


def test_hidden_and_non_markdown_files_are_not_indexed(fresh):
    before = fresh.watched_index()["refresh"]["files"]
    (fresh.root / ".draft.md").write_text(record("Hushwater One", "."), "utf-8")
    (fresh.root / "notes.txt").write_text(record("Hushwater Two", "."), "utf-8")
    (fresh.root / ".hidden").mkdir()
    (fresh.root / ".hidden/x.md").write_text(record("Hushwater Three", "."), "utf-8")
    out = fresh.watched_index()
    assert out["refresh"]["files"] == before
    assert out["refresh"]["added"] == 0
    assert fresh.search("Hushwater") == []
    # publishing a draft by renaming it is an addition
    os.rename(fresh.root / "publish/.draft.md", fresh.root / "publish/draft.md")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    assert fresh.search("Ossingrove") == ["publish/draft.md"]


def test_symlink_to_a_record_inside_the_kb(fresh):
    os.symlink("target.md", fresh.root / "links/alias.md")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    assert sorted(fresh.search("Lanternfjord")) == ["links/alias.md", "links/target.md"]
    # an edit of the target changes the link's record too
    (fresh.root / "links/target.md").write_text(record("Lanternmoor Mission", "Renamed."), "utf-8")
    later(fresh.root / "links/target.md")
    assert refreshed(fresh) == {"added": 0, "changed": 2, "removed": 0}
    assert sorted(fresh.search("Lanternmoor")) == ["links/alias.md", "links/target.md"]
    (fresh.root / "links/alias.md").unlink()
    assert refreshed(fresh) == {"added": 0, "changed": 0, "removed": 1}
    assert fresh.search("Lanternmoor") == ["links/target.md"]


def test_symlinked_record_comes_back_when_its_target_does(fresh):
    """`git checkout`, or an editor that deletes and rewrites: the target of a
    link goes and comes back. The link's record must come back with it."""
    target = fresh.root / "relink/target.md"
    text = target.read_text("utf-8")
    try:
        target.unlink()
        assert refreshed(fresh) == {"added": 0, "changed": 0, "removed": 2}
        assert fresh.search("Mirrowdale") == []
        target.write_text(text, "utf-8")
        assert sorted(fresh.search("Mirrowdale")) == ["relink/alias.md", "relink/target.md"]
        assert "relink/alias.md" in fresh.paths()
    finally:
        # leave nothing the watcher could be wrong about to the tests after this one
        shutil.rmtree(fresh.root / "relink")
        fresh.index()


def test_hundreds_of_changes_at_once(fresh):
    burst = fresh.root / "burst"
    for i in range(300):
        (burst / f"r{i:03}.md").write_text(record(f"Burstling {i}", "Many at once."), "utf-8")
    assert refreshed(fresh) == {"added": 300, "changed": 0, "removed": 0}
    assert len([p for p in fresh.paths() if p.startswith("burst/")]) == 301
    for i in range(300):
        (burst / f"r{i:03}.md").unlink()
    assert refreshed(fresh) == {"added": 0, "changed": 0, "removed": 300}
    assert [p for p in fresh.paths() if p.startswith("burst/")] == ["burst/keep.md"]


def test_four_commands_at_once_get_the_same_fresh_answer(fresh):
    """Each starts on an index without the new record; one of them takes the
    change in first. The others must not answer from what they read before."""
    for word in ("Kestrelmoor", "Ravensgill", "Thistlebrae"):
        (fresh.root / f"{word}.md").write_text(record(f"{word} Coalition", "."), "utf-8")
        procs = [
            subprocess.Popen(
                [*kzkb_exe(), "search", word, "--kb", str(fresh.root), "-f", "json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=fresh.env,
            )
            for _ in range(4)
        ]
        answers = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            answers.append(
                hits_of(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
            )
        assert answers == [[f"{word}.md"]] * 4, word
    assert fresh.watched_index()["refresh"]["added"] == 0


def test_a_new_index_is_filled_from_the_watcher(fresh, tmp_path):
    """The watcher does not know a new index's listing: it sends the whole one."""
    db = tmp_path / "new.sqlite"
    out = fresh.index("--index", str(db))
    assert out["refresh"]["scanned_by"] == "watcher"
    assert out["refresh"]["rebuilt"] is True
    assert out["refresh"]["added"] == len(scan(fresh.root)) == out["records"]
    hits = hits_of(fresh.run("search", "feminist", "--kb", str(fresh.root), "--index", str(db),
                             "-f", "json"))  # fmt: skip
    assert hits == ["a.md"]
    # and the default index, which the watcher knows, takes only the changes
    (fresh.root / "a.md").write_text(record("Feminita", "Body text, feminist, edited."), "utf-8")
    later(fresh.root / "a.md")
    out = fresh.watched_index()
    assert out["refresh"]["changed"] == 1
    assert out["refresh"]["unchanged"] == out["refresh"]["files"] - 1


def test_prescan_takes_the_watchers_answer_instead_of_forking(fresh, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(fresh.cache))
    monkeypatch.setenv("KZKB_WATCH", "on")
    try:
        prescan.start(["search", "x", "--kb", str(fresh.root)])
        pending = prescan._pending
        assert isinstance(pending, client.Answer)
        assert pending.header()[1] == len(scan(fresh.root))
        assert pending.files() == scan(fresh.root)
    finally:
        if prescan._pending is not None:
            prescan._pending.close()
        prescan._pending = None
    try:
        prescan.start(["index", "--rebuild", "--kb", str(fresh.root)])
        assert isinstance(prescan._pending, prescan.Pending)  # a rebuild scans
    finally:
        pending, prescan._pending = prescan._pending, None
        if pending is not None:
            pending.close()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pending.pid, 0)


# --- kzkb.listing.daemon.Watch in-process ---------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, daemon.Watch]]:
    root = write_kb(tmp_path / "kb", {"a.md": "alpha\n", "sub/b.md": "beta\n", "sub/c.md": "c\n"})
    w = daemon.Watch(str(root))
    sync(w)
    yield root, w
    w.inotify.close()


def sync(w: daemon.Watch) -> dict[str, tuple[int, int]]:
    with w.lock:
        w.update()
    return w.files


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_watch_listing_equals_a_scan_after_every_kind_of_change(tree, tmp_path):
    root, w = tree
    assert sync(w) == scan(root)

    def step(change: Callable[[], object]) -> None:
        change()
        assert sync(w) == scan(root), change

    path = root / "a.md"
    step(lambda: (path.write_text("alphb\n"), later(path)))  # same size
    step(lambda: append(path, "more\n"))
    step(lambda: (root / "new.md").write_text("new\n"))
    step(lambda: (root / "new.md").unlink())
    step(lambda: (root / "sub/c.md").rename(root / "sub/d.md"))
    step(lambda: (root / "sub").rename(root / "moved"))
    step(lambda: (root / "moved/e.md").write_text("e\n"))  # the moved folder is watched
    step(lambda: (root / "n1/n2/n3").mkdir(parents=True))
    step(lambda: (root / "n1/n2/n3/f.MD").write_text("f\n"))
    step(lambda: (tmp_path / "out.md").write_text("out\n"))
    step(lambda: os.rename(tmp_path / "out.md", root / "n1/in.md"))
    step(lambda: ((root / ".t").write_text("atomic\n"), os.replace(root / ".t", path)))
    step(lambda: (root / ".draft.md").write_text("hidden\n"))
    step(lambda: (root / "notes.txt").write_text("not markdown\n"))
    step(lambda: os.symlink("moved/d.md", root / "link.md"))
    step(lambda: (root / "moved/d.md").write_text("d changed, longer\n"))  # the link's target
    step(lambda: os.symlink(tmp_path / "out-of-kb.md", root / "outlink.md"))
    step(lambda: shutil.rmtree(root / "n1"))
    step(lambda: (root / "x.markdown").write_text("x\n"))


def test_watch_changes_name_exactly_what_changed(tree):
    root, w = tree
    stamp0 = w.stamp
    assert w.changes(stamp0, w.generation, w.files) == {}
    (root / "a.md").write_text("alpha, edited\n")
    (root / "sub/new.md").write_text("new\n")
    (root / "sub/c.md").unlink()
    files = sync(w)
    assert w.changes(stamp0, w.generation, files) == {
        "a.md": files["a.md"], "sub/new.md": files["sub/new.md"], "sub/c.md": None,
    }  # fmt: skip
    stamp1 = w.stamp
    (root / "sub/b.md").write_text("beta, edited\n")
    files = sync(w)
    assert w.changes(stamp1, w.generation, files) == {"sub/b.md": files["sub/b.md"]}
    assert set(w.changes(stamp0, w.generation, files)) == {
        "a.md", "sub/new.md", "sub/c.md", "sub/b.md",
    }  # fmt: skip
    assert w.changes("0" * 32, w.generation, files) is None  # a listing never seen
    # a listing newer than the one asked about is not a base for it
    assert w.changes(w.stamp, w.generation - 1, files) is None


def test_watch_event_without_a_change_makes_no_new_listing(tree):
    root, w = tree
    generation, stamp = w.generation, w.stamp
    before = (root / "a.md").stat()
    with open(root / "a.md", "r+b"):  # opened to write, closed unwritten: an event, the same stat
        pass
    assert (root / "a.md").stat().st_ctime_ns == before.st_ctime_ns
    sync(w)
    assert w.events > 0
    assert (w.generation, w.stamp) == (generation, stamp)


def test_watch_sees_an_edit_whose_mtime_is_put_back(tree):
    """`cp -p`, `rsync -t`: the same size, the old mtime; the ctime moved."""
    root, w = tree
    path = root / "a.md"
    before = path.stat()
    old = sync(w)["a.md"]
    path.write_text("alphb\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    files = sync(w)
    assert files["a.md"] != old
    assert files == scan(root)


def test_watch_folder_rename_rescans_and_still_equals_a_scan(tree):
    root, w = tree
    stamp, rescans = w.stamp, w.rescans
    old = dict(w.files)
    (root / "sub").rename(root / "sub2")
    files = sync(w)
    assert w.rescans == rescans + 1
    assert files == scan(root)
    assert w.changes(stamp, w.generation, files) == {
        "sub/b.md": None, "sub/c.md": None,
        "sub2/b.md": old["sub/b.md"], "sub2/c.md": old["sub/c.md"],
    }  # fmt: skip


def test_watch_forgets_listings_older_than_its_history(tree):
    root, _ = tree
    w = daemon.Watch(str(root), history=3)
    try:
        sync(w)
        stamps = []
        for i in range(6):
            stamps.append(w.stamp)
            (root / "a.md").write_text("x" * (i + 10))
            sync(w)
        assert w.changes(stamps[0], w.generation, w.files) is None
        assert w.changes(stamps[-1], w.generation, w.files) == {"a.md": w.files["a.md"]}
    finally:
        w.inotify.close()


def test_watch_symlink_comes_back_with_its_target(tree):
    root, w = tree
    os.symlink("sub/b.md", root / "link.md")
    assert "link.md" in sync(w)
    text = (root / "sub/b.md").read_text()
    (root / "sub/b.md").unlink()
    assert sync(w) == scan(root)
    (root / "sub/b.md").write_text(text)
    assert sync(w) == scan(root)  # link.md is listed again


@pytest.mark.parametrize(
    ("env", "toml", "expected"),
    [
        (None, None, "auto"),
        (None, {}, "auto"),
        (None, {"index": {"watch": True}}, "on"),
        (None, {"index": {"watch": False}}, "off"),
        (None, {"index": {"watch": "auto"}}, "auto"),
        ("on", None, "on"),
        ("ON", None, "on"),
        ("1", None, "on"),
        ("true", None, "on"),
        ("yes", None, "on"),
        ("always", None, "on"),
        ("off", None, "off"),
        ("0", None, "off"),
        ("false", None, "off"),
        ("No", None, "off"),
        ("never", None, "off"),
        ("auto", None, "auto"),
        ("", None, "auto"),
        ("maybe", None, "auto"),
        ("off", {"index": {"watch": True}}, "off"),  # the environment wins
        ("on", {"index": {"watch": False}}, "on"),
    ],
)
def test_setting_reads_the_environment_then_kzkb_toml(monkeypatch, env, toml, expected):
    if env is None:
        monkeypatch.delenv("KZKB_WATCH", raising=False)
    else:
        monkeypatch.setenv("KZKB_WATCH", env)
    config = None if toml is None else SimpleNamespace(watch=index_settings(toml, Path("t"))[1])
    assert client.setting(config) == expected


@pytest.mark.parametrize("toml", [{"index": {"watch": "never"}}, {"index": "not a table"}])
def test_a_watch_setting_kzkb_does_not_know_is_refused_when_read(toml):
    with pytest.raises(KzkbError, match=r"\[?index"):
        index_settings(toml, Path("kzkb.toml"))


def test_setting_from_a_real_kzkb_toml(tmp_path, monkeypatch):
    monkeypatch.delenv("KZKB_WATCH", raising=False)
    root = write_kb(tmp_path / "kb", {"a.md": record("A")}, "[index]\nwatch = true\n")
    assert client.setting(open_config(root)) == "on"


def test_file_system_type_names_the_tmp_file_system(tmp_path):
    kind = daemon.file_system_type(str(tmp_path))
    assert isinstance(kind, str) and kind
    assert daemon.file_system_type(str(tmp_path / "not" / "there")) == kind


def test_socket_path_is_per_folder_and_in_the_user_cache(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert protocol.socket_path(a) != protocol.socket_path(b)
    assert protocol.socket_path(a) == protocol.socket_path(tmp_path / "x" / ".." / "a")
    cache = Path(os.environ["XDG_CACHE_HOME"])
    assert protocol.socket_path(a).parent == cache / "kzkb" / "watch"


def test_the_watcher_dependency_is_declared():
    """Without inotify_simple the watcher dies at start, and every command on a
    large KB starts another one for nothing."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    deps = [d.lower().replace("_", "-") for d in project["dependencies"]]
    assert any(d.startswith("inotify-simple") for d in deps), deps


# --- never stale, never the wrong folder (issue 16) ---------------------------------------------


def test_watcher_sees_a_same_size_edit_whose_mtime_is_put_back(fresh):
    """`cp -p`, `rsync -t`, `tar x`: the content changes, size and mtime do not."""
    (fresh.root / "restore").mkdir(exist_ok=True)
    path = fresh.root / "restore/rec.md"
    path.write_text(record("Yorvanek Trust", "Funds archives."), "utf-8")
    assert refreshed(fresh) == {"added": 1, "changed": 0, "removed": 0}
    before = path.stat()
    path.write_text(record("Yorvanek Trash", "Funds archives."), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert refreshed(fresh) == {"added": 0, "changed": 1, "removed": 0}
    assert fresh.titles()["restore/rec.md"] == "Yorvanek Trash"


def run_in(kb: Kb, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*kzkb_exe(), *args], capture_output=True, text=True, env=kb.env, cwd=cwd, timeout=60
    )


def test_a_relative_kb_path_starts_a_watcher_of_that_folder(make_watched):
    """`--kb kb` from the KB's parent: the watcher runs from `/`, so it must be
    given the folder's real path. It used to get `kb`, decline (no /kb), and
    leave a marker that kept every later start away for an hour."""
    kb = make_watched(KZKB_WATCH="on")
    result = run_in(kb, kb.root.parent, "index", "--kb", kb.root.name, "-f", "json")
    assert result.returncode == 0, result.stderr
    status = kb.wait_running()
    assert status["files"] == 3
    assert "refused" not in status
    assert not list((kb.cache / "kzkb" / "watch").glob("*.refused"))
    assert kb.watched_index()["records"] == 3
    again = run_in(kb, kb.root.parent, "index", "--kb", kb.root.name, "-f", "json")
    assert json.loads(again.stdout)["refresh"]["scanned_by"] == "watcher"


def test_a_relative_kb_path_that_also_exists_under_the_root_folder_watches_the_kb(
    tmp_path_factory,
):
    """The same relative path under `/` names another folder: the watcher
    used to watch that one, and the KB's records vanished from every answer."""
    decoy = write_kb(tmp_path_factory.mktemp("decoy"), {"other.md": record("Decoy", "Not ours.")})
    base = tmp_path_factory.mktemp("w")
    rel = str(decoy).lstrip("/")  # under `base` it is the KB; under `/` the decoy
    kb = Kb(write_kb(base / rel, dict(SMALL)), base / "c", {"KZKB_WATCH": "on"})
    try:
        result = run_in(kb, base, "list", "--kb", rel, "-f", "json")
        assert sorted(hits_of(result)) == ["a.md", "sub/b.md", "sub/c.md"]
        kb.wait_running()
        assert watcher_pids(decoy) == []
        for _ in range(2):  # answered by the watcher now
            result = run_in(kb, base, "list", "--kb", rel, "-f", "json")
            assert sorted(hits_of(result)) == ["a.md", "sub/b.md", "sub/c.md"]
        assert kb.watched_index()["records"] == 3
    finally:
        kb.cleanup()


def test_a_watcher_refuses_a_root_its_socket_is_not_named_for(make_watched, tmp_path):
    """Started by hand (or by an older kzkb) with a relative root, or with
    another folder's socket: it exits at once, leaving no marker that would
    keep the real watcher away."""
    kb = make_watched()
    sock = protocol.socket_path(kb.root)
    assert sock.name == kb.socket.name
    for root, cwd in ((kb.root.name, kb.root.parent), (str(tmp_path), tmp_path)):
        done = subprocess.run(
            [sys.executable, "-m", client.DAEMON, root, str(kb.socket)],
            capture_output=True, text=True, env=kb.env, cwd=cwd, timeout=30,
        )  # fmt: skip
        assert done.returncode != 0, (root, done.stderr)
        assert not kb.socket.exists()
        assert not list(kb.socket.parent.glob("*.refused"))
    assert watcher_pids(kb.root) == []


def test_watcher_start_says_why_when_the_watcher_declines(make_watched, tmp_path):
    """`kzkb watcher start` fails (one line, exit 2) with the watcher's own
    reason when it declines, rather than report a status and exit 0."""
    kb = make_watched()
    kb.socket.parent.mkdir(parents=True, exist_ok=True)
    # the one reason a test can bring about: the socket's place is taken by a folder
    kb.socket.mkdir()
    result = kb.run("watcher", "start", "--kb", str(kb.root), timeout=30)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "declined" in result.stderr and "Traceback" not in result.stderr
    assert watcher_pids(kb.root) == []


def test_a_kb_folder_swapped_for_another_is_never_answered_for_by_the_old_watcher(make_watched):
    """`mv site site-old; mv site-new site`: the watcher of the old folder must
    not answer for the new one; the next command sees the new folder's records."""
    kb = make_watched(KZKB_WATCH="on")
    kb.index()
    pid = kb.wait_running()["pid"]
    assert kb.watched_index()["records"] == 3
    new = write_kb(kb.root.parent / "kb-new", {
        "x.md": record("Vexadrom Collective", "A new site."),
        "sub/b.md": record("Quillon Institute", "Replaced."),
    })  # fmt: skip
    os.rename(kb.root, kb.root.parent / "kb-old")
    os.rename(new, kb.root)
    assert kb.paths() == ["sub/b.md", "x.md"]
    assert kb.search("Vexadrom") == ["x.md"]
    assert kb.search("Zorbex") == []
    wait_for(lambda: not alive(pid), "the old folder's watcher to leave", 10)
    # a new watcher, of the new folder, takes over
    kb.index()
    kb.wait_running()
    assert kb.watched_index()["records"] == 2
