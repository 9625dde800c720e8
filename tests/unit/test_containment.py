"""A link out of the KB is never followed, even to a folder whose name starts
with the KB's own: `kb/leak.md -> ../kb-private/secret.md` is outside `kb`.

The hostile tests link to a folder named `outside`, which shares no prefix
with the KB, so a containment check written `real.startswith(root)` (without
the separator) passed them while serving `kb-private`. Each place that decides
whether a link stays inside is tested on its own here (the scan, the reader,
the watcher), then every command that shows, searches, checks, lints or
exports records, on two layouts: the KB's root as its content folder, and a
`content_dir` beside a `content-private` folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from kzkb.listing.scan import scan
from kzkb.parse.source import read_source
from tests.helpers import record, write_kb

SECRET = "Quillfeather"  # a word only the private file holds
OUTSIDE = "symbolic link to a file outside the KB: not followed"

LAYOUTS = {
    # name: (KB root below tmp, content folder below the root, kzkb.toml)
    "root": ("kb", "", 'title = "sibling"\n'),
    "content_dir": ("site", "content", 'title = "sibling"\ncontent_dir = "content"\n'),
}


def private_sibling(tmp_path: Path, layout: str = "root") -> tuple[Path, Path]:
    """(KB root, content folder) with `leak.md` linking to a file in the
    content folder's sibling `<name>-private`, and `inside.md` linking to a
    record inside (followed, so the test also sees links work at all)."""
    root_name, content_name, config = LAYOUTS[layout]
    root = tmp_path / root_name
    content = root / content_name if content_name else root
    write_kb(
        root,
        {
            f"{content_name}/sources/a.md".lstrip("/"): record(
                "Alpha Archive",
                "Reading room. See [the leak](/leak/) and [inside](/inside/).",
                description='"Open letters."',
            ),
        },
        config,
    )
    private = content.parent / (content.name + "-private")
    private.mkdir()
    (private / "secret.md").write_text(
        record(f"Secret {SECRET}", f"{SECRET} minutes. [gone](/no-such-page/)", tags='["x y"]'),
        "utf-8",
    )
    # relative, as a user would make it: ln -s ../kb-private/secret.md kb/leak.md
    os.symlink(os.path.join("..", private.name, "secret.md"), content / "leak.md")
    os.symlink("sources/a.md", content / "inside.md")
    assert os.path.realpath(content / "leak.md").startswith(os.path.realpath(content))
    return root, content


# --- each check on its own -------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_scan_lists_no_link_to_a_sibling_whose_name_starts_with_the_kbs(
    tmp_path: Path, layout: str
) -> None:
    _, content = private_sibling(tmp_path, layout)
    links: list[str] = []
    assert sorted(scan(content, links)) == ["inside.md", "sources/a.md"]
    assert sorted(links) == ["inside.md", "leak.md"]  # both seen, one followed


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_reader_refuses_a_link_to_a_sibling_whose_name_starts_with_the_kbs(
    tmp_path: Path, layout: str
) -> None:
    _, content = private_sibling(tmp_path, layout)
    leak = read_source(str(content / "leak.md"), "leak.md", str(content), 2**20)
    assert leak.data is None
    assert leak.skipped is not None and leak.skipped.reason == OUTSIDE
    inside = read_source(str(content / "inside.md"), "inside.md", str(content), 2**20)
    assert inside.skipped is None and inside.data is not None
    assert inside.data.startswith(b'---\ntitle: "Alpha Archive"\n')


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the watcher is Linux only")
def test_the_watcher_does_not_list_a_link_made_to_a_sibling_whose_name_starts_with_the_kbs(
    tmp_path: Path,
) -> None:
    """The watcher re-checks a link at each event (Watch._stat), apart from
    its first whole scan: the links are made after that scan."""
    from kzkb.listing import daemon

    _, content = private_sibling(tmp_path)
    os.unlink(content / "leak.md")
    os.unlink(content / "inside.md")
    watch = daemon.Watch(str(content))
    try:
        with watch.lock:
            watch.update()
        assert sorted(watch.files) == ["sources/a.md"]
        os.symlink(os.path.join("..", "kb-private", "secret.md"), content / "leak.md")
        os.symlink("sources/a.md", content / "inside.md")
        with watch.lock:
            watch.update()
        assert sorted(watch.files) == ["inside.md", "sources/a.md"]
        assert watch.symlinks == {"inside.md", "leak.md"}
    finally:
        watch.inotify.close()


# --- every command ---------------------------------------------------------------------------


@pytest.fixture(params=sorted(LAYOUTS))
def leaky(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, Path]:
    root, content = private_sibling(tmp_path, request.param)
    return root, str(tmp_path / "index.sqlite"), content


def test_list_and_show_serve_nothing_from_the_sibling(run, leaky) -> None:
    root, index, _ = leaky
    opts = ("--kb", str(root), "--index", index)
    listed = run("list", *opts, "-f", "json")
    assert listed.exit_code == 0, listed.stderr
    assert sorted(r["path"] for r in json.loads(listed.stdout)) == ["inside.md", "sources/a.md"]
    shown = run("show", "leak.md", *opts, "-f", "json")
    assert shown.exit_code == 2
    assert SECRET not in shown.stdout + shown.stderr
    by_url = run("show", "/leak/", *opts, "-f", "json")
    assert by_url.exit_code == 2
    assert SECRET not in by_url.stdout + by_url.stderr


def test_search_finds_nothing_from_the_sibling(run, leaky) -> None:
    root, index, _ = leaky
    found = run("search", SECRET, "--kb", str(root), "--index", index, "-f", "json")
    assert found.exit_code == 1, found.stdout
    assert SECRET not in found.stdout
    terms = run("terms", "tags", "--kb", str(root), "--index", index, "-f", "json")
    assert "x-y" not in terms.stdout and "x y" not in terms.stdout


def test_check_links_neither_reads_the_sibling_nor_takes_it_as_a_page(run, leaky) -> None:
    root, index, content = leaky
    done = run("check-links", "--kb", str(root), "--index", index, "-f", "json")
    assert done.exit_code == 1, done.stdout + done.stderr
    data = json.loads(done.stdout)
    findings = [
        (os.path.relpath(f["file"], content), f["target"])
        for f in data["findings"]
        if f["severity"] == "error"
    ]
    # /leak/ is no page of the KB (a.md and inside.md, its link, say so); the
    # secret file's own broken link is not reported
    assert sorted(findings) == [("inside.md", "/leak/"), ("sources/a.md", "/leak/")]
    assert "no-such-page" not in done.stdout


def test_export_writes_nothing_from_the_sibling(run, leaky) -> None:
    root, index, _ = leaky
    done = run("export", "--kb", str(root), "--index", index, "-f", "json")
    assert done.exit_code == 0, done.stderr
    records = json.loads(done.stdout)["records"]
    assert sorted(r["path"] for r in records) == ["inside.md", "sources/a.md"]
    assert SECRET not in done.stdout


def test_lint_neither_reports_nor_fixes_the_sibling(run, leaky, tmp_path: Path) -> None:
    root, _, _ = leaky
    secret = next(tmp_path.rglob("*-private")) / "secret.md"
    before = secret.read_bytes()
    done = run("lint", "--kb", str(root), "-f", "json")
    assert done.exit_code == 0, done.stdout
    assert json.loads(done.stdout) == {
        "findings": [],
        "summary": {"files": 2, "errors": 0, "warnings": 0, "fixed": 0},
    }
    assert run("lint", "--kb", str(root), "--fix").exit_code == 0
    assert secret.read_bytes() == before
