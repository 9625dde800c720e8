"""Where a link points and where it is written (kzkb.hugo.links, kzkb.parse.markdown),
case by case. Each case failed a mutant of the mutation run (README, Development)
that every other test let pass: a check-links finding would name the wrong key,
anchor or column, or take an external link for a missing page.
"""

from __future__ import annotations

import pytest

from kzkb.hugo.links import fragment_of, is_web, link_key, own_site
from kzkb.model import Link, Record
from kzkb.parse.markdown import scan_markdown

PAGE = Record(path="sources/a.md", url="/sources/a/", lang="en", kind="source", title="A")


def key(target: str, kind: str = "link") -> str | None:
    return link_key(Link(target, "", 1, 1, kind), PAGE)


def test_a_protocol_relative_link_is_external_not_a_missing_page() -> None:
    # //cdn.example.org/x.js is https://cdn.example.org/x.js on an https page
    assert key("//cdn.example.org/x.js") is None


def test_a_fragment_is_all_that_follows_the_first_hash() -> None:
    # as a browser reads it (WHATWG URL): a later '#' belongs to the fragment
    assert fragment_of("/guide/#a#b") == "a#b"
    assert fragment_of("/guide/#caf%C3%A9") == "café"
    assert fragment_of("/guide/") == ""


def test_a_ref_keys_on_its_path_before_the_first_hash() -> None:
    assert key("x.md#a#b", "ref") == "ref:x.md"
    assert key(" guides/x.md #top", "ref") == "ref:guides/x.md"


def test_a_ref_to_a_heading_alone_is_this_very_page() -> None:
    # {{< ref "#top" >}} is a heading of the page it is written in
    assert key("#top", "ref") == PAGE.url


def test_a_link_to_a_markdown_file_from_the_root_keeps_its_first_letter() -> None:
    # Xabar (Uzbek: news): the leading '/' goes, nothing else
    assert key("/Xabar/news.md") == "path:Xabar/news.md"
    assert key("/XX/a.md") == "path:XX/a.md"
    assert key("../Xabar/news.md") == "path:Xabar/news.md"


WEB = [
    ("http://example.org/", True),
    ("https://example.org/", True),
    ("HTTP://EXAMPLE.ORG/", True),
    ("HTTPS://example.org/", True),
    ("Https://example.org/", True),
    ("//example.org/x", True),
    ("mailto:a@example.org", False),
    ("ftp://example.org/f", False),
    ("https:/example.org", False),
    ("/x/", False),
    ("x.md", False),
]


@pytest.mark.parametrize(("target", "expected"), WEB)
def test_which_links_an_external_check_fetches(target: str, expected: bool) -> None:
    assert is_web(target) is expected


def test_a_link_is_placed_at_its_target_not_at_the_same_text_before_it() -> None:
    links, *_ = scan_markdown("[/x](/x)\n")
    assert [(x.line, x.column) for x in links] == [(1, 6)]


def test_a_reference_link_is_placed_at_itself_when_its_target_is_written_earlier() -> None:
    # the target (/x) is written in the text above and in the definition
    # below, never inside [a][r]: the link is where [a][r] is
    body = "see /x here\n\n[a][r]\n\n[r]: /x\n"
    links, *_ = scan_markdown(body)
    assert [(x.target, x.line, x.column) for x in links] == [("/x", 3, 1)]


def test_a_full_url_under_the_base_url_is_a_link_into_the_site() -> None:
    site = own_site("https://example.org/portal/")
    assert (
        link_key(Link("https://example.org/portal/guides/x", "", 1, 1), PAGE, site) == "/guides/x/"
    )
    assert link_key(Link("https://EXAMPLE.org/portal/a.md", "", 1, 1), PAGE, site) == "path:a.md"
    # another host, or no baseURL known: external
    assert link_key(Link("https://other.org/portal/x", "", 1, 1), PAGE, site) is None
    assert link_key(Link("https://example.org/portal/x", "", 1, 1), PAGE) is None


def test_a_fix_is_spelled_as_the_link_was_written() -> None:
    # check-links suggests the page's URL with the scheme, host and base path
    # the writer used, whatever the page's first letter or the path's slashes
    deep = own_site("https://example.org/a/b/")
    assert deep.spelled("/x/", "https://example.org/a/b/y") == "https://example.org/a/b/x/"
    assert deep.spelled("/Xabar/", "https://example.org/A/b/y") == "https://example.org/A/b/Xabar/"
    assert deep.spelled("/x/", "https://example.org/a/b/y//z") == "https://example.org/a/b/x/"
    root = own_site("https://example.org/")
    assert root.spelled("/Xabar/", "http://example.org/y") == "http://example.org/Xabar/"


def test_the_default_ports_written_out_are_the_site_s_own() -> None:
    site = own_site("https://example.org/")
    assert site.within("http://example.org:80/x") == "/x"
    assert site.within("https://example.org:443/x") == "/x"
    assert site.within("https://example.org:8080/x") is None


def test_a_base_url_with_the_root_dot_or_its_default_port_is_the_same_site() -> None:
    for base in ("https://example.org./", "https://example.org:443/", "http://example.org:80/"):
        site = own_site(base)
        assert site is not None
        assert site.within("https://example.org/x") == "/x", base
