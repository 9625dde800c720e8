"""Turn a Markdown file into a Record: front matter, normalisation, links, headings.

One loader for every command. It never raises on a bad file: it returns a
Skipped with file:line and the reason, so the rest of the KB still loads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler
from markdown_it import MarkdownIt

from kzkb.config import Config
from kzkb.model import Heading, Link, Record, Skipped
from kzkb.urls import heading_id, normalize_url, page_url, resolve_relative, term_slug, unique_ids

MARKDOWN_SUFFIXES = (".md", ".markdown")

# Fields Hugo and Docsy expect to hold one value / several values. Real
# portals get both wrong (title: ["X"], category: "INGO"); we accept either.
SCALAR_FIELDS = frozenset(
    {
        "title",
        "linkTitle",
        "description",
        "date",
        "created",
        "lastmod",
        "publishDate",
        "expiryDate",
        "url",
        "slug",
        "weight",
        "kind",
        "type",
        "draft",
        "source",
        "summary",
    }
)
LIST_FIELDS = frozenset({"aliases", "contributor", "contributors", "authors", "keywords"})
DATE_FIELDS = frozenset({"date", "created", "lastmod", "publishDate", "expiryDate"})

# opening -> closing curly quote: “…”, ‘…’, „…“ and the Swedish ”…” / ’…’
_CURLY_PAIRS = {
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u201e": "\u201c",
    "\u201d": "\u201d",
    "\u2019": "\u2019",
}
_EXPLICIT_ID = re.compile(r"\s*\{#([^}\s]+)\}\s*$")


class _Handler:
    """Front-matter formats Hugo reads: YAML (---), TOML (+++), JSON ({ })."""

    yaml = YAMLHandler()
    # python-frontmatter's TOML handler needs the old `toml` package; its
    # splitter with Hugo's +++ boundary is all we need (tomllib parses).
    toml = BaseHandler(re.compile(r"^\+{3,}\s*$", re.MULTILINE))
    json = JSONHandler()


def _detect(text: str) -> tuple[str, Any] | None:
    first = text.split("\n", 1)[0].rstrip()
    if re.fullmatch(r"-{3,}", first):
        return "yaml", _Handler.yaml
    if re.fullmatch(r"\+{3,}", first):
        return "toml", _Handler.toml
    if first == "{":
        return "json", _Handler.json
    return None


class FrontMatterError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line where the body starts). Raises FrontMatterError."""
    detected = _detect(text)
    if detected is None:
        return {}, text, 1
    fmt, handler = detected
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        raise FrontMatterError(1, f"{fmt.upper()} front matter is never closed") from None
    body_line = text[: len(text) - len(body)].count("\n") + 1
    # Lines of fm_text counted from 0 are file lines counted from 1, shifted
    # by the newlines the opening boundary swallowed (its \s* eats blank lines).
    opening = handler.FM_BOUNDARY.match(text)
    shift = text[: opening.end()].count("\n") if opening else 0
    try:
        if fmt == "yaml":
            data = yaml.load(fm_text, Loader=_SafeLoader)
        elif fmt == "toml":
            data = tomllib.loads(fm_text)
        else:
            data = json.loads(fm_text)
    except yaml.YAMLError as exc:
        # An unclosed quote or bracket is reported where it was opened (the
        # context), not where the text ran out.
        context = str(getattr(exc, "context", "") or "")
        mark = getattr(exc, "problem_mark", None)
        if context.startswith(("while scanning a quoted", "while parsing a flow")):
            mark = getattr(exc, "context_mark", None) or mark
        line = (mark.line + 1 + shift) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(line, f"invalid YAML front matter: {problem}") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        line = int(m.group(1)) + shift if m else 1
        raise FrontMatterError(line, f"invalid TOML front matter: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FrontMatterError(exc.lineno, f"invalid JSON front matter: {exc.msg}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            2, f"front matter is a {type(data).__name__}, not a mapping of fields"
        )
    return data, body, body_line


try:  # the C loader is several times faster on large KBs
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader


# --- normalisation -----------------------------------------------------------


def _clean_str(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    # Curly quotes typed where YAML wanted straight ones end up in the value.
    if len(value) >= 2 and value[0] in _CURLY_PAIRS and value[-1] == _CURLY_PAIRS[value[0]]:
        inner = value[1:-1]
        # “Sana Sezim” and “Feminita” is two quoted names, not one quoted value
        if value[0] not in inner and value[-1] not in inner:
            value = inner.strip()
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, list):
        return [_clean(v) for v in value if v is not None]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    if isinstance(value, str) and "," in value and "\n" not in value:
        # category: "INGO, Government" is two terms, not one
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def _as_scalar(value: Any) -> Any:
    if isinstance(value, list):
        items = [v for v in value if v not in (None, "")]
        return items[0] if items else None
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return value  # kept as written; lint reports it
    return value


def normalize_fields(data: dict[str, Any], config: Config) -> dict[str, Any]:
    """Front matter as every command sees it (see README, "The record format")."""
    list_fields = LIST_FIELDS | set(config.taxonomies.values())
    out: dict[str, Any] = {}
    for key, raw in data.items():
        key = unicodedata.normalize("NFC", str(key))
        value = _clean(raw)
        if key in list_fields:
            value = [str(v) if not isinstance(v, str) else v for v in _as_list(value)]
        elif key in SCALAR_FIELDS:
            value = _as_scalar(value)
        if key in DATE_FIELDS:
            value = _as_date(value)
        out[key] = value
    return out


# --- Markdown: links and headings ---------------------------------------------


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    # Keep targets as written: a checker must see javascript: and raw Cyrillic.
    md.validateLink = lambda url: True
    md.normalizeLink = lambda url: url
    return md


_MD: MarkdownIt | None = None


def markdown() -> MarkdownIt:
    global _MD
    if _MD is None:
        _MD = _markdown()
    return _MD


class _HrefParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append((tag, value))


def _html_targets(html: str) -> list[tuple[str, str]]:
    parser = _HrefParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML yields what was parsed so far
        pass
    return parser.found


def _column(line_text: str, target: str, start: int) -> int:
    for needle in (f"({target}", target):
        pos = line_text.find(needle, start)
        if pos >= 0:
            return pos + (1 if needle.startswith("(") else 0) + 1
    return 1


def scan_markdown(body: str, first_line: int = 1) -> tuple[list[Link], list[Heading]]:
    """Links and headings of a Markdown body, with 1-based file lines.

    Code spans and fenced or indented code hold no links: markdown-it sees to that.
    """
    if not body.strip():
        return [], []
    lines = body.split("\n")
    links: list[Link] = []
    heads: list[tuple[int, str, str | None, int]] = []
    tokens = markdown().parse(body, {})
    for i, tok in enumerate(tokens):
        if tok.type == "html_block" and tok.map:
            for n, text in enumerate(tok.content.split("\n")):
                for tag, target in _html_targets(text):
                    line = tok.map[0] + n
                    col = _column(lines[line] if line < len(lines) else "", target, 0)
                    kind = "image" if tag == "img" else "html"
                    links.append(Link(target, "", line + first_line, col, kind))
            continue
        if tok.type != "inline" or not tok.map:
            continue
        row = tok.map[0]
        cursor = 0
        children = tok.children or []
        if i > 0 and tokens[i - 1].type == "heading_open":
            text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
            explicit = _EXPLICIT_ID.search(text)
            if explicit:
                text = text[: explicit.start()]
            level = int(tokens[i - 1].tag[1])
            heads.append((level, text.strip(), explicit.group(1) if explicit else None, row))
        for j, child in enumerate(children):
            if child.type in ("softbreak", "hardbreak"):
                row += 1
                cursor = 0
                continue
            if child.type == "link_open":
                target = str(child.attrs.get("href", ""))
                text, breaks = _link_text(children, j)
                kind = "link"
                if breaks:  # the text wraps: the target is on the link's last line
                    src = lines[row + breaks] if row + breaks < len(lines) else ""
                    col = _column(src, target, 0)
                    links.append(Link(target, text, row + breaks + first_line, col, kind))
                    continue
            elif child.type == "image":
                target = str(child.attrs.get("src", ""))
                text = child.content
                kind = "image"
            elif child.type == "html_inline":
                for tag, target in _html_targets(child.content):
                    src = lines[row] if row < len(lines) else ""
                    col = _column(src, target, cursor)
                    links.append(
                        Link(target, "", row + first_line, col, "image" if tag == "img" else "html")
                    )
                continue
            else:
                continue
            src = lines[row] if row < len(lines) else ""
            col = _column(src, target, cursor)
            cursor = col
            links.append(Link(target, text, row + first_line, col, kind))
    ids = unique_ids([explicit or heading_id(text) for _, text, explicit, _ in heads])
    headings = [
        Heading(level, text, anchor, row + first_line)
        for (level, text, _, row), anchor in zip(heads, ids, strict=True)
    ]
    return links, headings


def _link_text(children: list[Any], start: int) -> tuple[str, int]:
    """The text of the link opening at `start`, and how many line breaks it spans."""
    parts = []
    breaks = 0
    for child in children[start + 1 :]:
        if child.type == "link_close":
            break
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
            breaks += 1
    return "".join(parts), breaks


# --- files ---------------------------------------------------------------------


def _decode(data: bytes, path: str) -> str | Skipped:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return Skipped(path, line, "binary file (NUL byte): not a Markdown record")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Skipped(
            path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8"
        )
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def locate(relpath: str, config: Config) -> tuple[list[str], str]:
    """(URL segments, lang) of a content path, per Hugo's multilingual rules."""
    parts = relpath.split("/")
    parts[-1] = parts[-1].rsplit(".", 1)[0]
    lang = config.default_language
    if len(parts) > 1 and parts[0] in config.languages[1:]:
        lang = parts.pop(0)
    stem, dot, suffix = parts[-1].rpartition(".")
    if dot and suffix in config.languages:
        lang = suffix
        parts[-1] = stem
    return parts, lang


def _kind(fields: dict[str, Any], segments: list[str], config: Config) -> str:
    explicit = fields.get("kind")
    if isinstance(explicit, str) and explicit:
        return explicit
    if segments and segments[-1] == "_index":
        return "section"
    if len(segments) > 1:
        return config.kinds.get(segments[0], "page")
    return "page"


def build_record(relpath: str, text: str, config: Config) -> Record | Skipped:
    """A Record from a file's text. Pure: no I/O."""
    if not text.strip():
        return Skipped(relpath, 1, "empty file: nothing to index")
    try:
        raw, body, body_line = split_front_matter(text)
    except FrontMatterError as err:
        return Skipped(relpath, err.line, err.reason)
    except RecursionError:
        return Skipped(relpath, 1, "front matter nested too deeply")
    fields = normalize_fields(raw, config)
    segments, lang = locate(relpath, config)
    slug = fields.get("slug") if isinstance(fields.get("slug"), str) else None
    url_field = fields.get("url") if isinstance(fields.get("url"), str) else None
    url = page_url(
        segments, lang=lang, default_lang=config.default_language, slug=slug, url=url_field
    )
    links, headings = scan_markdown(body, body_line)
    title = fields.get("title")
    if not isinstance(title, str) or not title:
        h1 = next((h.text for h in headings if h.level == 1), "")
        title = h1 or segments[-1].replace("_", " ").replace("-", " ")
        if title in ("_index", "index") and len(segments) > 1:
            title = segments[-2]
    description = fields.get("description")
    terms: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for singular, plural in config.taxonomies.items():
        values = [str(v) for v in fields.get(plural, []) if str(v).strip()]
        slugs: list[str] = []
        shown: list[str] = []
        for value in values:
            slug_ = term_slug(value)
            if slug_ and slug_ not in slugs:
                slugs.append(slug_)
                shown.append(value)
        terms[singular] = slugs
        labels[singular] = shown
    aliases = []
    for alias in fields.get("aliases", []):
        alias = str(alias)
        aliases.append(
            normalize_url(alias) if alias.startswith("/") else resolve_relative(alias, url)
        )
    return Record(
        path=relpath,
        url=url,
        lang=lang,
        kind=_kind(fields, segments, config),
        title=str(title),
        description=str(description) if description is not None else "",
        fields=fields,
        terms=terms,
        term_labels=labels,
        aliases=aliases,
        body=body,
        body_line=body_line,
        links=links,
        headings=headings,
    )


def load_file(path: Path, relpath: str, config: Config) -> Record | Skipped:
    try:
        stat = path.stat()
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(relpath, 1, f"cannot read: {exc.strerror or exc}")
    text = _decode(data, relpath)
    if isinstance(text, Skipped):
        return text
    result = build_record(relpath, text, config)
    if isinstance(result, Record):
        result.mtime_ns = stat.st_mtime_ns
        result.size = stat.st_size
    return result


def iter_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Markdown files under root, sorted, skipping hidden entries.

    Symbolic links to folders are not followed, so a link loop or a link out
    of the KB cannot pull in files that are not the KB's.
    """
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(MARKDOWN_SUFFIXES):
                continue
            full = base / name
            if full.is_symlink():
                try:
                    full.resolve(strict=True).relative_to(root.resolve())
                except (OSError, ValueError, RuntimeError):
                    continue
            yield full, full.relative_to(root).as_posix()


def load_kb(config: Config) -> tuple[list[Record], list[Skipped]]:
    records: list[Record] = []
    skipped: list[Skipped] = []
    for full, rel in iter_files(config.content_dir):
        result = load_file(full, rel, config)
        (records if isinstance(result, Record) else skipped).append(result)
    return records, skipped
