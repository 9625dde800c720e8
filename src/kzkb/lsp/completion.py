"""Completion: what may be written at the cursor, from the KB itself.

Record URLs with their titles after `](` (root-relative after `](/`,
relative otherwise), aliases among them; a heading's anchor after `#`; the
paths Hugo's ref and relref take; in the front matter, the KB's field names
at the start of a line and a taxonomy's terms in its field.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from kzkb.hugo.links import link_key, own_site
from kzkb.lsp.hover import field_at, in_front_matter, token_at
from kzkb.lsp.navigation import page_path
from kzkb.lsp.workspace import Document, KbState
from kzkb.model import Link, Record

LIMIT = 100  # items a list holds; the editor asks again as more is typed

_LINK = re.compile(r"\]\((?P<partial>[^()\s]*)$")
_REF = re.compile(r"\{\{[<%]\s*(?:rel)?ref\s+(?:path=)?\"(?P<partial>[^\"]*)$")
_FIELD = re.compile(r"^[A-Za-z_]?[\w-]*$")


class Item(NamedTuple):
    label: str  # also what is inserted
    detail: str
    kind: str  # "url", "alias", "anchor", "path", "term", "field"
    documentation: str = ""


class Completion(NamedTuple):
    start: int  # code-point column where the replaced text starts
    items: list[Item]
    complete: bool  # False: more would match than were given


def complete(doc: Document, line: int, column: int) -> Completion | None:
    state = doc.state
    lines = doc.lines
    if state is None or line >= len(lines):
        return None
    before = lines[line][:column]
    if in_front_matter(lines, line):
        return _front_matter(state, lines, line, column)
    record = doc.record
    m = _REF.search(before)
    if m is not None and record is not None:
        return _ref(doc, state, record, m["partial"], column)
    m = _LINK.search(before)
    if m is not None and record is not None:
        return _link(doc, state, record, m["partial"], column)
    return None


def _front_matter(state: KbState, lines: list[str], line: int, column: int) -> Completion | None:
    before = lines[line][:column]
    if _FIELD.match(before):
        return Completion(
            0,
            [
                Item(name, "field", "field")
                for name in state.field_names()
                if name.startswith(before)
            ],
            True,
        )
    key = field_at(lines, line)
    taxonomy = state.config.taxonomy_for(key) if key else None
    if taxonomy is None:
        return None
    start, _ = token_at(lines[line], column)
    partial = before[start:].lstrip("-").lstrip()
    start = column - len(partial)
    want = partial.casefold()
    items = [
        Item(
            t.label,
            f"{t.count} record{'' if t.count == 1 else 's'}",
            "term",
            t.description,
        )
        for t in state.kb.terms(taxonomy)
        if want in t.label.casefold() or want in t.slug
    ]
    return Completion(start, items[:LIMIT], len(items) <= LIMIT)


def _ref(doc: Document, state: KbState, record: Record, partial: str, column: int) -> Completion:
    if "#" in partial:
        path, _, fragment = partial.partition("#")
        found = page_path(state, record, "ref:" + path) if path else record.path
        return _anchors(doc, state, found, fragment, column)
    want = partial.casefold().lstrip("/")
    items = [
        Item("/" + p.path, p.title, "path")
        for p in sorted(state.catalog.by_path.values(), key=lambda p: p.path)
        if want in p.path.casefold() or want in p.title.casefold()
    ]
    return Completion(column - len(partial), items[:LIMIT], len(items) <= LIMIT)


def _link(doc: Document, state: KbState, record: Record, partial: str, column: int) -> Completion:
    if "#" in partial:
        base, _, fragment = partial.partition("#")
        if not base:
            path: str | None = record.path
        else:
            key = link_key(Link(base, "", 1, 1), record, own_site(state.config.base_url))
            path = None if key is None else page_path(state, record, key)
            if key is not None and key in (record.url, *record.aliases):
                path = record.path
        return _anchors(doc, state, path, fragment, column)
    relative = not partial.startswith("/")
    want = partial.casefold()
    ranked: list[tuple[int, str, Item]] = []
    for url, pages in state.catalog.by_url.items():
        page = pages[0]
        if page.path == record.path:
            continue
        alias = url != page.url
        shown = _relative(url, record.url) if relative else url
        if want and want not in shown.casefold() and want not in page.title.casefold():
            continue
        detail = f"alias of {page.title}" if alias else page.title
        rank = 0 if shown.casefold().startswith(want) else 1
        ranked.append((rank + 2 * alias, shown, Item(shown, detail, "alias" if alias else "url")))
    ranked.sort(key=lambda x: (x[0], x[1]))
    items = [item for *_, item in ranked]
    return Completion(column - len(partial), items[:LIMIT], len(items) <= LIMIT)


def _relative(url: str, base: str) -> str:
    """A site URL as a link written on the page at `base` reaches it."""
    if url == base:
        return "./"
    rel = posixpath.relpath(url, base)
    return rel + "/" if url.endswith("/") and not rel.endswith("/") else rel


def _anchors(
    doc: Document, state: KbState, path: str | None, partial: str, column: int
) -> Completion:
    if path is None:
        return Completion(column, [], True)
    record = (
        doc.record if doc.record is not None and path == doc.record.path else state.record(path)
    )
    if record is None:
        return Completion(column, [], True)
    want = partial.casefold()
    items = [
        Item(h.id, h.text, "anchor")
        for h in record.headings
        if h.id and (want in h.id.casefold() or want in h.text.casefold())
    ]
    items += [Item(a, "id", "anchor") for a in record.anchors if want in a.casefold()]
    return Completion(column - len(partial), items, True)
