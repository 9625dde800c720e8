"""The network guard against a hostile KB and a hostile network (issue 16).

A KB is untrusted: its links, its kzkb.toml and the DNS answers for its host
names may all be chosen by an attacker. These tests play that attacker with
servers on 127.0.0.1 and 127.0.0.2 and a resolver they control
(socket.getaddrinfo, which asyncio, anyio and httpx all go through), and
check what a user relies on: no request reaches an address the guard did
not pass, a cached answer does not outlive what was allowed, numbers are
numbers, a run ends by its deadline, an exclude pattern cannot hang it, and
one server is one host however its address is spelled.
"""

from __future__ import annotations

import json
import math
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kzkb.check import guard
from kzkb.check.external import check_urls
from kzkb.model import KzkbError
from tests import helpers
from tests.helpers import Request, Server

FAST: dict[str, Any] = {"timeout": 2.0, "backoff": 0.01, "max_wait": 2.0}
HERE_ONLY = 'title = "hostile"\n'


class ServerAt(Server):
    """helpers.Server on a given address and port (helpers' binds 127.0.0.1:0),
    speaking TLS when given a context."""

    def __init__(
        self,
        routes: Callable[[Request], None],
        host: str,
        port: int,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        import threading

        self.routes = routes
        self.lock = threading.Lock()
        self.requests = []
        self.client_ports = []
        self.times = []
        self.inflight = 0
        self.max_inflight = 0
        handler = type("Handler", (Request,), {"state": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.handle_error = lambda *a: None  # type: ignore[method-assign]
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        port = self._httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://{host}:{port}"
        thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01})
        thread.daemon = True
        thread.start()


def public_routes(req: Request) -> None:
    with req.state.lock:  # the Host header of each request, in order
        req.state.__dict__.setdefault("hosts", []).append(req.headers.get("Host"))
    if req.route == "/go":
        req.answer(302, {"Location": req.query["to"]})
    elif req.route == "/hold":
        state = req.state
        with state.lock:
            state.inflight += 1
            state.max_inflight = max(state.max_inflight, state.inflight)
        time.sleep(float(req.query.get("s", "0.2")))
        with state.lock:
            state.inflight -= 1
        req.answer(200)
    elif req.route == "/busy":
        req.answer(503, {"Retry-After": "120"})
    else:
        req.answer(200)


@pytest.fixture
def pair() -> Iterator[tuple[Server, Server]]:
    """(admin, public): the victim's loopback-only service on 127.0.0.1:P, and
    a site on 127.0.0.2:P that the tests let count as a public address."""
    admin = Server(public_routes)
    port = int(admin.base.rsplit(":", 1)[1])
    try:
        public = ServerAt(public_routes, "127.0.0.2", port)
    except OSError:
        admin.close()
        pytest.skip("127.0.0.2 cannot be bound here (loopback is not a /8)")
    yield admin, public
    public.close()
    admin.close()


@pytest.fixture
def public_127_0_0_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.2 stands in for a public address; 127.0.0.1 stays private."""
    original = guard.is_private_address
    monkeypatch.setattr(
        guard, "is_private_address", lambda a: str(a) != "127.0.0.2" and original(a)
    )


Answers = dict[str, list[list[str]]]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Callable[[Answers], list[str]]:
    """resolver({name: [first answer, second answer, ...]}): getaddrinfo gives
    each name's answers in turn, the last one from then on (an empty one is
    a failed lookup); other names go to the real resolver. Returns the names
    asked, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def install(answers: Answers) -> list[str]:
        calls: dict[str, int] = {}

        def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name not in answers:
                return real(host, port, *args, **kwargs)
            asked.append(name)
            n = calls[name] = calls.get(name, 0) + 1
            addresses = answers[name][min(n, len(answers[name])) - 1]
            if not addresses:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            port = int(port or 0)
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return asked

    return install


# 1. DNS rebinding: the address connected to is the address checked


def test_rebinding_name_is_never_connected_to_its_second_answer(
    pair: tuple[Server, Server], public_127_0_0_2: None, resolver, run, make_kb, tmp_path: Path
) -> None:
    admin, public = pair
    port = admin.base.rsplit(":", 1)[1]
    resolver({"rebind.test": [["127.0.0.2"], ["127.0.0.1"]]})
    secret = f"http://rebind.test:{port}/admin/secret"
    root = make_kb({"notes/a.md": helpers.record("A", f"[x]({secret})")}, HERE_ONLY)
    result = run(
        "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"),
        "--external", "--format", "json", "--cache-ttl", "0",
    )  # fmt: skip
    assert admin.paths() == []  # the loopback service never saw the request
    assert public.paths() == ["/admin/secret"]  # it went to the address checked
    assert public.hosts == [f"rebind.test:{port}"]  # under its own name
    assert result.exit_code == 0, result.output


def test_rebinding_on_a_redirect_hop(
    pair: tuple[Server, Server], public_127_0_0_2: None, resolver
) -> None:
    admin, public = pair
    port = admin.base.rsplit(":", 1)[1]
    resolver({"rebind.test": [["127.0.0.2"], ["127.0.0.1"]]})
    url = f"http://127.0.0.2:{port}/go?to=http://rebind.test:{port}/admin/secret"
    result = check_urls([url], **FAST)[url]
    assert admin.paths() == []
    assert public.paths() == [f"/go?to=http://rebind.test:{port}/admin/secret", "/admin/secret"]
    assert result.severity == "ok"


def test_a_name_with_any_private_answer_is_refused_and_never_fetched(
    pair: tuple[Server, Server], public_127_0_0_2: None, resolver
) -> None:
    admin, public = pair
    port = admin.base.rsplit(":", 1)[1]
    resolver({"mixed.test": [["127.0.0.2", "127.0.0.1"]]})
    url = f"http://mixed.test:{port}/admin/secret"
    result = check_urls([url], **FAST)[url]
    assert result.severity == "warning"
    assert result.reason == (
        "skipped: private address 127.0.0.1 for mixed.test (use --allow-private)"
    )
    assert admin.paths() == [] and public.paths() == []


def test_the_name_is_resolved_once_a_run(
    pair: tuple[Server, Server], public_127_0_0_2: None, resolver
) -> None:
    admin, public = pair
    port = admin.base.rsplit(":", 1)[1]
    asked = resolver({"rebind.test": [["127.0.0.2"], ["127.0.0.1"]]})
    urls = [f"http://rebind.test:{port}/admin/{n}" for n in range(5)]
    results = check_urls(urls, **FAST)
    assert {r.severity for r in results.values()} == {"ok"}
    assert admin.paths() == [] and len(public.paths()) == 5
    assert asked == ["rebind.test"]


@pytest.fixture
def certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate for site.test, its key), made with
    the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a certificate")
    ca, ca_key, cert, key = (tmp_path / n for n in ("ca.pem", "ca.key", "site.pem", "site.key"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ext = tmp_path / "ext.cnf"
    ext.write_text(
        "subjectAltName=DNS:site.test\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    commands = [
        ["req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
         "-subj", "/CN=kzkb test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign"],
        ["req", *ec, "-keyout", key, "-out", tmp_path / "site.csr", "-subj", "/CN=site.test"],
        ["x509", "-req", "-in", tmp_path / "site.csr", "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext],
    ]  # fmt: skip
    for args in commands:
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)
    return ca, cert, key


def test_tls_names_the_host_while_connecting_to_the_pinned_address(
    certificates: tuple[Path, Path, Path], resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request goes to the address by number, but TLS is for the name: the
    certificate of site.test is accepted for site.test and refused for another
    name on the same address."""
    ca, cert, key = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    resolver({"site.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    server = ServerAt(public_routes, "127.0.0.1", 0, tls)
    try:
        port = server.base.rsplit(":", 1)[1]
        good, bad = f"https://site.test:{port}/page", f"https://other.test:{port}/page"
        results = check_urls([good, bad], allow_private=True, **FAST)
    finally:
        server.close()
    assert (results[good].severity, results[good].status) == ("ok", 200)
    assert results[bad].severity == "warning"
    assert results[bad].reason.startswith("unreachable: TLS certificate not accepted")
    assert server.paths() == ["/page"]


def test_the_transport_sends_only_to_addresses_the_guard_passes() -> None:
    """The last line of defence: whatever path a request takes through the
    client, the transport refuses a host name (it would be resolved again,
    unchecked) and, without allow_private, a private address."""
    strict = guard.Guard(timeout=1.0, strict=False)
    for host in ("rebind.test", "localhost", "127.0.0.1", "10.0.0.1", "::1", "169.254.169.254"):
        with pytest.raises(PermissionError):
            strict.admit(host)
    strict.admit("93.184.216.34")
    strict.admit("2606:2800:220:1:248:1893:25c8:1946")
    allowing = guard.Guard(timeout=1.0, strict=False, allow_private=True)
    allowing.admit("127.0.0.1")
    with pytest.raises(PermissionError):
        allowing.admit("rebind.test")


# 2. The cache remembers what was allowed


def test_an_ok_cached_with_allow_private_does_not_pass_a_private_name_later(
    resolver, tmp_path: Path
) -> None:
    resolver({"intranet.test": [["127.0.0.1"]]})
    cache = tmp_path / "links.json"
    with Server(public_routes) as server:
        port = server.base.rsplit(":", 1)[1]
        url = f"http://intranet.test:{port}/wiki"
        first = check_urls([url], cache_path=cache, allow_private=True, **FAST)[url]
        assert first.severity == "ok"
        later = check_urls([url], cache_path=cache, **FAST)[url]
        assert (later.severity, later.cached) == ("warning", False)
        assert later.reason == (
            "skipped: private address 127.0.0.1 for intranet.test (use --allow-private)"
        )
        # and with --allow-private again, the cache still answers
        again = check_urls([url], cache_path=cache, allow_private=True, **FAST)[url]
        assert (again.severity, again.cached) == ("ok", True)
        assert server.paths() == ["/wiki"]


def test_an_ok_cached_through_a_private_hop_is_not_used_without_allow_private(
    pair: tuple[Server, Server], public_127_0_0_2: None, resolver, tmp_path: Path
) -> None:
    """A public URL that redirected through a private hop was fine for a run
    with --allow-private; a later run without it must not take that "ok"
    from the cache (its first host is public, so the guard alone passes it)."""
    admin, public = pair
    port = public.base.rsplit(":", 1)[1]
    resolver({"site.test": [["127.0.0.2"]], "intranet.test": [["127.0.0.1"]]})
    url = f"http://site.test:{port}/go?to=http://intranet.test:{port}/wiki"
    cache = tmp_path / "links.json"
    first = check_urls([url], cache_path=cache, allow_private=True, **FAST)[url]
    assert first.severity == "ok"
    later = check_urls([url], cache_path=cache, **FAST)[url]
    assert later.cached is False
    assert later.reason == (
        "skipped: redirect to private address 127.0.0.1 for intranet.test (use --allow-private)"
    )
    assert admin.paths() == ["/wiki"]  # reached once, by the run that allowed it


def test_a_cached_ok_survives_a_failed_lookup(
    pair: tuple[Server, Server], public_127_0_0_2: None, resolver, tmp_path: Path
) -> None:
    """The guard's look at a cached URL refuses private addresses only: a run
    without DNS still answers from the cache."""
    admin, public = pair
    port = admin.base.rsplit(":", 1)[1]
    resolver({"site.test": [["127.0.0.2"], []]})
    cache, url = tmp_path / "links.json", f"http://site.test:{port}/page"
    assert check_urls([url], cache_path=cache, **FAST)[url].severity == "ok"
    later = check_urls([url], cache_path=cache, **FAST)[url]
    assert (later.severity, later.cached) == ("ok", True)
    assert public.paths() == ["/page"] and admin.paths() == []


# 3. Numbers are finite and in range, wherever they come from


@pytest.mark.parametrize("option", ["--timeout", "--cache-ttl", "--deadline"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e999"])
def test_non_finite_numbers_on_the_command_line_are_refused(
    run, make_kb, tmp_path: Path, option: str, value: str
) -> None:
    root = make_kb({"notes/a.md": helpers.record("A", "text")}, HERE_ONLY)
    result = run(
        "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"),
        "--external", option, value,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kzkb: error: "), result.stderr
    assert option in lines[0]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--timeout", "0"), ("--timeout", "-1"), ("--cache-ttl", "-5"), ("--deadline", "-1")],
)
def test_numbers_out_of_range_are_refused(
    run, make_kb, tmp_path: Path, option: str, value: str
) -> None:
    root = make_kb({"notes/a.md": helpers.record("A", "text")}, HERE_ONLY)
    result = run("check-links", "--kb", str(root), option, value)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("kzkb: error: ") and option in result.stderr


@pytest.mark.parametrize("name", ["timeout", "backoff", "max_wait", "cache_ttl", "deadline"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_by_the_library(name: str, value: float) -> None:
    with pytest.raises(KzkbError, match=name.replace("_", "[-_]")):
        check_urls(["http://example.invalid/"], **{name: value})


# 4. A total deadline


def test_the_run_ends_by_its_deadline(tmp_path: Path) -> None:
    with Server(public_routes) as server:
        urls = [server.url(f"/busy?n={n}") for n in range(40)]
        start = time.monotonic()
        results = check_urls(urls, allow_private=True, deadline=1.5, max_wait=300, per_host=4)
        elapsed = time.monotonic() - start
    assert elapsed < 4.0
    assert {r.severity for r in results.values()} == {"warning"}
    assert all(r.reason.startswith("not checked: deadline") for r in results.values())


def test_slow_servers_are_cut_short_by_the_deadline() -> None:
    with Server(public_routes) as server:
        urls = [server.url(f"/hold?s=0.4&n={n}") for n in range(20)]  # 8 s one at a time
        start = time.monotonic()
        results = check_urls(urls, allow_private=True, deadline=1.5, per_host=1, **FAST)
        elapsed = time.monotonic() - start
    assert elapsed < 3.5
    verdicts = [(r.severity, r.reason) for r in results.values()]
    assert 1 <= verdicts.count(("ok", "200 OK")) <= 4
    late = ("warning", "not checked: deadline (the run's time was up)")
    assert verdicts.count(late) == 20 - verdicts.count(("ok", "200 OK"))


def test_a_retry_after_past_the_deadline_is_not_waited_for() -> None:
    with Server(public_routes) as server:
        url = server.url("/busy")
        start = time.monotonic()
        result = check_urls([url], allow_private=True, deadline=30, max_wait=300)[url]
        elapsed = time.monotonic() - start
    assert elapsed < 5.0  # not 30 s: waiting 120 s could never fit
    assert result.severity == "warning"
    assert result.reason.startswith("not checked: deadline")
    assert "Retry-After" in result.reason


def test_deadline_on_the_command_line(run, make_kb, tmp_path: Path) -> None:
    with Server(public_routes) as server:
        body = " ".join(f"<{server.url(f'/busy?n={n}')}>" for n in range(20))
        root = make_kb({"notes/a.md": helpers.record("A", body)}, HERE_ONLY)
        start = time.monotonic()
        result = run(
            "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"),
            "--external", "--allow-private", "--deadline", "1.5", "-f", "json",
        )  # fmt: skip
        elapsed = time.monotonic() - start
    assert elapsed < 6.0
    data = json.loads(result.stdout)
    assert len(data["findings"]) == 20
    assert {f["severity"] for f in data["findings"]} == {"warning"}
    assert all(f["reason"].startswith("not checked: deadline") for f in data["findings"])
    assert result.exit_code == 0  # warnings; --strict makes them fail


def test_ci_has_a_default_deadline() -> None:
    from kzkb.cli.check_links import CI_DEADLINE, default_deadline

    assert default_deadline({"CI": "true"}) == CI_DEADLINE == 600
    assert default_deadline({"CI": "1"}) == CI_DEADLINE
    assert default_deadline({}) is None
    assert default_deadline({"CI": "false"}) is None


# 5. Exclude patterns from an untrusted kzkb.toml


# the first three are refused as written; (a|aa)+$ when its matching runs out of time
@pytest.mark.parametrize("pattern", ["(a+)+$", "(a*)*b", "(?:x|a+)+$", "(a|aa)+$"])
def test_a_catastrophic_exclude_pattern_cannot_hang_the_run(
    cli, make_kb, tmp_path: Path, pattern: str
) -> None:
    url = "http://example.invalid/" + "a" * 5000 + "!"
    config = HERE_ONLY + "\n[check-links]\nexclude = [" + json.dumps(pattern) + "]\n"
    root = make_kb({"notes/a.md": helpers.record("A", f"<{url}>")}, config)
    start = time.monotonic()
    try:
        result = cli(
            "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"),
            "--external", cwd=tmp_path, env={"XDG_CACHE_HOME": str(tmp_path / "c")},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"{pattern!r} hung check-links")
    assert time.monotonic() - start < 20
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"kzkb: error: {root / 'kzkb.toml'}:4: ")
    assert pattern in line


def test_slow_matching_is_stopped_and_names_its_pattern() -> None:
    from kzkb.check.exclude import excluded

    urls = ["http://example.invalid/" + "a" * 5000 + "!", "http://example.org/"]
    patterns = [("example\\.org", "--exclude"), ("a*a*a*a*b", "kzkb.toml:7: [check-links] exclude")]
    assert excluded(urls, patterns[:1], limit=1.0) == {1}
    start = time.monotonic()
    with pytest.raises(KzkbError) as caught:
        excluded(urls, patterns, limit=1.0)
    assert time.monotonic() - start < 3
    assert str(caught.value).startswith(
        "kzkb.toml:7: [check-links] exclude 'a*a*a*a*b' took over 1 s"
    )


def test_ordinary_exclude_patterns_still_work(run, make_kb, tmp_path: Path) -> None:
    with Server(public_routes) as server:
        urls = [server.url("/skip/me"), server.url("/keep"), server.url("/x" + "a" * 3000)]
        urls.append("http://www.example.invalid/page")  # excluded by a repeat of a group
        body = " ".join(f"<{u}>" for u in urls)
        config = (
            HERE_ONLY
            + '[check-links]\nexclude = ["/skip/", "^https?://[^/]+/x(a|b)*$", "^http://([a-z]+\\\\.)+invalid/"]\n'
        )
        root = make_kb({"notes/a.md": helpers.record("A", body)}, config)
        result = run(
            "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"),
            "--external", "--allow-private", "-f", "json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert server.paths() == ["/keep"]
        assert json.loads(result.stdout)["findings"] == []


# 6. Politeness per server, however its address is spelled


def test_one_server_is_one_host_however_it_is_spelled(resolver) -> None:
    resolver({"alias.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    with Server(public_routes) as server:
        port = server.base.rsplit(":", 1)[1]
        hosts = ["127.0.0.1", "127.1", "2130706433", "alias.test", "other.test", "0x7f000001"]
        urls = [f"http://{h}:{port}/hold?s=0.3&n={n}" for n in range(3) for h in hosts]
        results = check_urls(urls, allow_private=True, per_host=2, **FAST)
        assert {r.severity for r in results.values()} == {"ok"}, results
        assert server.max_inflight == 2
