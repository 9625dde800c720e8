"""Links whose target the built site lacks: a page, a file, a term, a ref.

Only the index's unresolved keys reach here (most links resolve by a single
lookup), so the file system and the fuzzy matching see broken links alone.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from kzkb.check.fragments import ALWAYS_THERE, fragment_finding
from kzkb.check.report import ERROR, LinkFinding
from kzkb.check.resolve import Records, Site, ref_is_generated, resolve_ref
from kzkb.check.suggest import Suggester
from kzkb.hugo.links import OwnSite, bare_host, own_site
from kzkb.store.links import LinkRow
from kzkb.text.suggest import closest_one

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase


def broken_targets(kb: KnowledgeBase, site: Site, refs: set[tuple[str, str]]) -> list[LinkFinding]:
    """Findings for links to nothing; each ref that resolves is added to `refs`
    as (from path, to path), for the orphan check."""
    out: list[LinkFinding] = []
    suggest = Suggester(kb, site)
    records: Records | None = None
    keys = [
        key
        for key in kb.index.links.unresolved_keys()
        if key.startswith(("ref:", "path:")) or key not in site.extra
    ]
    own = own_site(kb.config.base_url)
    for row in kb.index.links.links_with_keys(keys):
        key = row.key
        assert key is not None  # links with a key were asked for
        # a link written with the site's baseURL: its path on the site
        inside = own.within(row.target) if own is not None else None
        target = inside if inside is not None else row.target

        def spell(url: str, row: LinkRow = row) -> str:
            return _as_written(own, row.target, url)

        if row.kind == "ref" or key.startswith("ref:"):
            if records is None:
                records = kb.index.records.record_ids()
            finding = _check_ref(kb, row, records, suggest, site, refs)
            if finding is not None:
                out.append(finding)
            continue
        if key.startswith("path:"):
            near = suggest.path(key[len("path:") :])
            hint = f"did you mean {_relative_md(row.path, near)}?" if near else ""
            out.append(LinkFinding.at(row, ERROR, "no such file in the KB", hint))
            continue
        if not key.endswith("/"):  # a file name: /files/report.pdf
            exists, spelled = site.file_exists(target, row.url)
            if exists or key + "/" in site.extra:
                continue
            # /sources/feminita/index.html is the file Hugo writes for the page
            page = key.removesuffix("index.html") if key.endswith("/index.html") else key + "/"
            if page in site.extra:
                continue
            pages = kb.index.records.by_url(page)
            if pages:  # a page named like a file, /sources/vlast.kz: the server adds the /
                if records is None:
                    records = kb.index.records.record_ids()
                rid = records[pages[0].path][0]
                finding = fragment_finding(kb, row, row.fragment, rid) if row.fragment else None
                if finding is not None:
                    out.append(finding)
                continue
            if spelled:
                reason = "no such file: the name differs in case"
                out.append(LinkFinding.at(row, ERROR, reason, f"write {spell(spelled)}"))
                continue
            if not bare_host(target):
                near = suggest.url(key)
                hint = f"did you mean {spell(near)}?" if near else ""
                out.append(LinkFinding.at(row, ERROR, "no such file", hint))
                continue
        if bare_host(target):
            out.append(
                LinkFinding.at(
                    row,
                    ERROR,
                    "no such page: a web address without https:// is a path on this site",
                    f"write https://{row.target}",
                )
            )
            continue
        taxonomy, term = site.term_of(key)
        if taxonomy is not None and term:
            near = closest_one(term, site.used(taxonomy), cutoff=75)
            hint = ""
            if near == term:  # used, but only in another language
                hint = f"did you mean {spell(site.term_page(taxonomy, term))}?"
            elif near:
                hint = f"did you mean {spell(key[: len(key) - len(term) - 1] + near + '/')}?"
            out.append(LinkFinding.at(row, ERROR, f"unknown {taxonomy} term {term!r}", hint))
            continue
        near = suggest.url(key)
        hint = f"did you mean {spell(near)}?" if near else ""
        out.append(LinkFinding.at(row, ERROR, "no such page", hint))
    return out


def _as_written(own: OwnSite | None, written: str, url: str) -> str:
    """A site URL in a suggestion, written as the link was: with the site's
    baseURL when the link has it."""
    if own is not None and own.within(written) is not None:
        return own.spelled(url, written)
    return url


def _relative_md(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def _check_ref(
    kb: KnowledgeBase,
    row: LinkRow,
    records: Records,
    suggest: Suggester,
    site: Site,
    refs: set[tuple[str, str]],
) -> LinkFinding | None:
    """Hugo's ref and relref: the build fails when the path finds no page,
    and a #fragment must name one of its headings."""
    key = row.key or ""
    wanted = key[len("ref:") :] if key.startswith("ref:") else ""
    if not wanted:
        return None
    found = resolve_ref(site, records, row.path, wanted)
    if found is None:
        if ref_is_generated(site, records, row.path, wanted):
            return None
        near = suggest.path(wanted)
        return LinkFinding.at(
            row,
            ERROR,
            "ref to no such page (Hugo stops the build)",
            f"did you mean {near}?" if near else "",
        )
    refs.add((row.path, found))
    fragment = row.fragment
    if fragment and not ALWAYS_THERE.match(fragment):
        rid = records[found][0]
        if not kb.index.links.has_anchor(rid, fragment):
            near = closest_one(fragment, kb.index.links.anchors_of(rid), cutoff=75)
            return LinkFinding.at(
                row,
                ERROR,
                f"no such heading in {found}",
                f"did you mean #{near}?" if near else "",
            )
    return None
