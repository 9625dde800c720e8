"""kzkb.move.rewrite: link targets replaced where the loader found them, and
nothing else of the file; a new target spelled as the old one was."""

from __future__ import annotations

import pytest

from kzkb.hugo.links import own_site
from kzkb.model import KzkbError, Record
from kzkb.move.alias import add_alias, drop_alias
from kzkb.move.rewrite import TargetEdit, respell, rewrite_targets, target_spots
from kzkb.parse.record import build_record
from kzkb.parse.source import as_loaded
from kzkb.settings.config import Config


def _record(text: str, path: str = "guides/a.md") -> Record:
    from pathlib import Path

    record = build_record(path, as_loaded(text), Config(root=Path("."), content_dir=Path(".")))
    assert isinstance(record, Record)
    return record


MIXED = (
    "\ufeff---\r\n"
    "title: Ärger (ok)\r\n"
    "---\r\n"
    "Қазақ [/guides/b/](/guides/b/) and [ref][r] and ![img](/guides/b/)\r\n"
    '<a\r\nhref="/guides/b/#x">html</a>\r\n'
    '{{< ref "guides/b.md" >}}\r\n'
    "\r\n"
    "    [in code](/guides/b/)\r\n"
    "\r\n"
    "```\r\n[fenced](/guides/b/)\r\n```\r\n"
    "`[span](/guides/b/)`\r\n"
    "\r\n"
    "[r]: /guides/b/ 'T'\r\n"
)


def test_every_kind_of_link_is_rewritten_and_nothing_else_changes() -> None:
    """BOM and CRLF kept, a link text equal to the URL kept, links in code
    blocks and spans untouched (they are no links)."""
    record = _record(MIXED)
    edits = [
        TargetEdit(line, column, link.target, link.target.replace("b", "NEW"))
        for link in record.links
        for line, column in target_spots(MIXED, link)
    ]
    assert len(edits) == 5  # inline, reference, image, html, ref: nothing in code
    out = rewrite_targets(MIXED, edits)
    expected = (
        MIXED.replace("](/guides/b/)", "](/guides/NEW/)")
        .replace("/guides/b/#x", "/guides/NEW/#x")
        .replace('"guides/b.md"', '"guides/NEW.md"')
        .replace("[r]: /guides/b/", "[r]: /guides/NEW/")
        # the code block, the fence and the span stay as written
        .replace("    [in code](/guides/NEW/)", "    [in code](/guides/b/)")
        .replace("[fenced](/guides/NEW/)", "[fenced](/guides/b/)")
        .replace("`[span](/guides/NEW/)`", "`[span](/guides/b/)`")
    )
    assert out.encode() == expected.encode()
    assert "[/guides/b/](" in out  # the link's text is no target
    again = _record(out)
    assert sorted(link.target for link in again.links) == sorted(e.new for e in edits)


def test_a_target_not_written_where_the_edit_says_is_refused() -> None:
    text = "[a](/x/)\n"
    with pytest.raises(KzkbError, match="not written there"):
        rewrite_targets(text, [TargetEdit(1, 5, "/y/", "/z/")])
    with pytest.raises(KzkbError):
        rewrite_targets(text, [TargetEdit(9, 1, "/x/", "/z/")])
    # nothing was half-done: the text is a value, the caller's stays
    assert rewrite_targets(text, []) == text


def test_an_escaped_target_is_refused_not_guessed() -> None:
    """pulldown-cmark reads `\\(` as `(`: the target as read is not written
    there, and an edit of the written characters could break the link."""
    text = "[a](/x\\(1\\)/)\n"
    (link,) = _record(text).links
    with pytest.raises(KzkbError, match="escape"):
        rewrite_targets(text, [TargetEdit(link.line, link.column, link.target, "/y/")])


def test_two_links_on_one_line_keep_their_order() -> None:
    text = "[a](/x/) [b](/x/) [c](/y/)\n"
    links = _record(text).links
    edits = [TargetEdit(x.line, x.column, x.target, "/long/new/") for x in links[:2]]
    assert rewrite_targets(text, edits) == "[a](/long/new/) [b](/long/new/) [c](/y/)\n"


def test_a_definition_two_links_use_is_rewritten_once_and_fences_are_no_definitions() -> None:
    text = "[a][r] and [b][R]\n\n```\n[r]: /x/\n```\n\n[r]: /x/\n"
    record = _record(text)
    edits = [
        TargetEdit(*spot, link.target, "/y/")
        for link in record.links
        for spot in target_spots(text, link)
    ]
    assert len(edits) == 2
    assert rewrite_targets(text, edits) == "[a][r] and [b][R]\n\n```\n[r]: /x/\n```\n\n[r]: /y/\n"


OWN = own_site("https://example.org/portal/")

RESPELL = [
    # (old target, new URL, base URL of the linking page, expected)
    ("/guides/a/", "/guides/b/", "/", "/guides/b/"),
    ("/guides/a", "/guides/b/", "/", "/guides/b"),
    ("/guides/a/#sec", "/guides/b/", "/", "/guides/b/#sec"),
    ("/guides/a/?x=1#s", "/guides/b/", "/", "/guides/b/?x=1#s"),
    ("/guides/a/index.html", "/new/b/", "/", "/new/b/index.html"),
    ("../a/", "/guides/b/", "/guides/c/", "../b/"),
    ("../a", "/other/b/", "/guides/c/", "../../other/b"),
    ("./a/", "/guides/c/a2/", "/guides/c/", "./a2/"),
    ("a/", "/guides/c/a2/", "/guides/c/", "a2/"),
    ("../", "/", "/guides/", "../"),
    ("https://example.org/portal/guides/a/", "/x/y/", "/", "https://example.org/portal/x/y/"),
    ("HTTP://Example.org/portal/guides/a#f", "/x/y/", "/", "HTTP://Example.org/portal/x/y#f"),
    ("/guides/a/pic.png", "/guides/b/pic.png", "/", "/guides/b/pic.png"),
    ("pic.png", "/guides/b/pic.png", "/guides/b/", "pic.png"),
    ("/kk/a/", "/kk/гид/", "/", "/kk/гид/"),
    ("/kk/%D0%B0/", "/kk/гид/", "/", "/kk/%D0%B3%D0%B8%D0%B4/"),
    ("/a/", "/a b/", "/", "/a%20b/"),
]


@pytest.mark.parametrize(("old", "new", "base", "expected"), RESPELL)
def test_a_url_is_respelled_in_the_old_links_form(
    old: str, new: str, base: str, expected: str
) -> None:
    assert respell(old, new, base_url=base, own=OWN) == expected


PATHS = [
    # (old target, kind, new content path, linking file, expected)
    ("guides/a.md", "ref", "guides/b.md", "x/y.md", "guides/b.md"),
    ("/guides/a.md", "ref", "docs/b.md", "x/y.md", "/docs/b.md"),
    ("a.md", "ref", "docs/b.md", "x/y.md", "b.md"),
    ("a", "ref", "docs/b.md", "x/y.md", "b"),
    ("guides/a", "ref", "docs/b.md", "x/y.md", "docs/b"),
    ("guides/sec", "ref", "docs/sec2/_index.md", "x/y.md", "docs/sec2"),
    ("guides/sec/_index.md", "ref", "docs/sec2/_index.md", "x/y.md", "docs/sec2/_index.md"),
    ("../a.md#h", "ref", "docs/b.md", "guides/y.md", "../docs/b.md#h"),
    ("../a.md#h", "link", "docs/b.md", "guides/y.md", "../docs/b.md#h"),
    ("a.md", "link", "guides/b.md", "guides/y.md", "b.md"),
    ("a.md", "link", "docs/b.md", "guides/y.md", "../docs/b.md"),
    ("./a.md", "link", "guides/b.md", "guides/y.md", "./b.md"),
    ("/guides/a.md", "link", "docs/b.md", "guides/y.md", "/docs/b.md"),
]


@pytest.mark.parametrize(("old", "kind", "new", "base", "expected"), PATHS)
def test_a_content_path_is_respelled_in_the_old_links_form(
    old: str, kind: str, new: str, base: str, expected: str
) -> None:
    assert respell(old, "", new_path=new, base_path=base, kind=kind) == expected


ALIASED = [
    # (front matter as written, as it reads after, with /old/ added)
    ("---\ntitle: A\n---\nbody\n", "---\ntitle: A\naliases: [/old/]\n---\nbody\n"),
    (
        "---\r\ntitle: A\r\n---\r\nbody\r\n",
        "---\r\ntitle: A\r\naliases: [/old/]\r\n---\r\nbody\r\n",
    ),
    (
        "\ufeff---\ntitle: A\naliases: [/x/]\n---\n",
        "\ufeff---\ntitle: A\naliases: [/x/, /old/]\n---\n",
    ),
    (
        "---\naliases:\n  - /x/\n  - /y/ # kept\n\ntitle: A\n---\n",
        "---\naliases:\n  - /x/\n  - /y/ # kept\n  - /old/\n\ntitle: A\n---\n",
    ),
    ("---\naliases: /x/\n---\n", "---\naliases: [/x/, /old/]\n---\n"),
    ("---\naliases:\ntitle: A\n---\n", "---\naliases: [/old/]\ntitle: A\n---\n"),
    (
        '+++\ntitle = "A"\n[params]\nx = 1\n+++\n',
        '+++\ntitle = "A"\naliases = ["/old/"]\n[params]\nx = 1\n+++\n',
    ),
    ('+++\naliases = ["/x/"]\n+++\n', '+++\naliases = ["/x/", "/old/"]\n+++\n'),
    ('{"title": "A"}\nbody\n', '{ "aliases": ["/old/"],"title": "A"}\nbody\n'),
    ("just a body\n", "---\naliases: [/old/]\n---\njust a body\n"),
]


@pytest.mark.parametrize(("before", "after"), ALIASED)
def test_an_alias_is_added_and_nothing_else_changes(before: str, after: str) -> None:
    assert add_alias(before, "/old/") == after
    assert add_alias(after, "/old/") == after  # there already: left as it is


def test_an_alias_that_cannot_be_added_line_by_line_is_refused() -> None:
    with pytest.raises(KzkbError, match="by hand"):
        add_alias('+++\naliases = [\n  "/x/",\n]\n+++\n', "/old/")
    # a key YAML reads twice would lose the old aliases: the gate refuses it
    with pytest.raises(KzkbError, match="by hand"):
        add_alias('---\n"aliases": [/x/]\n---\n', "/old/")


DROPPED = [
    ("---\naliases: [/a/, /b]\n---\n", "---\naliases: [/a/]\n---\n"),
    ("---\naliases:\n  - /b/\n  - /a/\ntitle: T\n---\n", "---\naliases:\n  - /a/\ntitle: T\n---\n"),
    ('+++\naliases = ["/b/"]\n+++\n', "+++\naliases = []\n+++\n"),
    ('{"aliases": ["/b/", "/a/"]}\n', '{"aliases": ["/a/"]}\n'),
    ("---\ntitle: T\n---\n", "---\ntitle: T\n---\n"),  # none: as it was
]


@pytest.mark.parametrize(("before", "after"), DROPPED)
def test_an_alias_is_dropped_and_nothing_else_changes(before: str, after: str) -> None:
    assert drop_alias(before, "/b/") == after
