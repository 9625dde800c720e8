"""What the language server knows: each KB an editor has a file open in,
its pages held in memory, and the open documents as the editor has them
(unsaved text included).

A keystroke must cost one document, not the KB: the KB's URLs, paths and
titles (Catalog) are read from kzkb's index once, and again only when a
refresh of the index finds that files changed on disk.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kzkb.kb import KnowledgeBase
from kzkb.model import KzkbError, Record, Skipped
from kzkb.settings.config import Config, load_config
from kzkb.settings.find import is_kb
from kzkb.settings.own import CONFIG_NAME

log = logging.getLogger("kzkb.lsp")

# how old the index may be before a diagnostics run refreshes it: an editor
# without file watching still sees the KB change on disk within this long
STALE_SECONDS = 2.0


class Page(NamedTuple):
    path: str  # content path
    url: str
    lang: str
    kind: str
    title: str
    id: int


@dataclass(slots=True)
class Catalog:
    """The KB's pages by URL (aliases too) and by content path: what a
    document's links resolve against."""

    by_path: dict[str, Page] = field(default_factory=dict)
    by_url: dict[str, list[Page]] = field(default_factory=dict)
    aliases: dict[str, Page] = field(default_factory=dict)  # alias URL -> its page

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Catalog:
        out = cls()
        titles: dict[str, str] = {}
        named = kb.index.records.titles_and_urls()
        for title, _, path in named:
            titles[path] = title
        for path, ref in kb.index.records.record_ids().items():
            out.by_path[path] = Page(
                path, ref.url, ref.lang, ref.kind, titles.get(path, ""), ref.id
            )
        for _, url, path in named:
            page = out.by_path.get(path)
            if page is None:
                continue
            out.by_url.setdefault(url, []).append(page)
            if url != page.url:
                out.aliases[url] = page
        return out


class KbState:
    """One KB: its settings, its index and its catalog, kept current."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config: Config = load_config(root)
        self.kb = KnowledgeBase.open(root)
        self.catalog = Catalog.of(self.kb)
        self.refreshed = time.monotonic()
        self.generation = 0  # bumped whenever the KB changed on disk
        self._field_names: tuple[int, list[str]] | None = None

    @property
    def content(self) -> Path:
        return self.config.content_dir

    def refresh(self, force: bool = False) -> bool:
        """Bring the index and the catalog up to date with the files; True
        if anything changed. Settings changed on disk are read again."""
        if not force and time.monotonic() - self.refreshed < STALE_SECONDS:
            return False
        config = load_config(self.root)
        if config.parse_key() != self.config.parse_key():
            self.config = config
            self.kb = KnowledgeBase.open(self.root)
            changed = True
        else:
            stats = self.kb.index.refresh(self.config)
            changed = bool(stats.added or stats.changed or stats.removed or stats.rebuilt)
        self.refreshed = time.monotonic()
        if changed:
            self.catalog = Catalog.of(self.kb)
            self.generation += 1
        return changed

    def rel(self, path: Path) -> str | None:
        """A file's content path, or None when it is outside the records' folder."""
        try:
            return path.resolve().relative_to(self.content.resolve()).as_posix()
        except ValueError:
            return None

    def record(self, path: str) -> Record | None:
        found = self.kb.index.records.by_path(path)
        return found[0] if found else None

    def field_names(self) -> list[str]:
        """The front-matter keys the KB's records use, the commonest first,
        and those its settings name (taxonomies, lint's required fields)."""
        if self._field_names is None or self._field_names[0] != self.generation:
            counts: dict[str, int] = {}
            for r in self.kb.list():
                for key in r.fields:
                    counts[key] = counts.get(key, 0) + 1
            config = self.config
            named = ["title", "description", "aliases", *config.taxonomies.values()]
            named += list(config.lint.required)
            for key in named:
                counts.setdefault(key, 0)
            ranked = sorted(counts, key=lambda k: (-counts[k], k))
            self._field_names = (self.generation, ranked)
        return self._field_names[1]


@dataclass(slots=True)
class Document:
    """An open document as the editor holds it, read as kzkb reads a file."""

    uri: str
    path: Path
    text: str
    state: KbState | None
    rel: str | None  # content path; None outside the KB's records
    parsed: Record | Skipped | None = None
    encoding: str = "utf-16"  # how the editor counts a line's characters
    generation: int = 0  # the KB's generation it was read against

    @property
    def current(self) -> bool:
        """Whether the KB has not changed on disk since the document was read."""
        return self.state is None or self.state.generation == self.generation

    @property
    def record(self) -> Record | None:
        return self.parsed if isinstance(self.parsed, Record) else None

    @property
    def lines(self) -> list[str]:
        # lines as kzkb numbers them: only a line feed ends one
        return self.text.split("\n")

    def units(self, text: str) -> int:
        """The length of `text` in the editor's position units."""
        if self.encoding == "utf-8":
            return len(text.encode("utf-8", "surrogatepass"))
        if self.encoding == "utf-32":
            return len(text)
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def to_client(self, line: int, column: int) -> tuple[int, int]:
        """(line, character) for the editor of a 0-based line and code-point column."""
        lines = self.lines
        if line >= len(lines):
            return len(lines) - 1, self.units(lines[-1])
        return line, self.units(lines[line][:column])

    def from_client(self, line: int, character: int) -> tuple[int, int]:
        """(line, code-point column) of the editor's position."""
        lines = self.lines
        if line >= len(lines):
            return len(lines) - 1, len(lines[-1])
        text, done = lines[line], 0
        for i, ch in enumerate(text):
            if done >= character:
                return line, i
            done += self.units(ch)
        return line, len(text)


class Workspace:
    """The KBs of the open documents, found by walking up from each file."""

    def __init__(self) -> None:
        self.states: dict[Path, KbState] = {}
        self.roots: list[Path] = []  # the editor's workspace folders
        self.failed: dict[Path, str] = {}  # KB root -> why it did not open

    def add_root(self, folder: Path) -> None:
        self.roots.append(folder)

    def kb_root(self, path: Path) -> Path | None:
        """The KB a file belongs to: the nearest folder above it holding a
        KB's settings; else a workspace folder that is a KB (or has kb/)."""
        for folder in path.resolve().parents:
            if is_kb(folder):
                return folder
        for root in self.roots:
            if is_kb(root):
                return root
            if (root / "kb" / CONFIG_NAME).is_file():
                return root / "kb"
        return None

    def open_roots(self) -> None:
        """Open the KBs of the workspace folders now, so that workspace
        symbols answer before any file is opened."""
        for root in self.roots:
            for folder in (root, root / "kb"):
                if folder.is_dir() and is_kb(folder):
                    self.state_for(folder / CONFIG_NAME)
                    break

    def state_for(self, path: Path) -> KbState | None:
        """The KB of this file, opened on first need; None (and why, in
        `failed`) when there is none or its settings do not load."""
        root = self.kb_root(path)
        if root is None:
            return None
        state = self.states.get(root)
        if state is None:
            try:
                state = KbState(root)
            except KzkbError as err:
                self.failed[root] = str(err)
                return None
            self.failed.pop(root, None)
            self.states[root] = state
        return state

    def document(self, uri: str, path: Path, text: str, encoding: str = "utf-16") -> Document:
        state = self.state_for(path)
        rel = state.rel(path) if state is not None else None
        doc = Document(uri, path, text, state, rel, encoding=encoding)
        doc.generation = state.generation if state is not None else 0
        if state is not None and rel is not None:
            from kzkb.parse.record import build_record

            try:
                doc.parsed = build_record(rel, text, state.config)
            except Exception as exc:  # a bug on one text must not stop the server
                log.exception("parsing %s", rel)
                doc.parsed = Skipped(rel, 1, f"kzkb failed on this text: {exc}")
        return doc
