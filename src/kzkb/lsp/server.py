"""`kzkb lsp`: the language server over stdio (pygls), for the Markdown files
of a KB or Hugo site.

The handlers are thin: each turns the protocol's positions into kzkb's
(0-based lines, code-point columns), asks one module (diagnostics,
completion, hover, navigation, actions) and turns the answer back. No
handler may kill the server: a KB whose settings do not load or a file kzkb
cannot read is reported (window/showMessage, a diagnostic) and logged to
stderr; stdout is the protocol's.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from kzkb import __version__
from kzkb.lsp import actions, completion, diagnostics, hover, navigation
from kzkb.lsp.edits import workspace_edit
from kzkb.lsp.workspace import Document, KbState, Workspace
from kzkb.model import KzkbError

log = logging.getLogger("kzkb.lsp")

DEBOUNCE = 0.05  # seconds of quiet after a keystroke before diagnostics run
F = TypeVar("F", bound=Callable[..., Any])


class KzkbServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("kzkb", __version__)
        self.kbs = Workspace()
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.told: set[str] = set()  # problems already shown, not repeated
        self.cache: dict[str, Document] = {}

    # --- documents ------------------------------------------------------------------------

    def encoding(self) -> str:
        kind = self.workspace.position_encoding
        return {"utf-8": "utf-8", "utf-32": "utf-32"}.get(
            str(getattr(kind, "value", kind)), "utf-16"
        )

    def doc(self, uri: str) -> Document | None:
        """The document as the editor has it (unsaved text), read by kzkb."""
        path = to_fs_path(uri)
        if path is None:
            return None
        text = self.workspace.get_text_document(uri).source
        cached = self.cache.get(uri)
        if (
            cached is not None
            and cached.text == text
            and cached.state is not None
            and cached.current
        ):
            return cached
        doc = self.kbs.document(uri, Path(path), text, self.encoding())
        self.cache[uri] = doc
        self.report_failures()
        return doc

    def open_texts(self) -> dict[Path, str]:
        """The unsaved text of every open document, by file."""
        out: dict[Path, str] = {}
        for uri, document in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path is not None:
                out[Path(path).resolve()] = document.source
        return out

    def tell(self, message: str, kind: t.MessageType = t.MessageType.Error) -> None:
        if message in self.told:
            return
        self.told.add(message)
        log.warning("%s", message)
        self.window_show_message(t.ShowMessageParams(kind, f"kzkb: {message}"))

    def report_failures(self) -> None:
        for root, why in self.kbs.failed.items():
            self.tell(f"{root}: {why}")

    # --- diagnostics ------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        """Diagnostics for the document once typing pauses."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(delay, self.publish, uri)

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        try:
            doc = self.doc(uri)
            if doc is None or doc.state is None:
                return
            found = diagnostics.problems(doc)
        except KzkbError as err:
            self.tell(str(err))
            return
        except Exception:
            log.exception("diagnostics of %s", uri)
            return
        version = self.workspace.get_text_document(uri).version
        items = [self.diagnostic(doc, p) for p in found]
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri, items, version))
        # only then, off the keystroke's path: has the KB changed on disk
        # meanwhile (an editor that does not watch files tells nothing)?
        if self.refresh(doc.state):
            self.republish()

    def diagnostic(self, doc: Document, p: diagnostics.Problem) -> t.Diagnostic:
        return t.Diagnostic(
            range=self.range(doc, p.line, p.start, p.end),
            message=p.message,
            severity=t.DiagnosticSeverity.Error
            if p.severity == "error"
            else t.DiagnosticSeverity.Warning,
            code=p.code,
            source="kzkb",
            data=p.data,
        )

    def refresh(self, state: KbState, force: bool = False) -> bool:
        """The KB's index brought up to date with the disk; True if it changed."""
        try:
            return state.refresh(force)
        except KzkbError as err:
            self.tell(str(err))
            return False

    def republish(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    # --- positions ---------------------------------------------------------------------------

    def range(self, doc: Document, line: int, start: int, end: int) -> t.Range:
        a = doc.to_client(line, start)
        b = doc.to_client(line, end)
        return t.Range(t.Position(*a), t.Position(*b))

    def at(self, doc: Document, position: t.Position) -> tuple[int, int]:
        return doc.from_client(position.line, position.character)


server = KzkbServer()


def guarded(default: Any = None) -> Callable[[F], F]:
    """A handler that logs its failure and answers `default`: one bad file
    or request never stops the server. A KzkbError is shown to the user."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(ls: KzkbServer, params: Any) -> Any:
            try:
                return fn(ls, params)
            except KzkbError as err:
                ls.tell(str(err))
                return default
            except Exception:
                log.exception("%s failed", fn.__name__)
                return default

        return run  # type: ignore[return-value]

    return wrap


# --- life cycle and synchronisation ------------------------------------------------------------


@server.feature(t.INITIALIZE)
@guarded()
def initialize(ls: KzkbServer, params: t.InitializeParams) -> None:
    folders = [f.uri for f in params.workspace_folders or []]
    if params.root_uri:
        folders.append(params.root_uri)
    for uri in folders:
        path = to_fs_path(uri)
        if path is not None:
            ls.kbs.add_root(Path(path))


@server.feature(t.INITIALIZED)
@guarded()
def initialized(ls: KzkbServer, params: t.InitializedParams) -> None:
    ls.kbs.open_roots()
    ls.report_failures()
    caps = ls.client_capabilities.workspace
    watch = caps.did_change_watched_files if caps is not None else None
    if watch is not None and watch.dynamic_registration:
        options = t.DidChangeWatchedFilesRegistrationOptions(
            watchers=[
                t.FileSystemWatcher(glob_pattern="**/*.{md,markdown,html,htm}"),
                t.FileSystemWatcher(glob_pattern="**/{kzkb.toml,hugo.*,config.*,pyproject.toml}"),
            ]
        )
        registration = t.Registration("kzkb-watch", t.WORKSPACE_DID_CHANGE_WATCHED_FILES, options)
        ls.client_register_capability(t.RegistrationParams([registration]))


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: KzkbServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: KzkbServer, params: t.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
@guarded()
def did_save(ls: KzkbServer, params: t.DidSaveTextDocumentParams) -> None:
    for state in list(ls.kbs.states.values()):
        ls.refresh(state, force=True)
    ls.republish()


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: KzkbServer, params: t.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.cache.pop(uri, None)
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri, []))


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded()
def did_change_watched_files(ls: KzkbServer, params: t.DidChangeWatchedFilesParams) -> None:
    for state in list(ls.kbs.states.values()):
        ls.refresh(state, force=True)
    ls.told.clear()  # a problem that comes back is said again
    ls.republish()


# --- features -----------------------------------------------------------------------------------


_KINDS = {
    "url": t.CompletionItemKind.File,
    "alias": t.CompletionItemKind.Reference,
    "anchor": t.CompletionItemKind.Reference,
    "path": t.CompletionItemKind.File,
    "term": t.CompletionItemKind.EnumMember,
    "field": t.CompletionItemKind.Field,
}


@server.feature(
    t.TEXT_DOCUMENT_COMPLETION,
    t.CompletionOptions(trigger_characters=["/", "#", "(", '"', " ", "[", ","]),
)
@guarded()
def complete(ls: KzkbServer, params: t.CompletionParams) -> t.CompletionList | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    line, column = ls.at(doc, params.position)
    found = completion.complete(doc, line, column)
    if found is None:
        return None
    where = ls.range(doc, line, found.start, column)
    items = [
        t.CompletionItem(
            label=item.label,
            kind=_KINDS[item.kind],
            detail=item.detail,
            documentation=item.documentation or None,
            sort_text=f"{i:05d}",
            filter_text=item.label,
            text_edit=t.TextEdit(where, item.label),
        )
        for i, item in enumerate(found.items)
    ]
    return t.CompletionList(is_incomplete=not found.complete, items=items)


@server.feature(t.TEXT_DOCUMENT_HOVER)
@guarded()
def on_hover(ls: KzkbServer, params: t.HoverParams) -> t.Hover | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    line, column = ls.at(doc, params.position)
    text = hover.hover(doc, line, column)
    if text is None:
        return None
    return t.Hover(t.MarkupContent(t.MarkupKind.Markdown, text))


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
@guarded()
def definition(ls: KzkbServer, params: t.DefinitionParams) -> t.Location | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None or doc.state is None:
        return None
    link = navigation.link_at(doc, *ls.at(doc, params.position))
    if link is None:
        return None
    target = navigation.resolve(doc, link)
    if target.record is None:
        return None
    line = navigation.heading_line(target.record, target.fragment) if target.fragment else 0
    uri = from_fs_path(str(doc.state.content / target.record.path))
    return t.Location(uri, t.Range(t.Position(line, 0), t.Position(line, 0)))


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
@guarded()
def references(ls: KzkbServer, params: t.ReferenceParams) -> list[t.Location] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None or doc.state is None or doc.record is None:
        return None
    state = doc.state
    link = navigation.link_at(doc, *ls.at(doc, params.position))
    target = navigation.resolve(doc, link).record if link is not None else None
    if target is None or target.path == doc.record.path:
        target = state.record(doc.record.path) or doc.record
    out = []
    for path, found in navigation.references(state, target):
        start = found.column - 1
        line = found.line - 1
        uri = from_fs_path(str(state.content / path))
        out.append(
            t.Location(
                uri, t.Range(t.Position(line, start), t.Position(line, start + len(found.target)))
            )
        )
    return out


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded()
def document_symbols(
    ls: KzkbServer, params: t.DocumentSymbolParams
) -> list[t.DocumentSymbol] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None or doc.record is None:
        return None
    lines = doc.lines

    def symbol(section: navigation.Section) -> t.DocumentSymbol:
        h = section.heading
        row = h.line - 1
        end = max(row, min(section.end, len(lines) - 1))
        return t.DocumentSymbol(
            name=h.text or "(empty heading)",
            kind=t.SymbolKind.String,
            detail=f"#{h.id}" if h.id else None,
            range=t.Range(t.Position(row, 0), t.Position(*doc.to_client(end, len(lines[end])))),
            selection_range=ls.range(doc, row, 0, len(lines[row])),
            children=[symbol(c) for c in section.children],
        )

    return [symbol(s) for s in navigation.outline(doc.record.headings, len(lines) - 1)]


@server.feature(t.WORKSPACE_SYMBOL)
@guarded()
def workspace_symbols(ls: KzkbServer, params: t.WorkspaceSymbolParams) -> list[t.SymbolInformation]:
    out = []
    for state in list(ls.kbs.states.values()):
        for path, title, url in navigation.find_records(state, params.query):
            uri = from_fs_path(str(state.content / path))
            where = t.Location(uri, t.Range(t.Position(0, 0), t.Position(0, 0)))
            out.append(
                t.SymbolInformation(
                    location=where, name=title or path, kind=t.SymbolKind.File, container_name=url
                )
            )
    return out


@server.feature(
    t.TEXT_DOCUMENT_CODE_ACTION,
    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix, actions.FIX_ALL]),
)
@guarded()
def code_actions(ls: KzkbServer, params: t.CodeActionParams) -> list[t.CodeAction] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    wanted = params.context.only
    diags = [d for d in params.context.diagnostics if d.source == "kzkb"]
    found: list[actions.Action] = []
    if wanted and any(str(k).startswith("source.fixAll") for k in wanted):
        found += actions.lint_repair(doc, diags, only_fix_all=True)
    else:
        texts = ls.open_texts()
        found += actions.lint_repair(doc, diags)
        found += actions.link_fixes(doc, diags, texts)
    return [
        t.CodeAction(
            title=a.title,
            kind=a.kind,
            diagnostics=a.diagnostics or None,
            edit=workspace_edit(a, ls.encoding()),
        )
        for a in found
    ]


@server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded()
def prepare_rename(
    ls: KzkbServer, params: t.PrepareRenameParams
) -> t.PrepareRenamePlaceholder | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    found = actions.rename_source(doc, *ls.at(doc, params.position))
    if found is None:
        return None
    path, (line, start, end) = found
    return t.PrepareRenamePlaceholder(ls.range(doc, line, start, end), path)


@server.feature(t.TEXT_DOCUMENT_RENAME, t.RenameOptions(prepare_provider=True))
def rename(ls: KzkbServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
    # errors reach the editor as the request's error: it shows why nothing was renamed
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    line, column = ls.at(doc, params.position)
    try:
        action = actions.rename(doc, line, column, params.new_name, ls.open_texts())
    except KzkbError as err:
        raise ValueError(str(err)) from None
    return workspace_edit(action, ls.encoding())


def main(kb: Path | None = None) -> None:
    """Serve on stdio; `kb`: the KB of files that are in none."""
    if kb is not None:
        server.kbs.add_root(kb)
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="kzkb lsp: %(levelname)s: %(message)s"
    )
    # the protocol keeps the real stdout; anything else printing (a note of
    # kzkb's, a library's warning) goes to stderr and cannot corrupt it
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(stdin, stdout)
