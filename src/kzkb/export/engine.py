"""Running an export: the format's writer in this process, or, for many
records, worker processes that decode and encode slices of them while this
one writes the bytes in order. Every file is written atomically
(kzkb.files.atomic_path), so an interrupted export never leaves a
half-written file, and no file is written when another kzkb refreshed the
index meanwhile (store.stored.changed_meanwhile)."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kzkb.export.cite import citation_writers
from kzkb.export.csv import csv_cells, csv_end, csv_head, csv_line, write_csv
from kzkb.export.json import json_head, write_json, write_jsonl
from kzkb.export.markdown import write_markdown
from kzkb.export.shapes import (
    Rows,
    choose,
    dumps,
    export_dict,
    export_fields,
    kb_header,
)
from kzkb.export.sqlite import write_sqlite
from kzkb.export.toml import toml_head, toml_record, write_toml
from kzkb.files import atomic_path, naming
from kzkb.model import KzkbError, Record
from kzkb.settings.config import Config
from kzkb.store.codec import record_from_json
from kzkb.store.index import open_snapshot
from kzkb.store.stored import Stored, changed_meanwhile

FORMATS = ("json", "jsonl", "csv", "toml", "markdown", "sqlite", "csl-json", "ris", "bibtex")
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
    ".jsonld": "jsonld",
    ".csl.json": "csl-json",
    ".ris": "ris",
    ".bib": "bibtex",
}

# for the web and open-data portals (export/datapackage.py, jsonld.py, meta.py)
FORMATS += ("jsonld", "meta", "datapackage")
PER_RECORD = ("jsonld", "meta")  # the formats --per-record writes a file a record of


@dataclass(frozen=True, slots=True)
class ExportTuning:
    """From `parallel_from` records on, worker processes decode and encode
    slices of `slice` records while this one writes: at 100,000 records that
    halves the time. Tests lower both to reach the parallel path on a small KB."""

    parallel_from: int = 5000
    slice: int = 500


DEFAULT_TUNING = ExportTuning()


def format_for(path: str | os.PathLike[str]) -> str:
    """The format an output file's extension names."""
    suffix = extension(path)
    if suffix not in EXTENSIONS:
        raise KzkbError(
            f"cannot tell the format from {str(path)!r}",
            f"give --format ({', '.join(FORMATS)}) or a file ending in "
            + ", ".join(sorted(EXTENSIONS)),
        )
    return EXTENSIONS[suffix]


def extension(path: str | os.PathLike[str]) -> str:
    """The extension naming a file's format: kb.csl.json's is .csl.json."""
    name = Path(path).name.lower()
    return ".csl.json" if name.endswith(".csl.json") else Path(name).suffix


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
    tuning: ExportTuning = DEFAULT_TUNING,
    per_record: Path | None = None,
    index: Any = None,
) -> int:
    """Write records in a format to `out` (a text stream) or to the file
    `target` (atomically); the number of records written. `index`: the
    KB's, which citation formats read keys unique in the whole KB from."""
    if fmt not in FORMATS:
        raise KzkbError(f"unknown format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    known = export_fields(config, body)
    for name in fields or []:
        if name not in known:
            raise KzkbError(f"unknown field {name!r}", f"fields are: {', '.join(known)}")
    kb_index = index if index is not None else getattr(records, "index", None)
    if fields and fmt in ("datapackage", *PER_RECORD):
        raise KzkbError(f"{fmt} has fields of its own", "leave out --fields")
    if fmt == "datapackage" or per_record is not None:
        from kzkb.export.datapackage import write_datapackage
        from kzkb.export.meta import write_per_record

        if per_record is not None:
            return write_per_record(records, config, fmt, per_record, force=force, index=kb_index)
        if target is None:
            raise KzkbError("a data package is a folder of files", "add -o DIR")
        return write_datapackage(records, config, target, force=force, body=body)
    if fmt == "sqlite":
        if target is None:
            raise KzkbError("SQLite needs a file", "add -o kb.sqlite")
        from kzkb.export.datasette import metadata_beside

        with (
            metadata_beside(target, config, force),
            naming(target),
            atomic_path(target, force) as temp,
        ):
            try:
                return write_sqlite(records, temp, config, body)
            except Exception as exc:
                raise _as_os_error(exc) from exc
    header = kb_header(config)
    rows = (choose(export_dict(r, config, body), fields) for r in records)
    writers: dict[str, Callable[..., int]] = {
        "json": write_json,
        "jsonl": write_jsonl,
        "csv": lambda rows, out, header: write_csv(rows, out, header, excel, fields or known),
        "toml": write_toml,
        "markdown": lambda rows, out, header: write_markdown(rows, out, header, config),
        **citation_writers(records, config, kb_index, fields),
    }
    if fmt in PER_RECORD:
        from kzkb.export.meta import web_writers

        writers.update(web_writers(records, config, kb_index))
    write = writers[fmt]
    if can_fork(records, fmt, tuning):
        assert isinstance(records, Stored)
        stored = records

        def write(rows: Rows, out: IO[str], header: dict[str, Any]) -> int:
            return write_parallel(
                stored,
                config,
                fmt,
                out,
                fields=fields,
                body=body,
                excel=excel,
                slice_size=tuning.slice,
            )

    if target is None:
        assert out is not None
        with naming("standard output" if out is sys.stdout else None):
            return write(rows, out, header)
    # the file closes before the rename; newline="" lets csv write its own ends
    with (
        naming(target),
        atomic_path(target, force) as temp,
        open(temp, "w", encoding="utf-8", newline="") as handle,
    ):
        return write(rows, handle, header)


# SQLite's result codes for what the machine refuses (sqlite3 is the store's
# to import: the codes are its documented numbers), as the errno they stand for
_SQLITE_ERRNO = {3: errno.EACCES, 8: errno.EROFS, 10: errno.EIO, 13: errno.ENOSPC, 14: errno.EACCES}


def _as_os_error(exc: Exception) -> Exception:
    """A SQLite error writing the file as the OSError it stands for (a full
    disk is SQLITE_FULL there), so that it is reported as one; any other as it is."""
    code = _SQLITE_ERRNO.get(getattr(exc, "sqlite_errorcode", -1) & 0xFF)
    return exc if code is None else OSError(code, os.strerror(code))


def can_fork(records: Iterable[Record], fmt: str, tuning: ExportTuning = DEFAULT_TUNING) -> bool:
    """Whether export writes these records with worker processes."""
    import threading

    return (
        isinstance(records, Stored)
        and len(records) >= tuning.parallel_from
        and fmt in ("json", "jsonl", "csv", "toml")
        and hasattr(os, "fork")
        and records.index.path != ":memory:"
        and threading.active_count() == 1
    )


_JOB: dict[str, Any] = {}  # what the workers encode; set before they fork


def _encode_slice(ids: list[int]) -> tuple[bytes, int]:
    """One slice of records, encoded as the parent writes them (see write_parallel)."""

    job = _JOB
    if "index" not in job:
        # waits out a writer's checkpoint as the parent's connection does
        job["index"] = open_snapshot(job["index_path"])
    data = job["index"].records.data_of(ids)
    rows = [
        choose(export_dict(record_from_json(text), job["config"], job["body"]), job["fields"])
        for text in data
    ]
    fmt = job["fmt"]
    if fmt in ("json", "jsonl"):
        sep = "\n" if fmt == "jsonl" else ",\n  "
        return sep.join(dumps(row) for row in rows).encode("utf-8"), len(rows)
    if fmt == "csv":
        columns, excel = job["columns"], job["excel"]
        end = csv_end(excel)
        return "".join([csv_line(csv_cells(row, columns, excel), end) for row in rows]).encode(
            "utf-8"
        ), len(rows)
    return "".join("\n" + toml_record(row) for row in rows).encode("utf-8"), len(rows)


def write_parallel(
    stored: Stored, config: Config, fmt: str, text_out: IO[str], *,
    fields: list[str] | None, body: bool, excel: bool, slice_size: int,
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
        out.write(json_head(header).encode())
    elif fmt == "csv":
        out.write(csv_head(columns, excel).encode("utf-8"))
    elif fmt == "toml":
        out.write(toml_head(header).encode("utf-8"))
    slices = [stored.ids[i : i + slice_size] for i in range(0, len(stored.ids), slice_size)]
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
