"""A Frictionless data package (`kzkb export --format datapackage -o DIR`):
the records as CSV tables and datapackage.json describing every field, for
open-data portals (CKAN, data.gov) and `frictionless validate`.

A record has many terms of each taxonomy; a CSV cell holds one value, so
each taxonomy is a table of its own, a row a record's term
(`record_<taxonomy>.csv`), its slug constrained to the vocabulary of
kzkb.toml (`constraints.enum`) and referring, with the taxonomy, to
terms.csv (a foreign key). The tables are streamed as the records come,
and datapackage.json, which names what the rows held, is written last.
The folder is written beside DIR and renamed into place whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from kzkb.export.csv import csv_line
from kzkb.export.shapes import dumps
from kzkb.files import naming
from kzkb.model import KzkbError, Record
from kzkb.settings.config import Config
from kzkb.urls import term_slug

KINDS = ("guide", "source", "document", "section", "page")
LINK_KINDS = ("link", "image", "html", "ref")
_NAME = re.compile(r"[^a-z0-9_-]+")

RECORD_FIELDS: list[dict[str, Any]] = [
    {"name": "path", "type": "string", "title": "Path",
     "description": "The record's Markdown file, relative to the KB's content folder.",
     "constraints": {"required": True, "unique": True}},
    {"name": "url", "type": "string", "title": "Page",
     "description": "The page the record is on the KB's Hugo site."},
    {"name": "lang", "type": "string", "title": "Language",
     "description": "The language of the record's own text (a code of the KB's languages)."},
    {"name": "kind", "type": "string", "title": "Kind",
     "description": "What the record is: guide, source (an organisation or outlet),"
     " document, section or page."},
    {"name": "title", "type": "string", "title": "Title"},
    {"name": "description", "type": "string", "title": "Description"},
    {"name": "website", "type": "string", "title": "Website",
     "description": "The organisation's or document's own web address, when the record gives one."},
    {"name": "date", "type": "date", "title": "Revised",
     "description": "The day the record was last revised (a time given with it is left out)."},
    {"name": "created", "type": "date", "title": "Created",
     "description": "The day the record was first written."},
    {"name": "aliases", "type": "array", "title": "Aliases",
     "description": "Other addresses of the page (a JSON array)."},
    {"name": "fields", "type": "object", "title": "Front matter",
     "description": "Every front-matter field of the record (a JSON object)."},
    {"name": "body", "type": "string", "title": "Text",
     "description": "The record's Markdown text."},
]  # fmt: skip
LINK_FIELDS: list[dict[str, Any]] = [
    {"name": "record_path", "type": "string", "description": "The record the link is in.",
     "constraints": {"required": True}},
    {"name": "target", "type": "string", "description": "The link's target as written."},
    {"name": "text", "type": "string", "description": "The link's text."},
    {"name": "line", "type": "integer", "description": "The line of the file it is on."},
    {"name": "column", "type": "integer", "description": "The column of its target on that line."},
    {"name": "kind", "type": "string",
     "description": "link, image, html or ref (Hugo's ref shortcodes).",
     "constraints": {"enum": list(LINK_KINDS)}},
]  # fmt: skip


def _day(value: dt.date | None) -> str:
    if value is None:
        return ""
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def table_names(config: Config) -> dict[str, str]:
    """Taxonomy key -> the name of its table (and file, less .csv): a
    resource name is lower-case letters, digits, - and _ (the spec's), and
    a taxonomy's name is the KB's to choose, so it is cut to those, and
    numbered when two would meet."""
    out: dict[str, str] = {}
    for n, (key, plural) in enumerate(config.taxonomies.items(), 1):
        name = "record_" + (_NAME.sub("", plural.lower()) or f"taxonomy{n}")
        while name in out.values() or name in ("records", "terms", "links"):
            name += f"_{n}"
        out[key] = name
    return out


class _Tables:
    """The CSV files of one package, open while the records stream in."""

    def __init__(self, folder: Path, heads: dict[str, list[str]]) -> None:
        self.files: dict[str, IO[str]] = {}
        for name in heads:
            # open together, closed together (close): a record's rows go to several
            self.files[name] = open(folder / f"{name}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.lines: dict[str, list[str]] = {name: [csv_line(head)] for name, head in heads.items()}

    def row(self, name: str, cells: list[str]) -> None:
        lines = self.lines[name]
        lines.append(csv_line(cells))
        if len(lines) >= 256:  # one write a batch: the text layer's cost is per call
            self.files[name].write("".join(lines))
            lines.clear()

    def close(self) -> None:
        for name, handle in self.files.items():
            handle.write("".join(self.lines[name]))
            handle.close()


def write_datapackage(
    records: Iterable[Record], config: Config, target: Path, *, force: bool, body: bool = True
) -> int:
    """The data package of `records` in the folder `target`, written beside
    it and renamed into place; the number of records."""
    with naming(target), atomic_folder(target, force, _is_package, "no data package") as folder:
        return _write(records, config, folder, body)


def _write(records: Iterable[Record], config: Config, folder: Path, body: bool) -> int:
    taxonomies = table_names(config)
    fields = [f for f in RECORD_FIELDS if body or f["name"] != "body"]
    term_head = ["record_path", "taxonomy", "slug", "label"]
    heads = {
        "records": [f["name"] for f in fields],
        "links": [f["name"] for f in LINK_FIELDS],
        **{name: term_head for name in taxonomies.values()},
    }
    tables = _Tables(folder, heads)
    # (taxonomy, slug) -> label: the vocabulary's first, then each term as a
    # record first spells it (a few thousand at most: the memory kept)
    terms: dict[tuple[str, str], str] = {}
    for taxonomy, vocabulary in config.vocabulary.items():
        for slug, definition in vocabulary.items():
            terms[(taxonomy, slug)] = definition.label
    langs = dict.fromkeys(config.languages)
    kinds = dict.fromkeys([*config.kinds.values(), *KINDS])
    count = 0
    try:
        for record in records:
            count += 1
            langs.setdefault(record.lang)
            kinds.setdefault(record.kind)
            cells = [
                record.path, record.url, record.lang, record.kind, record.title,
                record.description, record.website, _day(record.date), _day(record.created),
                json.dumps(record.aliases, ensure_ascii=False), dumps(record.fields),
            ]  # fmt: skip
            tables.row("records", [*cells, record.body] if body else cells)
            for x in record.links:
                tables.row(
                    "links", [record.path, x.target, x.text, str(x.line), str(x.column), x.kind]
                )
            for taxonomy, labels in record.term_labels.items():
                if taxonomy not in taxonomies:
                    continue
                for label in labels:
                    slug = term_slug(label)
                    terms.setdefault((taxonomy, slug), label)
                    tables.row(taxonomies[taxonomy], [record.path, taxonomy, slug, label])
    finally:
        tables.close()
    _write_terms(folder, config, terms)
    descriptor = package(config, fields, taxonomies, terms, list(langs), list(kinds))
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return count


def _write_terms(folder: Path, config: Config, terms: dict[tuple[str, str], str]) -> None:
    with open(folder / "terms.csv", "w", encoding="utf-8", newline="") as handle:
        head = ["taxonomy", "slug", "label", "description"]
        head += [f"label_{lang}" for lang in config.languages]
        handle.write(csv_line(head))
        for (taxonomy, slug), label in terms.items():
            known = config.vocabulary.get(taxonomy, {}).get(slug)
            about = known.description if known else ""
            names = [known.labels.get(lang, "") if known else "" for lang in config.languages]
            handle.write(csv_line([taxonomy, slug, label, about, *names]))


def package(
    config: Config,
    fields: list[dict[str, Any]],
    taxonomies: dict[str, str],
    terms: dict[tuple[str, str], str],
    langs: list[str],
    kinds: list[str],
) -> dict[str, Any]:
    """datapackage.json: the package's own description and each table's
    schema, the enumerations holding the values the tables were written with."""
    record_fields = [dict(f) for f in fields]
    for field in record_fields:
        if field["name"] == "lang":
            field["constraints"] = {"enum": langs}
        elif field["name"] == "kind":
            field["constraints"] = {"enum": kinds}
    resources: list[dict[str, Any]] = [
        _resource("records", "One row a record of the knowledge base.", record_fields, ["path"]),
        _resource(
            "terms",
            "The terms of every taxonomy: the vocabulary of kzkb.toml, then each other"
            " term a record uses, with its label in each of the KB's languages.",
            [
                {
                    "name": "taxonomy",
                    "type": "string",
                    "constraints": {"required": True, "enum": list(config.taxonomies)},
                },
                {"name": "slug", "type": "string", "constraints": {"required": True}},
                {"name": "label", "type": "string"},
                {"name": "description", "type": "string"},
                *({"name": f"label_{lang}", "type": "string"} for lang in config.languages),
            ],
            ["taxonomy", "slug"],
        ),
        _resource(
            "links",
            "Every link in a record's text.",
            LINK_FIELDS,
            None,
            [{"fields": "record_path", "reference": {"resource": "records", "fields": "path"}}],
        ),
    ]
    for taxonomy, name in taxonomies.items():
        vocabulary = config.vocabulary.get(taxonomy)
        slug: dict[str, Any] = {"name": "slug", "type": "string", "title": f"{taxonomy} term"}
        if vocabulary:
            # the vocabulary, and any other term the records use (lint names those)
            slug["constraints"] = {
                "enum": [s for (t, s) in terms if t == taxonomy],
            }
            slug["description"] = "A term of the vocabulary of kzkb.toml."
        resources.append(
            _resource(
                name,
                f"The {taxonomy} terms of each record, a row a term, in the record's order.",
                [
                    {"name": "record_path", "type": "string", "constraints": {"required": True}},
                    {"name": "taxonomy", "type": "string", "constraints": {"enum": [taxonomy]}},
                    slug,
                    {
                        "name": "label",
                        "type": "string",
                        "description": "The term as the record spells it.",
                    },
                ],
                None,
                [
                    {
                        "fields": "record_path",
                        "reference": {"resource": "records", "fields": "path"},
                    },
                    {
                        "fields": ["taxonomy", "slug"],
                        "reference": {"resource": "terms", "fields": ["taxonomy", "slug"]},
                    },
                ],
            )
        )
    out: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": _NAME.sub("-", (config.title or config.root.name).lower()).strip("-")[:100]
        or "kzkb",
        "title": config.title or config.root.name,
    }
    publish = config.publish
    if publish.description:
        out["description"] = publish.description
    if publish.license is not None:
        license_ = publish.license
        out["licenses"] = [{"name": license_.name, "path": license_.path, "title": license_.title}]
    source = publish.source or config.base_url
    if source:
        out["sources"] = [{"title": config.title or source, "path": source}]
    out["created"] = (
        dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )
    out["resources"] = resources
    return out


def _resource(
    name: str,
    description: str,
    fields: list[dict[str, Any]],
    key: list[str] | None,
    foreign: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if key:
        schema["primaryKey"] = key
    if foreign:
        schema["foreignKeys"] = foreign
    return {
        "profile": "tabular-data-resource",
        "name": name,
        "path": f"{name}.csv",
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
        "schema": schema,
    }


def _is_package(folder: Path) -> bool:
    return (folder / "datapackage.json").is_file()


@contextlib.contextmanager
def atomic_folder(
    target: Path, force: bool, ours: Callable[[Path], bool], what: str
) -> Iterator[Path]:
    """A new folder beside `target`, renamed to it when the block ends
    without error, and removed otherwise. An existing `target` is replaced
    only with `force`, and only if `ours` says kzkb wrote it (a data
    package, a --per-record folder): --force on a wrong -o must not empty
    a folder of other things."""
    import tempfile

    old = target.exists() or target.is_symlink()
    if old:
        if target.is_symlink() or not target.is_dir():
            raise KzkbError(f"{target} exists and is not a folder", "choose another -o")
        if not force:
            raise KzkbError(f"{target} exists", "add --force to replace it, or choose another -o")
        if not ours(target):
            raise KzkbError(
                f"{target} is a folder but {what} kzkb wrote; kzkb does not replace it",
                "choose another -o",
            )
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise KzkbError(f"no such folder: {parent}", "create it first, or write elsewhere")
    short = os.fsdecode(os.fsencode(target.name)[:200])
    temp = Path(tempfile.mkdtemp(prefix=f".{short}.", suffix=".part", dir=parent))
    try:
        os.chmod(temp, 0o777 & ~_umask())  # mkdtemp's folder is private
        yield temp
        if old:
            trash = Path(tempfile.mkdtemp(prefix=f".{short}.", suffix=".old", dir=parent))
            os.replace(target, trash / "package")
            os.replace(temp, target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(temp, target)  # fails if a folder took the name meanwhile (not empty)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
