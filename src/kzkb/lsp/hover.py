"""Hover: what a link points at, and what a term of the front matter means.

Record text is untrusted: a title may hold Markdown or HTML meant to become
a link or markup in the editor's hover. Every piece of it is escaped, so the
editor shows it as the text it is.
"""

from __future__ import annotations

import re

from kzkb.lsp.navigation import link_at, resolve
from kzkb.lsp.workspace import Document
from kzkb.model import Record, Term
from kzkb.urls import term_slug

# every ASCII punctuation character may be backslash-escaped in CommonMark,
# and an escaped one is only itself: no link, emphasis, entity or tag
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029]+")


def escape(text: str) -> str:
    """Record text as Markdown that shows exactly that text, on one line."""
    text = "".join(ch for ch in text if ch.isprintable() or ch in " \t\n")
    return _PUNCT.sub(r"\\\1", _BREAKS.sub(" ", text)).strip()


def hover(doc: Document, line: int, column: int) -> str | None:
    """The hover's Markdown at this place, or None."""
    if doc.state is None or doc.record is None:
        return None
    link = link_at(doc, line, column)
    if link is not None:
        target = resolve(doc, link)
        if target.record is None:
            return None
        return describe(target.record, target.fragment)
    term = term_at(doc, line, column)
    if term is not None:
        return describe_term(term)
    return None


def describe(record: Record, fragment: str = "") -> str:
    parts = [f"**{escape(record.title)}**"]
    if fragment:
        heading = next((h for h in record.headings if h.id == fragment), None)
        if heading is not None:
            parts[0] += f" › {escape(heading.text)}"
    if record.description:
        parts.append(escape(record.description))
    parts.append(f"{escape(record.kind)} · {escape(record.lang)} · {escape(record.path)}")
    return "\n\n".join(parts)


def describe_term(term: Term) -> str:
    n = term.count
    parts = [f"**{escape(term.label)}** ({escape(term.taxonomy)} {escape(term.slug)})"]
    if term.description:
        parts.append(escape(term.description))
    parts.append(f"{n} record{'' if n == 1 else 's'}")
    return "\n\n".join(parts)


_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*[:=]")


def field_at(lines: list[str], line: int) -> str | None:
    """The front-matter key whose value this line belongs to."""
    for row in range(line, -1, -1):
        m = _KEY.match(lines[row])
        if m:
            return m["key"]
        if row < line and lines[row][:1] not in (" ", "\t", "-", ""):
            return None
    return None


def in_front_matter(lines: list[str], line: int) -> bool:
    """Whether a line is inside the front matter (closed or still being written)."""
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is None or lines[first].strip() not in ("---", "+++") or line <= first:
        return False
    mark = lines[first].strip()
    for row in range(first + 1, len(lines)):
        if lines[row].startswith(mark):
            return line < row
    return True


_TOKEN_END = " \t,[]\"'=:"


def token_at(text: str, column: int) -> tuple[int, int]:
    """The value under the cursor in a front-matter line: between separators."""
    start = column
    while start > 0 and text[start - 1] not in _TOKEN_END:
        start -= 1
    end = column
    while end < len(text) and text[end] not in ",]\"'":
        end += 1
    return start, end


def term_at(doc: Document, line: int, column: int) -> Term | None:
    """The taxonomy term written under the cursor in the front matter."""
    state = doc.state
    lines = doc.lines
    if state is None or line >= len(lines) or not in_front_matter(lines, line):
        return None
    key = field_at(lines, line)
    taxonomy = state.config.taxonomy_for(key) if key else None
    if taxonomy is None:
        return None
    text = lines[line]
    m = _KEY.match(text)
    if m is not None and column <= m.end():
        return None  # the key itself
    start, end = token_at(text, column)
    value = text[start:end].strip().lstrip("-").strip()
    slug = term_slug(value)
    if not slug:
        return None
    return next((t for t in state.kb.terms(taxonomy) if t.slug == slug), None)
