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
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kzkb.check import history

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


def test_the_json_of_a_link_history_cannot_explain_has_no_history_field(
    check: Runner, tmp_path: Path
) -> None:
    repo, _ = two_changes(tmp_path / "portal")
    (repo.kb / "notes/overview.md").write_text(
        OVERVIEW + "\nAnd [a page never written](/guides/never/).\n", encoding="utf-8"
    )
    got = findings(check(repo.kb))
    assert got["/guides/never/"]["suggestion"] == ""
    assert "history" not in got["/guides/never/"] and "other_name" not in got["/guides/never/"]


def test_a_page_renamed_twice_is_followed_to_where_it_is_now(check: Runner, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "portal")
    repo.write(
        {"guides/intake.md": page("Intake"), "notes/n.md": page("N", "[x](/guides/intake/)")}
    )
    repo.commit("Add intake", "2022-01-01T00:00:00+00:00")
    repo.git("mv", "kb/guides/intake.md", "kb/guides/intake-form.md")
    first = repo.commit("Intake becomes intake form", "2022-02-01T00:00:00+00:00")
    repo.git("mv", "kb/guides/intake-form.md", "kb/guides/intake-form-and-consent.md")
    repo.commit("And consent", "2022-03-01T00:00:00+00:00")
    got = findings(check(repo.kb))["/guides/intake/"]
    # the rename the link missed, and the URL the file has now
    assert got["suggestion"] == (
        f'renamed to /guides/intake-form-and-consent/ in {first} (2022-02-01, "Intake becomes'
        ' intake form"); add aliases: [/guides/intake/] there or update the link'
    )


def test_a_page_renamed_then_deleted_says_so_and_is_not_fixable(
    check: Runner, tmp_path: Path
) -> None:
    repo = Repo(tmp_path / "portal")
    repo.write(
        {"guides/intake.md": page("Intake"), "notes/n.md": page("N", "[x](/guides/intake/)")}
    )
    repo.commit("Add intake", "2022-01-01T00:00:00+00:00")
    repo.git("mv", "kb/guides/intake.md", "kb/guides/intake-form.md")
    renamed = repo.commit("Rename intake", "2022-02-01T00:00:00+00:00")
    repo.git("rm", "-q", "kb/guides/intake-form.md")
    deleted = repo.commit("Drop the form", "2022-03-01T00:00:00+00:00")
    got = findings(check(repo.kb))["/guides/intake/"]
    assert got["suggestion"] == (
        f'renamed to /guides/intake-form/ in {renamed} (2022-02-01, "Rename intake"),'
        f" which was deleted in {deleted} (2022-03-01)"
    )
    assert got["history"]["fixable"] is False
    assert got["history"]["deleted"]["short"] == deleted


def test_the_old_url_is_the_one_the_old_front_matter_gave(check: Runner, tmp_path: Path) -> None:
    """A slug and an alias of the file as it was are its old URLs too."""
    repo = Repo(tmp_path / "portal")
    body = "Call the hotline any day of the week. " * 10
    old = f"---\ntitle: Hotline\nslug: call-us\naliases: [/help/phone/]\n---\n\n{body}\n"
    links = "[a](/guides/call-us/) [b](/help/phone/) [c](/guides/hotline/)"
    repo.write({"guides/hotline.md": old, "notes/n.md": page("N", links)})
    repo.commit("Add hotline", "2022-01-01T00:00:00+00:00")
    repo.git("mv", "kb/guides/hotline.md", "kb/guides/national-hotline.md")
    # the slug and the alias dropped, the text kept: git pairs the two files
    (repo.kb / "guides/national-hotline.md").write_text(page("National hotline", body), "utf-8")
    short = repo.commit("Hotline is national", "2022-02-01T00:00:00+00:00")
    got = findings(check(repo.kb))
    for url in ("/guides/call-us/", "/help/phone/"):
        assert got[url]["history"]["new_url"] == "/guides/national-hotline/", url
        assert got[url]["history"]["short"] == short
        assert f"add aliases: [{url}] there" in got[url]["suggestion"]
    # the file's path never was a URL of the page: Hugo served it by its slug
    assert "history" not in got["/guides/hotline/"]


def test_a_renamed_section_without_an_index_page(check: Runner, tmp_path: Path) -> None:
    """Hugo makes a top-level section's page itself; when its folder is
    renamed, the link to the old section is explained (no alias can be added:
    there is no file to add it to)."""
    repo = Repo(tmp_path / "portal")
    repo.write(
        {
            "aid/one.md": page("One", "First page of the section. " * 8),
            "aid/two.md": page("Two", "Second page of the section. " * 8),
            "notes/n.md": page("N", "[the section](/aid/) and [one](/aid/one/)"),
        }
    )
    repo.commit("Add aid", "2022-01-01T00:00:00+00:00")
    repo.git("mv", "kb/aid", "kb/legal-aid")
    short = repo.commit("Aid is legal aid", "2022-02-01T00:00:00+00:00")
    got = findings(check(repo.kb))
    assert got["/aid/"]["suggestion"] == (
        f'section renamed to /legal-aid/ in {short} (2022-02-01, "Aid is legal aid");'
        " update the link"
    )
    assert got["/aid/"]["history"]["event"] == "section"
    assert got["/aid/one/"]["history"]["new_url"] == "/legal-aid/one/"


def test_links_to_a_markdown_path_and_a_ref_name_the_new_file(
    check: Runner, tmp_path: Path
) -> None:
    repo = Repo(tmp_path / "portal")
    body = '[md](../guides/intake.md) and {{< ref "guides/intake.md" >}}'
    repo.write({"guides/intake.md": page("Intake"), "notes/n.md": page("N", body)})
    repo.commit("Add intake", "2022-01-01T00:00:00+00:00")
    repo.git("mv", "kb/guides/intake.md", "kb/guides/intake-form.md")
    short = repo.commit("Rename intake", "2022-02-01T00:00:00+00:00")
    got = findings(check(repo.kb))
    want = (
        f'renamed to guides/intake-form.md in {short} (2022-02-01, "Rename intake");'
        " update the link"
    )
    assert got["../guides/intake.md"]["suggestion"] == want
    assert got["guides/intake.md"]["suggestion"] == want


def test_a_hostile_commit_subject_is_shown_as_text(tmp_path: Path) -> None:
    from tests.helpers import on_pty

    repo = Repo(tmp_path / "portal")
    repo.write(
        {"guides/intake.md": page("Intake"), "notes/n.md": page("N", "[x](/guides/intake/)")}
    )
    repo.commit("Add intake", "2022-01-01T00:00:00+00:00")
    repo.git("mv", "kb/guides/intake.md", "kb/guides/intake-form.md")
    subject = "Evil \x1b]0;owned\x07\x1b[2J [bold red]boom[/] [link=https://evil.example/]x[/link]"
    repo.commit(subject, "2022-02-01T00:00:00+00:00")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env["KZKB_WATCH"] = "off"
    args = ["check-links", "--kb", str(repo.kb), "--index", str(tmp_path / "i.sqlite")]
    code, raw = on_pty([*args, "--format", "table"], env, 300, cwd=tmp_path)
    assert code == 1
    text = re.sub(r"\x1b\[[0-9;]*m", "", raw)  # kzkb's own colours
    assert not [c for c in ("\x1b", "\x07") if c in text], repr(text)
    assert 'Evil ␛]0;owned␇␛[2J [bold red]boom[/] [link=https://evil.example/]x[/link]"' in text
    for fmt in ("tsv", "github"):
        done = subprocess.run(
            ["kzkb", *args, "--format", fmt], capture_output=True, text=True, env=env, check=False
        )
        assert "\x1b" not in done.stdout and "[bold red]boom[/]" in done.stdout, fmt
    done = subprocess.run(
        ["kzkb", *args, "--format", "json"], capture_output=True, text=True, env=env, check=False
    )
    assert json.loads(done.stdout)["findings"][0]["history"]["subject"] == subject


def test_history_is_read_only_so_far_back(
    check: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long history is bounded: with the bound at one commit, the older
    rename is not seen, the newest change is."""
    repo, commits = two_changes(tmp_path / "portal")
    monkeypatch.setattr(history, "MAX_COMMITS", 1)
    got = findings(check(repo.kb))
    assert "history" not in got["/guides/aid/first-steps/"]
    assert got["/sources/alma-ata-womens-centre/"]["history"]["short"] == commits["delete"]


def test_a_slow_git_is_cut_at_the_time_limit(
    check: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git is stopped at TIMEOUT and nothing waits longer (a git that sleeps
    stands in for a huge history); the check still reports the link."""
    repo, _ = two_changes(tmp_path / "portal")
    slow = tmp_path / "bin" / "git"
    slow.parent.mkdir()
    slow.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", f"{slow.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(history, "TIMEOUT", 0.5)
    started = time.monotonic()
    result = check(repo.kb)
    assert time.monotonic() - started < 10
    got = findings(result)
    assert got["/guides/aid/first-steps/"]["reason"] == "no such page"
    assert "history" not in got["/guides/aid/first-steps/"]


def test_without_git_nothing_is_explained(
    check: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = two_changes(tmp_path / "portal")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = check(repo.kb)
    assert result.exit_code == 1
    got = findings(result)
    assert set(got) >= {"/guides/aid/first-steps/", "/sources/alma-ata-womens-centre/"}
    assert not [f for f in got.values() if "history" in f]


def test_outside_a_git_work_tree_nothing_is_explained(check: Runner, tmp_path: Path) -> None:
    repo, _ = two_changes(tmp_path / "portal")
    shutil.rmtree(repo.root / ".git")
    got = findings(check(repo.kb))
    assert got["/guides/aid/first-steps/"]["suggestion"] == ""
    assert not [f for f in got.values() if "history" in f]


def test_git_is_not_run_when_no_link_is_broken(
    check: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = two_changes(tmp_path / "portal")
    (repo.kb / "notes/overview.md").write_text(page("Overview"), encoding="utf-8")
    calls: list[Any] = []
    real = history._run

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0][0])
        return real(*args, **kwargs)

    monkeypatch.setattr(history, "_run", counted)
    result = check(repo.kb)
    assert not [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert calls == []
    # once links are broken: git runs the same three times for three links
    (repo.kb / "notes/overview.md").write_text(OVERVIEW, encoding="utf-8")
    assert len(findings(check(repo.kb))) >= 3
    assert calls == ["rev-parse", "log", "cat-file"]


# --- other names of the same thing ----------------------------------------------------------


def test_a_place_under_its_other_name(check: Runner, tmp_path: Path) -> None:
    """No git here: the city's other name (the search's gazetteer: Alma-Ata is
    Almaty, Tselinograd and Nur-Sultan are Astana) finds the page."""
    kb = tmp_path / "kb"
    files = {
        "kzkb.toml": CONFIG,
        "sources/almaty-shelter.md": page("Shelter"),
        "sources/astana-hotline.md": page("Hotline"),
        "notes/n.md": page(
            "N",
            "[a](/sources/alma-ata-shelter/) [b](/sources/nur-sultan-hotline/)"
            " [c](/sources/tselinograd-hotline/) [d](/sources/bishkek-shelter/)",
        ),
    }
    for rel, text in files.items():
        (kb / rel).parent.mkdir(parents=True, exist_ok=True)
        (kb / rel).write_text(text, encoding="utf-8")
    got = findings(check(kb))
    assert got["/sources/alma-ata-shelter/"]["suggestion"] == (
        "did you mean /sources/almaty-shelter/? (Alma-Ata is another name of Almaty)"
    )
    assert got["/sources/alma-ata-shelter/"]["other_name"] == {
        "url": "/sources/almaty-shelter/",
        "via": "place",
        "why": "Alma-Ata is another name of Almaty",
    }
    assert got["/sources/nur-sultan-hotline/"]["other_name"]["url"] == "/sources/astana-hotline/"
    assert got["/sources/tselinograd-hotline/"]["other_name"]["url"] == "/sources/astana-hotline/"
    # another city is no other name
    assert "other_name" not in got["/sources/bishkek-shelter/"]


def test_a_translation_named_otherwise(check: Runner, tmp_path: Path) -> None:
    """A Kazakh page links the English URL under /kk/; the Kazakh translation
    has a slug of its own."""
    kb = tmp_path / "kb"
    files = {
        "kzkb.toml": CONFIG,
        "guides/how-to-apply.md": page("How to apply"),
        "guides/how-to-apply.kk.md": "---\ntitle: Өтініш беру\nslug: otinish-beru\n---\n\nМәтін.\n",
        "guides/other.md": page("Other"),
        "guides/other.kk.md": page("Басқа", "[өтініш](/kk/guides/how-to-apply/)"),
    }
    for rel, text in files.items():
        (kb / rel).parent.mkdir(parents=True, exist_ok=True)
        (kb / rel).write_text(text, encoding="utf-8")
    got = findings(check(kb))
    assert got["/kk/guides/how-to-apply/"]["suggestion"] == (
        "did you mean /kk/guides/otinish-beru/? (the kk translation of /guides/how-to-apply/)"
    )
    assert got["/kk/guides/how-to-apply/"]["other_name"]["via"] == "translation"


def test_a_link_by_the_title_of_its_translation(check: Runner, tmp_path: Path) -> None:
    """An English page links the Kazakh title's slug; the English translation
    of the page so titled is meant."""
    kb = tmp_path / "kb"
    files = {
        "kzkb.toml": CONFIG,
        "guides/apply.md": page("Applying"),
        "guides/apply.kk.md": page("Otinish beru"),
        "notes/n.md": page("N", "[how](/guides/otinish-beru/)"),
    }
    for rel, text in files.items():
        (kb / rel).parent.mkdir(parents=True, exist_ok=True)
        (kb / rel).write_text(text, encoding="utf-8")
    got = findings(check(kb))["/guides/otinish-beru/"]
    assert got["suggestion"] == (
        "did you mean /guides/apply/? (the en translation of 'Otinish beru')"
    )
    assert got["other_name"]["via"] == "title"
