"""Completion, hover, go to definition, references and symbols, end to end
over stdio, on one small KB and one server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from tests.lsp.conftest import (
    HOSTILE_TITLE,
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


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_kb(tmp_path_factory.mktemp("features") / "kb")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(kb: Path) -> AsyncIterator[LanguageClient]:
    c = await start(kb, kb.parent)
    yield c
    await stop(c)


async def typed(client: LanguageClient, kb: Path, rel: str, text: str) -> str:
    """The file opened and `text` typed into it, unsaved; once the server read it."""
    where, _ = open_doc(client, kb / rel)
    await diagnostics_for(client, where, change(client, where, text))
    return where


async def completions(client: LanguageClient, where: str, pos: t.Position) -> t.CompletionList:
    found = await client.text_document_completion_async(
        t.CompletionParams(t.TextDocumentIdentifier(where), pos)
    )
    assert isinstance(found, t.CompletionList)
    return found


async def test_workspace_symbols_find_records_by_title_fuzzily(
    client: LanguageClient, kb: Path
) -> None:
    """Before any file is open: the workspace folder's KB is read at start."""
    found = await client.workspace_symbol_async(t.WorkspaceSymbolParams(query="feminta"))
    assert found is not None
    assert found[0].name == "Feminita"
    assert found[0].location.uri == uri(kb / "sources/feminita.md")  # type: ignore[union-attr]


# --- completion ------------------------------------------------------------------------------


async def test_record_urls_with_titles_after_a_root_link(client: LanguageClient, kb: Path) -> None:
    text = (kb / "guides/start.md").read_text() + "\nSee [x](/sources/ka"
    where = await typed(client, kb, "guides/start.md", text)
    lines = text.split("\n")
    found = await completions(client, where, t.Position(len(lines) - 1, len(lines[-1])))
    by_label = {i.label: i for i in found.items}
    assert "/sources/kazfem/" in by_label
    item = by_label["/sources/kazfem/"]
    assert item.detail == "KazFem"
    # the edit replaces what was typed of the target
    assert isinstance(item.text_edit, t.TextEdit)
    assert item.text_edit.range.start.character == lines[-1].index("/sources/ka")
    # an alias is offered too, as such
    found = await completions(
        client,
        await typed(client, kb, "guides/start.md", text[: -len("/sources/ka")] + "/old/"),
        t.Position(len(lines) - 1, len(lines[-1]) - len("/sources/ka") + len("/old/")),
    )
    alias = {i.label: i for i in found.items}["/old/feminita/"]
    assert alias.detail == "alias of Feminita"
    close(client, where)


async def test_relative_urls_after_a_bare_link(client: LanguageClient, kb: Path) -> None:
    text = (kb / "guides/start.md").read_text() + "\nSee [x]("
    where = await typed(client, kb, "guides/start.md", text)
    lines = text.split("\n")
    found = await completions(client, where, t.Position(len(lines) - 1, len(lines[-1])))
    labels = {i.label: i.detail for i in found.items}
    # guides/start.md is served at /guides/start/
    assert labels["../../sources/feminita/"] == "Feminita"
    close(client, where)


async def test_anchors_of_this_document_and_of_the_target(client: LanguageClient, kb: Path) -> None:
    base = (kb / "guides/start.md").read_text()
    where = await typed(client, kb, "guides/start.md", base + "\n[a](#")
    n = len(base.split("\n"))
    own = await completions(client, where, t.Position(n, len("[a](#")))
    assert {i.label for i in own.items} == {"getting-started", "next-steps"}

    where = await typed(client, kb, "guides/start.md", base + "\n[a](/sources/feminita/#da")
    other = await completions(client, where, t.Position(n, len("[a](/sources/feminita/#da")))
    assert [(i.label, i.detail) for i in other.items] == [("data-sets", "Data sets")]
    close(client, where)


async def test_ref_paths_inside_the_shortcode(client: LanguageClient, kb: Path) -> None:
    base = (kb / "guides/start.md").read_text()
    line = '{{< ref "kaz'
    where = await typed(client, kb, "guides/start.md", base + "\n" + line)
    found = await completions(client, where, t.Position(len(base.split("\n")), len(line)))
    assert [i.label for i in found.items] == ["/sources/kazfem.md"]
    # then the headings of the page the path finds, as Hugo's ref finds it
    line = '{{< ref "sources/feminita.md#m'
    where = await typed(client, kb, "guides/start.md", base + "\n" + line)
    found = await completions(client, where, t.Position(len(base.split("\n")), len(line)))
    assert [i.label for i in found.items] == ["methods"]
    close(client, where)


async def test_terms_with_label_and_count_in_a_taxonomy_field(
    client: LanguageClient, kb: Path
) -> None:
    text = (kb / "sources/feminita.md").read_text()
    text = text.replace("category: [local-ngo]", "category: [Lo")
    where = await typed(client, kb, "sources/feminita.md", text)
    pos = position(text, "category: [Lo", len("category: [Lo"))
    found = await completions(client, where, pos)
    assert [(i.label, i.detail) for i in found.items] == [("Local NGO", "2 records")]
    assert found.items[0].documentation == "Grassroots groups of Kazakhstan."
    close(client, where)


async def test_the_kbs_field_names_at_the_start_of_a_front_matter_line(
    client: LanguageClient, kb: Path
) -> None:
    text = (kb / "sources/feminita.md").read_text().replace("tags: [feminism]\n", "ta\n")
    where = await typed(client, kb, "sources/feminita.md", text)
    found = await completions(client, where, position(text, "ta\n", 2))
    assert {i.label for i in found.items} == {"tags"}
    text = text.replace("ta\n", "\n", 1)
    where = await typed(client, kb, "sources/feminita.md", text)
    found = await completions(client, where, position(text, "\n\n", 1))
    labels = [i.label for i in found.items]
    assert {"title", "description", "category", "tags", "aliases"} <= set(labels)
    assert labels.index("title") < labels.index("aliases")  # every record has one
    close(client, where)


# --- hover ---------------------------------------------------------------------------------


async def hover_at(client: LanguageClient, where: str, pos: t.Position) -> str | None:
    found = await client.text_document_hover_async(
        t.HoverParams(t.TextDocumentIdentifier(where), pos)
    )
    if found is None:
        return None
    assert isinstance(found.contents, t.MarkupContent)
    assert found.contents.kind == t.MarkupKind.Markdown
    return found.contents.value


async def test_hover_on_a_link_shows_the_target(client: LanguageClient, kb: Path) -> None:
    text = (kb / "sources/kazfem.md").read_text()
    where, _ = open_doc(client, kb / "sources/kazfem.md")
    shown = await hover_at(client, where, position(text, "/sources/feminita/#methods", 3))
    assert shown is not None
    assert shown.startswith("**Feminita** › Methods")
    assert "A feminist initiative in Almaty\\." in shown
    assert "source · en · sources\\/feminita\\.md" in shown
    close(client, where)


async def test_hover_on_a_term_shows_its_label_and_description(
    client: LanguageClient, kb: Path
) -> None:
    text = (kb / "sources/kazfem.md").read_text()
    where, _ = open_doc(client, kb / "sources/kazfem.md")
    shown = await hover_at(client, where, position(text, "Local NGO", 2))
    assert shown == (
        "**Local NGO** (category local\\-ngo)\n\nGrassroots groups of Kazakhstan\\.\n\n2 records"
    )
    close(client, where)


async def test_hostile_record_text_stays_text_in_a_hover(client: LanguageClient, kb: Path) -> None:
    """A title and description holding a javascript: link, an image tag and
    a script become neither link nor HTML, read by a CommonMark renderer."""
    import pyromark

    base = (kb / "guides/start.md").read_text()
    text = base + "\nSee [it](/sources/hostile/).\n"
    where = await typed(client, kb, "guides/start.md", text)
    shown = await hover_at(client, where, position(text, "/sources/hostile/", 2))
    assert shown is not None
    html = pyromark.html(shown)
    assert "<a" not in html and "<img" not in html and "<script" not in html
    assert "<strong>" in html and html.count("<strong>") == 1  # kzkb's own bold, not the record's
    # every character of the title is there, as text
    assert "[click me](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;" in html
    assert HOSTILE_TITLE.startswith("[click me]")
    close(client, where)


# --- navigation --------------------------------------------------------------------------------


async def test_definition_goes_to_the_file_and_the_heading(
    client: LanguageClient, kb: Path
) -> None:
    text = (kb / "sources/kazfem.md").read_text()
    where, _ = open_doc(client, kb / "sources/kazfem.md")
    found = await client.text_document_definition_async(
        t.DefinitionParams(t.TextDocumentIdentifier(where), position(text, "/sources/feminita/#"))
    )
    assert isinstance(found, t.Location)
    assert found.uri == uri(kb / "sources/feminita.md")
    lines = (kb / "sources/feminita.md").read_text().split("\n")
    assert lines[found.range.start.line] == "## Methods"
    close(client, where)


async def test_references_are_the_backlinks_in_every_language(
    client: LanguageClient, kb: Path
) -> None:
    where, _ = open_doc(client, kb / "sources/feminita.md")
    found = await client.text_document_references_async(
        t.ReferenceParams(
            context=t.ReferenceContext(include_declaration=False),
            text_document=t.TextDocumentIdentifier(where),
            position=t.Position(0, 0),
        )
    )
    assert found is not None
    got = sorted((Path(x.uri).name, x.range.start.line) for x in found)
    expected = []
    for rel in ("guides/start.md", "guides/start.kk.md", "sources/kazfem.md"):
        lines = (kb / rel).read_text().split("\n")
        expected += [(Path(rel).name, i) for i, x in enumerate(lines) if "/sources/feminita/" in x]
    assert got == sorted(expected) and len(got) == 3
    # each range is the link's target as written
    for x in found:
        line = (kb / Path(x.uri[len("file://") :])).read_text().split("\n")[x.range.start.line]
        target = line[x.range.start.character : x.range.end.character]
        assert target.startswith("/sources/feminita/")
    close(client, where)


async def test_document_symbols_are_the_headings_nested(client: LanguageClient, kb: Path) -> None:
    where, _ = open_doc(client, kb / "sources/feminita.md")
    found = await client.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(where))
    )
    assert found is not None
    tree = [(s.name, [c.name for c in s.children or []]) for s in found]  # type: ignore[union-attr]
    assert tree == [("Methods", ["Data sets"]), ("Contacts", [])]
    close(client, where)
