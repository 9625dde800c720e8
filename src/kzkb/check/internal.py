"""check-links: every link of the KB resolved the way Hugo serves the site.

Internal links are checked offline against what the built site would hold:
record pages and their aliases, Markdown files, the pages Hugo makes by
itself (home, top-level sections, taxonomy and term pages), files in the KB,
and headings for #fragments. External links are fetched only when asked
(weblinks, through external.check_urls). Orphan sources and missing guide
translations are warnings.

Most of the work is a few SQL lookups over the index's links table, so a
100,000-record KB is checked in well under a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzkb.check.explain import explain
from kzkb.check.fragments import broken_fragments
from kzkb.check.orphans import orphans
from kzkb.check.report import CheckOptions, LinkReport
from kzkb.check.resolve import Site
from kzkb.check.targets import broken_targets
from kzkb.check.translations import missing_translations
from kzkb.check.weblinks import check_external

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase


def check_links(kb: KnowledgeBase, options: CheckOptions | None = None) -> LinkReport:
    """Every finding for the KB's internal links, orphans and translations;
    options.external adds the web links (check_external)."""
    options = options or CheckOptions()
    report = LinkReport(records=kb.index.records.count(), links=kb.index.links.link_count())
    site = Site(kb)
    refs: set[tuple[str, str]] = set()  # (from path, to path) of the refs that resolve
    report.findings += explain(kb, site, broken_targets(kb, site, refs))
    report.findings += broken_fragments(kb)
    report.findings += orphans(kb, refs)
    report.findings += missing_translations(kb)
    if options.external:
        check_external(kb, report, options)
    report.sort()
    return report
