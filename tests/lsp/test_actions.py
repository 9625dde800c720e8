"""Code actions and rename: lint --fix's repairs, check-links' suggestion,
an alias on the suggested record, and kzkb mv's plan as a WorkspaceEdit.

Edits are applied as an editor applies them (pygls's own TextDocument) and
the result is judged by kzkb's command line on the files: lint --fix on a
copy, check-links on the KB after a rename."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pytest_lsp import LanguageClient
from tests.helpers import clean_env, record, run_kzkb
from tests.lsp.conftest import (
    change,
    close,
    diagnostics_for,
    make_kb,
    open_doc,
    position,
    start,
    stop,
    uri,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CURLY = record(
    "Curly",
    "Body.",
    description="\u201cA description in curly quotes\u201d",
    category="[local-ngo]",
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_kb(tmp_path_factory.mktemp("actions") / "kb")
    (root / "sources" / "curly.md").write_text(CURLY)
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(kb: Path) -> AsyncIterator[LanguageClient]:
    c = await start(kb, kb.parent)
    yield c
    await stop(c)


def applied(text: str, edit: t.TextEdit) -> str:
    """The text after the edit, as pygls's document model applies it."""
    doc = TextDocument("file:///x.md", text)
    doc.apply_change(t.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text))
    return doc.source


async def actions_for(
    client: LanguageClient, where: str, diags: list[t.Diagnostic], only: list[str] | None = None
) -> list[t.CodeAction]:
    found = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(where),
            range=diags[0].range if diags else t.Range(t.Position(0, 0), t.Position(0, 0)),
            context=t.CodeActionContext(diagnostics=diags, only=only),
        )
    )
    assert found is not None
    return [a for a in found if isinstance(a, t.CodeAction)]


async def test_the_lint_repair_is_what_lint_fix_writes(
    client: LanguageClient, kb: Path, tmp_path: Path
) -> None:
    file = kb / "sources" / "curly.md"
    where, v = open_doc(client, file)
    diags = await diagnostics_for(client, where, v)
    curly = [d for d in diags if d.code == "curly-quotes"]
    assert len(curly) == 1 and curly[0].data["fixable"]
    found = await actions_for(client, where, curly)
    repair = next(a for a in found if a.title.startswith("Repair"))
    assert repair.kind == t.CodeActionKind.QuickFix and "curly-quotes" in repair.title
    assert repair.edit is not None and repair.edit.changes is not None
    (edit,) = repair.edit.changes[where]
    fixed = applied(CURLY, edit)

    # lint --fix itself, on a copy of the KB
    copy = tmp_path / "kb"
    shutil.copytree(kb, copy)
    result = run_kzkb(
        clean_env(tmp_path), "lint", "--fix", "--kb", str(copy), str(copy / "sources" / "curly.md")
    )
    assert "repaired 1 defect" in result.stderr, result.stderr
    assert fixed == (copy / "sources" / "curly.md").read_text()
    assert fixed != CURLY

    # the same repair, asked as "fix all"
    found = await actions_for(client, where, [], only=["source.fixAll.kzkb"])
    assert [a.kind for a in found] == ["source.fixAll.kzkb"]
    assert found[0].edit is not None and found[0].edit.changes is not None
    assert applied(CURLY, found[0].edit.changes[where][0]) == fixed
    close(client, where)


async def test_a_broken_link_is_replaced_by_the_suggestion(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    where, _ = open_doc(client, file)
    text = file.read_text().replace("/sources/feminita/)", "/sources/feminitaa/)")
    v = change(client, where, text)
    (diag,) = [d for d in await diagnostics_for(client, where, v) if d.code == "link"]
    found = await actions_for(client, where, [diag])
    replace = next(a for a in found if a.title == "Replace with /sources/feminita/")
    assert list(replace.diagnostics or []) == [diag]
    assert replace.edit is not None and replace.edit.changes is not None
    fixed = applied(text, replace.edit.changes[where][0])
    assert fixed == file.read_text()
    v = change(client, where, fixed)
    assert [d for d in await diagnostics_for(client, where, v) if d.code == "link"] == []
    close(client, where)


async def test_the_broken_address_becomes_an_alias_of_the_suggested_record(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    where, _ = open_doc(client, file)
    text = file.read_text().replace("/sources/feminita/)", "/sources/feminta/)")
    v = change(client, where, text)
    (diag,) = [d for d in await diagnostics_for(client, where, v) if d.code == "link"]
    found = await actions_for(client, where, [diag])
    alias = next(a for a in found if a.title.startswith("Add /sources/feminta/ to the aliases"))
    assert alias.title.endswith("of sources/feminita.md")
    assert alias.edit is not None and alias.edit.changes is not None
    target = kb / "sources" / "feminita.md"
    (edit,) = alias.edit.changes[uri(target)]
    new = applied(target.read_text(), edit)
    assert "aliases: [/old/feminita/, /sources/feminta/]" in new
    # written (as the editor would), the link is good as it stands
    before = target.read_text()
    target.write_text(new)
    try:
        client.workspace_did_change_watched_files(
            t.DidChangeWatchedFilesParams([t.FileEvent(uri(target), t.FileChangeType.Changed)])
        )
        await diagnostics_for(client, where, v, lambda d: not [x for x in d if x.code == "link"])
    finally:
        target.write_text(before)
        client.workspace_did_change_watched_files(
            t.DidChangeWatchedFilesParams([t.FileEvent(uri(target), t.FileChangeType.Changed)])
        )
    close(client, where)


def apply_workspace_edit(edit: t.WorkspaceEdit) -> None:
    """Apply a WorkspaceEdit to the files as an editor does: in order."""
    for op in edit.document_changes or []:
        if isinstance(op, t.RenameFile):
            src, dst = Path(to_fs_path(op.old_uri) or ""), Path(to_fs_path(op.new_uri) or "")
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dst)
        else:
            assert isinstance(op, t.TextDocumentEdit)
            path = Path(to_fs_path(op.text_document.uri) or "")
            text = path.read_text()
            for e in op.edits:
                assert isinstance(e, t.TextEdit)
                text = applied(text, e)
            path.write_text(text)


async def test_rename_is_kzkb_mv_and_leaves_no_broken_link(
    client: LanguageClient, kb: Path, tmp_path: Path
) -> None:
    file = kb / "sources" / "kazfem.md"
    where, _ = open_doc(client, file)
    prepared = await client.text_document_prepare_rename_async(
        t.PrepareRenameParams(t.TextDocumentIdentifier(where), t.Position(1, 3))
    )
    assert isinstance(prepared, t.PrepareRenamePlaceholder)
    assert prepared.placeholder == "sources/kazfem.md"

    edit = await client.text_document_rename_async(
        t.RenameParams(
            text_document=t.TextDocumentIdentifier(where),
            position=t.Position(1, 3),
            new_name="sources/kazfem-collective.md",
        )
    )
    assert edit is not None and edit.document_changes is not None
    renames = [op for op in edit.document_changes if isinstance(op, t.RenameFile)]
    assert [(Path(r.old_uri).name, Path(r.new_uri).name) for r in renames] == [
        ("kazfem.md", "kazfem-collective.md")
    ]
    assert file.exists()  # the server only proposes: the editor applies
    close(client, where)

    copy = tmp_path / "kb"
    shutil.copytree(kb, copy)
    moved = t.WorkspaceEdit(
        document_changes=[_rebased(op, kb, copy) for op in edit.document_changes]
    )
    apply_workspace_edit(moved)
    assert not (copy / "sources" / "kazfem.md").exists()
    new = (copy / "sources" / "kazfem-collective.md").read_text()
    assert "/sources/kazfem/" in new  # the old URL kept as an alias
    assert "../../sources/kazfem-collective/" in (copy / "guides" / "start.md").read_text()
    env = clean_env(tmp_path)
    result = run_kzkb(env, "check-links", "--kb", str(copy), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr


def _rebased(op: object, old: Path, new: Path) -> object:
    """An operation on files of `old` made on the same files of `new`."""

    def move(u: str) -> str:
        return uri(new / Path(to_fs_path(u) or "").relative_to(old))

    if isinstance(op, t.RenameFile):
        return t.RenameFile(old_uri=move(op.old_uri), new_uri=move(op.new_uri))
    assert isinstance(op, t.TextDocumentEdit)
    ident = t.OptionalVersionedTextDocumentIdentifier(move(op.text_document.uri), None)
    return t.TextDocumentEdit(ident, op.edits)


async def test_rename_from_a_link_renames_its_target(client: LanguageClient, kb: Path) -> None:
    text = (kb / "guides" / "start.md").read_text()
    where, _ = open_doc(client, kb / "guides" / "start.md")
    at = position(text, "/sources/feminita/", 2)
    prepared = await client.text_document_prepare_rename_async(
        t.PrepareRenameParams(t.TextDocumentIdentifier(where), at)
    )
    assert isinstance(prepared, t.PrepareRenamePlaceholder)
    assert prepared.placeholder == "sources/feminita.md"
    line = text.split("\n")[prepared.range.start.line]
    assert line[prepared.range.start.character : prepared.range.end.character] == (
        "/sources/feminita/"
    )
    close(client, where)


async def test_rename_stops_at_a_file_with_unsaved_changes(
    client: LanguageClient, kb: Path
) -> None:
    start_md = kb / "guides" / "start.md"
    where, _ = open_doc(client, start_md)
    v = change(client, where, start_md.read_text() + "\nunsaved\n")
    await diagnostics_for(client, where, v)
    with pytest.raises(Exception, match=re.escape("guides/start.md has unsaved changes")):
        await client.text_document_rename_async(
            t.RenameParams(
                text_document=t.TextDocumentIdentifier(where),
                position=position(start_md.read_text(), "../../sources/kazfem/", 2),
                new_name="sources/kazfem-two.md",
            )
        )
    assert (kb / "sources" / "kazfem.md").exists()
    close(client, where)
