"""kzkb export"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kzkb.cli.app import IndexOption, KbOption, app, open_kb
from kzkb.cli.filters import KindOption, LangOption, TermOption, build_filters
from kzkb.cli.taxonomies import TaxonomyCommand, taxonomy_terms


class ExportFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    toml = "toml"
    markdown = "markdown"
    sqlite = "sqlite"
    csl_json = "csl-json"
    ris = "ris"
    bibtex = "bibtex"
    jsonld = "jsonld"
    meta = "meta"
    datapackage = "datapackage"


@app.command("export", cls=TaxonomyCommand)
def export_cmd(
    ctx: typer.Context,
    query: Annotated[
        str | None, typer.Argument(help="Only records this search query matches.")
    ] = None,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="Default: from -o's extension.", case_sensitive=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here (default: stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing -o file.")] = False,
    fields: Annotated[
        str | None,
        typer.Option("--fields", metavar="A,B,C", help="Only these fields, in this order."),
    ] = None,
    no_body: Annotated[bool, typer.Option("--no-body", help="Leave the bodies out.")] = False,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="CSV for spreadsheets: a byte-order mark, CRLF, and a ' before any cell "
            "starting with = + - @, a tab or CR, so none runs as a formula.",
        ),
    ] = False,
    per_record: Annotated[
        Path | None,
        typer.Option(
            "--per-record",
            metavar="DIR",
            help="jsonld or meta: a file a record in DIR (for a Hugo partial), not one file.",
        ),
    ] = None,
    kind: KindOption = None,
    lang: LangOption = None,
    term: TermOption = None,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Write the records in the formats programs and research tools read.

    JSON, JSONL, CSV, TOML, Markdown; SQLite for Datasette; a Frictionless
    data package; schema.org JSON-LD and the meta tags Zotero's connector
    reads; references as CSL-JSON (Zotero, Pandoc), RIS or BibTeX (biblatex).

    All records, or those the filters and query choose, in path order; -o
    writes a file atomically (an existing one only with --force).

    Examples:

      kzkb export -o kb.json

      kzkb export --category local-ngo --format csv --excel -o ngos.csv

      kzkb export feminist --fields path,title,url --format jsonl

      kzkb export --category local-ngo -o ngos.ris

      kzkb export gender -o gender.bib
    """
    from kzkb.export.engine import export, format_for
    from kzkb.model import KzkbError
    from kzkb.views.console import plain_note

    chosen = fmt.value if fmt is not None else None
    if chosen is None:
        chosen = format_for(output) if output is not None else "json"
    else:
        _check_extension(output, chosen)
    if per_record is not None and output is not None:
        raise KzkbError("--per-record writes a folder of its own", "leave out -o")
    if chosen == "sqlite" and output is None:
        raise KzkbError("SQLite output needs a file", "add -o kb.sqlite")
    wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    base = open_kb(kb, index)
    filters = build_filters(base, taxonomy_terms(ctx), kind, lang, term)
    records = base.records(query or "", filters) if query else base.stored(filters)
    written = export(
        records,
        base.config,
        chosen,
        out=sys.stdout if output is None else None,
        target=output,
        force=force,
        fields=wanted,
        body=not no_body,
        excel=excel,
        index=base.index,
        per_record=per_record,
    )
    # what was written, on stderr: stdout may be the export itself
    where = "standard output" if output is None else str(output)
    where = str(per_record) if per_record is not None else where
    noun = "record" if written == 1 else "records"
    plain_note(f"wrote {written} {noun} to {where} ({chosen})")


def _check_extension(output: Path | None, chosen: str) -> None:
    """A warning when -o's name says another format than --format (CSV into
    x.json): the format given is written, as pandoc and ffmpeg do, but said,
    since a program opening x.json as JSON would fail on it."""
    if output is None:
        return
    from kzkb.export.engine import EXTENSIONS, extension
    from kzkb.views.console import plain_note

    named = EXTENSIONS.get(extension(output))
    if named is not None and named != chosen:
        plain_note(
            f"kzkb: warning: writing {chosen} into {output}, whose name says {named}"
            f" — name it {output.stem}.{_suffix(chosen)}, or leave out --format"
        )


def _suffix(fmt: str) -> str:
    return {"markdown": "md", "csl-json": "csl.json", "bibtex": "bib"}.get(fmt, fmt)
