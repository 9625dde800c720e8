"""check-links explains a broken link by the KB's git history and by other names.

Each test builds a git repository in a tmp folder with `git` itself (fixed
authors and dates), runs `kzkb check-links` in-process, and compares the
explanation with what git says: commit hashes are asked of git (rev-parse),
dates and subjects are the ones the test committed with, URLs are written out
by hand from Hugo's rules. The names are invented.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Curator",
    "GIT_AUTHOR_EMAIL": "curator@example.org",
    "GIT_COMMITTER_NAME": "Curator",
    "GIT_COMMITTER_EMAIL": "curator@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

CONFIG = 'languages = ["en", "kk"]\n'

OVERVIEW = """\
---
title: Overview of help
---

Start with [the first steps](/guides/aid/first-steps/) of [legal aid](/guides/aid/).
The [women's centre](/sources/alma-ata-womens-centre/) takes calls.
"""


def page(title: str, body: str = "") -> str:
    return f"---\ntitle: {title}\n---\n\n{body or 'Text about ' + title + '.'}\n"


class Repo:
    """A git work tree with the KB in kb/ (its content folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.kb = root / "kb"
        self.kb.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str = "2023-01-10T12:00:00+00:00") -> str:
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def write(self, files: dict[str, str]) -> None:
        for rel, text in files.items():
            path = self.kb / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def commit(self, subject: str, date: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", subject, date=date)
        return self.git("rev-parse", "--short", "HEAD")


def two_changes(root: Path) -> tuple[Repo, dict[str, str]]:
    """The issue's portal in small: a guide written before two changes links a
    section renamed later to a longer name, and a source deleted in the commit
    that added its successor under the city's new name."""
    repo = Repo(root)
    repo.write(
        {
            "kzkb.toml": CONFIG,
            "guides/aid/_index.md": page("Legal aid"),
            "guides/aid/first-steps.md": page("First steps", "Call a lawyer first. " * 20),
            "sources/alma-ata-womens-centre.md": page(
                "Alma-Ata Women's Centre", "A shelter founded long ago. " * 10
            ),
            "notes/overview.md": OVERVIEW,
        }
    )
    commits = {"add": repo.commit("Add guides and sources", "2023-01-10T12:00:00+00:00")}
    repo.git("mv", "kb/guides/aid", "kb/guides/legal-aid-and-advice")
    commits["rename"] = repo.commit(
        "Rename the aid section to legal aid and advice", "2023-06-01T09:30:00+00:00"
    )
    repo.git("rm", "-q", "kb/sources/alma-ata-womens-centre.md")
    repo.write(
        {
            "sources/almaty-crisis-centre.md": page(
                "Almaty Crisis Centre", "Counselling by phone and in person, every day."
            )
        }
    )
    commits["delete"] = repo.commit("Almaty: the crisis centre", "2024-02-15T16:00:00+00:00")
    return repo, commits


Runner = Callable[..., Any]


@pytest.fixture
def check(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.chdir(tmp_path)

    def call(kb: Path, *options: str, fmt: str = "json") -> Any:
        return run(
            "check-links",
            "--kb",
            str(kb),
            "--index",
            str(tmp_path / "index.sqlite"),
            "--format",
            fmt,
            *options,
        )

    return call


def findings(result: Any) -> dict[str, dict[str, Any]]:
    return {f["target"]: f for f in json.loads(result.stdout)["findings"]}


def test_a_renamed_section_and_a_deleted_page_are_explained(check: Runner, tmp_path: Path) -> None:
    repo, commits = two_changes(tmp_path / "portal")
    result = check(repo.kb)
    assert result.exit_code == 1
    got = findings(result)
    renamed = commits["rename"]
    subject = "Rename the aid section to legal aid and advice"
    assert got["/guides/aid/first-steps/"]["reason"] == "no such page"
    assert got["/guides/aid/first-steps/"]["suggestion"] == (
        "renamed to /guides/legal-aid-and-advice/first-steps/"
        f' in {renamed} (2023-06-01, "{subject}");'
        " add aliases: [/guides/aid/first-steps/] there or update the link"
    )
    assert got["/guides/aid/"]["suggestion"] == (
        f'renamed to /guides/legal-aid-and-advice/ in {renamed} (2023-06-01, "{subject}");'
        " add aliases: [/guides/aid/] there or update the link"
    )
    assert got["/sources/alma-ata-womens-centre/"]["suggestion"] == (
        f"deleted in {commits['delete']} (2024-02-15);"
        " likely successor /sources/almaty-crisis-centre/"
    )
    # JSON carries the event as fields
    event = got["/guides/aid/first-steps/"]["history"]
    assert event["event"] == "renamed"
    assert event["short"] == renamed
    assert event["commit"] == repo.git("rev-parse", "HEAD~1")
    assert event["date"] == "2023-06-01"
    assert event["subject"] == subject
    assert event["old_path"] == "guides/aid/first-steps.md"
    assert event["new_path"] == "guides/legal-aid-and-advice/first-steps.md"
    assert event["new_url"] == "/guides/legal-aid-and-advice/first-steps/"
    assert event["fixable"] is True
    deleted = got["/sources/alma-ata-womens-centre/"]["history"]
    assert deleted["event"] == "deleted"
    assert deleted["successor"] == "/sources/almaty-crisis-centre/"
    assert deleted["subject"] == "Almaty: the crisis centre"
    assert deleted["fixable"] is False
