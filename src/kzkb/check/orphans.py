"""Orphan sources: a source page no record links to is a warning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzkb.check.report import WARNING, LinkFinding

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase


def orphans(kb: KnowledgeBase, refs: set[tuple[str, str]]) -> list[LinkFinding]:
    """Sources unlinked by URL, alias or path, and by the refs in `refs`
    (from path, to path) that resolved, a page's ref to itself not counted."""
    by_ref = {to for source, to in refs if source != to}
    return [
        LinkFinding(
            path,
            1,
            1,
            "",
            url,
            WARNING,
            "orphan source: no record links here",
            "link it from a guide",
        )
        for _rid, path, url in kb.index.links.unlinked("source")
        if path not in by_ref
    ]
