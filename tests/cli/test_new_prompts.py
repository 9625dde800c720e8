"""`kzkb new` as a person uses it on a terminal: every taxonomy of the KB and
the site's address asked for, a wrong answer said and asked again (never
the end of the session), and never a record written into the KB bundled
with kzkb. Driven on a pseudo-terminal, the answers typed as a person would."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import KB
from tests.helpers import clean_env, kzkb_exe, own_terminal, press_ctrl_c, run_kzkb


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = clean_env(tmp_path)
    env["KZKB_WATCH"] = "off"
    env.pop("KZKB_PAGER", None)
    return env


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(KB, target)
    return target


class Session:
    """kzkb on a pseudo-terminal: wait for a prompt, type an answer."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.leader, follower = pty.openpty()
        self.proc = subprocess.Popen(
            [*kzkb_exe(), *args], stdin=follower, stdout=follower, stderr=follower,
            env=env, cwd=cwd, preexec_fn=own_terminal,
        )  # fmt: skip
        os.close(follower)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while text not in self.seen:
            if time.monotonic() > end:
                raise AssertionError(f"no {text!r} in {self.seen!r}")
            try:
                chunk = os.read(self.leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.decode("utf-8", "replace").replace("\r", "")
        assert text in self.seen, self.seen
        found = self.seen
        self.seen = self.seen[self.seen.index(text) + len(text) :]
        return found

    def answer(self, text: str) -> None:
        os.write(self.leader, text.encode() + b"\r")

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        rest = []
        end = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.leader, select.POLLIN)
        while True:
            # a process that never ends fails the test, not the whole run
            left = end - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                self.proc.kill()
                raise AssertionError(f"kzkb did not end: {self.seen + ''.join(rest)!r}")
            try:
                chunk = os.read(self.leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            rest.append(chunk.decode("utf-8", "replace"))
        code = self.proc.wait(timeout=60)
        os.close(self.leader)
        return code, self.seen + "".join(rest).replace("\r", "")


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def taxonomies(kb: Path) -> list[str]:
    import tomllib

    config = tomllib.loads((kb / "kzkb.toml").read_text())
    return list(config["taxonomies"].values())


def test_every_taxonomy_and_the_site_are_asked_and_wrong_answers_asked_again(env, kb, tmp_path):
    assert taxonomies(kb) == ["category", "countries", "tags", "language", "data_type"]
    s = Session(["new", "--kb", str(kb), "--index", str(tmp_path / "i")], env)
    s.expect("Title")
    s.answer("Prompted Organisation")
    s.expect("Description")
    s.answer("An organisation typed in.")
    s.expect("Category (")
    s.answer("local-ngoo")  # a typo: said, and asked again
    shown = s.expect("Category (")
    assert "is not a category" in shown and "local-ngo" in shown
    s.answer("Local NGO")
    s.expect("Countries")
    s.answer("Kazakstan")  # misspelt, as lint's unknown-country says
    shown = s.expect("Countries")
    assert "'Kazakstan' is no country" in shown and "Kazakhstan" in shown
    s.answer("Kazakhstan, Kyrgyzstan")
    s.expect("Tags")
    s.answer("feminism")
    s.expect("Language")
    s.answer("")
    s.expect("Data type")
    s.answer("")
    s.expect("Site address")
    s.answer("prompted.kz")  # no scheme: lint's url-scheme
    shown = s.expect("Site address")
    assert "not an http(s) address" in shown and "https://prompted.kz" in shown
    s.answer("https://prompted.kz/")
    code, out = s.finish()
    assert code == 0, out
    written = next(kb.rglob("prompted_organisation.md"))
    fields = front(written)
    assert fields["title"] == "Prompted Organisation"
    assert fields["category"] == ["local-ngo"]
    assert fields["countries"] == ["Kazakhstan", "Kyrgyzstan"]
    assert fields["tags"] == ["feminism"]
    assert fields["url"] == "https://prompted.kz/"
    assert "language" not in fields or not fields["language"]


def test_ctrl_c_at_a_prompt_is_130_and_writes_nothing(env, kb, tmp_path):
    before = sorted(p.relative_to(kb) for p in kb.rglob("*"))
    s = Session(["new", "--kb", str(kb), "--index", str(tmp_path / "i")], env)
    s.expect("Title")
    s.answer("Half Typed")
    s.expect("Description")
    press_ctrl_c(s.leader, s.proc.pid)
    code, _ = s.finish()
    assert code == 130
    assert sorted(p.relative_to(kb) for p in kb.rglob("*")) == before


def test_outside_any_kb_new_refuses_and_writes_nothing(env, tmp_path):
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    bundled_before = sorted(p.name for p in KB.rglob("*.md"))
    result = run_kzkb(env, "new", "--title", "Stray Record", cwd=nowhere)
    assert result.returncode == 2
    assert f"no KB at or above {nowhere.resolve()}" in result.stderr
    assert "--kb" in result.stderr
    assert sorted(p.name for p in KB.rglob("*.md")) == bundled_before
    assert not re.search(r"stray_record", " ".join(bundled_before))


def test_a_url_without_scheme_is_refused_as_lint_would(env, kb, tmp_path):
    result = run_kzkb(
        env, "new", "--kb", str(kb), "--title", "No Scheme", "--url", "noscheme.kz",
        "--index", str(tmp_path / "i"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "https://noscheme.kz" in result.stderr
    assert not list(kb.rglob("no_scheme.md"))
