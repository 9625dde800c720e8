"""A Markdown body's links, headings, plain text and HTML ids, with file positions."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, repeat
from operator import add
from typing import Any

from kzkb.model import Heading, Link
from kzkb.parse.html import scan_html
from kzkb.urls import heading_id, unique_ids

# pulldown-cmark (through pyromark) is a CommonMark parser like Hugo's
# Goldmark, and 200x faster than a pure-Python one: 5 us against 1.3 ms a
# record, the difference between a 100,000-record KB indexing in seconds or
# in minutes. It resolves reference links and never reports a link inside
# code spans or blocks.
_MD_OPTIONS = None


def _options() -> Any:
    global _MD_OPTIONS
    if _MD_OPTIONS is None:
        import pyromark

        _MD_OPTIONS = (
            pyromark.Options.ENABLE_HEADING_ATTRIBUTES
            | pyromark.Options.ENABLE_TABLES
            | pyromark.Options.ENABLE_STRIKETHROUGH
        )
    return _MD_OPTIONS


# Hugo's {{< ref "path#anchor" >}} and relref, in either shortcode notation;
# a commented-out {{</* ref */>}} does not match.
_REF = re.compile(r"\{\{([<%])\s*(?:rel)?ref\s+(?:path=)?(?:\"([^\"\n]*)\"|`([^`\n]*)`)\s*[>%]\}\}")

_INLINE_ENDS = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript"})
_SHORTCODE_OPEN = re.compile(r"\{\{[<%]")
_SHORTCODE_CLOSE = re.compile(r"[%>]\}\}")


class _Positions:
    """Byte offsets of the body (what pulldown-cmark reports) to file line and
    character column.

    Linear in the body however many links one line holds: an ASCII body's
    columns are byte counts, and otherwise each column is counted on from
    the one asked before it on that line (links come in order) rather than
    from the line's start, which on a line of 10,000 links is quadratic."""

    def __init__(self, body: str, first_line: int) -> None:
        self.data = body.encode("utf-8")
        self.ascii = len(self.data) == len(body)
        self.first_line = first_line
        self.starts = line_starts(self.data)
        self._last = (-1, 0, 0)  # row, offset and column of the last answer

    def at(self, offset: int) -> tuple[int, int]:
        row = bisect_right(self.starts, offset) - 1
        start = self.starts[row]
        if self.ascii:
            return row + self.first_line, offset - start + 1
        last_row, last_offset, last_column = self._last
        if row == last_row and offset >= last_offset:
            start, column = last_offset, last_column
        else:
            column = 0
        column += len(self.data[start:offset].decode("utf-8", "replace"))
        self._last = (row, offset, column)
        return row + self.first_line, column + 1

    def byte_offsets(self, body: str, offsets: list[int]) -> list[int]:
        """Byte offsets of ascending character offsets into `body`."""
        if self.ascii:
            return offsets
        out = []
        chars = done = 0
        for offset in offsets:
            done += len(body[chars:offset].encode("utf-8"))
            chars = offset
            out.append(done)
        return out

    def find(self, needle: str, start: int, end: int) -> int:
        """Offset of `needle` within [start, end), the last one (a link's
        target follows its text), or `start` when it is not written there."""
        pos = self.data.rfind(needle.encode("utf-8"), start, end)
        return pos if pos >= 0 else start


def scan_markdown(
    body: str, first_line: int = 1
) -> tuple[list[Link], list[Heading], str, list[str]]:
    """Links, headings, plain text and HTML ids of a Markdown body.

    Lines are file lines (the body starts at `first_line`); a link's line and
    column are those of its target as written. Code holds no links.
    """
    if not body.strip():
        return [], [], "", []
    import pyromark

    events = pyromark.events_with_range(body, options=_options())
    pos = _Positions(body, first_line)
    links: list[Link] = []
    heads: list[tuple[int, str, str | None, int]] = []
    text: list[str] = []
    html_ids: list[str] = []
    code: list[tuple[int, int]] = []  # byte ranges of code, where no shortcode counts
    open_links: list[tuple[str, str, int, int, int]] = []  # kind, target, start, end, text at
    heading: tuple[int, str | None, int, int] | None = None  # level, id, start, text at
    block: list[tuple[str, int, int]] = []  # the Html events of the HTML block read so far
    for event, span in events:
        if block and not (isinstance(event, dict) and "Html" in event):
            _html_links(block, pos, links, html_ids)
            block = []
        if isinstance(event, dict):
            ((name, value),) = event.items()
            if name == "Html":
                block.append((value, span["start"], span["end"]))
            elif name == "Text":
                text.append(value)
            elif name == "Code":
                text.append(value)
                code.append((span["start"], span["end"]))
            elif name == "Start" and isinstance(value, dict):
                ((kind, attrs),) = value.items()
                if kind in ("Link", "Image"):
                    open_links.append(
                        (kind.lower(), attrs["dest_url"], span["start"], span["end"], len(text))
                    )
                elif kind == "Heading":
                    heading = (int(attrs["level"][1]), attrs.get("id"), span["start"], len(text))
                elif kind == "CodeBlock":
                    code.append((span["start"], span["end"]))
            elif name == "End" and value in ("Link", "Image") and open_links:  # before End
                kind, target, start, end, at = open_links.pop()
                label = "".join(text[at:])
                offset = pos.find(target, start, end) if target else start
                line, column = pos.at(offset)
                links.append(Link(target, label, line, column, kind))
            elif name == "End":
                if isinstance(value, dict) and "Heading" in value and heading:
                    level, explicit, start, at = heading
                    line, _ = pos.at(start)
                    heads.append((level, "".join(text[at:]).strip(), explicit or None, line))
                    heading = None
                if isinstance(value, dict) or value not in _INLINE_ENDS:
                    text.append(" ")  # a block ended: its words must not run into the next
            elif name == "InlineHtml":  # one whole tag or comment
                _html_links([(value, span["start"], span["end"])], pos, links, html_ids)
        elif event in ("SoftBreak", "HardBreak"):
            text.append(" ")
        elif event == "Rule":
            text.append("\n")
    if block:
        _html_links(block, pos, links, html_ids)
    if "ref" in body and "{{" in body:
        links += _shortcode_refs(body, pos, code)
    links.sort(key=lambda x: (x.line, x.column))
    ids = unique_ids([explicit or heading_id(t) for _, t, explicit, _ in heads])
    headings = [
        Heading(level, t, anchor, line)
        for (level, t, _, line), anchor in zip(heads, ids, strict=True)
    ]
    plain = squeeze("".join(text))
    if "{{" in plain:
        plain = _drop_shortcodes(plain)
    return links, headings, plain, html_ids


def line_starts(data: bytes) -> list[int]:
    """The offset each line of `data` starts at: after each b"\\n", and 0.
    Summed from the lines' lengths in C (a search a line in Python took a
    tenth of the Markdown stage)."""
    starts = list(accumulate(map(add, map(len, data.split(b"\n")), repeat(1)), initial=0))
    starts.pop()  # past the end
    return starts


_SPACES = re.compile(" {2,}")


def squeeze(text: str) -> str:
    """The text as `" ".join(text.split())` makes it: each run of white
    space one space, none at either end. Text whose only white space is the
    space (every other white-space character is unprintable) is squeezed
    without being cut into words: a list of a body's words cost a fifth of
    its Markdown stage."""
    if not text.isprintable():
        return " ".join(text.split())
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip(" ")


def _html_links(
    pieces: list[tuple[str, int, int]], pos: _Positions, links: list[Link], ids: list[str]
) -> None:
    """Add the links and ids of raw HTML given as (text, body start, body end)
    pieces, read as one text. pulldown-cmark gives an HTML block one line at
    a time, and a browser reads a tag or a comment across lines: read line
    by line, an <a> whose href stood on the line after its name gave no link."""
    html = pieces[0][0] if len(pieces) == 1 else "".join(piece for piece, _, _ in pieces)
    found, more = scan_html(html)
    ids += more
    if not found:
        return
    firsts: list[int] = []  # where each piece starts in `html`
    at = 0
    for piece, _, _ in pieces:
        firsts.append(at)
        at += len(piece)
    i = 0
    while i < len(found):
        k = bisect_right(firsts, found[i][2]) - 1
        j = i
        while j < len(found) and (k + 1 == len(firsts) or found[j][2] < firsts[k + 1]):
            j += 1
        piece, start, end = pieces[k]
        # A piece is the body's text between its offsets, less a blockquote's
        # `>` or a list's indent; were it not (a tab pulldown-cmark expands),
        # the target is looked for in the piece's stretch of the body instead.
        written = pos.data[start:end] == piece.encode("utf-8")
        offsets = pos.byte_offsets(piece, [found[n][2] - firsts[k] for n in range(i, j)])
        for (tag, target, _), offset in zip(found[i:j], offsets, strict=True):
            line, column = pos.at(start + offset if written else pos.find(target, start, end))
            links.append(Link(target, "", line, column, "image" if tag == "img" else "html"))
        i = j


def _drop_shortcodes(text: str) -> str:
    """Text without its {{< … >}} and {{% … %}} shortcodes. Not one lazy
    regular expression (`{{<.*?>}}`): with it every unclosed `{{<` scans to
    the end of the text, quadratic in a body of many; here the first search
    for a closing `>}}` that fails ends the work."""
    out = []
    done = 0
    while (opening := _SHORTCODE_OPEN.search(text, done)) is not None:
        closing = _SHORTCODE_CLOSE.search(text, opening.end())
        if closing is None:
            break
        out += (text[done : opening.start()], " ")
        done = closing.end()
    out.append(text[done:])
    return "".join(out)


def _shortcode_refs(body: str, pos: _Positions, code: list[tuple[int, int]]) -> list[Link]:
    """Hugo ref and relref shortcodes outside code, as links of kind "ref"."""
    matches = list(_REF.finditer(body))
    if not matches:
        return []
    # code ranges sorted and merged, so one bisect tells if an offset is code
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(code):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    chars: list[int] = []
    for match in matches:
        quoted = 2 if match.group(2) is not None else 3
        chars += (match.start(), match.start(quoted))
    offsets = pos.byte_offsets(body, chars)
    out = []
    for i, match in enumerate(matches):
        offset, quote = offsets[2 * i], offsets[2 * i + 1]
        k = bisect_right(starts, offset) - 1
        if k >= 0 and offset < ends[k]:
            continue
        target = match.group(2) if match.group(2) is not None else match.group(3)
        line, column = pos.at(quote)
        out.append(Link(target, "", line, column, "ref"))
    return out
