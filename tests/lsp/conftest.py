"""A real `python -m kzkb lsp` over stdio, driven by pytest-lsp's client.

Each test module builds its KB once and shares one server (starting one
costs about a second); the tests of a module change only what they put
back, or files of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient
from tests.helpers import clean_env, record, write_kb

CONFIG = """\
languages = ["en", "kk"]

[taxonomies]
category = "category"
country = "countries"
tag = "tags"

[[terms.category]]
slug = "local-ngo"
label = "Local NGO"
description = "Grassroots groups of Kazakhstan."

[[terms.category]]
slug = "ingo"
label = "International NGO"
description = "Organisations reporting on many countries."
"""

HOSTILE_TITLE = "[click me](javascript:alert(1)) <img src=x onerror=alert(1)>"

FILES = {
    "sources/feminita.md": record(
        "Feminita",
        "Intro.\n\n## Methods\n\nHow.\n\n### Data sets\n\nWhich.\n\n## Contacts\n\nWho.",
        description='"A feminist initiative in Almaty."',
        category="[local-ngo]",
        tags="[feminism]",
        aliases="[/old/feminita/]",
    ),
    "sources/kazfem.md": record(
        "KazFem",
        "Text about [Feminita](/sources/feminita/#methods).",
        description='"A feminist collective."',
        category='["Local NGO"]',
        tags="[feminism, activism]",
    ),
    "guides/start.md": record(
        "Getting started",
        "# Getting started\n\nRead [Feminita](/sources/feminita/) first.\n\n"
        "## Next steps\n\nThen [KazFem](../../sources/kazfem/).",
        description='"Where to begin."',
    ),
    "guides/start.kk.md": record(
        "Бастау",
        "Оқыңыз: [Феминита](/sources/feminita/).",
        description='"Қайдан бастау."',
    ),
    "sources/hostile.md": record(
        HOSTILE_TITLE.replace('"', '\\"'),
        "Body.",
        description='"<script>alert(1)</script> **bold** [x](https://evil.example)"',
    ),
}

CAPABILITIES = t.ClientCapabilities(
    workspace=t.WorkspaceClientCapabilities(
        workspace_edit=t.WorkspaceEditClientCapabilities(
            document_changes=True,
            resource_operations=[t.ResourceOperationKind.Rename],
        ),
        did_change_watched_files=t.DidChangeWatchedFilesClientCapabilities(
            dynamic_registration=False
        ),
    ),
    text_document=t.TextDocumentClientCapabilities(
        hover=t.HoverClientCapabilities(content_format=[t.MarkupKind.Markdown]),
        rename=t.RenameClientCapabilities(prepare_support=True),
    ),
)


def make_kb(root: Path, files: dict[str, str] | None = None) -> Path:
    return write_kb(root, dict(files if files is not None else FILES), CONFIG)


def uri(path: Path) -> str:
    found = from_fs_path(str(path))
    assert found is not None
    return found


async def start(kb: Path, tmp: Path) -> LanguageClient:
    """A server for the KB at `kb` (its index in `tmp`), initialised."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "kzkb", "lsp"], server_env=clean_env(tmp)
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    record_versions(client)
    await client.initialize_session(
        t.InitializeParams(
            capabilities=CAPABILITIES,
            root_uri=uri(kb),
            workspace_folders=[t.WorkspaceFolder(uri(kb), "kb")],
        )
    )
    return client


async def stop(client: LanguageClient) -> None:
    await client.shutdown_session()
    await client.stop()


_versions = itertools.count(1)


def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> tuple[str, int]:
    """Open a file in the editor (its text on disk unless given): its URI and version."""
    where = uri(path)
    body = path.read_text(encoding="utf-8") if text is None else text
    version = next(_versions)
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(where, "markdown", version, body))
    )
    return where, version


def change(client: LanguageClient, where: str, text: str) -> int:
    """The whole text replaced, unsaved: the document's new version (versions
    grow across the module, so a late answer about an older one is no answer)."""
    version = next(_versions)
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(version, where),
            [t.TextDocumentContentChangeWholeDocument(text)],
        )
    )
    return version


def close(client: LanguageClient, where: str) -> None:
    client.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(where)))


def record_versions(client: LanguageClient) -> None:
    """Keep each document's last published diagnostics with their version."""
    published: dict[str, tuple[int | None, list[t.Diagnostic]]] = {}

    def on_publish(params: t.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        published[params.uri] = (params.version, list(params.diagnostics))

    client.protocol.fm.features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    client.published = published  # type: ignore[attr-defined]


async def diagnostics_for(
    client: LanguageClient,
    where: str,
    version: int,
    holds: Callable[[list[t.Diagnostic]], bool] = lambda d: True,
    timeout: float = 15.0,
) -> list[t.Diagnostic]:
    """The diagnostics the server published for this version of the
    document once they satisfy `holds`; fails after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    published = client.published  # type: ignore[attr-defined]
    while True:
        got = published.get(where)
        if got is not None and got[0] == version and holds(got[1]):
            return got[1]
        left = end - loop.time()
        if left <= 0:
            raise AssertionError(f"no diagnostics for {where} v{version} held; last: {got}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                client.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), min(left, 0.5)
            )


def position(text: str, needle: str, offset: int = 0) -> t.Position:
    """The position of `needle`'s first character (plus offset) in text; ASCII lines."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return t.Position(line, index - (text.rfind("\n", 0, index) + 1))


def kinds(items: Any) -> list[str]:
    return [item.label for item in items]
