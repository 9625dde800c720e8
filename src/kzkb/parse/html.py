"""Raw HTML in Markdown: the links and ids a browser finds in it."""

from __future__ import annotations

import re

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
    from html import unescape

    found: list[tuple[str, str, int]] = []
    ids: list[str] = []
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
            i = html.find(">", i + 2)
            if i < 0:
                break
            continue
        name = _TAG_NAME.match(html, i + 1)
        if name is None:
            i += 1
            continue
        tag = name.group().lower()
        i = name.end()
        attrs: list[tuple[str, str, int]] = []
        closed = False
        while (i := _TAG_GAP.match(html, i).end()) < end:
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
        for key, value, at in attrs:
            if key in ("href", "src") and value:
                found.append((tag, value, at))
            elif value and (key == "id" or (key == "name" and tag == "a")):
                ids.append(value)
        if tag in _RAW_TEXT_END:  # no tags inside <script> and <style>
            after = _RAW_TEXT_END[tag].search(html, i)
            if after is None:
                break
            i = after.start()
    return found, ids
