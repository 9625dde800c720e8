"""export: the KB's records in the formats other tools load.

Records stream from the index one at a time, in path order, so memory does
not grow with the KB (the Markdown catalogue keeps a title line a record).
Every file is written atomically: into a temporary file beside the target,
flushed to disk, then renamed over it, so an interrupted export never leaves
a half-written file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from kzkb.config import Config
from kzkb.model import KzkbError, Record

FORMATS = ("json", "jsonl", "csv", "toml", "markdown", "sqlite")
EXTENSIONS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".toml": "toml",
    ".md": "markdown",
    ".markdown": "markdown",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".db": "sqlite",
}


# From this many records on, worker processes decode and encode slices of
# them while this one writes: at 100,000 records that halves the time.
PARALLEL_FROM = 5000
SLICE = 500


class Stored:
    """Records by id in an index, in order: iterated one at a time, or read
    by worker processes (each with its own connection) for a large export."""

    def __init__(self, index: Any, ids: list[int]) -> None:
        self.index = index
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Record]:
        from kzkb.index import record_from_json

        count = 0
        for start in range(0, len(self.ids), 256):
            for data in self.index.data_of(self.ids[start : start + 256]):
                count += 1
                yield record_from_json(data)
        if count != len(self.ids):
            raise changed_meanwhile()


def changed_meanwhile() -> KzkbError:
    """Records chosen, then gone: another kzkb refreshed the index during the
    export. Better no file than one that silently lacks them."""
    return KzkbError(
        "the index changed while exporting (another kzkb command refreshed it)",
        "run the export again",
    )


def format_for(path: str | os.PathLike[str]) -> str:
    """The format an output file's extension names."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise KzkbError(
            f"cannot tell the format from {str(path)!r}",
            f"give --format ({', '.join(FORMATS)}) or a file ending in "
            + ", ".join(sorted(EXTENSIONS)),
        )
    return EXTENSIONS[suffix]


# --- records as data ---------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """Dates (anywhere in a record's front matter) as ISO text; the C encoder
    calls this only for what JSON has no type for."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def record_dict(record: Record, config: Config) -> dict[str, Any]:
    """A record as programs see it (README: "JSON output")."""
    data: dict[str, Any] = {
        "path": record.path,
        "url": record.url,
        "lang": record.lang,
        "kind": record.kind,
        "title": record.title,
        "description": record.description,
    }
    for singular, plural in config.taxonomies.items():
        data[plural] = list(record.term_labels.get(singular, []))
    data["website"] = record.website
    data["date"] = jsonable(record.date)
    data["created"] = jsonable(record.created)
    return data


def export_fields(config: Config, body: bool = True) -> list[str]:
    """Every field an exported record has, in order."""
    names = ["path", "url", "lang", "kind", "title", "description"]
    names += list(config.taxonomies.values())
    names += ["website", "date", "created", "aliases", "fields", "links"]
    return names + (["body"] if body else [])


def export_dict(record: Record, config: Config, body: bool = True) -> dict[str, Any]:
    """record_dict plus aliases, every front-matter field, links and the body;
    dates stay dates (each writer says how it writes them)."""
    data = record_dict(record, config)
    data["date"], data["created"] = record.date, record.created
    data["aliases"] = list(record.aliases)
    data["fields"] = record.fields
    data["links"] = [
        {"target": x.target, "text": x.text, "line": x.line, "column": x.column, "kind": x.kind}
        for x in record.links
    ]
    if body:
        data["body"] = record.body
    return data


def choose(data: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    return data if not fields else {name: data[name] for name in fields}


def kb_header(config: Config) -> dict[str, Any]:
    return {
        "title": config.title,
        "languages": list(config.languages),
        "taxonomies": dict(config.taxonomies),
        "terms": {
            taxonomy: [
                {"slug": t.slug, "label": t.label, "description": t.description}
                for t in terms.values()
            ]
            for taxonomy, terms in config.vocabulary.items()
        },
    }


# --- writers -------------------------------------------------------------------------------

Rows = Iterable[dict[str, Any]]


def write_json(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
    """{"kb": {...}, "records": [...]}, one record a line."""
    out.write('{"kb": ' + json.dumps(header, ensure_ascii=False) + ',\n "records": [')
    count = 0
    for row in rows:
        out.write(",\n  " if count else "\n  ")
        out.write(dumps(row))
        count += 1
    out.write("\n ]}\n" if count else "]}\n")
    return count


def write_jsonl(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
    count = 0
    lines: list[str] = []
    for row in rows:
        lines.append(dumps(row))
        count += 1
        if len(lines) == 256:  # one write a batch: the text layer's cost is per call
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        if all(type(item) is str for item in value):  # terms, aliases: the common case
            return "; ".join(value)
        return "; ".join(
            item["target"] if isinstance(item, dict) and "target" in item else _cell(item)
            for item in value
        )
    if isinstance(value, dict):
        return dumps(value)
    return str(value)


def _quote(cell: str) -> str:
    """One CSV field as the csv module's QUOTE_MINIMAL writes it (RFC 4180):
    quoted when it holds a quote, a comma or a line break, quotes doubled."""
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


def csv_line(cells: list[str], end: str = "\n") -> str:
    """One CSV row of text cells, ending in `end`.

    The bytes csv.writer's writerow writes (tests/test_export.py compares
    them over generated text), four times faster: the csv module copies each
    character through its own buffer, which for a 4 kB body is most of an
    export's time; str's `in` and `replace` scan at memory speed. One
    difference: a lone carriage return is quoted with \n line ends too, where
    csv.writer leaves it bare and spreadsheet programs see a line break."""
    if len(cells) == 1 and not cells[0]:
        return '""' + end  # a lone empty field, else the row reads back as no row
    return ",".join([_quote(c) for c in cells]) + end


def _csv_cells(row: dict[str, Any], columns: list[str]) -> list[str]:
    # most cells are text already: a converter call each is a fifth of the time
    return [v if type(v) is str else _cell(v) for v in map(row.get, columns)]


def _csv_end(excel: bool) -> str:
    return "\r\n" if excel else "\n"


def write_csv(rows: Rows, out: IO[str], header: dict[str, Any], excel: bool = False) -> int:
    """A header and a row a record; lists joined with "; ", front matter as
    JSON, links as their targets. Quoting as the csv module's (RFC 4180)."""
    if excel:
        out.write("\ufeff")  # spreadsheet programs read UTF-8 (Cyrillic) only after a BOM
    end = _csv_end(excel)
    count = 0
    columns: list[str] = []
    lines: list[str] = []
    for row in rows:
        if not count:
            columns = list(row)
            lines.append(csv_line(columns, end))
        lines.append(csv_line(_csv_cells(row, columns), end))
        count += 1
        if len(lines) >= 256:  # one write a batch: the text layer's cost is per call
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
    return count


def _toml_value(value: Any) -> Any:
    """TOML has no null: empty values are dropped; dates stay TOML dates."""
    if isinstance(value, dict):
        return {str(k): _toml_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_toml_value(v) for v in value if v is not None]
    if isinstance(value, (str, int, float, bool, dt.date)):
        return value
    return str(value)


# tomli-w escapes a string one character at a time in Python: 0.6 ms of a
# 4 kB body, most of a TOML export. Long strings are written here instead,
# with str.translate, as tomli-w writes them (a basic string: quote,
# backslash and control characters but tab escaped), in the place tomli-w
# puts a placeholder for them.
_TOML_ESCAPES = {i: f"\\u{i:04x}" for i in [*range(0x20), 0x7F] if i != 0x09}
_TOML_ESCAPES.update({0x08: "\\b", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
_TOML_ESCAPES.update({0x22: '\\"', 0x5C: "\\\\"})
_TOML_LONG = 256
_TOML_MARK = f"kzkb-{os.urandom(8).hex()}-"  # no record holds it


def toml_string(text: str) -> str:
    """A TOML basic string of `text`, the characters tomli-w escapes escaped."""
    return '"' + text.translate(_TOML_ESCAPES) + '"'


def _toml_record(row: dict[str, Any]) -> str:
    import tomli_w

    value = _toml_value(row)
    long: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, str) and len(item) > _TOML_LONG:
            mark = f"{_TOML_MARK}{len(long)}"
            long[f'"{mark}"'] = toml_string(item)
            value[key] = mark
    text = tomli_w.dumps({"records": [value]})
    if not text.startswith("[[records]]"):
        # tomli-w writes a short array of tables inline (records = [{...}]),
        # which after [kb] tables would land inside them; a record that
        # short has only short sub-tables, which stay inline under a header
        text = "[[records]]\n" + tomli_w.dumps(value)
    for mark, string in long.items():
        text = text.replace(mark, string, 1)
    return text


def write_toml(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
    """A [kb] table, then a [[records]] table a record."""
    import tomli_w

    out.write(tomli_w.dumps({"kb": _toml_value(header)}))
    count = 0
    for row in rows:
        out.write("\n" + _toml_record(row))
        count += 1
    return count


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: Any) -> str:
    """Text safe in a table cell and a link's text: one line, with Markdown's
    active characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def write_markdown(rows: Rows, out: IO[str], header: dict[str, Any], config: Config) -> int:
    """A catalogue: a table of titles (linked to their URLs) and descriptions
    for each category, in the vocabulary's order, then the uncategorised."""
    plural = config.taxonomies.get("category", "category")
    labels = {t["slug"]: t["label"] for t in header["terms"].get("category", [])}
    groups: dict[str, list[tuple[str, str, str]]] = {}
    count = 0
    from kzkb.urls import term_slug

    for row in rows:
        count += 1
        entry = (_md(row.get("title")), str(row.get("url", "")), _md(row.get("description")))
        terms = [term_slug(str(t)) for t in row.get(plural) or []] or [""]
        for slug in terms:
            groups.setdefault(slug, []).append(entry)
    out.write(f"# {header['title'] or 'Knowledge base'}\n")
    order = [s for s in labels if s in groups] + sorted(s for s in groups if s not in labels)
    for slug in order:
        title = labels.get(slug, slug) if slug else "Uncategorised"
        out.write(f"\n## {_md(title)}\n\n| Title | Description |\n| --- | --- |\n")
        for name, url, description in groups[slug]:
            link = f"[{name}](<{url}>)" if url else name
            out.write(f"| {link} | {description} |\n")
    return count


SQLITE_SCHEMA = """
CREATE TABLE records (
  path TEXT PRIMARY KEY, url TEXT, lang TEXT, kind TEXT, title TEXT, description TEXT,
  website TEXT, date TEXT, created TEXT, aliases TEXT, fields TEXT, body TEXT
);
CREATE TABLE terms (taxonomy TEXT, slug TEXT, label TEXT, PRIMARY KEY (taxonomy, slug));
CREATE TABLE record_terms (
  record_path TEXT REFERENCES records(path), taxonomy TEXT, slug TEXT, label TEXT
);
CREATE TABLE links (
  record_path TEXT REFERENCES records(path), target TEXT, text TEXT, line INTEGER,
  col INTEGER, kind TEXT
);
CREATE VIRTUAL TABLE records_fts USING fts5(
  title, description, body, content='records', content_rowid='rowid'
);
"""


def write_sqlite(records: Iterable[Record], path: str, config: Config, body: bool = True) -> int:
    """records, terms, record_terms and links tables and an FTS index, ready
    for Datasette or sqlite-utils."""
    import sqlite3

    from kzkb.urls import term_slug

    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a new file, renamed into place when whole
        db.execute("BEGIN")
        for statement in SQLITE_SCHEMA.split(";\n"):
            if statement.strip():
                db.execute(statement)
        terms: dict[tuple[str, str], str] = {}
        for taxonomy, vocabulary in config.vocabulary.items():
            for slug, definition in vocabulary.items():
                terms[(taxonomy, slug)] = definition.label
        count = 0
        for record in records:
            count += 1
            db.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.path, record.url, record.lang, record.kind, record.title,
                    record.description, record.website or None,
                    record.date.isoformat() if record.date else None,
                    record.created.isoformat() if record.created else None,
                    json.dumps(record.aliases, ensure_ascii=False),
                    dumps(record.fields),
                    record.body if body else None,
                ),
            )  # fmt: skip
            for taxonomy, labels in record.term_labels.items():
                for label in labels:
                    slug = term_slug(label)
                    terms.setdefault((taxonomy, slug), label)
                    db.execute(
                        "INSERT INTO record_terms VALUES (?, ?, ?, ?)",
                        (record.path, taxonomy, slug, label),
                    )
            db.executemany(
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)",
                [(record.path, x.target, x.text, x.line, x.column, x.kind) for x in record.links],
            )
        db.executemany(
            "INSERT INTO terms VALUES (?, ?, ?)", [(t, s, label) for (t, s), label in terms.items()]
        )
        db.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
        db.execute("COMMIT")
    finally:
        db.close()
    return count


# --- atomic output -------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(
    target: Path,
    force: bool,
    exists_hint: str = "add --force to replace it, or choose another -o",
) -> Iterator[str]:
    """A temporary path beside `target`, renamed over it when the block ends
    without error, and removed otherwise. Without `force`, a file that
    appears at `target` meanwhile is not replaced either."""
    if target.is_symlink():
        raise KzkbError(
            f"{target} is a symbolic link; kzkb writes only to the file named",
            "give the real path with -o",
        )
    if target.exists() and not force:
        raise KzkbError(f"{target} exists", exists_hint)
    if target.is_dir():
        raise KzkbError(f"{target} is a folder", "give a file name with -o")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise KzkbError(f"no such folder: {folder}", "create it first, or choose another -o")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        # mkstemp makes the file private; give it the replaced file's mode,
        # or the one a new file gets
        if target.exists():
            mode = target.stat().st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if force:
            os.replace(temp, target)
        else:
            _publish_new(temp, target, exists_hint)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _publish_new(temp: str, target: Path, exists_hint: str) -> None:
    """Give temp the name `target` only if no file has taken it since the
    check (another kzkb new, a second export): a hard link fails on a name
    that exists, where a rename would replace the file."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise KzkbError(f"{target} exists", exists_hint) from None
    except OSError:  # a file system without hard links (FAT, some network ones)
        os.replace(temp, target)
        return
    with contextlib.suppress(OSError):  # the file is in place: a stray name is harmless
        os.unlink(temp)


# --- in parallel ---------------------------------------------------------------------------

_JOB: dict[str, Any] = {}  # what the workers encode; set before they fork


def _encode_slice(ids: list[int]) -> tuple[bytes, int]:
    """One slice of records, encoded as the parent writes them (see _parallel)."""

    from kzkb.index import record_from_json

    job = _JOB
    if "db" not in job:
        from kzkb.index import _connect

        # waits out a writer's checkpoint as the parent's connection does
        job["db"] = _connect(job["index_path"])
    marks = ",".join("?" * len(ids))
    found = dict(job["db"].execute(f"SELECT id, data FROM record_data WHERE id IN ({marks})", ids))
    rows = [
        choose(export_dict(record_from_json(found[i]), job["config"], job["body"]), job["fields"])
        for i in ids
        if i in found
    ]
    fmt = job["fmt"]
    if fmt in ("json", "jsonl"):
        sep = "\n" if fmt == "jsonl" else ",\n  "
        return sep.join(dumps(row) for row in rows).encode("utf-8"), len(rows)
    if fmt == "csv":
        columns, end = job["columns"], _csv_end(job["excel"])
        return "".join([csv_line(_csv_cells(row, columns), end) for row in rows]).encode(
            "utf-8"
        ), len(rows)
    return "".join("\n" + _toml_record(row) for row in rows).encode("utf-8"), len(rows)


def _parallel(
    stored: Stored, config: Config, fmt: str, text_out: IO[str], *,
    fields: list[str] | None, body: bool, excel: bool,
) -> int:  # fmt: skip
    """json, jsonl, csv or toml of many records: workers encode slices, in
    order, to UTF-8, and this process writes the bytes as they come (text
    would cross the pipe, and the text layer, twice as slowly)."""
    import multiprocessing

    header = kb_header(config)
    columns = fields or export_fields(config, body)
    _JOB.clear()
    _JOB.update(
        index_path=stored.index.path, config=config, fmt=fmt, fields=fields, body=body,
        excel=excel, columns=columns,
    )  # fmt: skip
    text_out.flush()
    out: IO[bytes] = text_out.buffer  # type: ignore[attr-defined]
    if fmt == "json":
        out.write(
            ('{"kb": ' + json.dumps(header, ensure_ascii=False) + ',\n "records": [').encode()
        )
    elif fmt == "csv":
        out.write(
            (("\ufeff" if excel else "") + csv_line(columns, _csv_end(excel))).encode("utf-8")
        )
    elif fmt == "toml":
        import tomli_w

        out.write(tomli_w.dumps({"kb": _toml_value(header)}).encode("utf-8"))
    slices = [stored.ids[i : i + SLICE] for i in range(0, len(stored.ids), SLICE)]
    count = 0
    with multiprocessing.get_context("fork").Pool(2, initializer=_quiet_worker) as pool:
        for text, n in pool.imap(_encode_slice, slices):
            if not n:
                continue
            if fmt == "json":
                out.write((b",\n  " if count else b"\n  ") + text)
            elif fmt == "jsonl":
                out.write(text + b"\n")
            else:
                out.write(text)
            count += n
    if count != len(stored.ids):
        raise changed_meanwhile()
    if fmt == "json":
        out.write(b"\n ]}\n" if count else b"]}\n")
    out.flush()
    return count


def _quiet_worker() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report


def _can_fork(records: Iterable[Record], fmt: str) -> bool:
    import threading

    return (
        isinstance(records, Stored)
        and len(records) >= PARALLEL_FROM
        and fmt in ("json", "jsonl", "csv", "toml")
        and hasattr(os, "fork")
        and records.index.path != ":memory:"
        and threading.active_count() == 1
    )


def export(
    records: Iterable[Record],
    config: Config,
    fmt: str,
    out: IO[str] | None = None,
    target: Path | None = None,
    *,
    force: bool = False,
    fields: list[str] | None = None,
    body: bool = True,
    excel: bool = False,
) -> int:
    """Write records in a format to `out` (a text stream) or to the file
    `target` (atomically); the number of records written."""
    if fmt not in FORMATS:
        raise KzkbError(f"unknown format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    known = export_fields(config, body)
    for name in fields or []:
        if name not in known:
            raise KzkbError(f"unknown field {name!r}", f"fields are: {', '.join(known)}")
    if fmt == "sqlite":
        if target is None:
            raise KzkbError("SQLite needs a file", "add -o kb.sqlite")
        with atomic_path(target, force) as temp:
            return write_sqlite(records, temp, config, body)
    header = kb_header(config)
    rows = (choose(export_dict(r, config, body), fields) for r in records)
    writers: dict[str, Callable[..., int]] = {
        "json": write_json,
        "jsonl": write_jsonl,
        "csv": lambda rows, out, header: write_csv(rows, out, header, excel),
        "toml": write_toml,
        "markdown": lambda rows, out, header: write_markdown(rows, out, header, config),
    }
    write = writers[fmt]
    if _can_fork(records, fmt):
        assert isinstance(records, Stored)
        stored = records

        def write(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
            return _parallel(stored, config, fmt, out, fields=fields, body=body, excel=excel)

    if target is None:
        assert out is not None
        return write(rows, out, header)
    # the file closes before the rename; newline="" lets csv write its own ends
    with (
        atomic_path(target, force) as temp,
        open(temp, "w", encoding="utf-8", newline="") as handle,
    ):
        return write(rows, handle, header)
