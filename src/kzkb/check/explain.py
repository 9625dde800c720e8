"""Broken links explained: what the KB's history says became of the page,
or the page it is under another name, beside the typo suggestion.

Only links to no page at all are explained, and git is read only when there
is one (kzkb.check.history), so a clean KB is checked as fast as before.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NamedTuple

from kzkb.check.report import LinkFinding

if TYPE_CHECKING:
    from kzkb.check.resolve import Site
    from kzkb.kb import KnowledgeBase

NO_PAGE = "no such page"
NO_FILE = "no such file in the KB"  # a link to a .md path
NO_REF = "ref to no such page (Hugo stops the build)"
EXPLAINED = (NO_PAGE, NO_FILE, NO_REF)


class _Link(NamedTuple):
    target: str
    kind: str


class _Page(NamedTuple):
    path: str
    url: str


def key_of(kb: KnowledgeBase, finding: LinkFinding, page_url: str) -> str | None:
    """The key the index gave the finding's link (kzkb.hugo.links.link_key)."""
    from kzkb.hugo.links import link_key, own_site

    kind = "ref" if finding.reason == NO_REF else "link"
    own = own_site(kb.config.base_url)
    page = _Page(finding.file, page_url)
    return link_key(_Link(finding.target, kind), page, own)  # type: ignore[arg-type]


def explain(kb: KnowledgeBase, site: Site, findings: list[LinkFinding]) -> list[LinkFinding]:
    """The findings, each broken link to a page explained where history or
    another name can."""
    wanted = [i for i, f in enumerate(findings) if f.reason in EXPLAINED]
    if not wanted:
        return findings
    from kzkb.check.history import read_history
    from kzkb.check.othernames import OtherNames

    history = read_history(kb)
    pages: dict[str, str] | None = None  # every record's URL: read only if a key is missing
    keys: list[str | None] = []
    for i in wanted:
        f = findings[i]
        key = f.key
        if key is None:
            if pages is None:
                pages = {p: ref.url for p, ref in kb.index.records.record_ids().items()}
            key = key_of(kb, f, pages.get(f.file, "/"))
        keys.append(key)
    others = OtherNames(kb, site)
    others.expect(k for k in keys if k is not None and not k.startswith(("path:", "ref:")))
    out = list(findings)
    for i, key in zip(wanted, keys, strict=True):
        f = findings[i]
        if key is None:
            continue
        event = history.for_key(key) if history is not None else None
        if event is not None:
            message = event.message(ref_path=key.startswith(("path:", "ref:")))
            hint = _beside(message, f.suggestion, event.new_url or event.successor)
            details = {**event.as_dict(), "fixable": event.sure}
            out[i] = dataclasses.replace(f, suggestion=hint, explained={"history": details})
            continue
        if key.startswith(("path:", "ref:")):
            continue
        other = others.find(key)
        if other is not None:
            hint = _beside(other.message(), f.suggestion, other.url)
            out[i] = dataclasses.replace(
                f, suggestion=hint, explained={"other_name": other.as_dict()}
            )
    return out


def _beside(message: str, typo: str, url: str) -> str:
    """The explanation, and the typo suggestion after it unless it names the same page."""
    if not typo or (url and url.rstrip("/") in typo):
        return message
    return f"{message}; or {typo}"
