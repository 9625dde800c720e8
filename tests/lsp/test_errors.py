"""What must not stop the server: a kzkb.toml that does not load (shown as a
message; once repaired, the KB is read), files kzkb cannot read, a file
in no KB. Its stdout stays the protocol's: pytest-lsp fails a test on a
line that is not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from tests.lsp.conftest import (
    CONFIG,
    change,
    close,
    diagnostics_for,
    make_kb,
    open_doc,
    start,
    stop,
    uri,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKEN = '[taxonomies\ncategory = "category"\n'


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_kb(tmp_path_factory.mktemp("errors") / "kb")
    (root / "sources" / "binary.md").write_bytes(b"---\ntitle: x\n---\n\x00\xff\xfe")
    (root / "sources" / "latin1.md").write_bytes("---\ntitle: caf\u00e9\n---\n".encode("latin-1"))
    (root / "kzkb.toml").write_text(BROKEN)
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(kb: Path) -> AsyncIterator[LanguageClient]:
    c = await start(kb, kb.parent)
    yield c
    await stop(c)


async def message_about(client: LanguageClient, word: str, timeout: float = 10.0) -> str:
    for _ in range(int(timeout / 0.1)):
        for m in client.messages:
            if word in m.message:
                return m.message
        await asyncio.sleep(0.1)
    raise AssertionError(f"no message about {word!r}: {client.messages}")


def watched(client: LanguageClient, *files: Path) -> None:
    client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(
            [t.FileEvent(uri(f), t.FileChangeType.Changed) for f in files]
        )
    )


async def test_a_bad_kzkb_toml_is_shown_and_its_repair_is_read(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    where, _ = open_doc(client, file)
    shown = await message_about(client, "kzkb.toml")
    assert shown.startswith("kzkb: ") and "\n" not in shown
    # the server still answers
    hover = await client.text_document_hover_async(
        t.HoverParams(t.TextDocumentIdentifier(where), t.Position(0, 0))
    )
    assert hover is None

    (kb / "kzkb.toml").write_text(CONFIG)
    watched(client, kb / "kzkb.toml")
    v = change(client, where, file.read_text() + "\n[x](/nowhere/)\n")
    found = await diagnostics_for(client, where, v)
    assert [d.message for d in found if d.code == "link"] == ["no such page"]

    # broken again while the KB is open: said, and the server goes on
    client.messages.clear()
    (kb / "kzkb.toml").write_text(BROKEN)
    watched(client, kb / "kzkb.toml")
    await message_about(client, "kzkb.toml")
    (kb / "kzkb.toml").write_text(CONFIG)
    watched(client, kb / "kzkb.toml")
    v = change(client, where, file.read_text())
    assert [d for d in await diagnostics_for(client, where, v) if d.code == "link"] == []
    close(client, where)


async def test_files_kzkb_cannot_read_get_a_diagnostic_not_a_crash(
    client: LanguageClient, kb: Path
) -> None:
    where, v = open_doc(client, kb / "sources" / "kazfem.md", "---\ntitle: x\n---\n\x00")
    found = await diagnostics_for(client, where, v)
    assert [d.code for d in found] == ["front-matter-syntax"]
    assert "NUL" in found[0].message
    close(client, where)
    # the KB's unreadable files are skipped by the index; the server answers
    found_symbols = await client.workspace_symbol_async(t.WorkspaceSymbolParams(query="KazFem"))
    assert found_symbols and found_symbols[0].name == "KazFem"


async def test_a_file_in_no_kb_is_left_alone(
    client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    alone = tmp_path_factory.mktemp("nokb") / "notes.md"
    alone.write_text("# Notes\n\n[x](/nowhere/)\n")
    where, _ = open_doc(client, alone)
    hover = await client.text_document_hover_async(
        t.HoverParams(t.TextDocumentIdentifier(where), t.Position(2, 5))
    )
    assert hover is None
    symbols = await client.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(where))
    )
    assert symbols is None
    close(client, where)
