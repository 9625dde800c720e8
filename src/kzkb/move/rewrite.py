"""Link targets replaced in a record's text, and a new target spelled as the
old one was.

The loader reports each link's target with its file line and column (of the
text as it reads it: no byte-order mark, \\n line ends); an edit names the
target there, and only those characters change. Everything else of the file
stays byte for byte: its line ends, its byte-order mark, every other link.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from kzkb.files import CONTENT_SUFFIXES, MARKDOWN_SUFFIXES
from kzkb.model import KzkbError, Link

if TYPE_CHECKING:
    from kzkb.hugo.links import OwnSite


class TargetEdit(NamedTuple):
    """Replace the link target `old` written at `line`/`column` (1-based, as
    kzkb.model.Link has them) by `new`."""

    line: int
    column: int
    old: str
    new: str


# line ends as the loader counts them (kzkb.parse.source.as_loaded)
_LINE_END = re.compile(r"\r\n|\r|\n")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [m.end() for m in _LINE_END.finditer(text)]
    return starts


def rewrite_targets(text: str, edits: list[TargetEdit]) -> str:
    """`text` with each edit's target replaced; a KzkbError when a target is
    not written exactly where its edit says (the file changed since it was
    read, or the link is written in a way the loader reads otherwise, e.g.
    with an escape), so that no edit lands on the wrong characters."""
    if not edits:
        return text
    starts = _line_starts(text)
    bom = 1 if text.startswith("\ufeff") else 0
    spans: list[tuple[int, int, str]] = []
    for edit in edits:
        if not 1 <= edit.line <= len(starts) or edit.column < 1 or not edit.old:
            raise KzkbError(
                f"{edit.line}:{edit.column}: no link target {edit.old!r} there",
                "the file changed since it was read: run the command again",
            )
        start = starts[edit.line - 1] + edit.column - 1 + (bom if edit.line == 1 else 0)
        end = start + len(edit.old)
        line_end = starts[edit.line] if edit.line < len(starts) else len(text)
        if end > line_end or text[start:end] != edit.old:
            raise KzkbError(
                f"{edit.line}:{edit.column}: the link target {edit.old!r} is not written there "
                "as it reads",
                "the file changed since it was read, or the link is written with an escape "
                "or entity: edit that link by hand",
            )
        spans.append((start, end, edit.new))
    spans = sorted(set(spans))  # two uses of one reference definition: one edit
    for (_, end, _), (start, _, _) in pairwise(spans):
        if start < end:
            raise KzkbError("two edits of one link target overlap", "this is a bug: report it")
    out: list[str] = []
    done = 0
    for start, end, new in spans:
        out += (text[done:start], new)
        done = end
    out.append(text[done:])
    return "".join(out)


# a reference definition, `[label]: target` (the target maybe on the next line)
_DEFINITION = re.compile(
    r"^ {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*(?:\r\n|\r|\n)?[ \t]*(<[^<>\n]*>|\S+)", re.M
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)


def target_spots(text: str, link: Link) -> list[tuple[int, int]]:
    """(line, column) of each place `link`'s target is written in `text`:
    where the loader found it, or, for a reference link (the loader gives
    the position of its `[`), each reference definition of that target
    outside fenced code. Empty when the target is written otherwise than it
    reads (an escape, an entity): no safe edit exists."""
    starts = _line_starts(text)
    bom = 1 if text.startswith("\ufeff") else 0

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1 + (bom if line == 1 else 0)

    if 1 <= link.line <= len(starts):
        at = offset(link.line, link.column)
        if text.startswith(link.target, at):
            return [(link.line, link.column)]
        if not text.startswith("[", at) or link.kind not in ("link", "image"):
            return []
    fences = [m.start() for m in _FENCE.finditer(text)]
    spots = []
    for match in _DEFINITION.finditer(text):
        value = match.group(1)
        start = match.start(1)
        if value.startswith("<"):
            value, start = value[1:-1], start + 1
        if value != link.target or sum(f < match.start() for f in fences) % 2:
            continue
        line = bisect_right(starts, start)
        spots.append((line, start - starts[line - 1] + 1 - (bom if line == 1 else 0)))
    return spots


# characters a link target cannot hold unescaped in Markdown or HTML
_UNSAFE = set(' "<>()\\`{}|^[]\t\n\r')


def _quote(path: str, like: str) -> str:
    """`path` written for a link: characters no link target may hold
    percent-encoded, and every non-ASCII one too when `like` (the old
    target) is percent-encoded."""
    encoded = bool(re.search(r"%[0-9A-Fa-f]{2}", like))
    if encoded:
        return quote(path, safe="/:@!$&'*+,;=-._~%")
    return "".join(quote(ch, safe="") if ch in _UNSAFE else ch for ch in path)


def _split(target: str) -> tuple[str, str, str]:
    """(path, ?query, #fragment) of a target as written."""
    rest, hash_, fragment = target.partition("#")
    path, q, query = rest.partition("?")
    return path, q + query, hash_ + fragment


def _relative(to: str, base_folder: str) -> str:
    """`to` (a path from "/") relative to the folder `base_folder`."""
    rel = posixpath.relpath(to, base_folder or "/")
    return "./" if rel == "." else rel


def respell(
    old_target: str,
    new_url: str,
    *,
    base_url: str = "",
    own: OwnSite | None = None,
    new_path: str = "",
    base_path: str = "",
    kind: str = "link",
) -> str:
    """The target of a link to a page (or file) now at `new_url`, written
    as `old_target` was: the site's baseURL form (with `own`), root-relative,
    or relative to the linking page's URL `base_url`; with or without its
    trailing slash (or index.html); with its query and fragment.

    A link to a Markdown file (guides/a.md) and Hugo's ref/relref (kind
    "ref") name a content path instead: `new_path`, written relative to the
    linking file `base_path` when the old one was relative (./a.md, ../a.md),
    from the content root when it started with "/", by its bare file name when
    it was one; with or without its extension, as a folder when it named a
    section or bundle by its folder."""
    path, query, fragment = _split(old_target)
    if kind == "ref" or path.lower().endswith(MARKDOWN_SUFFIXES):
        if not new_path:
            raise ValueError("a link to a content path needs new_path")
        return _respell_path(path, new_path, base_path, kind) + query + fragment
    written = _url_form(path, new_url, base_url)
    if own is not None and own.within(old_target) is not None:
        written = own.spelled(written, old_target)
    return _quote(written, path) + query + fragment


def _url_form(path: str, new_url: str, base_url: str) -> str:
    new = new_url
    if new.endswith("/"):  # a page: written with its slash, without, or as index.html
        if path.lower().endswith("/index.html"):
            new += path[-len("index.html") :]
        elif not path.endswith("/") and new != "/":
            new = new.rstrip("/")
    if path.startswith("/") or "://" in path or path.startswith("//"):
        return new
    # relative, as a browser resolves it from the linking page's URL
    base_folder = base_url if base_url.endswith("/") else posixpath.dirname(base_url)
    rel = _relative(new.rstrip("/") or "/", base_folder)
    if new.endswith("/") and not rel.endswith("/"):
        rel += "/"
    if path.startswith("./") and not rel.startswith("."):
        rel = "./" + rel
    return rel


def _respell_path(path: str, new_path: str, base_path: str, kind: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    stem, dot, ext = last.rpartition(".")
    has_ext = bool(dot) and "." + ext.lower() in CONTENT_SUFFIXES
    name = stem if has_ext else last
    new = new_path
    new_last = new.rsplit("/", 1)[-1]
    new_stem = new_last.rpartition(".")[0] or new_last
    folder_form = (
        kind == "ref" and new_stem in ("_index", "index") and name not in ("_index", "index")
    )
    if folder_form:
        new = new.rsplit("/", 1)[0] if "/" in new else ""
    elif not has_ext:
        new = new.rpartition(".")[0] or new
    if path.endswith("/") and not new.endswith("/"):
        new += "/"
    if "/" not in path.rstrip("/") and not path.startswith("."):
        # a bare name (ref "a.md", a link to "a.md" beside the file)
        if kind == "ref":
            return _quote(new.rstrip("/").rsplit("/", 1)[-1], path)
        return _quote(_relative("/" + new, "/" + posixpath.dirname(base_path)), path)
    if path.startswith("/"):
        return _quote("/" + new, path)
    if kind == "ref" and not path.startswith("."):
        return _quote(new, path)  # from the content root
    rel = _relative("/" + new, "/" + posixpath.dirname(base_path))
    if path.startswith("./") and not rel.startswith("."):
        rel = "./" + rel
    return _quote(rel, path)
