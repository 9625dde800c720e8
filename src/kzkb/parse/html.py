"""HTML as a browser reads it: the links and ids of raw HTML in Markdown,
and the links, headings and text of a page written in HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

# Raw HTML is read as a browser's HTML5 tokenizer reads it, in one pass.
# Not with html.parser: on an unclosed quote or comment it re-reads the rest
# of the text at every later "<", so that 100 KB of HTML took 30 s.
_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\f\r />]*")
_TAG_GAP = re.compile(r"[\t\n\f\r /]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r /=>]*[\t\n\f\r ]*(=[\t\n\f\r ]*)?")
_UNQUOTED = re.compile(r"[^\t\n\f\r >]*")
_RAW_TEXT_END = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}


def _html_targets(html: str) -> tuple[list[tuple[str, str]], list[str]]:
    """href and src targets of raw HTML, as (tag, target), and the ids a
    #fragment may name; scan_html without the offsets."""
    found, ids = scan_html(html)
    return [(tag, target) for tag, target, _ in found], ids


def scan_html(html: str) -> tuple[list[tuple[str, str, int]], list[str]]:
    """href and src targets of raw HTML, as (tag, target, offset of the value
    as written), in the order written, and the ids a #fragment may name (id,
    and name of <a>). Nothing in comments, nor in a tag the text ends inside
    (as a browser drops it)."""
    lowered = html if html.islower() else html.lower()  # HTML's names have no case
    if not any(word in lowered for word in ("href", "src", "id", "name")):
        return [], []
    found: list[tuple[str, str, int]] = []
    ids: list[str] = []
    for tag, attrs, _start, _end in _start_tags(html):
        _targets(tag, attrs, found, ids)
    return found, ids


def _targets(
    tag: str, attrs: list[tuple[str, str, int]], found: list[tuple[str, str, int]], ids: list[str]
) -> None:
    for key, value, at in attrs:
        if key in ("href", "src") and value:
            found.append((tag, value, at))
        elif value and (key == "id" or (key == "name" and tag == "a")):
            ids.append(value)


# (tag name, [(attribute, value, offset of the value)], tag start, tag end)
StartTag = tuple[str, list[tuple[str, str, int]], int, int]


def _start_tags(html: str, ends: list[tuple[str, int, int]] | None = None) -> Iterator[StartTag]:
    """The start tags of HTML, in order, with their attributes; the end
    tags, as (name, start, end), are added to `ends` when given. Comments,
    declarations and the insides of <script> and <style> hold none; the
    text ends at a tag it ends inside (a browser drops that tag)."""
    from html import unescape

    end = len(html)
    i = 0
    while (i := html.find("<", i)) >= 0:
        if html.startswith("<!--", i):
            i = html.find("-->", i + 4)
            if i < 0:
                break
            i += 3
            continue
        if html[i + 1 : i + 2] in ("!", "?", "/"):  # a declaration, or an end tag
            close = html.find(">", i + 2)
            if close < 0:
                break
            if ends is not None and html[i + 1] == "/":
                name = _TAG_NAME.match(html, i + 2)
                if name is not None:
                    ends.append((name.group().lower(), i, close + 1))
            i = close
            continue
        name = _TAG_NAME.match(html, i + 1)
        if name is None:
            i += 1
            continue
        opened = i
        tag = name.group().lower()
        i = name.end()
        attrs: list[tuple[str, str, int]] = []
        closed = False
        while (i := _TAG_GAP.match(html, i).end()) < end:  # type: ignore[union-attr]
            if html[i] == ">":
                closed = True
                i += 1
                break
            attr = _ATTR_NAME.match(html, i)
            assert attr is not None  # it matches whatever is not a gap or ">"
            key = html[i : attr.start(1) if attr.group(1) else attr.end()].rstrip().lower()
            i = attr.end()
            value = ""
            at = i
            if attr.group(1) is not None:
                if html[i : i + 1] in ('"', "'"):
                    close = html.find(html[i], i + 1)
                    if close < 0:
                        break  # the text ends inside the value: no tag
                    value, at, i = html[i + 1 : close], i + 1, close + 1
                else:
                    unquoted = _UNQUOTED.match(html, i)
                    assert unquoted is not None
                    value, i = unquoted.group(), unquoted.end()
            attrs.append((key, unescape(value) if "&" in value else value, at))
        if not closed:
            break
        yield tag, attrs, opened, i
        if tag in _RAW_TEXT_END:  # no tags inside <script> and <style>
            after = _RAW_TEXT_END[tag].search(html, i)
            if after is None:
                break
            i = after.start()


_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# elements whose start or end breaks a line: their words must not run together
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
})  # fmt: skip


class Page(NamedTuple):
    """What a page written in HTML holds, offsets into its text."""

    links: list[tuple[str, str, str, int]]  # (tag, target, the <a>'s text, offset)
    headings: list[tuple[int, str, str, int]]  # (level, text, id or "", offset)
    text: str  # what a browser shows, in one line
    ids: list[str]


def read_page(html: str) -> Page:
    """The links, headings, text and ids of a page written in HTML (a
    content file like about.html), in one linear pass: text is what lies
    between tags, less comments, <script> and <style>, entities decoded."""
    from html import unescape

    ends: list[tuple[str, int, int]] = []
    tags = list(_start_tags(html, ends))
    # one ordered stream of start and end tags: (start, end, name, attrs or None)
    stream = sorted(
        [(start, stop, tag, attrs) for tag, attrs, start, stop in tags]
        + [(start, stop, name, None) for name, start, stop in ends]
    )
    pieces: list[str] = []
    links: list[tuple[str, str, str, int]] = []
    ids: list[str] = []
    headings: list[tuple[int, str, str, int]] = []
    heading: tuple[int, str, int, int] | None = None  # level, id, start, piece number
    anchor: tuple[int, int] | None = None  # link number, piece number
    done = 0

    def text(upto: int) -> None:
        chunk = _visible(html, done, upto)
        if chunk:
            pieces.append(unescape(chunk) if "&" in chunk else chunk)

    for start, stop, name, attrs in stream:
        if start < done:
            continue  # inside <script> or <style>, or a comment
        text(start)
        done = stop
        if name in _RAW_TEXT_END and attrs is not None:
            after = _RAW_TEXT_END[name].search(html, stop)
            done = after.start() if after else len(html)
        if attrs is not None:
            found: list[tuple[str, str, int]] = []
            _targets(name, attrs, found, ids)
            for tag, target, at in found:
                links.append((tag, target, "", at))
            if name == "a" and found:
                anchor = (len(links) - 1, len(pieces))
            if name in _HEADINGS:
                own = next((v for k, v, _ in attrs if k == "id" and v), "")
                heading = (_HEADINGS[name], own, start, len(pieces))
        else:
            if name == "a" and anchor is not None:
                number, first = anchor
                tag, target, _, at = links[number]
                links[number] = (tag, target, " ".join("".join(pieces[first:]).split()), at)
                anchor = None
            if name in _HEADINGS and heading is not None:
                level, own, at, first = heading
                headings.append((level, " ".join("".join(pieces[first:]).split()), own, at))
                heading = None
        if name in _BLOCKS:
            pieces.append(" ")
    text(len(html))
    return Page(links, headings, " ".join("".join(pieces).split()), ids)


def _visible(html: str, start: int, end: int) -> str:
    """The text between two tags, less comments (and a comment left open)."""
    out: list[str] = []
    while (opened := html.find("<!--", start, end)) >= 0:
        out += (html[start:opened], " ")
        closed = html.find("-->", opened + 4, end)
        if closed < 0:
            return "".join(out)
        start = closed + 3
    out.append(html[start:end])
    return "".join(out)
