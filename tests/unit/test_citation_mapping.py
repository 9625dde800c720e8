"""The one mapping of a record to a reference (kzkb.export.citation) that
CSL-JSON, RIS, BibTeX and `kzkb cite` all write from: what a researcher's
reference manager will hold for each kind of record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kzkb.export.citation import (
    CitationKeys,
    Mapper,
    ascii_key,
    bcp47,
    citation_type,
    clean,
    clean_url,
    keyword_text,
)
from kzkb.kb import KnowledgeBase
from kzkb.model import Record
from kzkb.settings.config import Config
from tests.conftest import KB


@pytest.fixture(scope="module")
def bundled() -> KnowledgeBase:
    base = KnowledgeBase.open(KB)
    yield base
    base.close()


def cite(base: KnowledgeBase, ref: str):
    return Mapper(base.config, base.index).citation_of(base.find(ref))


def config(**settings: object) -> Config:
    cfg = Config(root=Path("."), content_dir=Path("."), languages=["en", "kk", "ru"])
    for name, value in settings.items():
        setattr(cfg, name, value)
    return cfg


def record(path: str, kind: str, title: str = "T", **fields: object) -> Record:
    url = "/" + path.removesuffix(".md").removesuffix("/_index") + "/"
    lang = "en"
    for code in ("kk", "ru"):
        if path.endswith(f".{code}.md"):
            lang, url = code, f"/{code}/" + path.removesuffix(f".{code}.md") + "/"
    categories = fields.pop("category", [])
    data_types = fields.pop("data_type", [])
    tags = fields.pop("tags", [])
    return Record(
        path=path,
        url=url,
        lang=lang,
        kind=kind,
        title=title,
        description=str(fields.pop("description", "")),
        fields=fields,
        terms={"category": list(categories), "data_type": list(data_types), "tag": list(tags)},
        term_labels={
            "category": list(categories),
            "data_type": list(data_types),
            "tag": list(tags),
        },
    )


# --- on the bundled KB: the records researchers will cite -------------------------------


def test_an_organisation_is_cited_as_its_website_by_itself(bundled):
    c = cite(bundled, "adil_soz")
    assert c.type == "webpage"
    assert c.authors == ("Adil Soz International Foundation for Protection of Freedom of Speech",)
    assert c.title == c.authors[0]
    assert c.url == "https://adilsoz.kz/"
    # a website has no date of issue; the record's date is when it was last seen
    assert c.issued is None and c.accessed == dt.date(2026, 12, 2)
    assert c.language == "en" and c.key == "adil_soz"
    assert c.keywords == ("freedom-of-expression", "media", "law", "human-rights")
    assert c.abstract.startswith("An Almaty-based foundation") and "\n" not in c.abstract


def test_a_statistics_office_is_a_dataset_an_agency_publishing_reports_too_is_not(bundled):
    stats = [
        r for r in bundled.list() if r.title == "Bureau of National Statistics: Gender Statistics"
    ]
    assert len(stats) == 1
    mapper = Mapper(bundled.config, bundled.index)
    assert mapper.citation_of(stats[0]).type == "dataset"
    # UNHCR publishes statistics and reports: its site is a web page
    assert cite(bundled, "unhcr_kazakhstan").type == "webpage"


def test_a_document_is_a_report_by_the_organisation_its_source_field_names(bundled):
    c = cite(bundled, "unhcr_kazakhstan_key_figures_2022")
    assert c.type == "report"
    assert c.authors == ("UNHCR Kazakhstan",)  # the title of sources/…/unhcr_kazakhstan.md
    assert c.issued == dt.date(2022, 8, 9) and c.accessed == dt.date(2023, 11, 21)
    assert c.url == "https://reporting.unhcr.org/kazakhstan"


def test_a_news_document_is_an_article(bundled):
    c = cite(bundled, "wlp_kazakhstan_training_2019")
    assert c.type == "article"
    assert c.authors == ("Women's Learning Partnership (WLP)",)


def test_a_guide_is_a_page_of_the_site_by_its_contributors(bundled):
    c = cite(bundled, "guides/kazakhstan.md")
    assert c.type == "webpage"
    assert c.authors == ("Aizada Arystanbek",)
    assert c.container == bundled.config.title
    assert c.issued == dt.date(2023, 12, 6) and c.accessed is None
    assert c.url == ""  # the bundled KB names no baseURL: no page URL is made up


def test_translations_of_a_guide_get_the_language_in_their_key(bundled):
    keys = {cite(bundled, f"guides/kazakhstan{suffix}.md").key for suffix in ("", ".kk", ".ru")}
    assert keys == {"kazakhstan", "kazakhstan-kk", "kazakhstan-ru"}
    assert cite(bundled, "guides/kazakhstan.kk.md").language == "kk"


def test_every_bundled_record_has_a_key_of_its_own(bundled):
    mapper = Mapper(bundled.config, bundled.index)
    keys = [mapper.citation_of(r).key for r in bundled.list()]
    assert len(keys) == len(set(keys)) == len(bundled.list())


# --- the rules, on records made here ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("source", {}, "webpage"),
        ("source", {"data_type": ["Statistics", "Quantitative"]}, "dataset"),
        ("source", {"data_type": ["Statistics", "Reports"]}, "webpage"),
        ("source", {"category": ["statistics"]}, "dataset"),
        ("source", {"category": ["Open-Data"]}, "dataset"),
        ("document", {}, "report"),
        ("document", {"data_type": ["News"]}, "article"),
        ("document", {"data_type": ["News", "Reports"]}, "report"),
        ("guide", {"data_type": ["Statistics"]}, "webpage"),
        ("section", {}, "webpage"),
    ],
)
def test_type_by_kind_and_category(kind, fields, expected):
    assert citation_type(record("x/a.md", kind, **fields)) == expected


def test_an_author_or_publisher_field_names_the_organisation():
    mapper = Mapper(config())
    c = mapper.citation_of(record("sources/a.md", "source", "Site", publisher="Org [bold]"))
    assert c.authors == ("Org [bold]",) and c.publisher == "Org [bold]"
    c = mapper.citation_of(record("sources/b.md", "source", "Site", author=["One", " ", "Two"]))
    assert c.authors == ("One", "Two")


def test_only_real_dates_are_dates():
    mapper = Mapper(config())
    c = mapper.citation_of(record("documents/a.md", "document", date="2023-13-45", created="x"))
    assert c.issued is None and c.accessed is None
    c = mapper.citation_of(
        record(
            "documents/b.md",
            "document",
            date=dt.datetime(2020, 5, 1, 12, 0),
            created=dt.date(2021, 1, 2),
        )
    )
    assert c.issued == dt.date(2020, 5, 1) and c.accessed == dt.date(2021, 1, 2)


def test_a_record_without_a_website_is_cited_at_its_page_under_the_base_url():
    mapper = Mapper(config(base_url="https://kb.example.org/portal/"))
    c = mapper.citation_of(record("guides/a b.md", "guide"))
    assert c.url == "https://kb.example.org/portal/guides/a%20b/"
    c = mapper.citation_of(record("sources/s.md", "source", url="https://org.example/{x} y"))
    assert c.url == "https://org.example/%7Bx%7D%20y"  # what a URL may not hold, encoded


def test_text_is_cleaned_of_what_no_citation_shows():
    assert clean("a\x1b[2J\tb\n\nc\u202e d\ufeff\x85e\u2028f") == "a [2J b c d e f"
    assert clean("  ") == "" and clean(None) == "" and clean(3) == ""
    assert clean("Қазақстан «x» 🏳️‍🌈") == "Қазақстан «x» 🏳️‍🌈"  # letters and joiners stay
    assert clean("\ud800x") == "\ufffdx"  # a lone surrogate cannot be written as UTF-8
    assert clean("a\ufdd0b\uffff") == "ab"  # noncharacters are no text
    assert clean_url('https://a.example/"<x>"') == "https://a.example/%22%3Cx%3E%22"


def test_a_tag_with_a_comma_stays_one_keyword_in_comma_separated_lists():
    assert keyword_text(["a", "one, two", "b"]) == "a, one; two, b"
    assert len(keyword_text(["a", "one, two", "b"]).split(", ")) == 3


def test_languages_are_bcp47_or_none():
    assert [bcp47(x) for x in ("en", "kk", "zh_CN", "pt-BR", "", "english!", "x")] == [
        "en", "kk", "zh-CN", "pt-BR", "", "", ""
    ]  # fmt: skip


def test_keys_are_ascii_slugs():
    assert ascii_key("әділ-сөз-12") == "adil-soz-12"
    assert ascii_key("Қазақстан_ҚҰҮҢҒӨҺІ") == "qazaqstan_quungohi"
    assert ascii_key("Crème brûlée") == "creme-brulee"
    assert ascii_key("a b,c{d}%e") == "a-b-c-d-e"
    assert ascii_key("🏳️‍🌈") == "record"


# --- keys: unique in the KB, stable as it grows ----------------------------------------


def keys_of(rows: list[tuple[str, str, str, str]]) -> dict[str, str]:
    keys = CitationKeys(rows, "en")
    return {path: keys.key(record(path, kind)) for path, _, _, kind in rows}


def row(path: str, kind: str) -> tuple[str, str, str, str]:
    r = record(path, kind)
    return (r.path, r.url, r.lang, r.kind)


def test_records_sharing_a_slug_get_distinct_keys_the_source_keeps_the_slug():
    rows = [
        row("documents/feminita.md", "document"),
        row("sources/feminita.md", "source"),
        row("sources/deep/feminita.md", "source"),
        row("guides/feminita.md", "guide"),
    ]
    keys = keys_of(rows)
    assert keys["sources/feminita.md"] == "feminita"
    assert keys["documents/feminita.md"] == "feminita-document"
    assert keys["guides/feminita.md"] == "feminita-guide"
    assert keys["sources/deep/feminita.md"].startswith("feminita-source")
    assert len(set(keys.values())) == 4


def test_a_disambiguated_key_never_takes_another_record_s_slug():
    rows = [row("sources/x.md", "source"), row("documents/x.md", "document"),
            row("sources/x-document.md", "source")]  # fmt: skip
    keys = keys_of(rows)
    assert keys["sources/x-document.md"] == "x-document"
    assert keys["documents/x.md"].startswith("x-document-") and len(set(keys.values())) == 3


def test_keys_do_not_change_when_records_are_added_or_in_another_order():
    rows = [row(f"sources/s{i}.md", "source") for i in range(20)]
    rows += [row("sources/dup.md", "source"), row("documents/dup.md", "document")]
    before = keys_of(rows)
    grown = [row("sources/new.md", "source"), *reversed(rows), row("guides/dup.md", "guide")]
    after = keys_of(grown)
    assert {path: after[path] for path in before} == before
    assert after["guides/dup.md"] == "dup-guide"


def test_without_an_index_keys_are_unique_among_the_records_given():
    mapper = Mapper(config())
    paths = ("a/x.md", "b/x.md", "c/x.md", "a/x.md")
    keys = [mapper.citation_of(record(p, "source")).key for p in paths]
    assert keys[0] == keys[3] == "x" and len(set(keys)) == 3
