"""Code actions and rename, as plain edits: {file: (old text, new text)} and
file renames, which the server turns into one WorkspaceEdit.

Each action reuses the command that does the same on the command line:
lint --fix's repairs (through its gate), check-links' suggestion, the alias
kzkb mv and check-links --fix=alias add, and kzkb mv's plan for a rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.hugo.links import link_key, own_site
from kzkb.lsp.diagnostics import repaired_text
from kzkb.lsp.navigation import link_at, page_path
from kzkb.lsp.workspace import Document, KbState
from kzkb.model import KzkbError, Link

QUICKFIX = "quickfix"
FIX_ALL = "source.fixAll.kzkb"


@dataclass(slots=True)
class Change:
    """A file's whole text before and after (`path` is where it is after
    the renames)."""

    path: Path
    old: str
    new: str


@dataclass(slots=True)
class Action:
    title: str
    kind: str
    changes: list[Change] = field(default_factory=list)
    renames: list[tuple[Path, Path]] = field(default_factory=list)
    # the diagnostics (as the editor sent them) the action resolves
    diagnostics: list[Any] = field(default_factory=list)


def lint_repair(doc: Document, diagnostics: list[Any], only_fix_all: bool = False) -> list[Action]:
    """lint --fix's repairs of the document's text, as one action."""
    state = doc.state
    if state is None or doc.rel is None:
        return []
    fixable = [d for d in diagnostics if (d.data or {}).get("fixable")]
    if not fixable and not only_fix_all:
        return []
    fixed = repaired_text(state, doc.rel, doc.text)
    if fixed is None:
        return []
    rules = sorted({str(d.code) for d in fixable})
    title = "Repair as lint --fix does" + (f" ({', '.join(rules)})" if rules else "")
    kind = FIX_ALL if only_fix_all else QUICKFIX
    return [Action(title, kind, [Change(doc.path, doc.text, fixed)], diagnostics=fixable)]


def link_fixes(doc: Document, diagnostics: list[Any], texts: dict[Path, str]) -> list[Action]:
    """For each broken link: replace it with check-links' suggestion, and
    add the link's address as an alias of the suggested record."""
    out: list[Action] = []
    state, record = doc.state, doc.record
    if state is None or record is None:
        return out
    lines = doc.lines
    for d in diagnostics:
        data = d.data or {}
        new, old = data.get("replacement"), data.get("target")
        if d.code != "link" or not new or not old:
            continue
        line, column = doc.from_client(d.range.start.line, d.range.start.character)
        if lines[line][column : column + len(old)] != old:
            continue  # the text moved on since the diagnostic
        edited = "\n".join(
            [
                *lines[:line],
                lines[line][:column] + new + lines[line][column + len(old) :],
                *lines[line + 1 :],
            ]
        )
        out.append(
            Action(
                f"Replace with {new}",
                QUICKFIX,
                [Change(doc.path, doc.text, edited)],
                diagnostics=[d],
            )
        )
        alias = _alias_action(doc, state, Link(old, "", line + 1, column + 1), new, texts)
        if alias is not None:
            alias.diagnostics = [d]
            out.append(alias)
    return out


def _alias_action(
    doc: Document, state: KbState, old: Link, new: str, texts: dict[Path, str]
) -> Action | None:
    """Add the broken link's URL to the aliases of the record suggested for it."""
    from kzkb.move.alias import add_alias

    record = doc.record
    assert record is not None
    own = own_site(state.config.base_url)
    old_key = link_key(old, record, own)
    new_key = link_key(Link(new, "", 1, 1), record, own)
    if old_key is None or new_key is None or not old_key.startswith("/"):
        return None  # only a page URL can be an alias
    path = page_path(state, record, new_key)
    if path is None:
        return None
    file = state.content / path
    text = texts.get(file.resolve())
    if text is None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    try:
        edited = add_alias(text, old_key, config=state.config, rel=path)
    except KzkbError:
        return None
    if edited == text:
        return None
    return Action(f"Add {old_key} to the aliases of {path}", QUICKFIX, [Change(file, text, edited)])


# --- rename --------------------------------------------------------------------------------


def rename_source(doc: Document, line: int, column: int) -> tuple[str, tuple[int, int, int]] | None:
    """What a rename here renames: the content path of the record the link
    under the cursor points at, else this document's; with the range
    (line, start, end in code points) the editor shows it over."""
    state, record = doc.state, doc.record
    if state is None or record is None or doc.rel is None:
        return None
    link = link_at(doc, line, column)
    if link is not None:
        key = link_key(link, record, own_site(state.config.base_url))
        path = page_path(state, record, key) if key else None
        if path is not None:
            start = link.column - 1
            return path, (link.line - 1, start, start + len(link.target))
    lines = doc.lines
    return doc.rel, (line, 0, len(lines[line]) if line < len(lines) else 0)


def rename(doc: Document, line: int, column: int, new_name: str, texts: dict[Path, str]) -> Action:
    """kzkb mv's plan for renaming the record (see rename_source) to
    `new_name`, a content path. kzkb mv reads the files on disk: a file it
    changes that is open with unsaved edits (`texts`) stops the rename."""
    from kzkb.move.plan import plan_move

    state = doc.state
    source = rename_source(doc, line, column)
    if state is None or source is None:
        raise KzkbError("nothing to rename here", "rename a record of the KB, or a link to one")
    old = source[0]
    new = new_name.strip()
    if not new:
        raise KzkbError("no new name given", "give the record's new path")
    # a new name is a content path, as the placeholder shows the old one
    plan = plan_move(state.kb, old, new, cwd=state.content)
    content = plan.content
    renames = [(content / a, content / b) for a, b in plan.renames]
    changes: list[Change] = []
    for after, text in sorted(plan.writes.items()):
        was = plan.before.get(after)
        if was is None:
            continue
        before = _before_rename(after, plan.renames)
        unsaved = texts.get((content / before).resolve())
        if unsaved is not None and unsaved != was:
            raise KzkbError(f"{before} has unsaved changes", "save it, then rename")
        changes.append(Change(content / after, was, text))
    return Action(f"Rename {old} to {new}", "refactor", changes, renames)


def _before_rename(path: str, renames: list[tuple[str, str]]) -> str:
    """Where a file the move writes is now (`path` is where it will be)."""
    for old, new in renames:
        if path == new:
            return old
        if path.startswith(new.rstrip("/") + "/"):
            return old.rstrip("/") + path[len(new.rstrip("/")) :]
    return path
