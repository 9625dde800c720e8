"""What `kzkb mv OLD NEW` will do, worked out before anything is written.

A plan names every file renamed (a record with its translations, a bundle
with its files, a section folder in every language's content folder) and
the whole new text of every file whose links change: each link that lands
on a moved page or file (inline, reference definition, raw HTML, ref and
relref, in any language), and each relative link of a moved file, so that
it lands where it did. The old URL of each moved record joins its aliases.
Nothing is written here: kzkb.move.apply does that, all or nothing.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kzkb.check.resolve import Site, resolve_ref
from kzkb.hugo.links import OwnSite, is_external, link_key, own_site
from kzkb.hugo.paths import locate
from kzkb.model import KzkbError, Link, Record
from kzkb.move import paths, scope
from kzkb.move.alias import add_alias, drop_alias
from kzkb.move.diff import unified
from kzkb.move.rewrite import TargetEdit, respell, rewrite_targets, target_spots
from kzkb.parse.record import build_record
from kzkb.parse.source import as_loaded
from kzkb.urls import normalize_url

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase
    from kzkb.settings.config import Config


@dataclass(frozen=True)
class Moved:
    """One record moved: its paths and URLs before and after."""

    old_path: str
    new_path: str
    old_url: str
    new_url: str


@dataclass(frozen=True)
class MovePlan:
    root: Path  # the KB root
    content: Path  # its content folder, which the paths below are relative to
    renames: list[tuple[str, str]]  # content-relative POSIX paths, old -> new
    writes: dict[str, str]  # path after the move -> the file's whole new text
    links: int  # links rewritten
    files: int  # files whose links changed
    records: list[Moved] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)  # path after -> its text now

    def rooted(self, path: str) -> str:
        """A content path as a path from the KB root (what diff() names)."""
        rel = self.content.resolve().relative_to(self.root.resolve()).as_posix()
        return path if rel == "." else f"{rel}/{path}"

    def diff(self) -> str:
        """The move as a git-style unified diff: `rename from`/`rename to`
        for each file renamed, hunks for each text changed; `git apply`, and
        GNU patch -p1 from the KB root, apply it."""
        new_of = dict(self.renames)
        old_of = {new: old for old, new in self.renames}
        out: list[str] = []
        for path in sorted(set(new_of) | {p for p in self.writes if p not in old_of}):
            after = new_of.get(path, path)
            old = path if path in new_of else old_of.get(path, path)
            before = self.before.get(after)
            text = self.writes.get(after)
            out.append(unified(self.rooted(old), self.rooted(after), before, text, old != after))
        return "".join(out)


def plan_move(kb: KnowledgeBase, old: str, new: str, cwd: Path | None = None) -> MovePlan:
    """The plan of moving `old` to `new` (file paths: absolute, relative to
    `cwd`, to the KB root, or to the content folder); a KzkbError naming
    the fix for a move kzkb refuses."""
    config = kb.config
    content = config.content_dir
    here = cwd if cwd is not None else Path.cwd()
    src, base = paths.content_path(config, old, here, must_exist=True)
    dst, _ = paths.content_path(config, new, here, must_exist=False, base=base)
    if os.path.lexists(content / dst):
        raise KzkbError(f"{dst} exists", "choose another name, or move or remove it first")
    renames = paths.renames(kb, src, dst)
    path_map = dict(renames)
    for _, new_path in renames:
        if os.path.lexists(content / new_path):
            raise KzkbError(
                f"{new_path} exists", "choose another name, or move or remove that file first"
            )
    ids = kb.index.records.record_ids()
    moved = [p for p, _ in renames if p in ids]
    if not moved:
        raise KzkbError(
            f"{src} is not a record (nor a folder of records)",
            "give a record's file, a page bundle's folder or a section folder",
        )
    texts: dict[str, str] = {}
    records: dict[str, Record] = {}
    _load(config, moved, texts, records)
    moves = _moved_records(config, records, texts, path_map, moved)
    _refuse_shared_urls(kb, moves)
    keys = {"path:" + p for p in path_map}
    for move in moves.values():
        keys |= {move.old_url, move.old_url.rstrip("/")}
    keys |= {_file_url(config, p) for p in path_map if p not in ids}
    concerned = scope.linking(kb, keys)
    concerned |= scope.ref_holders(content, set(ids) - concerned - set(moved), path_map)
    _load(config, sorted(concerned - set(records)), texts, records)
    world = _World(kb, records, path_map, moves)
    writes: dict[str, str] = {}
    before: dict[str, str] = {}
    links = files = 0
    for path, record in sorted(records.items()):
        edits = world.edits(record, texts[path])
        after = path_map.get(path, path)
        text = rewrite_targets(texts[path], edits) if edits else texts[path]
        if edits:
            links += len({(e.line, e.column) for e in edits})
            files += 1
        move = moves.get(path)
        alias = _alias(config, record, move.old_url) if move is not None else ""
        if move is not None and move.new_url != move.old_url and alias not in record.aliases:
            text = add_alias(text, alias, config=config, rel=after)
            # moved back to a URL it had: that alias would redirect from its own page
            back = _alias(config, record, move.new_url)
            text = drop_alias(text, back, config=config, rel=after)
        if text != texts[path]:
            writes[after] = text
            before[after] = texts[path]
    return MovePlan(
        root=config.root,
        content=content,
        renames=renames,
        writes=writes,
        links=links,
        files=files,
        records=sorted(moves.values(), key=lambda m: m.old_path),
        before=before,
    )


def _alias(config: Config, record: Record, old_url: str) -> str:
    """The old URL as an alias of the record: Hugo publishes a page's
    aliases below its language's prefix (an alias /guides/a/ of a kk page
    redirects at /kk/guides/a/; /kk/guides/a/ would at /kk/kk/guides/a/),
    so the prefix is left out."""
    prefix = config.url_prefix(record.lang)
    return old_url[len(prefix) :] if prefix and old_url.startswith(prefix + "/") else old_url


def _load(
    config: Config, paths: list[str], texts: dict[str, str], records: dict[str, Record]
) -> None:
    """Read and parse `paths` as they are written now."""
    for path in paths:
        text = _read_text(config.content_dir / path)
        if text is None:
            continue
        record = build_record(path, as_loaded(text), config)
        if isinstance(record, Record):
            texts[path] = text
            records[path] = record


def _read_text(path: Path) -> str | None:
    """The text as written (CRLF and BOM kept): what edits apply to."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return None if "\x00" in text else text


def _moved_records(
    config: Config,
    records: dict[str, Record],
    texts: dict[str, str],
    path_map: dict[str, str],
    moved: list[str],
) -> dict[str, Moved]:
    out: dict[str, Moved] = {}
    for path in moved:
        new_path = path_map[path]
        again = build_record(new_path, as_loaded(texts[path]), config)
        if not isinstance(again, Record):
            raise KzkbError(
                f"{new_path}: would not be a record there ({again.reason})",
                "choose another path",
            )
        out[path] = Moved(path, new_path, records[path].url, again.url)
    return out


def _refuse_shared_urls(kb: KnowledgeBase, moves: dict[str, Moved]) -> None:
    moving = set(moves)
    taken: dict[str, str] = {}
    for move in moves.values():
        other = taken.get(move.new_url) or next(iter(scope.holders(kb, move.new_url, moving)), None)
        if other is not None:
            raise KzkbError(
                f"{move.new_path} would be served at {move.new_url}, which {other} has",
                "choose another name (or change that record's url, slug or aliases)",
            )
        taken[move.new_url] = move.new_path
    for move in moves.values():  # the old URL becomes an alias: a redirect there
        others = [p for p in scope.holders(kb, move.old_url, moving) if p != move.old_path]
        if others and move.old_url != move.new_url:
            raise KzkbError(
                f"{move.old_path}'s old URL {move.old_url} is {others[0]}'s alias already",
                "remove that alias first, or move this record with it",
            )


def _file_url(config: Config, path: str) -> str:
    """The URL a file of the content folder (a bundle's image) is served at."""
    folder = paths.language_folder(config, path)
    lang = config.language_dirs().get(folder, config.default_language)
    rest = path[len(folder) :].lstrip("/")
    return normalize_url(config.url_prefix(lang) + "/" + rest)


class _World:
    """Where each link lands before the move, and how to write it after."""

    def __init__(
        self,
        kb: KnowledgeBase,
        records: dict[str, Record],
        path_map: dict[str, str],
        moves: dict[str, Moved],
    ) -> None:
        self.config = kb.config
        self.path_map = path_map
        self.moves = moves
        self.by_url = {m.old_url: m for m in moves.values()}
        self.own: OwnSite | None = own_site(kb.config.base_url)
        self.ids = kb.index.records.record_ids()
        self.site = Site(kb)
        self.new_ids = {path_map.get(p, p): v for p, v in self.ids.items()}
        self.new_site = Site(kb)
        self.roots = self.site.file_roots

    def new_url(self, record: Record) -> str:
        move = self.moves.get(record.path)
        return move.new_url if move is not None else record.url

    def edits(self, record: Record, text: str) -> list[TargetEdit]:
        out: list[TargetEdit] = []
        for link in record.links:
            new = self.retarget(record, link)
            if new is None or new == link.target:
                continue
            spots = target_spots(text, link)
            if not spots:
                raise KzkbError(
                    f"{record.path}:{link.line}: the link to {link.target} is written with an "
                    "escape or entity kzkb cannot rewrite safely",
                    f"write it plainly first, or change it to {new} by hand",
                )
            out += [TargetEdit(line, column, link.target, new) for line, column in spots]
        return out

    def retarget(self, record: Record, link: Link) -> str | None:
        """The link's new target, or None when it needs none."""
        moved_self = record.path in self.path_map
        if link.kind == "ref":
            return self._ref(record, link, moved_self)
        target = link.target.strip()
        if target != link.target or not target or target.startswith(("#", "?")):
            return None
        key = link_key(link, record, self.own)
        if key is None:
            return None
        if key.startswith("path:"):
            dest = key[len("path:") :]
            new_dest = self.path_map.get(dest, dest)
            if new_dest == dest and not moved_self:
                return None
            if not moved_self and dest not in self.path_map:
                return None
            base = self.path_map.get(record.path, record.path)
            return respell(target, "", new_path=new_dest, base_path=base, kind=link.kind)
        relative = not target.startswith("/") and not is_external(target)
        dest_url = self._new_url_of(key)
        if dest_url is None:
            if not (moved_self and relative):
                return None
            dest_url = key  # the same place, written from the new one
        return respell(target, dest_url, base_url=self.new_url(record), own=self.own)

    def _new_url_of(self, key: str) -> str | None:
        """The URL after the move of what `key` names, if it moves."""
        move = self.by_url.get(key) or self.by_url.get(key + "/")
        if move is not None:
            return move.new_url if key.endswith("/") else move.new_url.rstrip("/")
        if key.endswith("/"):
            return None
        for prefix, base in self.roots:  # a file: a bundle's image, a PDF
            if prefix and not key.startswith(prefix + "/"):
                continue
            try:
                rel = (base / key[len(prefix) :].lstrip("/")).relative_to(self.config.content_dir)
            except ValueError:
                continue
            new = self.path_map.get(rel.as_posix())
            if new is not None:
                return _file_url(self.config, new)
        return None

    def _ref(self, record: Record, link: Link, moved_self: bool) -> str | None:
        wanted, hash_, fragment = link.target.partition("#")
        wanted = wanted.strip()
        if not wanted:
            return None
        found = resolve_ref(self.site, self.ids, record.path, wanted)
        if found is None:
            return None
        dest = self.path_map.get(found, found)
        if dest == found and not moved_self:
            return None
        source = self.path_map.get(record.path, record.path)
        if resolve_ref(self.new_site, self.new_ids, source, wanted) == dest:
            return None  # it still lands there
        full_named = posixpath.normpath(wanted.lstrip("/")).lower() == found.lower() or (
            wanted.lower().rstrip("/") in (found.lower(), found.lower().rsplit(".", 1)[0])
        )
        bare = "/".join(locate(dest, self.config)[0]) + "." + dest.rsplit(".", 1)[-1]
        named = dest if full_named else bare
        for candidate in (
            respell(wanted, "", new_path=named, base_path=source, kind="ref"),
            respell(wanted, "", new_path=bare, base_path=source, kind="ref"),
            # from the language's content folder, as Hugo reads it (never
            # from content/ with the language's folder: Hugo finds nothing)
            "/" + bare,
        ):
            if resolve_ref(self.new_site, self.new_ids, source, candidate) == dest:
                return candidate + hash_ + fragment
        raise KzkbError(
            f"{record.path}:{link.line}: cannot write the ref {link.target} so that Hugo "
            f"finds {dest}",
            "rewrite that ref by hand after the move",
        )
