"""Bad, big and hostile files (issue 7): each one is reported and skipped, or
indexed correctly, while the rest of the KB is served — never a traceback,
never a hang, never memory without bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzkb.config import Config
from kzkb.index import Index
from kzkb.loader import load_bytes, scan_markdown
from kzkb.model import Record


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(root=tmp_path, content_dir=tmp_path)


# --- 10,000 links in one record -------------------------------------------------------------------


def test_ten_thousand_links_on_one_line_are_all_found_where_they_are(config: Config) -> None:
    """Cyrillic text before each link, so that columns are characters, not
    bytes; and ref shortcodes between code spans, which hold none."""
    links = [f"[ссылка {i}](/x/{i}/)" for i in range(10_000)]
    refs = [f'{{{{< ref "r{i}.md" >}}}} `{{{{< ref "code.md" >}}}}`' for i in range(10_000)]
    text = f"---\ntitle: Many\n---\n\n{' '.join(links)}\n\n{' '.join(refs)}\n"
    record = load_bytes(text.encode(), "many.md", config)
    assert isinstance(record, Record)

    def columns(parts: list[str], within: str) -> list[int]:
        """1-based column of `within` in each part of the line they make."""
        out, at = [], 0
        for part in parts:
            out.append(at + part.index(within) + 1)
            at += len(part) + 1
        return out

    found = [(x.target, x.line, x.column) for x in record.links if x.kind == "link"]
    assert found == [(f"/x/{i}/", 5, column) for i, column in enumerate(columns(links, "/x/"))]
    found = [(x.target, x.line, x.column) for x in record.links if x.kind == "ref"]
    quotes = columns(refs, '"r')
    assert found == [(f"r{i}.md", 7, column + 1) for i, column in enumerate(quotes)]


def test_ten_thousand_links_are_all_stored(tmp_path: Path) -> None:
    links = "\n".join(f"[l{i}](/x/{i}/) and [f{i}](#h{i})" for i in range(10_000))
    (tmp_path / "many.md").write_text(f"---\ntitle: Many\n---\n\n{links}\n", "utf-8")
    index = Index.open(tmp_path / "i.sqlite", owned=True)
    try:
        index.refresh(Config(root=tmp_path, content_dir=tmp_path))
        assert index.link_count() == 20_000
    finally:
        index.close()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{{< " * 40_000 + "text", id="unclosed-shortcodes"),
        pytest.param('{{< ref "a ' * 20_000, id="unclosed-refs"),
        pytest.param("<div href=x>" + "<a b='" * 20_000, id="unclosed-html-attributes"),
        pytest.param("<div href=x>" + "<!--x" * 20_000, id="unclosed-html-comments"),
        pytest.param("<div href=x>" + "<![CDATA[" * 20_000, id="unclosed-cdata"),
    ],
)
def test_inputs_that_were_quadratic_are_scanned(body: str) -> None:
    """Each took from 5 s to minutes before (a lazy regular expression,
    html.parser re-reading the rest at every "<"); the result is the same."""
    links, _, plain, _ = scan_markdown(body)
    assert [x.target for x in links] == (["x"] if body.startswith("<div") else [])
    assert plain.endswith("text") or not body.endswith("text")


@pytest.mark.parametrize(
    ("html", "targets", "ids"),
    [
        ('<a href="/x">y</a>', [("a", "/x")], []),
        ("<A HREF='/y' ID=top>", [("a", "/y")], ["top"]),
        ('<img src=/i.png alt="a>b">', [("img", "/i.png")], []),
        ('<a title="a>b" href="/z">', [("a", "/z")], []),
        ('<!-- <a href="/no"> --><a href="/yes">', [("a", "/yes")], []),
        ('<a href="/unclosed', [], []),
        ('<a name="n" href="/a?b=1&amp;c=2">', [("a", "/a?b=1&c=2")], ["n"]),
        ('<div name="n" id="d">', [], ["d"]),
        ('<script>x = "<a href=/s>"</script><a href=/after>', [("a", "/after")], []),
        ("<p/><a/href=/slash>", [("a", "/slash")], []),
        ("<a href>", [], []),
    ],
)
def test_raw_html_targets_and_ids(html: str, targets, ids) -> None:
    from kzkb.loader import _html_targets

    assert _html_targets(html) == (targets, ids)
