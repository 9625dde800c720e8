"""A record's body by the language it is written in: Markdown, or HTML for
the content files Hugo renders as HTML (about.html, _index.html)."""

from __future__ import annotations

from kzkb.files import HTML_SUFFIXES
from kzkb.model import Heading, Link
from kzkb.parse.html import read_page
from kzkb.parse.markdown import _drop_shortcodes, _Positions, _shortcode_refs, scan_markdown


def is_html(relpath: str) -> bool:
    return relpath.lower().endswith(HTML_SUFFIXES)


def scan_body(
    relpath: str, body: str, first_line: int = 1
) -> tuple[list[Link], list[Heading], str, list[str]]:
    """Links, headings, plain text and HTML ids of a record's body (see
    scan_markdown), read as Hugo reads the file: HTML as HTML, where an
    indented line is no code block and the links in it count."""
    if not is_html(relpath):
        return scan_markdown(body, first_line)
    if not body.strip():
        return [], [], "", []
    page = read_page(body)
    pos = _Positions(body, first_line)
    offsets = pos.byte_offsets(body, [at for *_, at in page.links])
    links = [
        Link(target, text, *pos.at(offset), "image" if tag == "img" else "html")
        for (tag, target, text, _), offset in zip(page.links, offsets, strict=True)
        # a shortcode in an attribute (href="{{< ref … >}}") is Hugo's to
        # fill in: refs are read below, and nothing else can be checked
        if "{{" not in target
    ]
    if "ref" in body and "{{" in body:
        # Hugo runs shortcodes in HTML content too, and HTML has no code spans
        links += _shortcode_refs(body, pos, [])
    links.sort(key=lambda x: (x.line, x.column))
    heading_offsets = pos.byte_offsets(body, [at for *_, at in page.headings])
    headings = [
        Heading(level, text, own, pos.at(offset)[0])
        for (level, text, own, _), offset in zip(page.headings, heading_offsets, strict=True)
    ]
    plain = _drop_shortcodes(page.text) if "{{" in page.text else page.text
    return links, headings, plain, page.ids


def plain_text(relpath: str, body: str) -> str:
    """A record's body as the plain text search reads (Record.text)."""
    return scan_body(relpath, body)[2]
