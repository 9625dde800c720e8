"""One open document's problems, from its unsaved text: broken internal links
with check-links' reasons and suggestions, and lint's findings with their rule.

The links are judged by check-links' own code (kzkb.check.targets), over an
index narrowed to this one document: its links are the only rows, and the
keys left unresolved are those the KB's catalog (in memory) lacks. So a
keystroke costs one parse and a few dictionary lookups; the index is asked
only about the links that look broken.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from kzkb.check.report import LinkFinding
from kzkb.hugo.links import fragment_of, link_key, own_site
from kzkb.lint.findings import ERROR, LintFinding
from kzkb.lint.options import LintOptions
from kzkb.lsp.workspace import Document, KbState
from kzkb.model import Record
from kzkb.store.links import LinkRow
from kzkb.store.records import RecordRef

# what check-links writes before the target it suggests
_SUGGESTED = re.compile(r"^(?:did you mean|write) (?P<target>\S+?)\??$")


class Problem(NamedTuple):
    """A finding placed in the document: 0-based line, code-point columns."""

    line: int
    start: int
    end: int
    severity: str  # error | warning
    code: str  # the lint rule, or "link"
    message: str
    data: dict[str, Any]


def problems(doc: Document) -> list[Problem]:
    """Every problem of the document as it is in the editor."""
    state, record = doc.state, doc.record
    if state is None or doc.rel is None:
        return []
    out: list[Problem] = []
    if record is not None and "\x00" not in doc.text:
        for f in link_findings(state, record):
            out.append(_link_problem(f))
    lines = doc.lines
    for f in lint_findings(state, doc.rel, doc.text):
        row = max(0, min(f.line - 1, len(lines) - 1))
        data = {"rule": f.rule, "fixable": f.fixable}
        message = f"{f.message} — {f.fix}" if f.fix else f.message
        out.append(Problem(row, 0, len(lines[row]), f.severity, f.rule, message, data))
    return out


def _link_problem(f: LinkFinding) -> Problem:
    start = f.column - 1
    message = f"{f.reason}: {f.suggestion}" if f.suggestion else f.reason
    data: dict[str, Any] = {"target": f.target}
    replacement = replacement_of(f.target, f.suggestion)
    if replacement:
        data["replacement"] = replacement
    return Problem(f.line - 1, start, start + len(f.target), f.severity, "link", message, data)


def replacement_of(target: str, suggestion: str) -> str:
    """The link target a suggestion proposes ("did you mean #methods?" on
    /x/#method is /x/#methods), or "" when it proposes none."""
    m = _SUGGESTED.match(suggestion)
    if m is None:
        return ""
    new = m["target"]
    if new.startswith("#"):
        return target.split("#", 1)[0] + new
    return new


# --- links ---------------------------------------------------------------------------------


def link_findings(state: KbState, record: Record) -> list[LinkFinding]:
    """check-links' findings for this record's links, as its text now is."""
    from kzkb.check.fragments import ALWAYS_THERE, fragment_finding
    from kzkb.check.resolve import Site
    from kzkb.check.targets import broken_targets

    catalog = state.catalog
    own = own_site(state.config.base_url)
    rows = [
        LinkRow(
            record.path,
            record.url,
            link_key(link, record, own),
            fragment_of(link.target),
            link.target,
            link.text,
            link.line,
            link.column,
            link.kind,
        )
        for link in record.links
    ]
    mine = {record.url, *record.aliases, "path:" + record.path}
    unresolved: list[str] = []
    for row in rows:
        key = row.key
        if key is None or key in mine or key in catalog.by_url or key in unresolved:
            continue
        if key.startswith("path:") and key[5:] in catalog.by_path:
            continue
        unresolved.append(key)
    view = _DocumentKB(state, record, rows, unresolved)
    out = broken_targets(view, Site(view), set())  # type: ignore[arg-type]
    # a #fragment of a page that exists: the page's anchors (this document's own, as typed)
    for row in rows:
        if not row.fragment or row.key is None or row.kind == "ref":
            continue
        if ALWAYS_THERE.match(row.fragment):
            continue
        target = _target_id(state, record, row.key)
        if target is not None:
            found = fragment_finding(view, row, row.fragment, target)  # type: ignore[arg-type]
            if found is not None:
                out.append(found)
    out.sort(key=lambda f: (f.line, f.column))
    return out


_OWN_ID = -1  # the id this document answers to in the narrowed index


def _target_id(state: KbState, record: Record, key: str) -> int | None:
    if key in (record.url, "path:" + record.path) or key in record.aliases:
        return _OWN_ID
    if key.startswith("path:"):
        page = state.catalog.by_path.get(key[5:])
        return page.id if page is not None else None
    pages = state.catalog.by_url.get(key)
    return pages[0].id if pages else None


class _DocumentLinks:
    """The index's links, narrowed to one document's rows."""

    def __init__(self, real: Any, rows: list[LinkRow], unresolved: list[str], anchors: set[str]):
        self.real = real
        self.rows = rows
        self.unresolved = unresolved
        self.anchors = anchors

    def unresolved_keys(self) -> list[str]:
        return list(self.unresolved)

    def links_with_keys(self, keys: list[str]) -> list[LinkRow]:
        wanted = set(keys)
        return [row for row in self.rows if row.key in wanted]

    def has_anchor(self, record_id: int, anchor: str) -> bool:
        if record_id == _OWN_ID:
            return anchor in self.anchors
        return bool(self.real.has_anchor(record_id, anchor))

    def anchors_of(self, record_id: int) -> list[str]:
        if record_id == _OWN_ID:
            return sorted(self.anchors)
        return list(self.real.anchors_of(record_id))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _DocumentRecords:
    """The index's records, with this document as it is typed among them."""

    def __init__(self, real: Any, state: KbState, record: Record) -> None:
        self.real = real
        self.state = state
        self.record = record

    def record_ids(self) -> dict[str, RecordRef]:
        ids = {
            p.path: RecordRef(p.id, p.url, p.lang, p.kind)
            for p in self.state.catalog.by_path.values()
        }
        r = self.record
        ids[r.path] = RecordRef(_OWN_ID, r.url, r.lang, r.kind)
        return ids

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _DocumentIndex:
    def __init__(self, links: _DocumentLinks, records: _DocumentRecords) -> None:
        self.links = links
        self.records = records


class _DocumentKB:
    """What check-links reads of a KnowledgeBase, for one document."""

    def __init__(self, state: KbState, record: Record, rows: list[LinkRow], unresolved: list[str]):
        self.config = state.config
        self.root = state.root
        anchors = {h.id for h in record.headings if h.id} | set(record.anchors)
        self.index = _DocumentIndex(
            _DocumentLinks(state.kb.index.links, rows, unresolved, anchors),
            _DocumentRecords(state.kb.index.records, state, record),
        )


# --- lint ----------------------------------------------------------------------------------


def lint_findings(state: KbState, rel: str, text: str) -> list[LintFinding]:
    """lint's findings of one file's text: the rules of the file alone, and
    its terms against the vocabulary (the rules across the KB, near
    duplicates and one term spelled several ways, are lint's to report)."""
    from kzkb.lint.across import check_terms
    from kzkb.lint.rules import check_file
    from kzkb.lint.run import mark

    config = state.config
    options = LintOptions.from_config(config)
    if "\x00" in text:  # what every command skips as binary, as lint reads it
        line = text.count("\n", 0, text.index("\x00")) + 1
        return [
            LintFinding(
                rel, line, "front-matter-syntax", ERROR,
                "the file holds a NUL byte: binary, not text",
                "remove the NUL byte, or the file if it is not a record",
            )
        ]  # fmt: skip
    f, found = check_file(rel, text, config, options)
    found += [x for x in check_terms([f], config, options) if x.rule == "unknown-term"]
    fixed = repaired_text(state, rel, text)
    if fixed is None:
        return found
    after = check_file(rel, fixed, config, options)[1]
    return mark(found, after)


def repaired_text(state: KbState, rel: str, text: str) -> str | None:
    """The text with lint --fix's repairs made (through its gate), or None
    when there is nothing it would repair."""
    from kzkb.lint.repair import plan

    options = LintOptions.from_config(state.config)
    changes = plan(state.config, {rel: text}, options)
    return changes[rel][1] if rel in changes else None
