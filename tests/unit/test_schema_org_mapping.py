"""The schema.org mapping of a record (export/jsonld.py), property by
property: which type, and which property holds what, for each kind of
record; schema.org gives areaServed, knowsAbout and knowsLanguage to
organisations, spatialCoverage, keywords and inLanguage to creative works."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kzkb.export.jsonld import Mapper, language_tag, schema_type, script_json
from kzkb.model import Record
from kzkb.settings.config import Config


def record(kind: str = "source", **terms: list[str]) -> Record:
    from kzkb.urls import term_slug

    return Record(
        path="sources/x.md",
        url="/sources/x/",
        lang="en",
        kind=kind,
        title="X",
        description="About X",
        fields={"url": "https://x.example/", "date": dt.date(2024, 2, 29), "wikidata": "Q42"},
        terms={k: [term_slug(v) for v in vs] for k, vs in terms.items()},
        term_labels=terms,
    )


@pytest.mark.parametrize(
    ("kind", "terms", "expected"),
    [
        ("source", {"category": ["local-ngo"]}, "NGO"),
        ("source", {"category": ["Local NGOs"]}, "NGO"),
        ("source", {"category": ["ingo"]}, "Organization"),
        ("source", {"category": ["International NGO"]}, "Organization"),
        ("source", {"category": ["government"]}, "GovernmentOrganization"),
        ("source", {"category": ["state-affiliated-media"]}, "NewsMediaOrganization"),
        ("source", {"category": ["Independent media"]}, "NewsMediaOrganization"),
        ("source", {"category": ["government"], "data_type": ["Statistics", "Quantitative"]},
         "Dataset"),
        ("source", {"category": ["government"], "data_type": ["Statistics", "Reports"]},
         "GovernmentOrganization"),
        ("source", {"category": ["statistics"]}, "Dataset"),
        ("source", {}, "Organization"),
        ("document", {"data_type": ["Reports"]}, "Report"),
        ("document", {"data_type": ["News"]}, "Article"),
        ("document", {"data_type": ["News", "Reports"]}, "Report"),
        ("guide", {"category": ["local-ngo"]}, "WebPage"),
        ("section", {}, "WebPage"),
    ],
)  # fmt: skip
def test_the_type_follows_kind_and_category(kind, terms, expected):
    assert schema_type(record(kind, **terms)) == expected


def config(base_url: str = "https://kb.example.org/") -> Config:
    cfg = Config(root=Path("/kb"), content_dir=Path("/kb"), title="KB")
    cfg.base_url = base_url
    return cfg


def test_an_organisation_serves_countries_and_knows_its_topics():
    item = Mapper(config()).item(
        record(category=["local-ngo"], country=["Kazakhstan"], tag=["gender"], language=["Kazakh"])
    )
    assert item["@id"] == "https://kb.example.org/sources/x/#ngo"
    assert item["mainEntityOfPage"] == "https://kb.example.org/sources/x/"
    assert item["url"] == "https://x.example/"
    assert item["areaServed"] == [{"@type": "Country", "name": "Kazakhstan"}]
    assert item["knowsAbout"] == ["gender"] and item["knowsLanguage"] == ["Kazakh"]
    assert "inLanguage" not in item and "keywords" not in item
    assert item["sameAs"] == "https://www.wikidata.org/wiki/Q42"
    assert item["subjectOf"] == {"@id": "https://kb.example.org/#dataset"}
    assert item["dateModified"] == "2024-02-29"


def test_a_work_covers_countries_and_has_keywords():
    item = Mapper(config()).item(
        record("document", data_type=["Reports"], country=["Kazakhstan"], tag=["law"])
    )
    assert item["@type"] == "Report"
    assert item["spatialCoverage"] == [{"@type": "Country", "name": "Kazakhstan"}]
    assert item["keywords"] == ["law"] and item["inLanguage"] == "en"
    assert item["datePublished"] == "2024-02-29" and "areaServed" not in item


def test_a_guide_is_its_own_page_and_part_of_the_kb():
    item = Mapper(config()).item(record("guide"))
    assert item["@id"] == item["url"] == "https://kb.example.org/sources/x/"
    assert item["isPartOf"] == {"@id": "https://kb.example.org/#dataset"}


def test_without_a_base_url_addresses_are_the_site_paths():
    item = Mapper(config("")).item(record(category=["government"]))
    assert item["@id"] == "/sources/x/#governmentorganization"
    assert item["mainEntityOfPage"] == "/sources/x/"


@pytest.mark.parametrize("value", ["Q0", "q42", "Q42 ", "Q42x", "https://wikidata.org/Q42", 42])
def test_same_as_is_only_a_q_id(value):
    r = record()
    r.fields["wikidata"] = value
    item = Mapper(config()).item(r)
    assert item.get("sameAs") == ("https://www.wikidata.org/wiki/Q42" if value == "Q42 " else None)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://a.example/with space", "ftp://x.example/", "//x"]
)
def test_only_a_web_address_is_a_url(url):
    r = record()
    r.fields["url"] = url
    assert "url" not in Mapper(config()).item(r)


def test_language_tags():
    assert language_tag("kk") == "kk" and language_tag("uz_Cyrl") == "uz-Cyrl"
    assert language_tag("x y") == "" and language_tag("<b>") == ""


def test_script_json_cannot_end_a_script_and_reads_back():
    value = {"name": '</script><!-- & "\u2028'}
    text = script_json(value)
    assert not {"<", ">", "&", "\u2028"} & set(text)
    assert json.loads(text) == value
