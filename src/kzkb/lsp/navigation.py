"""Where a link goes, and what links here: go to definition, find references,
the document's headings and the KB's records as symbols."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from kzkb.hugo.links import link_key, own_site
from kzkb.lsp.workspace import Document, KbState
from kzkb.model import Heading, Link, Record


class Target(NamedTuple):
    """Where a link lands: the record (None: no page of the KB) and its #fragment."""

    record: Record | None
    fragment: str
    key: str | None


def link_at(doc: Document, line: int, column: int) -> Link | None:
    """The link whose target is under the cursor (0-based line, code-point column)."""
    record = doc.record
    if record is None:
        return None
    for link in record.links:
        start = link.column - 1
        if link.line - 1 == line and start <= column <= start + len(link.target):
            return link
    return None


def resolve(doc: Document, link: Link) -> Target:
    """The record a link of the document points at, by kzkb's own rules."""
    state, record = doc.state, doc.record
    assert state is not None and record is not None
    key = link_key(link, record, own_site(state.config.base_url))
    fragment = link.target.split("#", 1)[1] if "#" in link.target else ""
    if key is None:
        return Target(None, fragment, None)
    if key in (record.url, "path:" + record.path) or key in record.aliases:
        return Target(record, fragment, key)
    path = page_path(state, record, key)
    return Target(state.record(path) if path else None, fragment, key)


def page_path(state: KbState, record: Record, key: str) -> str | None:
    """The content path of the record a link key names (see kzkb.hugo.links)."""
    catalog = state.catalog
    if key.startswith("path:"):
        return key[5:] if key[5:] in catalog.by_path else None
    if key.startswith("ref:"):
        from kzkb.check.resolve import Site, resolve_ref
        from kzkb.store.records import RecordRef

        ids = {p.path: RecordRef(p.id, p.url, p.lang, p.kind) for p in catalog.by_path.values()}
        return resolve_ref(Site(state.kb), ids, record.path, key[4:])
    pages = catalog.by_url.get(key)
    return pages[0].path if pages else None


def file_of(state: KbState, path: str) -> Path:
    return state.content / path


def heading_line(record: Record, fragment: str) -> int:
    """The 0-based line of the heading a #fragment names; 0 when none does."""
    for h in record.headings:
        if h.id == fragment:
            return h.line - 1
    return 0


def references(state: KbState, record: Record) -> list[tuple[str, Link]]:
    """(content path, link) of every link to the record or to its
    translations, from records in every language."""
    own = own_site(state.config.base_url)
    kb = state.kb
    targets = [record, *kb.translations(record)]
    out: list[tuple[str, Link]] = []
    seen: set[tuple[str, int, int]] = set()
    for target in targets:
        keys = {target.url, *target.aliases, "path:" + target.path}
        for source in kb.backlinks(target):
            for link in source.links:
                key = link_key(link, source, own)
                if key is None:
                    continue
                if key.startswith("ref:"):
                    hit = page_path(state, source, key) == target.path
                else:
                    hit = key in keys
                at = (source.path, link.line, link.column)
                if hit and at not in seen:
                    seen.add(at)
                    out.append((source.path, link))
    return out


class Section(NamedTuple):
    heading: Heading
    end: int  # 0-based last line of its section
    children: list[Section]


def outline(headings: list[Heading], last_line: int) -> list[Section]:
    """Headings nested by level: each holds those below it until one of its level or higher."""
    roots: list[Section] = []
    stack: list[Section] = []
    for i, h in enumerate(headings):
        end = last_line
        for later in headings[i + 1 :]:
            if later.level <= h.level:
                end = later.line - 2
                break
        section = Section(h, end, [])
        while stack and stack[-1].heading.level >= h.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(section)
        stack.append(section)
    return roots


def find_records(state: KbState, query: str, limit: int = 100) -> list[tuple[str, str, str]]:
    """(content path, title, URL) of the records whose title best matches
    the query, fuzzily; the first records by path for no query."""
    pages = list(state.catalog.by_path.values())
    if not query.strip():
        return [(p.path, p.title, p.url) for p in sorted(pages, key=lambda p: p.path)[:limit]]
    from rapidfuzz import fuzz, process

    titles = [p.title for p in pages]
    found = process.extract(
        query, titles, scorer=fuzz.WRatio, processor=str.casefold, limit=limit, score_cutoff=60
    )
    return [(pages[i].path, pages[i].title, pages[i].url) for _, _, i in found]
