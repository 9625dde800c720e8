"""check-links --fix: the repairs git history is sure of, and nothing else.

A KB in a git repository built by the test (tests/cli/test_check_links_history.py's
Repo) whose guides section was renamed; the expected files are written out by
hand, byte for byte; `patch` (GNU patch, nobody here wrote it) applies what
--dry-run prints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_check_links_history import Repo, page

CONFIG = 'languages = ["en"]\n'

# a note with a BOM and CRLF line ends, linking the renamed pages in several forms
NOTE = (
    "\ufeff---\r\ntitle: Overview\r\n---\r\n\r\n"
    "Start with [the first steps](/guides/aid/first-steps/) or [them](/guides/aid/first-steps)\r\n"
    'and [the call](../../guides/aid/first-steps/#call "Call") of [legal aid][aid].\r\n'
    "\r\n"
    "[aid]: /guides/aid/\r\n"
)
FIXED_NOTE = (
    "\ufeff---\r\ntitle: Overview\r\n---\r\n\r\n"
    "Start with [the first steps](/guides/legal-aid-and-advice/first-steps/)"
    " or [them](/guides/legal-aid-and-advice/first-steps)\r\n"
    'and [the call](../../guides/legal-aid-and-advice/first-steps/#call "Call")'
    " of [legal aid][aid].\r\n"
    "\r\n"
    "[aid]: /guides/legal-aid-and-advice/\r\n"
)
STEPS = page("First steps", "## Call\n\n" + "Call a lawyer first. " * 20)
AID = page("Legal aid", "All about legal aid. " * 10)


def renamed_section(root: Path, extra: dict[str, str] | None = None) -> Repo:
    repo = Repo(root)
    repo.write(
        {
            "kzkb.toml": CONFIG,
            "guides/aid/_index.md": AID,
            "guides/aid/first-steps.md": STEPS,
            "notes/overview.md": "",
            **(extra or {}),
        }
    )
    (repo.kb / "notes/overview.md").write_bytes(NOTE.encode("utf-8"))
    repo.commit("Add guides", "2023-01-10T12:00:00+00:00")
    repo.git("mv", "kb/guides/aid", "kb/guides/legal-aid-and-advice")
    repo.commit("Rename the aid section", "2023-06-01T09:30:00+00:00")
    return repo


@pytest.fixture
def check(run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)

    def call(kb: Path, *options: str) -> Any:
        index = str(tmp_path / "index.sqlite")
        return run("check-links", "--kb", str(kb), "--index", index, "--format", "json", *options)

    return call


def errors(result: Any) -> list[dict[str, Any]]:
    return [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def test_fix_rewrites_the_renamed_links_and_nothing_else(check: Any, tmp_path: Path) -> None:
    repo = renamed_section(tmp_path / "portal")
    before = snapshot(repo.kb)
    assert len(errors(check(repo.kb))) == 4
    result = check(repo.kb, "--fix")
    assert result.exit_code == 0, result.stdout
    # each link in its own form: slash or not, relative, fragment, title, a definition
    assert (repo.kb / "notes/overview.md").read_bytes() == FIXED_NOTE.encode("utf-8")
    after = snapshot(repo.kb)
    assert {k for k in after if after[k] != before[k]} == {"notes/overview.md"}
    assert "rewrote 4 links in 1 file" in result.stderr
    # what is left is reported after the repair: nothing
    assert errors(result) == []
    assert check(repo.kb, "--strict").exit_code == 0


def test_fix_alias_adds_the_old_urls_to_the_renamed_pages(check: Any, tmp_path: Path) -> None:
    repo = renamed_section(tmp_path / "portal")
    result = check(repo.kb, "--fix=alias")
    assert result.exit_code == 0, result.stdout
    assert "added 2 aliases to 2 records" in result.stderr
    assert (repo.kb / "notes/overview.md").read_bytes() == NOTE.encode("utf-8")
    section = repo.kb / "guides/legal-aid-and-advice"
    assert (section / "first-steps.md").read_text("utf-8") == STEPS.replace(
        "title: First steps\n", "title: First steps\naliases: [/guides/aid/first-steps/]\n"
    )
    assert (section / "_index.md").read_text("utf-8") == AID.replace(
        "title: Legal aid\n", "title: Legal aid\naliases: [/guides/aid/]\n"
    )
    assert check(repo.kb, "--strict").exit_code == 0


def test_dry_run_writes_nothing_and_its_diff_applies_with_patch(tmp_path: Path) -> None:
    """Run as a process, its output read as bytes: the diff's CRLF lines
    reach patch as written."""
    from tests.helpers import kzkb_exe

    repo = renamed_section(tmp_path / "portal")
    before = snapshot(tmp_path / "portal")
    index = str(tmp_path / "index.sqlite")
    args = ["check-links", "--kb", "portal/kb", "--index", index, "--fix", "--dry-run"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    result = subprocess.run(
        [*kzkb_exe(), *args], cwd=tmp_path, capture_output=True, env=env, check=False
    )
    assert result.returncode == 1  # there is something to repair
    assert b"would rewrite 4 links in 1 file" in result.stderr
    assert snapshot(tmp_path / "portal") == before
    assert result.stdout.startswith(b"# portal/kb/notes/overview.md: link\n")
    patched = subprocess.run(
        ["patch", "-p1", "--batch", "--no-backup-if-mismatch"],
        input=result.stdout,
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert patched.returncode == 0, patched
    assert (repo.kb / "notes/overview.md").read_bytes() == FIXED_NOTE.encode("utf-8")


def test_dry_run_of_the_aliases(check: Any, tmp_path: Path) -> None:
    repo = renamed_section(tmp_path / "portal")
    before = snapshot(tmp_path / "portal")
    result = check(repo.kb, "--fix=alias", "--dry-run")
    assert snapshot(tmp_path / "portal") == before
    assert "+aliases: [/guides/aid/first-steps/]\n" in result.stdout
    assert "+aliases: [/guides/aid/]\n" in result.stdout


def test_only_renames_are_repaired(check: Any, tmp_path: Path) -> None:
    """A typo's nearest page and a deleted page's likely successor are
    guesses: --fix leaves those links as they are."""
    other = "[typo](/guides/legal-aid-and-advice/first-step/) [gone](/guides/hotline/)"
    repo = renamed_section(
        tmp_path / "portal",
        {"guides/hotline.md": page("Hotline", "Call us. " * 20), "notes/more.md": page("M", other)},
    )
    repo.git("rm", "-q", "kb/guides/hotline.md")
    repo.write({"guides/national-hotline.md": page("National hotline", "Phone lines. " * 5)})
    repo.commit("A national hotline", "2023-07-01T00:00:00+00:00")
    more = (repo.kb / "notes/more.md").read_bytes()
    result = check(repo.kb, "--fix")
    assert (repo.kb / "notes/more.md").read_bytes() == more
    left = {f["target"]: f for f in errors(result)}
    assert set(left) == {"/guides/legal-aid-and-advice/first-step/", "/guides/hotline/"}
    assert left["/guides/hotline/"]["history"]["successor"] == "/guides/national-hotline/"
    assert left["/guides/legal-aid-and-advice/first-step/"]["suggestion"] == (
        "did you mean /guides/legal-aid-and-advice/first-steps/?"
    )


def test_a_file_edited_so_that_the_link_is_elsewhere_is_left(
    check: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repair is planned from the index; a file whose link is no longer
    where the index says is not written (move.rewrite refuses), and says so."""
    from kzkb.check import fix

    repo = renamed_section(tmp_path / "portal")
    real = fix._plan_edits

    def edited_meanwhile(kb: Any, rel: str, wanted: Any, repairs: Any, editors: Any) -> None:
        path = kb.config.content_dir / rel
        path.write_bytes(b"\n" + path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
        real(kb, rel, wanted, repairs, editors)

    monkeypatch.setattr(fix, "_plan_edits", edited_meanwhile)
    result = check(repo.kb, "--fix")
    assert "notes/overview.md: not repaired:" in result.stderr
    assert (repo.kb / "notes/overview.md").read_bytes() == b"\n" + NOTE.encode("utf-8")[3:]
    assert len(errors(result)) == 4


def test_dry_run_needs_fix(check: Any, tmp_path: Path) -> None:
    repo = renamed_section(tmp_path / "portal")
    result = check(repo.kb, "--dry-run")
    assert result.exit_code == 2
    assert "kzkb: error: --dry-run shows what --fix would do" in result.stderr


def test_without_history_fix_changes_nothing(check: Any, tmp_path: Path) -> None:
    repo = renamed_section(tmp_path / "portal")
    shutil.rmtree(repo.root / ".git")
    before = snapshot(repo.kb)
    result = check(repo.kb, "--fix")
    assert result.exit_code == 1
    assert "no link to repair" in result.stderr
    assert snapshot(repo.kb) == before
