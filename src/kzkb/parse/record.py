"""One file's bytes -> a Record, or a Skipped with file:line and the reason.

One loader for every command. It never raises on a bad file, so the rest of
the KB still loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from kzkb.hugo.paths import locate, record_kind, record_url
from kzkb.listing.scan import scan
from kzkb.model import Record, Skipped
from kzkb.parse.fields import Unusable, normalize_fields
from kzkb.parse.frontmatter import FrontMatterError, Split, parse_front, split
from kzkb.parse.page import scan_body
from kzkb.parse.source import decode, one_line, read_source
from kzkb.safe_yaml import TOO_DEEP
from kzkb.settings.config import Config
from kzkb.urls import normalize_url, resolve_relative, term_slug

# the reason of a file the loader failed on by a bug of its own (see load_bytes)
INTERNAL = "kzkb failed on this file"
# reasons of a file that is no record although its front matter parses
EMPTY = "empty file: nothing to index"
NO_LANGUAGE = "in no language's contentDir, so Hugo does not build it: move it into one"


class Front(NamedTuple):
    """What makes a file's text a record, before its body is read."""

    split: Split  # where its front matter is
    raw: dict[str, Any]  # the front matter as parsed
    fields: dict[str, Any]  # as every command sees it (normalize_fields)
    segments: list[str]
    lang: str


def read_front(relpath: str, text: str, config: Config) -> Front | Skipped:
    """A record's front matter from its text, or why the text is no record.
    The one decision: build_record makes a record of exactly the files this
    accepts, and lint reports as "not a record" exactly those it refuses."""
    if not text.strip():
        return Skipped(relpath, 1, EMPTY)
    try:
        found = split(text)
        raw = parse_front(found)
    except FrontMatterError as err:
        return Skipped(relpath, err.line, err.reason)
    except RecursionError:  # JSON and TOML nested thousands deep
        return Skipped(relpath, 1, TOO_DEEP)
    try:
        fields = normalize_fields(raw, config)
    except Unusable as err:
        return Skipped(relpath, 1, str(err))
    segments, lang = locate(relpath, config)
    if lang is None:
        return Skipped(relpath, 1, NO_LANGUAGE)
    return Front(found, raw, fields, segments, lang)


def build_record(relpath: str, text: str, config: Config) -> Record | Skipped:
    """A Record from a file's text. Pure: no I/O."""
    front = read_front(relpath, text, config)
    if isinstance(front, Skipped):
        return front
    fields, segments, lang = front.fields, front.segments, front.lang
    body, body_line = front.split.body, front.split.body_line
    links, headings, plain, html_ids = scan_body(relpath, body, body_line)
    title = fields.get("title")
    if not isinstance(title, str) or not title:
        h1 = next((h.text for h in headings if h.level == 1), "")
        title = h1 or segments[-1].replace("_", " ").replace("-", " ")
        if title in ("_index", "index") and len(segments) > 1:
            title = segments[-2]
    url = record_url(config, segments, lang, fields, str(title))
    description = fields.get("description")
    terms: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for singular, plural in config.taxonomies.items():
        values = [str(v) for v in fields.get(plural, []) if str(v).strip()]
        slugs: list[str] = []
        shown: list[str] = []
        seen: set[str] = set()  # not `in slugs`: 80,000 terms took 30 s
        for value in values:
            slug_ = term_slug(value)
            if slug_ and slug_ not in seen:
                seen.add(slug_)
                slugs.append(slug_)
                shown.append(value)
        terms[singular] = slugs
        labels[singular] = shown
    aliases = []
    # Hugo serves a root-relative alias under the page's language (a Kazakh
    # page's /old/ at /kk/old/, its /kk/old/ at /kk/kk/old/), as the oracle shows
    prefix = config.url_prefix(lang)
    for alias in fields.get("aliases", []):
        alias = str(alias)
        aliases.append(
            normalize_url(prefix + alias) if alias.startswith("/") else resolve_relative(alias, url)
        )
    return Record(
        path=relpath,
        url=url,
        lang=lang,
        kind=record_kind(fields, segments, config),
        title=str(title),
        description=str(description) if description is not None else "",
        fields=fields,
        terms=terms,
        term_labels=labels,
        aliases=aliases,
        body=body,
        body_line=body_line,
        text=plain,
        links=links,
        headings=headings,
        anchors=html_ids,
    )


def load_bytes(data: bytes, relpath: str, config: Config) -> Record | Skipped:
    """A Record from a file's bytes: decoding, then build_record. Pure, and
    never raises: a file it fails on by a bug of its own is a Skipped too
    (reason INTERNAL), so one file cannot stop the KB from loading."""
    try:
        text = decode(data, relpath)
        result = text if isinstance(text, Skipped) else build_record(relpath, text, config)
    except RecursionError:
        result = Skipped(relpath, 1, TOO_DEEP)
    except Exception as exc:
        result = Skipped(
            relpath, 1, f"{INTERNAL} ({type(exc).__name__}: {exc}): please report it as a bug"
        )
    if isinstance(result, Skipped):
        return Skipped(result.path, result.line, one_line(result.reason))
    return result


def load_file(path: Path, relpath: str, config: Config) -> Record | Skipped:
    source = read_source(str(path), relpath, str(config.content_dir), config.index.max_file_size)
    if source.data is None:
        assert source.skipped is not None
        return source.skipped
    result = load_bytes(source.data, relpath, config)
    if isinstance(result, Record):
        result.mtime_ns = source.mtime_ns
        result.size = source.size
    return result


def load_kb(config: Config) -> tuple[list[Record], list[Skipped]]:
    """Every record of the KB, without an index (the walk is scan.scan's)."""

    records: list[Record] = []
    skipped: list[Skipped] = []
    for rel in sorted(scan(config.content_dir)):
        result = load_file(config.content_dir / rel, rel, config)
        (records if isinstance(result, Record) else skipped).append(result)
    return records, skipped
