"""The <meta> tags Zotero's browser connector reads (`kzkb export --format
meta`): Highwire's citation_* and Dublin Core's DC.*, a fragment of HTML a
record, for a Hugo site to put in each page's <head>, so the portal's own
pages are citable. All records in one file, each fragment after a comment
naming its page; or, with --per-record DIR, a file a record (jsonld.py's
items too). Every value is escaped for an HTML attribute: a record's text,
whatever it holds, is the attribute's value and nothing else.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from kzkb.export.datapackage import atomic_folder
from kzkb.export.jsonld import (
    Mapper,
    batches,
    language_tag,
    record_jsonld,
    schema_type,
    web_address,
)
from kzkb.files import naming
from kzkb.model import KzkbError, Record
from kzkb.settings.config import Config

DC = '<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">'
SUFFIXES = {"jsonld": ".json", "meta": ".html"}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


class MetaTags:
    """A record's tags, for one KB (its title, licence, addresses, and the
    publishers its documents name)."""

    def __init__(self, config: Config, index: Any = None) -> None:
        self.config = config
        self.mapper = Mapper(config, index)
        license_ = config.publish.license
        self.rights = license_.path if license_ is not None else ""

    def authors(self, record: Record) -> list[str]:
        """The organisation: an `author` or `publisher` field, else a source
        itself, a document's publisher (its `source:` field)."""
        given = _names(record.fields.get("author")) or _names(record.fields.get("publisher"))
        if given:
            return given
        if record.kind == "source" and record.title:
            return [record.title]
        if record.kind == "document":
            return _names(self.mapper.publisher(record))
        return []

    def pairs(self, record: Record) -> list[tuple[str, str]]:
        """(name, content) of each tag, in order."""
        page = self.mapper.page(record)
        lang = language_tag(record.lang)
        tags = self.mapper.terms(record, "tag")
        authors = self.authors(record)
        day = record.date
        if isinstance(day, dt.datetime):
            day = day.date()
        out: list[tuple[str, str]] = []
        if record.title:
            out.append(("citation_title", record.title))
        out += [("citation_author", name) for name in authors]
        if self.config.title:
            out.append(("citation_publisher", self.config.title))
        if day is not None:
            out.append(("citation_date", day.strftime("%Y/%m/%d")))
        if lang:
            out.append(("citation_language", lang))
        out.append(("citation_public_url", page))
        out += [("citation_keywords", tag) for tag in tags]
        if record.title:
            out.append(("DC.title", record.title))
        out += [("DC.creator", name) for name in authors]
        if self.config.title:
            out.append(("DC.publisher", self.config.title))
        if day is not None:
            out.append(("DC.date", day.isoformat()))
        if lang:
            out.append(("DC.language", lang))
        if record.description:
            out.append(("DC.description", record.description))
        out.append(("DC.identifier", page))
        website = web_address(record.website)
        if website:
            out.append(("DC.relation", website))
        out += [("DC.subject", tag) for tag in tags]
        out.append(("DC.type", "Dataset" if schema_type(record) == "Dataset" else "Text"))
        if self.rights:
            out.append(("DC.rights", self.rights))
        return out

    def fragment(self, record: Record) -> str:
        lines = [DC]
        for name, content in self.pairs(record):
            lines.append(f'<meta name="{name}" content="{html.escape(content, quote=True)}">')
        return "\n".join(lines) + "\n"

    def comment(self, record: Record) -> str:
        """<!-- the page's address -->: "--" and ">" percent-escaped (the
        same address to a browser), so the comment ends where it should."""
        url = self.mapper.page(record).replace(">", "%3E")
        while "--" in url:
            url = url.replace("--", "-%2D")
        return f"<!-- {url} -->\n"


def write_meta(records: Iterable[Record], out: IO[str], config: Config, index: Any = None) -> int:
    """Each record's tags after a comment naming its page, a blank line apart."""
    tags = MetaTags(config, index)
    count = 0
    for batch in batches(records):
        tags.mapper.prefetch(batch)  # the batch's publishers, in two queries
        out.write(
            "".join(
                ("\n" if count or i else "") + tags.comment(r) + tags.fragment(r)
                for i, r in enumerate(batch)
            )
        )
        count += len(batch)
    return count


def web_writers(
    records: Iterable[Record], config: Config, index: Any = None
) -> dict[str, Callable[..., int]]:
    """export's writers of jsonld and meta, as the engine calls them (the
    rows it passes are export's dicts; these map the records themselves)."""
    from kzkb.export.jsonld import write_jsonld

    return {
        "jsonld": lambda rows, out, header: write_jsonld(records, out, config, index),
        "meta": lambda rows, out, header: write_meta(records, out, config, index),
    }


def per_record_name(record: Record, suffix: str, folder: Path) -> str:
    """The file of a record in a --per-record folder: its content path with
    `suffix` for its extension (sources/feminita.json), the whole path kept
    when an earlier record took that name (a.html before a.md). Looked up
    in the folder, not remembered: the memory stays flat in N."""
    stem = record.path.rsplit(".", 1)[0] if "." in record.path.rsplit("/", 1)[-1] else record.path
    for name in (stem + suffix, record.path + suffix):
        if not os.path.lexists(folder / name):
            return name
    raise KzkbError(f"{record.path}: its file in the folder is another record's", "")


def write_per_record(
    records: Iterable[Record],
    config: Config,
    fmt: str,
    target: Path,
    *,
    force: bool,
    index: Any = None,
) -> int:
    """A file a record in the folder `target` (written beside it, renamed
    into place whole): jsonld's item, or meta's fragment, for a Hugo site's
    partial to embed (README: "For the web")."""
    if fmt not in SUFFIXES:
        raise KzkbError(
            f"--per-record writes jsonld or meta, not {fmt}", "add --format jsonld or --format meta"
        )
    suffix = SUFFIXES[fmt]
    render: Callable[[Record], str]
    if fmt == "jsonld":
        mapper = Mapper(config, index)
        render = lambda record: record_jsonld(mapper, record)  # noqa: E731
    else:
        render = MetaTags(config, index).fragment

    def ours(folder: Path) -> bool:
        """A folder --per-record wrote: its files all end in `suffix`."""
        return all(name.endswith(suffix) for _, _, names in os.walk(folder) for name in names)

    count = 0
    with naming(target), atomic_folder(target, force, ours, "no --per-record folder") as folder:
        for record in records:
            path = folder / per_record_name(record, suffix, folder)
            if not path.resolve().is_relative_to(folder.resolve()):
                raise KzkbError(f"{record.path}: no file name inside {target}", "")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(record), encoding="utf-8")
            count += 1
    return count
