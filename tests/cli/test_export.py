"""kzkb export: every format read back and compared with `kzkb list`.

The reference is `kzkb list --format json` (and `search`, `terms`): an export
must hold the same records, in the same (path) order, with the same values on
the keys list gives; export adds aliases, fields, links and the body.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import sqlite3
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzkb.urls import term_slug
from tests.conftest import KB

MESSY_CONFIG = """\
title = "Тест, \\"quotes\\""
languages = ["en", "kk"]

[taxonomies]
category = "category"
country = "countries"
tag = "tags"

[[terms.category]]
slug = "local-ngo"
label = "Local NGO"

[[terms.category]]
slug = "media"
label = "Media, \\"independent\\""
"""

MESSY_FILES = {
    "sources/almaty.md": """\
---
title: "Алматы, \\"Феминита\\""
description: "Line one,\\nline \\"two\\"; with a semicolon"
category: ["local-ngo"]
countries: ["Kazakhstan", "Қазақстан"]
tags: ["a, b", "say \\"hi\\"", "новости"]
url: "https://example.kz/?a=1,b=2"
date: 2023-12-06
created: 2023-06-12
extra: null
---
Текст со [ссылкой](/guides/one/) and "quotes", commas.
Second line.
""",
    "sources/empty.md": '---\ntitle: ""\ndescription: ""\ntags: []\ncategory: ["media"]\n---\n',
    "sources/B_upper.md": (
        "---\ntitle: 'Pipe | and ] bracket'\ndescription:\ncategory: [unknown-cat]\ntags:\n---\n"
        "body\n"
    ),
    "sources/ќала.md": (
        '---\ntitle: \'Қала, "?\'\ndescription: "Сипаттама, с запятой"\n'
        'countries: ["Қазақстан"]\ntags: ["", "тег"]\ndate: 2024-02-29T10:20:30\n---\nМәтін\n'
    ),
    "guides/one.md": '---\ntitle: "Guide\\nwith newline"\n---\nGuide body\r\nwith CRLF\n',
    "guides/one.kk.md": '---\ntitle: "Нұсқаулық"\ncategory: ["Local NGO"]\n---\nМәтін\n',
}


@pytest.fixture
def messy(make_kb) -> Path:
    return make_kb(MESSY_FILES, MESSY_CONFIG)


@pytest.fixture(params=["bundled", "messy"])
def any_kb(request, make_kb) -> Path:
    return KB if request.param == "bundled" else make_kb(MESSY_FILES, MESSY_CONFIG)


# --- helpers --------------------------------------------------------------------------


def out(result) -> str:
    """stdout exactly as written (Result.stdout turns \\r\\n into \\n)."""
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


def listed(run, kb: Path, *args: str) -> list[dict]:
    result = run("list", "--kb", str(kb), "-f", "json", *args)
    assert result.exit_code in (0, 1), result.output  # 1: nothing matched
    return json.loads(result.stdout)


def exported(run, kb: Path, *args: str) -> list[dict]:
    """export --format json, the records only."""
    return json.loads(out(run("export", "--kb", str(kb), "-f", "json", *args)))["records"]


def project(rows: list[dict], keys: list[str]) -> list[dict]:
    return [{k: row[k] for k in keys if k in row} for row in rows]


def isoformat(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: isoformat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [isoformat(v) for v in value]
    return value


def cell(value) -> str:
    """A list's value as a CSV cell: lists joined with "; ", null empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def temp_leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --- round trips ------------------------------------------------------------------------


def test_json_round_trip_matches_list(run, any_kb):
    reference = listed(run, any_kb)
    assert reference
    text = out(run("export", "--kb", str(any_kb), "-f", "json"))
    data = json.loads(text)
    records = data["records"]
    assert project(records, list(reference[0])) == reference
    assert [r["path"] for r in records] == sorted(r["path"] for r in records)
    extra = {"aliases", "fields", "links", "body"}
    assert all(extra <= set(r) for r in records)
    header = data["kb"]
    assert {"title", "languages", "taxonomies"} <= set(header)
    config = tomllib.loads((any_kb / "kzkb.toml").read_text(encoding="utf-8"))
    assert header["title"] == config["title"]
    assert header["languages"] == config["languages"]
    assert header["taxonomies"] == config["taxonomies"]


def test_json_export_holds_front_matter_links_and_body(run, messy):
    records = {r["path"]: r for r in exported(run, messy)}
    almaty = records["sources/almaty.md"]
    assert almaty["fields"]["tags"] == ["a, b", 'say "hi"', "новости"]
    assert almaty["fields"]["date"] == "2023-12-06"
    assert almaty["fields"]["url"] == "https://example.kz/?a=1,b=2"
    assert "extra" in almaty["fields"]  # every front-matter field, even empty
    assert [link["target"] for link in almaty["links"]] == ["/guides/one/"]
    assert "Текст со [ссылкой](/guides/one/)" in almaty["body"]
    assert "Second line." in almaty["body"]
    assert records["sources/ќала.md"]["date"].startswith("2024-02-29")


def test_jsonl_round_trip_matches_list(run, any_kb):
    reference = listed(run, any_kb)
    text = out(run("export", "--kb", str(any_kb), "-f", "jsonl"))
    lines = text.split("\n")
    assert lines[-1] == "" and all(lines[:-1])  # one record a line, newline-terminated
    records = [json.loads(line) for line in lines[:-1]]
    assert project(records, list(reference[0])) == reference
    assert records == exported(run, any_kb)


def test_toml_round_trip_matches_list(run, any_kb):
    reference = listed(run, any_kb)
    data = tomllib.loads(out(run("export", "--kb", str(any_kb), "-f", "toml")))
    records = data["records"]
    assert len(records) == len(reference)
    for got, want in zip(records, reference, strict=True):
        for key, value in want.items():
            if value is None:  # TOML has no null: the key is left out
                assert key not in got, (want["path"], key)
            else:
                assert isoformat(got[key]) == value, (want["path"], key)
        if want["date"]:
            assert isinstance(got["date"], dt.date)  # a TOML date, not a string
    assert (
        data["kb"]["title"]
        == json.loads(out(run("export", "--kb", str(any_kb), "-f", "json", "--fields", "path")))[
            "kb"
        ]["title"]
    )


def test_toml_keeps_bodies_links_and_fields(run, messy):
    as_json = {r["path"]: r for r in exported(run, messy)}
    data = tomllib.loads(out(run("export", "--kb", str(messy), "-f", "toml")))
    for record in data["records"]:
        want = as_json[record["path"]]
        assert record["body"] == want["body"]
        assert record["links"] == want["links"]
        fields = {k: v for k, v in want["fields"].items() if v is not None}
        assert isoformat(record["fields"]) == fields


def test_csv_round_trip_matches_list(run, any_kb):
    reference = listed(run, any_kb)
    text = out(run("export", "--kb", str(any_kb), "-f", "csv"))
    rows = csv_rows(text)
    keys = list(reference[0])
    assert [{k: row[k] for k in keys} for row in rows] == [
        {k: cell(r[k]) for k in keys} for r in reference
    ]
    # the same rows list itself writes as CSV
    listed_csv = csv_rows(out(run("list", "--kb", str(any_kb), "-f", "csv")))
    assert [{k: row[k] for k in keys} for row in rows] == listed_csv
    # and the columns list lacks: front matter as JSON, link targets, the body verbatim
    as_json = exported(run, any_kb)
    for row, want in zip(rows, as_json, strict=True):
        assert json.loads(row["fields"]) == want["fields"]
        assert row["links"] == "; ".join(x["target"] for x in want["links"])
        assert row["body"] == want["body"]
        assert row["aliases"] == "; ".join(want["aliases"])


def test_csv_quotes_commas_quotes_and_newlines(run, messy):
    rows = {r["path"]: r for r in csv_rows(out(run("export", "--kb", str(messy), "-f", "csv")))}
    almaty = rows["sources/almaty.md"]
    assert almaty["title"] == 'Алматы, "Феминита"'
    assert almaty["description"] == 'Line one,\nline "two"; with a semicolon'
    assert almaty["tags"] == 'a, b; say "hi"; новости'
    assert almaty["date"] == "2023-12-06"
    assert rows["guides/one.md"]["title"] == "Guide\nwith newline"
    empty = rows["sources/empty.md"]
    assert empty["description"] == "" and empty["tags"] == "" and empty["date"] == ""


def test_sqlite_round_trip_counts_and_terms(run, any_kb, tmp_path):
    target = tmp_path / "kb.sqlite"
    out(run("export", "--kb", str(any_kb), "-o", str(target)))
    reference = listed(run, any_kb)
    as_json = exported(run, any_kb)
    taxonomies = json.loads(out(run("export", "--kb", str(any_kb), "--fields", "path")))["kb"][
        "taxonomies"
    ]
    db = sqlite3.connect(target)
    try:
        columns = ["path", "url", "lang", "kind", "title", "description"]
        columns += ["website", "date", "created"]
        rows = db.execute(f"SELECT {', '.join(columns)} FROM records ORDER BY path").fetchall()
        got = [dict(zip(columns, row, strict=True)) for row in rows]
        for row in got:
            row["website"] = row["website"] or ""  # NULL or "" for no website
        assert got == [{k: r[k] for k in columns} for r in reference]
        assert [r[0] for r in db.execute("SELECT path FROM records")] == [
            r["path"] for r in reference
        ]
        # the terms of each record, as list spells them
        for singular, plural in taxonomies.items():
            for record in reference:
                labels = [
                    row[0]
                    for row in db.execute(
                        "SELECT label FROM record_terms WHERE record_path = ? AND taxonomy = ?"
                        " ORDER BY rowid",
                        (record["path"], singular),
                    )
                ]
                assert labels == record[plural], (record["path"], singular)
            # counts and labels as `kzkb terms` gives them
            terms = json.loads(out(run("terms", singular, "--kb", str(any_kb), "-f", "json")))
            counts = dict(
                db.execute(
                    "SELECT slug, COUNT(DISTINCT record_path) FROM record_terms"
                    " WHERE taxonomy = ? GROUP BY slug",
                    (singular,),
                ).fetchall()
            )
            assert counts == {t["slug"]: t["count"] for t in terms if t["count"]}, singular
            labels_by_slug = dict(
                db.execute("SELECT slug, label FROM terms WHERE taxonomy = ?", (singular,))
            )
            for term in terms:
                assert labels_by_slug.get(term["slug"]) == term["label"], (singular, term)
        links = db.execute("SELECT COUNT(*) FROM links").fetchone()[0]
        assert links == sum(len(r["links"]) for r in as_json)
        bodies = dict(db.execute("SELECT path, body FROM records"))
        assert bodies == {r["path"]: r["body"] for r in as_json}
        fts = db.execute("SELECT COUNT(*) FROM records_fts").fetchone()[0]
        assert fts == len(reference)
    finally:
        db.close()


def test_sqlite_full_text_table_finds_cyrillic(run, messy, tmp_path):
    target = tmp_path / "kb.sqlite"
    out(run("export", "--kb", str(messy), "-o", str(target)))
    db = sqlite3.connect(target)
    try:
        hits = db.execute(
            "SELECT records.path FROM records_fts JOIN records ON records.rowid = records_fts.rowid"
            " WHERE records_fts MATCH ?",
            ('"ссылкой"',),
        ).fetchall()
    finally:
        db.close()
    assert hits == [("sources/almaty.md",)]


# --- fields and bodies ------------------------------------------------------------------


def test_fields_choose_and_order_the_fields(run, messy):
    args = ("export", "--kb", str(messy), "--fields", "title,path,tags")
    records = json.loads(out(run(*args, "-f", "json")))["records"]
    assert [list(r) for r in records] == [["title", "path", "tags"]] * len(MESSY_FILES)
    lines = out(run(*args, "-f", "jsonl")).splitlines()
    assert [list(json.loads(line)) for line in lines] == [["title", "path", "tags"]] * len(lines)
    text = out(run(*args, "-f", "csv"))
    assert text.split("\n", 1)[0] == "title,path,tags"
    assert [r["path"] for r in csv_rows(text)] == [r["path"] for r in records]


@pytest.mark.parametrize("kb", [KB, None], ids=["bundled", "messy"])
def test_toml_with_chosen_fields_parses_back(run, messy, kb):
    """Short records must still be [[records]] tables after the [kb] tables."""
    kb = kb or messy
    reference = listed(run, kb)
    text = out(run("export", "--kb", str(kb), "-f", "toml", "--fields", "title,path,tags"))
    records = tomllib.loads(text)["records"]
    assert [list(r) for r in records] == [["title", "path", "tags"]] * len(reference)
    assert records == [{k: r[k] for k in ("title", "path", "tags")} for r in reference]


def test_fields_tolerate_spaces(run, messy):
    records = exported(run, messy, "--fields", " path , url ")
    assert [list(r) for r in records] == [["path", "url"]] * len(MESSY_FILES)


def test_unknown_field_is_a_one_line_error(run, messy):
    result = run("export", "--kb", str(messy), "--fields", "path,titel")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "titel" in result.stderr and "title" in result.stderr
    assert "Traceback" not in result.output


def test_no_body_drops_the_body(run, messy, tmp_path):
    records = exported(run, messy, "--no-body")
    assert records and all("body" not in r for r in records)
    assert all({"fields", "links", "title"} <= set(r) for r in records)
    jsonl = out(run("export", "--kb", str(messy), "-f", "jsonl", "--no-body"))
    assert all("body" not in json.loads(line) for line in jsonl.splitlines())
    header = out(run("export", "--kb", str(messy), "-f", "csv", "--no-body")).split("\n", 1)[0]
    assert "body" not in header.split(",")
    toml = tomllib.loads(out(run("export", "--kb", str(messy), "-f", "toml", "--no-body")))
    assert all("body" not in r for r in toml["records"])
    target = tmp_path / "kb.sqlite"
    out(run("export", "--kb", str(messy), "--no-body", "-o", str(target)))
    db = sqlite3.connect(target)
    try:
        bodies = [row[0] for row in db.execute("SELECT body FROM records")]
    finally:
        db.close()
    assert bodies and all(not body for body in bodies)
    # --fields body with --no-body: there is no body to choose
    assert run("export", "--kb", str(messy), "--no-body", "--fields", "body").exit_code == 2


# --- choosing records ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        ("--category", "local-ngo"),
        ("--category", "Local NGO"),
        ("--lang", "kk"),
        ("--kind", "source", "--country", "Kazakhstan"),
        ("--tag", "refugees", "--category", "ingo"),
        ("--language", "Russian"),
    ],
)
def test_filters_narrow_like_list(run, filters):
    reference = listed(run, KB, *filters)
    assert reference
    records = exported(run, KB, *filters)
    assert project(records, list(reference[0])) == reference
    assert len(records) < len(listed(run, KB))


def test_filters_on_the_messy_kb(run, messy):
    for filters in (("--category", "local-ngo"), ("--lang", "kk"), ("--country", "Қазақстан")):
        reference = listed(run, messy, *filters)
        assert reference, filters
        assert [r["path"] for r in exported(run, messy, *filters)] == [r["path"] for r in reference]


@pytest.mark.parametrize(
    "args",
    [
        ("feminist",),
        ("Алматы",),
        ("rights category:local-ngo",),
        ("feminist -queer",),
        ("rights", "--category", "local-ngo"),
    ],
)
def test_query_narrows_like_search(run, args):
    hits = json.loads(out(run("search", *args, "--kb", str(KB), "-f", "json", "-n", "1000")))
    assert hits
    records = exported(run, KB, *args)
    assert [r["path"] for r in records] == sorted(h["path"] for h in hits)


def test_unknown_filter_term_is_an_error(run):
    result = run("export", "--kb", str(KB), "--category", "local-ng")
    assert result.exit_code == 2
    assert "local-ngo" in result.stderr and result.stdout == ""


# --- output files -------------------------------------------------------------------------


def test_existing_file_is_refused_without_force(run, messy, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("kb.json", "kb.csv", "kb.sqlite"):
        target = folder / name
        target.write_bytes(b"precious\n")
        result = run("export", "--kb", str(messy), "-o", str(target))
        assert result.exit_code == 2, name
        assert len(result.stderr.strip().splitlines()) == 1
        assert "--force" in result.stderr
        assert target.read_bytes() == b"precious\n"
    assert temp_leftovers(folder, {"kb.json", "kb.csv", "kb.sqlite"}) == []


def test_force_replaces_the_file(run, messy, tmp_path):
    target = tmp_path / "kb.json"
    target.write_text("x" * 100_000, encoding="utf-8")  # longer than the export
    out(run("export", "--kb", str(messy), "-o", str(target), "--force"))
    assert target.read_bytes().decode("utf-8") == out(run("export", "--kb", str(messy)))
    sqlite_target = tmp_path / "kb.sqlite"
    sqlite_target.write_bytes(b"not a database")
    out(run("export", "--kb", str(messy), "-o", str(sqlite_target), "--force"))
    db = sqlite3.connect(sqlite_target)
    try:
        assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == len(MESSY_FILES)
    finally:
        db.close()
    # metadata.json: Datasette's, written beside every SQLite file
    assert temp_leftovers(tmp_path, {"kb", "kb.json", "kb.sqlite", "metadata.json"}) == []


def read_back(fmt: str, path: Path) -> list[str]:
    """The record paths in a file of the given format."""
    if fmt == "json":
        return [r["path"] for r in json.loads(path.read_text("utf-8"))["records"]]
    if fmt == "jsonl":
        return [json.loads(line)["path"] for line in path.read_text("utf-8").splitlines()]
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [r["path"] for r in csv.DictReader(handle)]
    if fmt == "toml":
        return [r["path"] for r in tomllib.loads(path.read_text("utf-8"))["records"]]
    if fmt == "markdown":
        text = path.read_text("utf-8")
        assert text.startswith("# ") and "\n## " in text and "| Title |" in text
        return []
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT path FROM records ORDER BY path")]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("kb.json", "json"),
        ("kb.jsonl", "jsonl"),
        ("kb.csv", "csv"),
        ("kb.toml", "toml"),
        ("kb.md", "markdown"),
        ("kb.sqlite", "sqlite"),
        ("KB.CSV", "csv"),
    ],
)
def test_format_follows_the_extension(run, messy, tmp_path, name, fmt):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    result = run("export", "--kb", str(messy), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    paths = read_back(fmt, target)
    if fmt != "markdown":
        assert paths == [r["path"] for r in listed(run, messy)]
    assert temp_leftovers(folder, {name, "metadata.json"} if fmt == "sqlite" else {name}) == []


def test_format_option_overrides_the_extension(run, messy, tmp_path):
    target = tmp_path / "records.txt"
    out(run("export", "--kb", str(messy), "-f", "jsonl", "-o", str(target)))
    assert read_back("jsonl", target) == [r["path"] for r in listed(run, messy)]


def test_unknown_extension_without_format_is_an_error(run, messy, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("export", "--kb", str(messy), "-o", str(folder / "kb.xyz"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--format" in result.stderr
    assert list(folder.iterdir()) == []


def test_sqlite_needs_an_output_file(run, messy):
    result = run("export", "--kb", str(messy), "-f", "sqlite")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "-o" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_output_into_a_missing_folder_is_an_error(run, messy, tmp_path):
    result = run("export", "--kb", str(messy), "-o", str(tmp_path / "nope" / "kb.json"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "nope").exists()


def test_excel_csv_has_a_bom_and_reads_back(run, messy, tmp_path):
    target = tmp_path / "kb.csv"
    out(run("export", "--kb", str(messy), "--excel", "-o", str(target)))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not raw[3:].startswith(b"\xef\xbb\xbf")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert next(iter(rows[0])) == "path"  # the BOM is not part of the first column's name
    plain = csv_rows(out(run("export", "--kb", str(messy), "-f", "csv")))
    assert rows == plain
    assert {r["title"] for r in rows} >= {'Алматы, "Феминита"', "Guide\nwith newline"}


# --- the Markdown catalogue -----------------------------------------------------------------


def catalogue_sections(markdown: str) -> dict[str, set[tuple[str, str]]]:
    """{section heading: {(link text, href)}}, from the rendered catalogue."""
    import pyromark

    rendered = pyromark.html(markdown, options=pyromark.Options.ENABLE_TABLES)
    sections: dict[str, set[tuple[str, str]]] = {}
    for chunk in rendered.split("<h2>")[1:]:
        heading, rest = chunk.split("</h2>", 1)
        links = re.findall(r'<a href="([^"]*)">(.*?)</a>', rest, re.S)
        sections[html.unescape(heading)] = {
            (html.unescape(text), unquote(html.unescape(href))) for href, text in links
        }
    return sections


def test_markdown_catalogue_has_a_section_per_category_with_linked_titles(run, any_kb):
    markdown = out(run("export", "--kb", str(any_kb), "-f", "markdown"))
    header = json.loads(out(run("export", "--kb", str(any_kb), "--fields", "path")))["kb"]
    assert markdown.startswith(f"# {header['title']}\n")
    labels = {
        t["slug"]: t["label"]
        for t in json.loads(out(run("terms", "category", "--kb", str(any_kb), "-f", "json")))
    }
    expected: dict[str, set[tuple[str, str]]] = {}
    for record in listed(run, any_kb):
        title = " ".join(record["title"].split())
        slugs = [term_slug(c) for c in record["category"]] or [None]
        for slug in slugs:
            section = labels[slug] if slug else "Uncategorised"
            expected.setdefault(section, set()).add((title, record["url"]))
    for label in expected:
        assert f"\n## {label.replace('|', chr(92) + '|')}\n" in markdown, label
    assert catalogue_sections(markdown) == expected
    # links are written [Title](<url>)
    plain = {
        (t, u) for links in expected.values() for t, u in links if not set(t) & set("[]|*_`\\<")
    }
    assert plain
    for title, url in plain:
        assert f"| [{title}](<{url}>) |" in markdown, title


# --- stdout and files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [
        ("json", ()),
        ("jsonl", ()),
        ("csv", ()),
        ("csv", ("--excel",)),
        ("toml", ()),
        ("markdown", ()),
        ("json", ("--no-body", "--fields", "title,path")),
    ],
)
def test_stdout_equals_the_file(run, messy, tmp_path, fmt, extra):
    stdout = run("export", "--kb", str(messy), "-f", fmt, *extra)
    assert stdout.exit_code == 0, stdout.output
    target = tmp_path / "export.out"
    result = run("export", "--kb", str(messy), "-f", fmt, *extra, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == stdout.stdout_bytes


def test_default_format_without_output_is_json(run, messy):
    assert out(run("export", "--kb", str(messy))) == out(
        run("export", "--kb", str(messy), "-f", "json")
    )


def test_installed_command_writes_utf8_to_a_pipe_in_the_c_locale(cli, messy, tmp_path):
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
    result = cli("export", "--kb", str(messy), "-f", "jsonl", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    titles = {json.loads(line)["title"] for line in result.stdout.splitlines()}
    assert 'Алматы, "Феминита"' in titles
    target = tmp_path / "kb.jsonl"
    written = cli("export", "--kb", str(messy), "-o", "kb.jsonl", env=env, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert target.read_text(encoding="utf-8") == result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb", "kb.jsonl"]


@pytest.mark.parametrize(
    ("options", "kwargs"),
    [
        (["-f", "json"], {"fmt": "json"}),
        (["-f", "jsonl"], {"fmt": "jsonl"}),
        (["-f", "csv"], {"fmt": "csv"}),
        (["-f", "csv", "--excel"], {"fmt": "csv", "excel": True}),
        (["-f", "toml"], {"fmt": "toml"}),
        (
            ["-f", "jsonl", "--fields", "title,path", "--no-body"],
            {"fmt": "jsonl", "fields": ["title", "path"], "body": False},
        ),
        (["-f", "json", "--category", "local-ngo"], {"fmt": "json", "category": "local-ngo"}),
    ],
)
def test_parallel_export_writes_what_the_serial_one_does(
    run, any_kb, tmp_path, monkeypatch, options, kwargs
):
    """A large export is encoded by worker processes, slice by slice; the
    bytes must be those of the one-process export, in the same order."""
    from kzkb.export import engine
    from kzkb.export.engine import ExportTuning, export
    from kzkb.kb import KnowledgeBase

    serial = out(run("export", "--kb", str(any_kb), *options))
    tuning = ExportTuning(parallel_from=1, slice=3)  # many slices, some partial
    base = KnowledgeBase.open(str(any_kb))
    kwargs = dict(kwargs)  # the parameter's dict is shared by both KBs
    category = kwargs.pop("category", None)
    records = base.stored(base.filters({"category": [category]} if category else {}, [], []))
    fmt = kwargs.pop("fmt")
    calls = []
    parallel = engine.write_parallel
    monkeypatch.setattr(
        engine, "write_parallel", lambda *a, **k: calls.append(1) or parallel(*a, **k)
    )
    target = tmp_path / "parallel.out"
    export(records, base.config, fmt, target=target, tuning=tuning, **kwargs)
    base.index.close()
    assert calls, "the parallel path was not taken"
    assert target.read_bytes().decode("utf-8") == serial


# The CSV row encoder is kzkb's own (the csv module's writer was most of a
# large export's time): it must write what csv.writer writes, and read back.
_cells = st.lists(
    st.text(alphabet=st.sampled_from(list("ab ,\"\n\r;é\u0430\u04d9\t\\'\x00")), max_size=12),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(_cells, st.sampled_from(["\n", "\r\n"]))
def test_csv_rows_read_back_and_match_the_csv_module(cells, end):
    from kzkb.export.csv import csv_line

    line = csv_line(cells, end)
    assert line.endswith(end)
    assert list(csv.reader(io.StringIO(line, newline=""), strict=True)) == [cells]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerow(cells)
    if end == "\r\n" or not any("\r" in c for c in cells):
        assert line == buffer.getvalue()
    else:
        # with \n line ends the csv module leaves a lone \r bare, which
        # spreadsheet programs read as a line break; kzkb quotes it
        assert all(csv_line([c], end).startswith('"') for c in cells if "\r" in c)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_toml_strings_are_written_as_tomli_w_writes_them(text):
    """Long strings skip tomli-w's per-character escaping (export.toml_string):
    the bytes must be tomli-w's, and parse back to the text."""
    import tomli_w

    from kzkb.export.toml import toml_string

    assert f"x = {toml_string(text)}\n" == tomli_w.dumps({"x": text})
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_a_refresh_committed_during_the_export_leaves_no_file(messy, tmp_path, parallel, fmt):
    """Another kzkb may refresh the index between the choice of records and
    their reading; the export then says so and writes nothing, rather than a
    file silently short of those records."""
    import sqlite3

    from kzkb.export.engine import ExportTuning, export
    from kzkb.kb import KnowledgeBase
    from kzkb.model import KzkbError

    tuning = ExportTuning(parallel_from=1, slice=2) if parallel else ExportTuning()
    base = KnowledgeBase.open(str(messy), index_path=str(tmp_path / "i.db"))
    records = base.stored()
    other = sqlite3.connect(base.index.path)  # the other process's commit
    other.execute("DELETE FROM record_data WHERE id = ?", (records.ids[1],))
    other.commit()
    other.close()
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(KzkbError, match="the index changed while exporting"):
        export(records, base.config, fmt, target=target, tuning=tuning)
    base.index.close()
    assert not target.exists()
    assert not list(tmp_path.glob(".out.*"))  # nor a temporary file left behind


# --- record text in the Markdown catalogue is text -------------------------------------------

HOSTILE_URL = "/x>)[pwn](javascript:alert(1)) <img src=x onerror=alert(2)> |"
HOSTILE_CONFIG = """\
title = "KB <script>alert(1)</script> [x](javascript:alert(3)) | t"

[[terms.category]]
slug = "evil"
label = "Evil <b>cat</b> | [c](javascript:alert(4)) ~~s~~"
"""
HOSTILE_TITLE = "A [evil](https://evil.example/) <b>bold</b> | pipe *em* `code` \\"
HOSTILE_DESCRIPTION = (
    "D <img src=x onerror=alert(5)> | ![i](https://evil.example/i.png) <https://x.example/>"
)


def markdown_parts(markdown: str) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(link text, href) of every link, the text of every heading and cell,
    and the type of every raw-HTML token, as markdown-it (CommonMark with
    GFM tables) reads the catalogue."""
    from markdown_it import MarkdownIt

    links, texts, html_tokens = [], [], []
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    for token in tokens:
        if token.type.startswith("html"):
            html_tokens.append(token.type)
        if token.type != "inline":
            continue
        text, href = [], None
        for child in token.children or []:
            if child.type.startswith("html"):
                html_tokens.append(child.type)
            elif child.type == "link_open":
                href, text = str(child.attrs["href"]), []
            elif child.type == "link_close":
                links.append(("".join(text), href))
            elif child.type in ("text", "code_inline"):
                text.append(child.content)
        texts.append(token.content)
    return links, texts, html_tokens


def test_markdown_catalogue_keeps_record_text_as_text(run, make_kb):
    from markdown_it import MarkdownIt

    kb = make_kb(
        {
            "sources/a.md": (
                f"---\ntitle: {json.dumps(HOSTILE_TITLE)}\n"
                f"description: {json.dumps(HOSTILE_DESCRIPTION)}\n"
                f"url: {json.dumps(HOSTILE_URL)}\ncategory: [evil]\n---\nx\n"
            )
        },
        HOSTILE_CONFIG,
    )
    markdown = out(run("export", "--kb", str(kb), "-f", "markdown"))
    url = listed(run, kb)[0]["url"]
    assert url.startswith(HOSTILE_URL)
    links, _, html_tokens = markdown_parts(markdown)
    assert not html_tokens, markdown
    # exactly one link: the title, to the record's own address
    assert [(text, unquote(href)) for text, href in links] == [(HOSTILE_TITLE, url)], markdown
    # every piece of text reads back as written
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    for text in (HOSTILE_TITLE, HOSTILE_DESCRIPTION, "KB <script>alert(1)</script>", "<b>cat</b>"):
        assert html.escape(text, quote=False) in rendered.replace("&quot;", '"'), text
    assert "<img" not in rendered and "<script" not in rendered and "<b>" not in rendered


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_markdown_catalogue_links_only_to_web_and_relative_addresses(url):
    from kzkb.export.markdown import write_markdown
    from kzkb.settings.config import Config

    rows = [
        {"title": "bad", "url": url},
        {"title": "web", "url": "https://example.org/a b"},
        {"title": "here", "url": "/sources/a/"},
    ]
    written = io.StringIO()
    config = Config(Path("/kb"), Path("/kb"))
    write_markdown(iter(rows), written, {"title": "T", "terms": {}}, config)
    links, texts, html_tokens = markdown_parts(written.getvalue())
    assert links == [("web", "https://example.org/a%20b"), ("here", "/sources/a/")]
    assert not html_tokens
    assert "bad" in texts  # the record is listed, without a link


# --- --excel: no cell a spreadsheet would run -------------------------------------------------

FORMULA_FILES = {
    "sources/formulas.md": (
        "---\n"
        'title: "=HYPERLINK(\\"http://evil.example/\\",\\"click\\")"\n'
        "description: \"+cmd|' /C calc'!A0\"\n"
        'tags: ["@SUM(1+1)", "-2+3"]\n'
        'aliases: ["=1+1"]\n'
        "---\n"
        "=2+2 in the body\n"
    ),
    "sources/plain.md": '---\ntitle: "A - B = C"\ndescription: "a+b@c"\n---\nx\n',
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_plain_csv_keeps_formula_like_cells_as_written(run, make_kb):
    kb = make_kb(FORMULA_FILES)
    rows = csv_rows(out(run("export", "--kb", str(kb), "-f", "csv")))
    assert [(r["title"], r["description"], r["tags"]) for r in rows] == [
        ('=HYPERLINK("http://evil.example/","click")', "+cmd|' /C calc'!A0", "@SUM(1+1); -2+3"),
        ("A - B = C", "a+b@c", ""),
    ]


def test_excel_csv_turns_every_formula_into_text(run, make_kb, tmp_path):
    from kzkb.export.engine import ExportTuning, export
    from kzkb.kb import KnowledgeBase

    kb = make_kb(FORMULA_FILES)
    plain = csv_rows(out(run("export", "--kb", str(kb), "-f", "csv")))
    target = tmp_path / "kb.csv"
    out(run("export", "--kb", str(kb), "--excel", "-o", str(target)))
    with target.open(encoding="utf-8-sig", newline="") as handle:
        excel = list(csv.DictReader(handle))
    assert [list(r) for r in excel] == [list(r) for r in plain]
    expected = [
        {k: "'" + v if v.startswith(FORMULA_START) else v for k, v in row.items()} for row in plain
    ]
    assert excel == expected
    assert excel[0]["title"] == '\'=HYPERLINK("http://evil.example/","click")'
    assert excel[1]["title"] == "A - B = C"  # only a cell's first character counts
    # the worker processes of a large export write the same bytes
    base = KnowledgeBase.open(str(kb))
    parallel = tmp_path / "parallel.csv"
    tuning = ExportTuning(parallel_from=1, slice=1)
    export(base.stored(base.filters({}, [], [])), base.config, "csv", target=parallel,
           tuning=tuning, excel=True)  # fmt: skip
    base.index.close()
    assert parallel.read_bytes() == target.read_bytes()


@pytest.mark.parametrize("start", [*FORMULA_START, "\r\n"])
def test_excel_csv_neutralises_each_formula_start(start):
    from kzkb.export.csv import write_csv

    def written(excel: bool) -> list[list[str]]:
        buffer = io.StringIO(newline="")
        rows = [{"a": f"{start}1+1", "b": ["x", f"{start}2"], "c": f"ok{start}"}]
        write_csv(iter(rows), buffer, {}, excel)
        return list(csv.reader(io.StringIO(buffer.getvalue().lstrip("\ufeff"), newline="")))

    assert written(False)[1] == [f"{start}1+1", f"x; {start}2", f"ok{start}"]
    assert written(True)[1] == [f"'{start}1+1", f"x; {start}2", f"ok{start}"]


# --- numbers JSON and TOML cannot hold as they are ---------------------------------------

ODD_NUMBERS = {
    "sources/odd.md": (
        "---\n"
        "title: Odd numbers\n"
        "nan: .nan\n"
        "inf: .inf\n"
        "ninf: -.inf\n"
        "big: 123456789012345678901234567890\n"
        "small: -123456789012345678901234567890\n"
        "edge: 9223372036854775807\n"
        "nested: {deep: [.NaN, 1.5, -.Inf]}\n"
        "---\n"
        "Body.\n"
    )
}
# JSON has no NaN or Infinity: they are written as the strings JavaScript's
# Number() reads back to the same value, the names Python's json module and
# JSON5 give them
ODD_FIELDS = {
    "title": "Odd numbers",
    "nan": "NaN",
    "inf": "Infinity",
    "ninf": "-Infinity",
    "big": 123456789012345678901234567890,
    "small": -123456789012345678901234567890,
    "edge": 9223372036854775807,
    "nested": {"deep": ["NaN", 1.5, "-Infinity"]},
}


def strict_json(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity, as JSON does."""

    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_exports_of_non_finite_numbers_are_json(run, make_kb, tmp_path):
    from kzkb.export.engine import ExportTuning, export
    from kzkb.kb import KnowledgeBase

    kb = make_kb(ODD_NUMBERS)
    whole = strict_json(out(run("export", "--kb", str(kb), "-f", "json")))
    assert whole["records"][0]["fields"] == ODD_FIELDS
    lines = out(run("export", "--kb", str(kb), "-f", "jsonl")).splitlines()
    assert [strict_json(line)["fields"] for line in lines] == [ODD_FIELDS]
    shown = run("show", "odd", "--kb", str(kb), "-f", "json")
    assert strict_json(shown.stdout)["fields"] == ODD_FIELDS
    # the worker processes of a large export write the same
    base = KnowledgeBase.open(str(kb))
    parallel = tmp_path / "parallel.json"
    export(base.stored(base.filters({}, [], [])), base.config, "json", target=parallel,
           tuning=ExportTuning(parallel_from=1, slice=1))  # fmt: skip
    base.index.close()
    assert strict_json(parallel.read_text(encoding="utf-8"))["records"][0]["fields"] == ODD_FIELDS


def test_sqlite_export_stores_valid_json_of_non_finite_numbers(run, make_kb, tmp_path):
    kb = make_kb(ODD_NUMBERS)
    target = tmp_path / "odd.sqlite"
    assert run("export", "--kb", str(kb), "-o", str(target)).exit_code == 0
    con = sqlite3.connect(target)
    try:
        (text, valid) = con.execute("SELECT fields, json_valid(fields) FROM records").fetchone()
    finally:
        con.close()
    assert valid == 1 and strict_json(text) == ODD_FIELDS


def test_toml_export_of_big_integers_and_non_finite_numbers_is_toml(run, make_kb):
    import math

    kb = make_kb(ODD_NUMBERS)
    data = tomllib.loads(out(run("export", "--kb", str(kb), "-f", "toml")))
    fields = data["records"][0]["fields"]

    def integers(value):
        if isinstance(value, dict):
            return [i for v in value.values() for i in integers(v)]
        if isinstance(value, list):
            return [i for v in value for i in integers(v)]
        return [value] if isinstance(value, int) and not isinstance(value, bool) else []

    # TOML's integers are 64-bit: a larger one is kept exactly, as text
    assert all(-(2**63) <= i < 2**63 for i in integers(data))
    assert fields["big"] == "123456789012345678901234567890"
    assert fields["small"] == "-123456789012345678901234567890"
    assert fields["edge"] == 9223372036854775807
    # TOML has nan and inf: they stay numbers
    assert math.isnan(fields["nan"]) and fields["ninf"] == -math.inf
    assert math.isnan(fields["nested"]["deep"][0]) and fields["nested"]["deep"][2] == -math.inf
