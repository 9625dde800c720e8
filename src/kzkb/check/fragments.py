"""#fragments: a link to a heading or id the target page does not have."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kzkb.check.report import ERROR, WARNING, LinkFinding
from kzkb.store.links import LinkRow, MissingAnchor
from kzkb.text.suggest import closest_one

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase

# Fragments every page has: the top of the page, and Goldmark's footnotes.
ALWAYS_THERE = re.compile(r"^(?:top|fn:.+|fnref\d*:.+)?$", re.IGNORECASE)


def broken_fragments(kb: KnowledgeBase) -> list[LinkFinding]:
    out: list[LinkFinding] = []
    for row in kb.index.links.missing_anchors():
        finding = fragment_finding(kb, row, row.fragment, row.target_id)
        if finding is not None:
            out.append(finding)
    return out


def fragment_finding(
    kb: KnowledgeBase, row: LinkRow | MissingAnchor, fragment: str, target_id: int
) -> LinkFinding | None:
    """The finding for a #fragment the target record has no anchor for."""
    if ALWAYS_THERE.match(fragment) or kb.index.links.has_anchor(target_id, fragment):
        return None
    anchors = kb.index.links.anchors_of(target_id)
    same_case = [a for a in anchors if a.casefold() == fragment.casefold()]
    if same_case:
        return LinkFinding.at(
            row,
            WARNING,
            "heading differs in case: browsers will not scroll to it",
            f"write #{same_case[0]}",
        )
    near = closest_one(fragment, anchors)
    return LinkFinding.at(row, ERROR, "no such heading", f"did you mean #{near}?" if near else "")
