"""kzkb's edits (a file's whole text before and after, file renames) as the
protocol's WorkspaceEdit: one TextEdit per file over the lines that differ,
so an editor keeps its cursor, folds and undo history elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.uris import from_fs_path

from kzkb.lsp.actions import Action
from kzkb.lsp.workspace import Document


def text_edit(old: str, new: str, units: Callable[[str], int]) -> t.TextEdit:
    """One edit turning `old` into `new`, replacing only the lines that
    differ (`units`: a line's length in the editor's position units)."""
    a, b = old.split("\n"), new.split("\n")
    top = 0
    while top < min(len(a), len(b)) and a[top] == b[top]:
        top += 1
    bottom = 0
    while bottom < min(len(a), len(b)) - top and a[-1 - bottom] == b[-1 - bottom]:
        bottom += 1
    new_lines = b[top : len(b) - bottom]
    if bottom:
        # whole lines up to the first common one of the end
        start, end = t.Position(top, 0), t.Position(len(a) - bottom, 0)
        return t.TextEdit(t.Range(start, end), "".join(line + "\n" for line in new_lines))
    last = len(a) - 1
    end = t.Position(last, units(a[last]))
    if top == 0:
        return t.TextEdit(t.Range(t.Position(0, 0), end), "\n".join(new_lines))
    # from the end of the last common line: its line break goes too when
    # the new text has no more lines
    start = t.Position(top - 1, units(a[top - 1]))
    return t.TextEdit(t.Range(start, end), "".join("\n" + line for line in new_lines))


def workspace_edit(action: Action, encoding: str) -> t.WorkspaceEdit:
    """The action's edits; with file renames, as documentChanges, the
    renames first (the edits name the files by their new paths)."""
    units = Document("", Path(), "", None, None, encoding=encoding).units
    edits: dict[str, t.TextEdit] = {}
    for change in action.changes:
        if change.old != change.new:
            edits[_uri(change.path)] = text_edit(change.old, change.new, units)
    if not action.renames:
        return t.WorkspaceEdit(changes={uri: [edit] for uri, edit in edits.items()})
    changes: list[Any] = [t.RenameFile(old_uri=_uri(a), new_uri=_uri(b)) for a, b in action.renames]
    changes += [
        t.TextDocumentEdit(t.OptionalVersionedTextDocumentIdentifier(uri, None), [edit])
        for uri, edit in edits.items()
    ]
    return t.WorkspaceEdit(document_changes=changes)


def _uri(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    return uri
