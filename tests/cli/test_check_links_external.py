"""kzkb check-links --external, through the command line, against a real HTTP
server the tests start on 127.0.0.1 (no other network).

kzkb.check.external has its own tests (tests/system/test_external.py): retries, HEAD/GET,
redirect chains, the cache's rules. These test what the command adds: where
each finding is reported, exit codes, --exclude and the kzkb.toml exclude
list, --timeout, --strict, --allow-private (needed for 127.0.0.1) and
--cache-ttl. XDG_CACHE_HOME points into each test's tmp folder, so the link
cache never touches the real user cache.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.helpers import Request, Server

HERE_ONLY = 'title = "external"\n'  # one language: no translation warnings


def routes(req: Request) -> None:
    if req.route.startswith("/ok"):
        req.answer(200)
    elif req.route == "/moved":
        req.answer(301, {"Location": "/ok/new"})
    elif req.route == "/unavailable":
        req.answer(503)
    elif req.route == "/slow":
        time.sleep(float(req.query.get("s", "2")))
        req.answer(200)
    else:
        req.answer(404)


@pytest.fixture
def server() -> Iterator[Server]:
    with Server(routes) as state:
        yield state


@pytest.fixture
def closed_url() -> str:
    """A URL on a port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


record = partial(helpers.record, blank=False)  # the body starts on line 4


Check = Callable[..., tuple[int, dict[str, Any], str]]


@pytest.fixture
def check(run, make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> Check:
    """check(files, *options, config=...) -> (exit code, JSON report, stderr),
    with --external and a JSON report; run from the tmp folder."""
    monkeypatch.chdir(tmp_path)

    def call(files: dict[str, str], *options: str, config: str = HERE_ONLY):
        root = make_kb(files, config)
        result = run(
            "check-links",
            "--kb",
            str(root),
            "--index",
            str(tmp_path / "index.sqlite"),
            "--external",
            "--format",
            "json",
            *options,
        )
        assert result.exit_code in (0, 1), f"exit {result.exit_code}: {result.output}"
        return result.exit_code, json.loads(result.stdout), result.stderr

    return call


def where(data: dict[str, Any]) -> dict[str, tuple[str, int, int, str]]:
    """target -> (file, line, column, severity) of each finding."""
    return {
        f["target"]: (f["file"], f["line"], f["column"], f["severity"]) for f in data["findings"]
    }


def test_findings_say_where_each_broken_web_link_is(check: Check, server: Server) -> None:
    ok, missing, down, moved = (
        server.url(p) for p in ("/ok", "/missing", "/unavailable", "/moved")
    )
    page = record("Links", f"[ok]({ok}) [missing]({missing})\n\n[down]({down}) [moved]({moved})")
    code, data, _ = check({"notes/links.md": page}, "--allow-private")
    assert code == 1
    file = "kb/notes/links.md"
    col = len("[ok](") + len(ok) + len(") [missing](") + 1
    assert where(data) == {
        missing: (file, 4, col, "error"),
        down: (file, 6, 8, "error"),
        moved: (file, 6, 8 + len(down) + len(") [moved]("), "warning"),
    }
    by_target = {f["target"]: f for f in data["findings"]}
    assert by_target[missing]["text"] == "missing"
    assert "404" in by_target[missing]["reason"]
    assert "503" in by_target[down]["reason"]  # after the retries
    # a permanent redirect names the new address
    assert server.url("/ok/new") in by_target[moved]["suggestion"]
    assert data["summary"]["external"] == 4
    assert data["summary"]["errors"] == 2 and data["summary"]["warnings"] == 1


def test_working_web_links_exit_0(check: Check, server: Server) -> None:
    page = record("Links", f"[a]({server.url('/ok')}) <{server.url('/ok/b')}>")
    code, data, _ = check({"notes/links.md": page}, "--allow-private")
    assert code == 0, data
    assert data["findings"] == []
    assert data["summary"]["external"] == 2
    assert server.seen("/ok") == 1 and server.seen("/ok/b") == 1


def test_no_request_without_external(run, make_kb, tmp_path: Path, server: Server) -> None:
    root = make_kb({"notes/links.md": record("L", f"[x]({server.url('/missing')})")}, HERE_ONLY)
    index = str(tmp_path / "index.sqlite")
    result = run(
        "check-links", "--kb", str(root), "--index", index, "--allow-private", "-f", "json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["external"] == 0
    assert server.total() == 0


def test_one_request_per_url_and_a_finding_per_link(check: Check, server: Server) -> None:
    missing = server.url("/missing")
    files = {
        "notes/a.md": record("A", f"[x]({missing}#one) [y]({server.url('/ok')}#a)"),
        "notes/b.md": record("B", f"[x]({missing}#two) [y]({server.url('/ok')}#b)"),
    }
    code, data, _ = check(files, "--allow-private")
    assert code == 1
    assert sorted((f["file"], f["target"]) for f in data["findings"]) == [
        ("kb/notes/a.md", f"{missing}#one"),
        ("kb/notes/b.md", f"{missing}#two"),
    ]
    assert server.seen("/ok") == 1  # the fragment is not part of what is fetched
    assert server.seen("/missing") <= 2  # one check: HEAD, then GET to make sure


def test_loopback_is_not_fetched_without_allow_private(check: Check, server: Server) -> None:
    files = {"notes/links.md": record("L", f"[x]({server.url('/missing')})")}
    code, data, _ = check(files)
    assert server.total() == 0
    ((finding),) = data["findings"]
    assert finding["severity"] == "warning"
    assert "--allow-private" in finding["reason"]
    assert code == 0  # a warning
    code, _, _ = check(files, "--strict")
    assert code == 1
    assert server.total() == 0


def test_exclude_option(check: Check, server: Server) -> None:
    page = record(
        "L",
        f"[a]({server.url('/missing')}) [b]({server.url('/unavailable')}) [c]({server.url('/ok')})",
    )
    code, data, _ = check(
        {"notes/l.md": page}, "--allow-private", "--exclude", "/missing$", "--exclude", "unavail"
    )
    assert code == 0, data
    assert data["findings"] == []
    assert server.seen("/missing") == 0 and server.seen("/unavailable") == 0
    assert server.seen("/ok") == 1
    assert data["summary"]["external"] == 1


def test_exclude_list_in_kzkb_toml(check: Check, server: Server) -> None:
    page = record("L", f"[a]({server.url('/missing')}) [c]({server.url('/unavailable')})")
    config = HERE_ONLY + '[check-links]\nexclude = ["/missing$"]\n'
    code, data, _ = check({"notes/l.md": page}, "--allow-private", config=config)
    assert server.seen("/missing") == 0
    assert [f["target"] for f in data["findings"]] == [server.url("/unavailable")]
    assert code == 1
    # the option adds to the file's list
    code, data, _ = check(
        {"notes/l.md": page}, "--allow-private", "--exclude", "unavail", config=config
    )
    assert code == 0 and data["findings"] == []


def test_timeout(check: Check, server: Server) -> None:
    slow = server.url("/slow?s=3")
    start = time.monotonic()
    code, data, _ = check(
        {"notes/l.md": record("L", f"[x]({slow})")}, "--allow-private", "--timeout", "0.3"
    )
    assert time.monotonic() - start < 2.5  # not the 3 s the server takes
    assert code == 1
    ((finding),) = data["findings"]
    assert (finding["target"], finding["severity"]) == (slow, "error")
    assert "timed out" in finding["reason"]


def test_unreachable_is_a_warning_and_an_error_with_strict(check: Check, closed_url: str) -> None:
    files = {"notes/l.md": record("L", f"[x]({closed_url})")}
    code, data, _ = check(files, "--allow-private")
    ((finding),) = data["findings"]
    assert (finding["severity"], code) == ("warning", 0)
    assert "unreachable" in finding["reason"]
    code, data, _ = check(files, "--allow-private", "--strict")
    ((finding),) = data["findings"]
    assert (finding["severity"], code) == ("error", 1)
    assert data["summary"]["errors"] == 1


def test_permanent_redirect_fails_only_with_strict(check: Check, server: Server) -> None:
    files = {"notes/l.md": record("L", f"[x]({server.url('/moved')})")}
    code, data, _ = check(files, "--allow-private")
    assert code == 0 and [f["severity"] for f in data["findings"]] == ["warning"]
    code, _, _ = check(files, "--allow-private", "--strict")
    assert code == 1


def test_cache_and_cache_ttl_0(check: Check, server: Server, cache_home: Path) -> None:
    files = {"notes/l.md": record("L", f"[x]({server.url('/ok')})")}
    check(files, "--allow-private")
    assert server.seen("/ok") == 1
    assert list(cache_home.rglob("*.json")), "the link cache is in XDG_CACHE_HOME"
    code, data, _ = check(files, "--allow-private")
    assert server.seen("/ok") == 1  # answered from the cache
    assert code == 0 and data["summary"]["external"] == 1
    check(files, "--allow-private", "--cache-ttl", "0")
    assert server.seen("/ok") == 2  # fetched again


def test_broken_links_are_not_cached(check: Check, server: Server) -> None:
    files = {"notes/l.md": record("L", f"[x]({server.url('/missing')})")}
    check(files, "--allow-private")
    first = server.seen("/missing")
    code, data, _ = check(files, "--allow-private")
    assert server.seen("/missing") == 2 * first
    assert code == 1 and len(data["findings"]) == 1


def test_non_web_schemes_are_never_fetched(check: Check, server: Server) -> None:
    body = (
        "[f](file:///etc/passwd) [j](javascript:alert(1)) [d](data:text/plain,hi) "
        "[m](mailto:someone@example.org)"
    )
    code, data, _ = check({"notes/l.md": record("L", body)}, "--allow-private")
    assert server.total() == 0
    assert code == 0
    assert [f for f in data["findings"] if f["severity"] == "error"] == []


def test_internal_and_external_findings_together(check: Check, server: Server) -> None:
    page = record("L", f"[web]({server.url('/missing')})\n\n[site](/nope/)")
    code, data, _ = check({"notes/l.md": page}, "--allow-private")
    assert code == 1
    assert [(f["line"], f["target"]) for f in data["findings"]] == [
        (4, server.url("/missing")),
        (6, "/nope/"),
    ]


def test_github_annotations_in_a_real_process(cli, make_kb, tmp_path: Path, server: Server) -> None:
    root = make_kb({"notes/l.md": record("L", f"[x]({server.url('/missing')})")}, HERE_ONLY)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    result = cli(
        "check-links",
        "--kb",
        str(root),
        "--index",
        str(tmp_path / "index.sqlite"),
        "--external",
        "--allow-private",
        "--format",
        "github",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("::error file=kb/notes/l.md,line=4,col=5,title=")
    assert "404" in line and server.url("/missing") in line
    assert "1 external URL" in result.stderr


def test_a_records_website_in_front_matter_is_checked(check: Check, server: Server) -> None:
    """The portal links each organisation's `url:`; a dead one is reported on
    the line that names it."""
    missing, ok = server.url("/missing"), server.url("/ok/site")
    dead = f'---\ntitle: "Dead"\ncategory: [ingo]\nurl: "{missing}"\n---\nText.\n'
    alive = f"---\ntitle: Alive\nurl: {ok}\n---\nText.\n"
    relative = '---\ntitle: Page\nurl: "/somewhere/"\n---\nText.\n'  # the page's own URL
    code, data, _ = check(
        {"notes/dead.md": dead, "notes/alive.md": alive, "notes/page.md": relative},
        "--allow-private",
    )
    assert code == 1
    assert where(data) == {missing: ("kb/notes/dead.md", 4, len('url: "') + 1, "error")}
    assert data["findings"][0]["text"] == "website"
    assert data["summary"]["external"] == 2
    assert server.seen("/ok/site") == 1
