"""The library facade (kzkb.kb.KnowledgeBase) on a small KB, asserting on the
objects it returns; the CLI tests reach the same behaviour through JSON.

Expected values come from the files written here and Hugo's rules: a
`name.kk.md` file is the kk translation at /kk/…; `sources/` holds sources and
`guides/` guides; a term's slug is its urlized label.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kzkb.kb import KnowledgeBase
from kzkb.model import KzkbError, Record, Skipped, Term
from tests.helpers import record, write_kb

CONFIG = """\
languages = ["en", "kk"]

[taxonomies]
category = "category"
country = "countries"
tag = "tags"

[[terms.category]]
slug = "local-ngo"
label = "Local NGO"

# in the vocabulary, used by no record
[[terms.category]]
slug = "government"
label = "Government"
"""

FILES: dict[str, str | bytes] = {
    "sources/feminita.md": record(
        "Feminita",
        "A feminist initiative in Almaty. See [the guide](/guides/kazakhstan/).",
        category='["local-ngo"]',
        countries='["Kazakhstan"]',
        tags='["feminism", "lgbt"]',
        aliases='["/old/feminita/"]',
    ),
    "sources/vlast.md": record(
        "Vlast",
        "Independent media outlet covering politics.",
        category='["Local media"]',
        countries='["Kazakhstan"]',
        tags='["media"]',
    ),
    "guides/kazakhstan.md": record(
        "Kazakhstan guide", "How to research gender in Kazakhstan. [Feminita](/sources/feminita/)."
    ),
    "guides/kazakhstan.kk.md": record("Қазақстан нұсқаулығы", "Зерттеу туралы."),
    "broken.md": "---\ntitle: [unclosed\n---\n",
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    tmp = tmp_path_factory.mktemp("facade")
    root = write_kb(tmp / "kb", FILES, CONFIG)
    opened = KnowledgeBase.open(root, index_path=tmp / "i.sqlite")
    yield opened
    opened.index.close()


def paths(records: list[Record]) -> list[str]:
    return [r.path for r in records]


def test_open_indexes_every_record_and_reports_the_unreadable_one(base):
    stats = base.last_refresh
    assert (stats.added, stats.skipped) == (5, 1)
    assert paths(base.list()) == [
        "guides/kazakhstan.kk.md",
        "guides/kazakhstan.md",
        "sources/feminita.md",
        "sources/vlast.md",
    ]
    [skipped] = base.skipped()
    assert isinstance(skipped, Skipped)
    assert (skipped.path, skipped.line) == ("broken.md", 2)
    assert "YAML" in skipped.reason


def test_a_record_carries_its_url_language_kind_and_terms(base):
    feminita = base.find("sources/feminita.md")
    assert (feminita.url, feminita.lang, feminita.kind) == ("/sources/feminita/", "en", "source")
    assert feminita.terms["category"] == ["local-ngo"]
    assert feminita.terms["country"] == ["kazakhstan"]  # slug
    assert feminita.term_labels["country"] == ["Kazakhstan"]  # as written
    assert feminita.aliases == ["/old/feminita/"]
    kk = base.find("guides/kazakhstan.kk.md")
    assert (kk.url, kk.lang, kk.kind) == ("/kk/guides/kazakhstan/", "kk", "guide")


def test_find_by_path_url_alias_slug_and_title(base):
    for ref in ("sources/feminita.md", "./sources/feminita.md", "/sources/feminita/",
                "/sources/feminita", "/old/feminita/", "feminita", "Feminita"):  # fmt: skip
        assert base.find(ref).path == "sources/feminita.md", ref


def test_find_names_an_unindexed_file_and_a_missing_record(base):
    with pytest.raises(KzkbError, match=r"broken\.md is not indexed: line 2"):
        base.find("broken.md")
    with pytest.raises(KzkbError, match="no record matches 'nothing-like-it'"):
        base.find("nothing-like-it")
    with pytest.raises(KzkbError, match="empty reference"):
        base.find("  ")


def test_search_hits_are_records_with_a_marked_snippet_and_matched_fields(base):
    # the guide that links to Feminita follows, through the concept feminism
    hit = base.search("feminist")[0]
    assert hit.record.path == "sources/feminita.md"
    assert hit.matched == ("body",)
    assert "\x02feminist\x03" in hit.snippet
    assert hit.score > 0


def test_search_ranks_a_title_match_first_and_honours_exclusions(base):
    hits = base.search("kazakhstan")
    assert hits[0].record.path == "guides/kazakhstan.md"  # the only title with the word
    assert set(paths([h.record for h in hits])) >= {"guides/kazakhstan.md", "sources/vlast.md"}
    excluded = paths([h.record for h in base.search("kazakhstan -guide")])
    assert "guides/kazakhstan.md" not in excluded and "sources/vlast.md" in excluded


def test_search_with_an_inline_filter_and_filters_alone(base):
    assert paths([h.record for h in base.search("kazakhstan category:local-ngo")]) == [
        "sources/feminita.md"
    ]
    assert paths([h.record for h in base.search("tags:media")]) == ["sources/vlast.md"]
    with pytest.raises(KzkbError, match="no words to search for"):
        base.search("-kazakhstan")


def test_filters_accept_a_label_and_narrow_the_list(base):
    by_label = base.filters({"category": ["Local NGO"]})
    assert by_label.terms == {"category": ["local-ngo"]}
    assert paths(base.list(by_label)) == ["sources/feminita.md"]
    assert paths(base.list(base.filters({"countries": ["Kazakhstan"]}))) == [
        "sources/feminita.md",
        "sources/vlast.md",
    ]
    assert paths(base.list(base.filters(langs=["kk"]))) == ["guides/kazakhstan.kk.md"]
    assert paths(base.list(base.filters(kinds=["guide"], langs=["en"]))) == ["guides/kazakhstan.md"]


def test_an_unknown_term_or_sort_is_an_error_naming_the_nearest(base):
    with pytest.raises(KzkbError, match="unknown category 'local-ngoo'") as caught:
        base.filters({"category": ["local-ngoo"]})
    assert "local-ngo" in str(caught.value)
    with pytest.raises(KzkbError, match="unknown lang 'ru'"):
        base.filters(langs=["ru"])
    with pytest.raises(KzkbError, match="unknown sort 'size'"):
        base.list(sort="size")


def test_terms_count_records_and_keep_vocabulary_terms_no_record_uses(base):
    assert base.terms("category") == [
        Term("category", "local-media", "Local media", 1),
        Term("category", "local-ngo", "Local NGO", 1),
        Term("category", "government", "Government", 0),
    ]
    assert [(t.slug, t.count) for t in base.terms("countries")] == [("kazakhstan", 2)]
    with pytest.raises(KzkbError, match="unknown taxonomy 'tagz'"):
        base.terms("tagz")


def test_stats_count_per_term_kind_and_language(base):
    stats = base.stats()
    assert stats["records"] == 4
    assert stats["taxonomies"]["category"] == {"Local NGO": 1, "Local media": 1}
    assert stats["taxonomies"]["tags"] == {"feminism": 1, "lgbt": 1, "media": 1}
    assert stats["kind"] == {"guide": 2, "source": 2}
    assert stats["lang"] == {"en": 3, "kk": 1}
    assert base.summary() == {"kind": stats["kind"], "lang": stats["lang"]}


def test_backlinks_and_translations(base):
    feminita = base.find("sources/feminita.md")
    guide = base.find("guides/kazakhstan.md")
    assert paths(base.backlinks(feminita)) == ["guides/kazakhstan.md"]
    assert paths(base.backlinks(guide)) == ["sources/feminita.md"]
    assert paths(base.translations(guide)) == ["guides/kazakhstan.kk.md"]
    assert paths(base.translations(base.find("guides/kazakhstan.kk.md"))) == [
        "guides/kazakhstan.md"
    ]
    assert base.translations(feminita) == []


def test_records_for_export_follow_the_query_and_filters_in_path_order(base):
    assert paths(list(base.records("media"))) == ["sources/vlast.md"]
    everything = paths(list(base.records("", base.filters(kinds=["source"]))))
    assert everything == ["sources/feminita.md", "sources/vlast.md"]


def test_an_edit_is_seen_by_the_next_open(tmp_path: Path):
    root = write_kb(tmp_path / "kb", {"a.md": record("Zorbex Foundation", "Archives.")})
    db = tmp_path / "i.sqlite"
    KnowledgeBase.open(root, index_path=db).index.close()
    write_kb(root, {"a.md": record("Quillon Foundation", "Archives."), "b.md": record("B")})
    again = KnowledgeBase.open(root, index_path=db)
    assert (again.last_refresh.added, again.last_refresh.changed) == (1, 1)
    assert again.search("Zorbex") == []
    assert paths([h.record for h in again.search("Quillon")]) == ["a.md"]
