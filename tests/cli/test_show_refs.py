"""`show` takes a record however a user has it at hand: the path lint and
check-links print (relative to where the user stands), the path in the
content folder that search and list print, an absolute path, the site URL,
an alias, the full URL pasted from a browser (baseURL with its path prefix,
http or https), the slug, the title. A reference that names several records
lists them and exits 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_kb

HUGO_TOML = """\
baseURL = "https://example.org/portal/"
[security]
allowContent = ['.*']
"""

FILES = {
    "hugo.toml": HUGO_TOML,
    "content/sources/sources/x.md": (
        "---\ntitle: The X record\naliases: [/old/x/]\n---\n## Intro\n\nx\n"
    ),
    "content/sources/sources/osf.md": "---\ntitle: Open Society\n---\no\n",
    "content/sources/documents/osf-report.md": "---\ntitle: open society\n---\nr\n",
    "content/about.html": "---\ntitle: About us\n---\n<p>about</p>\n",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "site", dict(FILES))


def show(run: Any, site: Path, ref: str) -> Any:
    done = run("show", ref, "--kb", str(site), "--format", "json")
    assert done.exit_code == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


X_REFS = [
    # (where the user stands, below the site; the reference)
    ("", "content/sources/sources/x.md"),  # as lint prints it at the site's root
    ("content/sources/sources", "x.md"),
    ("content/sources/sources", "./x.md"),
    ("content/sources/documents", "../sources/x.md"),
    ("content", "sources/sources/x.md"),
    ("", "sources/sources/x.md"),  # the content path search and list print
    ("content/sources/documents", "sources/sources/x.md"),
    ("", "/sources/sources/x/"),
    ("", "/sources/sources/x"),
    ("", "/old/x/"),  # an alias
    ("", "https://example.org/portal/sources/sources/x/"),
    ("", "http://EXAMPLE.org/portal/sources/sources/x"),
    ("", "https://example.org/portal/sources/sources/x/#intro"),
    ("", "https://example.org/portal/sources/sources/x/?utm_source=mail"),
    ("", "//example.org/portal/sources/sources/x/"),
    ("", "https://example.org/portal/old/x/"),
    ("", "x"),
    ("", "the x record"),
    ("", "THE X RECORD"),
]


@pytest.mark.parametrize(("where", "ref"), X_REFS)
def test_show_finds_a_record_by_any_name(
    site: Path, run: Any, monkeypatch: pytest.MonkeyPatch, where: str, ref: str
) -> None:
    monkeypatch.chdir(site / where)
    assert show(run, site, ref)["url"] == "/sources/sources/x/"


def test_show_takes_an_absolute_path_from_anywhere(
    site: Path, run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    full = site / "content" / "sources" / "sources" / "x.md"
    assert show(run, site, str(full))["url"] == "/sources/sources/x/"
    # a path through a symbolic link to the site names the same file
    (tmp_path / "link").symlink_to(site)
    linked = tmp_path / "link" / "content" / "sources" / "sources" / "x.md"
    assert show(run, site, str(linked))["url"] == "/sources/sources/x/"
    assert show(run, site, os.path.relpath(full))["url"] == "/sources/sources/x/"


@pytest.mark.parametrize(
    ("where", "ref"),
    [("", "content/about.html"), ("content", "about.html"), ("", "/about/"),
     ("", "https://example.org/portal/about/")],
)  # fmt: skip
def test_show_finds_an_html_page(
    site: Path, run: Any, monkeypatch: pytest.MonkeyPatch, where: str, ref: str
) -> None:
    monkeypatch.chdir(site / where)
    assert show(run, site, ref)["title"] == "About us"


def test_a_title_of_several_records_lists_them(
    site: Path, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    done = run("show", "open society", "--kb", str(site))
    assert done.exit_code == 2
    assert "Traceback" not in done.stderr
    # each candidate named as the user can give it back to show
    assert "content/sources/documents/osf-report.md" in done.stderr
    assert "content/sources/sources/osf.md" in done.stderr
    for candidate in ("content/sources/documents/osf-report.md", "content/sources/sources/osf.md"):
        assert show(run, site, candidate)["title"].casefold() == "open society"


def test_a_url_of_another_site_says_whose_site_this_is(
    site: Path, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    for ref in (
        "https://other.example/sources/sources/x/",
        "https://example.org/elsewhere/sources/sources/x/",
    ):
        done = run("show", ref, "--kb", str(site))
        assert done.exit_code == 2, done.stdout
        assert "https://example.org/portal/" in done.stderr
        assert "Traceback" not in done.stderr


def test_a_path_to_a_file_outside_the_content_folder_is_named(
    site: Path, run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(site)
    outside = tmp_path / "notes.md"
    outside.write_text("---\ntitle: Notes\n---\n")
    done = run("show", str(outside), "--kb", str(site))
    assert done.exit_code == 2
    assert "not in the KB's content folder" in done.stderr
