"""Diagnostics as the curator types: from the editor's unsaved text, broken
links with check-links' reason and suggestion and lint findings with their
rule; the KB changed on disk while the server runs is seen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from tests.helpers import record
from tests.lsp.conftest import change, close, diagnostics_for, make_kb, open_doc, start, stop, uri

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_kb(tmp_path_factory.mktemp("diag") / "kb")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(kb: Path) -> AsyncIterator[LanguageClient]:
    c = await start(kb, kb.parent)
    yield c
    await stop(c)


def links(diags: list[t.Diagnostic]) -> list[t.Diagnostic]:
    return [d for d in diags if d.code == "link"]


async def test_an_unsaved_broken_link_is_reported_and_cleared_when_fixed(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    on_disk = file.read_bytes()
    text = on_disk.decode()
    where, v = open_doc(client, file)
    assert links(await diagnostics_for(client, where, v)) == []

    typo = text.replace("/sources/feminita/)", "/sources/feminitaa/)")
    v = change(client, where, typo)
    found = links(await diagnostics_for(client, where, v, lambda d: bool(links(d))))
    assert len(found) == 1
    d = found[0]
    assert d.source == "kzkb" and d.severity == t.DiagnosticSeverity.Error
    assert d.message == "no such page: did you mean /sources/feminita/?"
    line = typo.split("\n")[d.range.start.line]
    assert line[d.range.start.character : d.range.end.character] == "/sources/feminitaa/"
    assert file.read_bytes() == on_disk  # only the editor's text changed

    v = change(client, where, text)
    await diagnostics_for(client, where, v, lambda d: not links(d))
    close(client, where)


async def test_a_missing_heading_and_a_heading_typed_in_this_document(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    text = file.read_text()
    where, _ = open_doc(client, file)
    wrong = text + "\nSee [methods](/sources/feminita/#method) and [below](#later).\n"
    v = change(client, where, wrong)
    found = links(await diagnostics_for(client, where, v, lambda d: len(links(d)) == 2))
    messages = sorted(d.message for d in found)
    assert messages == ["no such heading", "no such heading: did you mean #methods?"]
    # the heading written now, unsaved, is a target at once
    v = change(client, where, wrong + "\n## Later\n")
    found = links(await diagnostics_for(client, where, v, lambda d: len(links(d)) == 1))
    assert found[0].message == "no such heading: did you mean #methods?"
    close(client, where)


async def test_lint_findings_carry_their_rule(client: LanguageClient, kb: Path) -> None:
    file = kb / "sources" / "kazfem.md"
    text = file.read_text()
    where, _ = open_doc(client, file)
    bad = text.replace('category: ["Local NGO"]', "category: [Local NGO, grassroots]").replace(
        'description: "A feminist collective."\n', ""
    )
    v = change(client, where, bad)
    found = await diagnostics_for(
        client, where, v, lambda d: {"unknown-term", "empty-description"} <= {x.code for x in d}
    )
    unknown = next(d for d in found if d.code == "unknown-term")
    assert unknown.source == "kzkb" and unknown.severity == t.DiagnosticSeverity.Error
    assert "'grassroots' is not a category of kzkb.toml" in unknown.message
    assert bad.split("\n")[unknown.range.start.line].startswith("category:")
    empty = next(d for d in found if d.code == "empty-description")
    assert empty.severity == t.DiagnosticSeverity.Warning
    close(client, where)


async def test_a_new_record_on_disk_makes_a_link_valid_and_a_deleted_one_broken(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    where, _ = open_doc(client, file)
    text = file.read_text() + "\nAlso [Anti-violence](/sources/anti-violence/).\n"
    v = change(client, where, text)
    found = links(await diagnostics_for(client, where, v, lambda d: bool(links(d))))
    assert [d.message for d in found] == ["no such page"]

    target = kb / "sources" / "anti-violence.md"
    target.write_text(record("Anti-violence", "Body.", description='"Help."'))
    client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams([t.FileEvent(uri(target), t.FileChangeType.Created)])
    )
    # the server answers the notification by publishing again, for the same version
    await diagnostics_for(client, where, v, lambda d: not links(d))

    # no notification this time: the server finds the change by itself
    target.unlink()
    await asyncio.sleep(2.1)  # the age at which the server looks at the disk again
    v = change(client, where, text + "\n")
    found = links(await diagnostics_for(client, where, v, lambda d: bool(links(d))))
    assert [d.message for d in found] == ["no such page"]
    close(client, where)


async def test_a_ref_to_no_page_is_the_build_error_hugo_gives(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "guides" / "start.md"
    where, _ = open_doc(client, file)
    text = (
        file.read_text() + '\nSee {{< ref "sources/feminita.md" >}} and {{< ref "nowhere.md" >}}.\n'
    )
    v = change(client, where, text)
    found = links(await diagnostics_for(client, where, v, lambda d: bool(links(d))))
    assert [d.message.split(":")[0] for d in found] == [
        "ref to no such page (Hugo stops the build)"
    ]
    assert "nowhere.md" in text.split("\n")[found[0].range.start.line]
    close(client, where)


async def test_a_text_that_is_no_record_gets_a_diagnostic_and_the_server_goes_on(
    client: LanguageClient, kb: Path
) -> None:
    file = kb / "sources" / "feminita.md"
    where, _ = open_doc(client, file)
    v = change(client, where, '---\ntitle: "unclosed\n---\n\nBody.\n')
    found = await diagnostics_for(client, where, v, lambda d: bool(d))
    assert [d.code for d in found] == ["front-matter-syntax"]
    v = change(client, where, file.read_text())
    await diagnostics_for(client, where, v, lambda d: not d)
    close(client, where)


async def test_ranges_count_the_editors_units_past_non_ascii_text(
    client: LanguageClient, kb: Path
) -> None:
    """UTF-16 by default: an emoji is two units, a Cyrillic letter one."""
    file = kb / "guides" / "start.md"
    where, _ = open_doc(client, file)
    line = "Эмодзи 😀 және [x](/sources/feminitaa/)"
    text = file.read_text() + "\n" + line + "\n"
    v = change(client, where, text)
    found = links(await diagnostics_for(client, where, v, lambda d: bool(links(d))))
    start = len(line[: line.index("/sources")].encode("utf-16-le")) // 2
    assert (found[0].range.start.character, found[0].range.end.character) == (
        start,
        start + len("/sources/feminitaa/"),
    )
    assert found[0].range.start.line == text.split("\n").index(line)
    close(client, where)
