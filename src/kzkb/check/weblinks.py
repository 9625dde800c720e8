"""The KB's web links, fetched through check_urls, as findings.

Links in the text and front-matter `url` fields (an organisation's own site)
are both checked; each distinct URL is fetched once however often it appears.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kzkb.check.exclude import excluded
from kzkb.check.external import check_urls
from kzkb.check.report import ERROR, WARNING, CheckOptions, LinkFinding, LinkReport
from kzkb.store.links import LinkRow

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase


def check_external(
    kb: KnowledgeBase,
    report: LinkReport,
    options: CheckOptions,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Fetch the KB's web links and add what is broken to the report."""
    found, checked = _external(kb, options, progress)
    report.findings += found
    report.external = checked
    report.sort()


def website_rows(kb: KnowledgeBase) -> list[LinkRow]:
    """Front-matter `url` fields as link rows, placed on the line that names them."""
    rows = []
    for path, page_url, website in kb.index.links.websites():
        line, column = _field_position(kb.config.content_dir / path, "url", website)
        rows.append(
            LinkRow(
                path=path,
                url=page_url,
                key=None,
                fragment="",
                target=website,
                text="website",
                line=line,
                col=column,
                kind="website",
            )
        )
    return rows


def _field_position(file: Path, name: str, value: str) -> tuple[int, int]:
    """(line, column) of a front-matter field's value; (1, 1) if not found."""
    field = re.compile(rf"""^\s*["']?{re.escape(name)}["']?\s*[:=]""")
    try:
        with file.open(encoding="utf-8-sig", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if number > 500:
                    break
                if field.match(line) and value in line:
                    return number, line.index(value) + 1
    except OSError:
        pass
    return 1, 1


def _external(
    kb: KnowledgeBase, options: CheckOptions, progress: Callable[[int, int], None] | None
) -> tuple[list[LinkFinding], int]:
    rows = [*kb.index.links.web_links(), *website_rows(kb)]
    if options.exclude and rows:
        where = options.exclude_where or ["--exclude"] * len(options.exclude)
        skip = excluded([r.target for r in rows], list(zip(options.exclude, where, strict=True)))
        rows = [r for i, r in enumerate(rows) if i not in skip]
    if not rows:
        return [], 0
    results = check_urls(
        (r.target for r in rows),
        timeout=options.timeout,
        cache_path=options.cache_path,
        cache_ttl=options.cache_ttl,
        allow_private=options.allow_private,
        strict=options.strict,
        progress=progress,
        deadline=options.deadline,
    )
    out = []
    for row in rows:
        result = results.get(row.target)
        if result is None or result.severity not in (ERROR, WARNING):
            continue
        hint = f"update the link to {result.redirect}" if result.redirect else ""
        out.append(LinkFinding.at(row, result.severity, result.reason, hint))
    return out, len({r.target.split("#", 1)[0] for r in rows})
