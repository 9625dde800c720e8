"""Search finds what a researcher means: a judged query set over the bundled KB.

Every expectation below is justified by the text of the record it names (the
comment on each case says where the words are), so a failing case means search
missed a record a person reading the KB would call the answer — not that the
test guessed the ranking.

The table runs the CLI in-process against the bundled kb/ with its own index
file (`--index` in a tmp folder), as `kzkb search QUERY --format json`; the
snippet checks use the library (`KnowledgeBase.open(...).search`), whose
`Hit.snippet` keeps the \\x02...\\x03 highlight markers the JSON strips.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from kzkb import views
from kzkb.cli import app
from tests.conftest import KB

S = "sources/sources/"
FEMINITA = S + "feminita.md"
KAZFEM = S + "kazfem.md"
AK_ORDA = S + "ak_orda.md"
ALMATY = S + "akimat_of_the_city_of_almaty.md"
ASTANA = S + "akimat_of_the_city_of_astana.md"
BATYR_JAMAL = S + "batyr_jamal.md"
BUREAU = S + "bureau_of_national_statistics_gender.md"
OMBUDSMAN = S + "commissioner_for_human_rights.md"
EURASIA_LAB = S + "eurasia_lab.md"
RED_CRESCENT = S + "kazakhstan_red_crescent.md"
KAZINFORM = S + "kazinform.md"
KIBHR = S + "kibhr.md"
MEDIAZONA = S + "mediazona_central_asia.md"
NEMOLCHI = S + "nemolchi_kz.md"
SANA_SEZIM = S + "sana_sezim.md"
SPOTLIGHT = S + "spotlight_initiative.md"
UNFPA = S + "un_population_fund_kazakhstan.md"
UNHCR = S + "unhcr_kazakhstan.md"
VECHERNIY = S + "vecherniy_almaty.md"
VLAST = S + "vlast_kz.md"
WLP = S + "womens_learning_partnership.md"
GUIDE_KZ = "guides/kazakhstan.md"
GUIDE_KK = "guides/kazakhstan.kk.md"
GUIDE_LGBTQ = "guides/lgbtq.md"
GUIDE_MEDIA = "guides/media.md"
GUIDE_UZ = "guides/uzbekistan.md"
GUIDE_UZ_RU = "guides/uzbekistan.ru.md"
DOC_COVID = "documents/covid19_civic_activism_kazakhstan.md"
DOC_UNHCR = "documents/unhcr_kazakhstan_key_figures_2022.md"
DOC_WLP = "documents/wlp_kazakhstan_training_2019.md"


# --- running the search --------------------------------------------------------------


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., list[dict[str, Any]]]:
    """`kzkb search QUERY --kb kb --index <tmp> -f json`, in-process; [] when
    nothing is found (exit 1), a test failure on any other exit code."""
    index = tmp_path_factory.mktemp("quality-index") / "kb.sqlite"
    runner = CliRunner()

    def call(query: str, *extra: str) -> list[dict[str, Any]]:
        views.reset()
        result = runner.invoke(
            app,
            ["search", query, "--kb", str(KB), "--index", str(index), "-f", "json", *extra],
            env={"KZKB_KB": None, "KZKB_INDEX": None},
            catch_exceptions=False,
        )
        if result.exit_code == 1:
            return []
        assert result.exit_code == 0, f"search {query!r}: exit {result.exit_code}\n{result.output}"
        return json.loads(result.stdout)

    return call


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The library over the bundled KB, with its own index file."""
    from kzkb.kb import KnowledgeBase

    index = tmp_path_factory.mktemp("quality-library") / "kb.sqlite"
    return KnowledgeBase.open(KB, index_path=index, rebuild=False)


def paths(hits: list[dict[str, Any]]) -> list[str]:
    return [h["path"] for h in hits]


def slug(label: str) -> str:
    """A term's slug as Hugo's urlize makes it (enough for the labels used here)."""
    return re.sub(r"\s+", "-", label.strip().casefold())


# --- the judged queries ------------------------------------------------------------------

JUDGED = [
    # English words
    ("feminist", FEMINITA),  # description: "A grassroots queer feminist initiative"
    ("feminist", KAZFEM),  # description: "A grassroots feminist organisation"
    ("statelessness", DOC_UNHCR),  # description, tag, a "## Statelessness" section
    ("ombudsman", OMBUDSMAN),  # title "... (Ombudsman)", tag ombudsman
    ("trafficking", SANA_SEZIM),  # tag trafficking; "works against human trafficking"
    ("reproductive health", UNFPA),  # description and tag reproductive-health
    ("Kazinform", KAZINFORM),  # title "Kazinform International News Agency"
    ("LGBTQ", GUIDE_LGBTQ),  # the guide's title is "LGBTQ"
    # Russian in Cyrillic
    ("Красного Полумесяца", RED_CRESCENT),  # body: "Общество Красного Полумесяца Казахстана"
    ("Вечерний Алматы", VECHERNIY),  # body: «Вечерний Алматы», "Evening Almaty"
    ("Уполномоченный", OMBUDSMAN),  # body: "Уполномоченный по правам человека"
    # Kazakh in Cyrillic
    ("Қызыл Жарты Ай", RED_CRESCENT),  # body: "Қазақстан Қызыл Жарты Ай қоғамы"
    # every spelling of the country is one key: the guide titled "Kazakhstan"
    ("Қазақстан", GUIDE_KZ),
    ("Астана қаласының әкімдігі", ASTANA),  # body: "Астана қаласының әкімдігі"
    # one script for the other: Latin finds Cyrillic, Cyrillic finds Latin
    ("Феминита", FEMINITA),  # body "Feminita (Феминита)"; title "Feminita"
    ("Almaty", ALMATY),  # title "Akimat of the City of Almaty"
    ("Алматы", ALMATY),  # body "Акимат города Алматы" and the Latin title
    ("Медиазона", MEDIAZONA),  # description «Медиазона Центральная Азия»
    ("Mediazona", MEDIAZONA),  # title "Mediazona Central Asia"
    ("Ақорда", AK_ORDA),  # body "Ақорда (Akorda, Акорда)"; title "Ak Orda"
    ("Тансари", NEMOLCHI),  # "Dina Tansari": Latin only, in the NeMolchi.kz record
    ("Смагулова", DOC_COVID),  # "Kamila Smagulova": Latin only, one of the study's authors
    ("Берлин", EURASIA_LAB),  # "Berlin-based Institut für Europäische Politik"
    ("Батыр Жамал", BATYR_JAMAL),  # body "Batyr Jamal (Батыр Жамал)"; Latin title
    # Kazakh letters fold to their plain neighbours (ә/а, ұ/у, қ/к, і/и)
    ("Нур-Султан", ASTANA),  # body "Nur-Sultan (Нұр-Сұлтан)"; tag nur-sultan
    ("Кызыл Жарты Ай", RED_CRESCENT),  # Қызыл typed without қ
    # typos
    ("femnist", FEMINITA),  # feminist with a letter missing
    ("statelesness", DOC_UNHCR),  # statelessness with an s missing
    ("refugess", UNHCR),  # refugees misspelt; "UN Refugee Agency", tag refugees
    ("Feminta", FEMINITA),  # the title with a letter missing
    # the guide's name with a letter missing; its Russian version, "Узбекистан: ...", ranks first
    ("Uzbekstan", GUIDE_UZ_RU),
    ("Медизона", MEDIAZONA),  # Медиазона with a letter missing
    # joined and split words
    ("kazfem", KAZFEM),  # title "KazFem"
    ("kaz fem", KAZFEM),  # the same name split in two
    ("akorda", AK_ORDA),  # description "the Akorda presidential residence"
    ("ak orda", AK_ORDA),  # title "Ak Orda: Official Website of the President"
    ("batyrjamal", BATYR_JAMAL),  # title "Batyr Jamal", joined
    ("ne molchi", NEMOLCHI),  # title "NeMolchi.kz", split
    ("redcrescent", RED_CRESCENT),  # title "Red Crescent Society of Kazakhstan", joined
    # stems: another form of the word in the text
    ("feminism", FEMINITA),  # tag feminism; "queer feminist"
    ("feminism", KAZFEM),  # tag feminism; "grassroots feminist"
    ("feminists", KAZFEM),  # "feminist organisation", "feminist initiative"
    ("refugee", UNHCR),  # "UN Refugee Agency", "refugee protection", tag refugees
    ("prosecuted", MEDIAZONA),  # "political prosecutions", "following prosecutions"
    ("trafficked", SANA_SEZIM),  # "human trafficking", "trafficking in women"
    ("тюрьма", MEDIAZONA),  # description "о судах, полиции, тюрьмах"
    ("суды", MEDIAZONA),  # description "о судах"
    ("Уполномоченного", OMBUDSMAN),  # body "Уполномоченный по правам человека"
    # "quoted phrases"
    ('"rule of law"', KIBHR),  # title "... Human Rights and the Rule of Law (KIBHR)"
    ('"sexual violence"', NEMOLCHI),  # "about sexual violence she had survived"
    ('"Evening Almaty"', VECHERNIY),  # body: «Вечерний Алматы», "Evening Almaty"
    ('"Red Cross"', RED_CRESCENT),  # "the Red Cross and Red Crescent Movement"
]


# Kazakh words: the thesaurus finds records about them in every language, so
# the Kazakh guide, which holds the words themselves, is one answer among many;
# typed in Latin or without the Kazakh letters, the words give the same answer
KAZAKH_WORDS = [
    ("әйелдер", ["айелдер", "äielder", "aielder"]),  # "women"
    ("мемлекеттік", ["мемлекеттик", "memlekettik", "memlekettık"]),  # "state"
    ("деректер", ["derekter"]),  # "data"
]


@pytest.mark.parametrize(("word", "spellings"), KAZAKH_WORDS)
def test_kazakh_word_finds_the_kazakh_guide_in_any_spelling(search, word, spellings):
    found = paths(search(word, "--limit", "0"))
    assert GUIDE_KK in found, f"{word!r} did not find the Kazakh guide"
    for spelling in spellings:
        assert paths(search(spelling, "--limit", "0")) == found, spelling


@pytest.mark.parametrize(("query", "expected"), JUDGED, ids=[f"{q}->{p}" for q, p in JUDGED])
def test_judged_query_finds_the_record_in_the_top_3(search, query, expected):
    hits = search(query)
    assert expected in paths(hits)[:3], f"{query!r}: top 3 are {paths(hits)[:3]}"


EXCLUSIONS = [
    # Feminita's description says "queer feminist"; KazFem's text has no "queer"
    ("feminist -queer", KAZFEM, FEMINITA),
    ('feminist -"queer women"', KAZFEM, FEMINITA),  # Feminita: "queer women and trans people"
    # Astana's akimat names Astana everywhere; Almaty's record never does
    ("akimat -Astana", ALMATY, ASTANA),
    # UNHCR Kazakhstan covers Kyrgyzstan too; Sana Sezim works in Shymkent only
    ("refugees -Kyrgyzstan", SANA_SEZIM, UNHCR),
    # a Cyrillic exclusion removes a record that has the word only in Latin ("Dina Tansari")
    ("survivors -Тансари", SPOTLIGHT, NEMOLCHI),
]


@pytest.mark.parametrize(("query", "expected", "excluded"), EXCLUSIONS)
def test_excluded_word_removes_records_and_keeps_the_rest(search, query, expected, excluded):
    found = paths(search(query))
    assert excluded not in found, f"{query!r} still returns {excluded}"
    assert expected in found[:3], f"{query!r}: top 3 are {found[:3]}"


FILTERS = [
    # (query, expected in top 3, hit field every hit must carry, value)
    # title "Kazakhstan ... Human Rights ..."; other local NGOs have "Human Rights" alone
    ("Kazakhstan rights category:local-ngo", KIBHR, "category", "local-ngo"),
    ("courts category:independent-media", MEDIAZONA, "category", "independent-media"),  # tag
    ("violence tag:survivors", NEMOLCHI, "tags", "survivors"),  # "sexual and domestic violence"
    ("Қазақстан lang:kk", GUIDE_KK, "lang", "kk"),  # its title "Қазақстан: ..."; kk guides only
    ("refugees kind:document", DOC_UNHCR, "kind", "document"),  # "key figures on refugees"
    ("statistics language:English", BUREAU, "language", "english"),  # title "...Statistics"
    ("training country:Kyrgyzstan", WLP, "countries", "kyrgyzstan"),  # tag training; Kyrgyzstan
]


@pytest.mark.parametrize(("query", "expected", "field", "value"), FILTERS)
def test_inline_filter_narrows_the_hits(search, query, expected, field, value):
    hits = search(query)
    assert expected in paths(hits)[:3], f"{query!r}: top 3 are {paths(hits)[:3]}"
    for hit in hits:
        carried = hit[field]
        carried = [carried] if isinstance(carried, str) else carried
        assert value in {slug(v) for v in carried}, f"{query!r} returned {hit['path']}"


def test_phrase_words_must_be_adjacent_and_in_order(search):
    assert KIBHR in paths(search('"rule of law"'))
    # "law", "of" and "rule" all occur in the KIBHR record, never in this order
    assert KIBHR not in paths(search('"law of rule"'))


# --- ranking -----------------------------------------------------------------------------

TITLE_FIRST = [
    ("KazFem", KAZFEM),  # the exact title
    ("UNHCR Kazakhstan", UNHCR),  # exact; the key-figures document's title only starts so
    ("Kazakhstan", GUIDE_KZ),  # exact title, while nearly every record names Kazakhstan
    ("Media", GUIDE_MEDIA),  # exact title, ahead of "Mediazona" and every media tag
    ("LGBTQ", GUIDE_LGBTQ),  # exact title, ahead of Feminita's lgbtq tag
    ("Uzbekistan", GUIDE_UZ),  # exact title, ahead of every record covering Uzbekistan
    ("Sana Sezim", SANA_SEZIM),  # title match; UNHCR's records name it in their bodies
    ("Феминита", FEMINITA),  # the title in the other script, ahead of guides that cite it
]


@pytest.mark.parametrize(("query", "expected"), TITLE_FIRST)
def test_exact_and_title_matches_rank_first(search, query, expected):
    hits = search(query)
    assert hits, f"{query!r} found nothing"
    assert hits[0]["path"] == expected, f"{query!r}: ranked {paths(hits)[:3]}"


@pytest.mark.parametrize(
    "query",
    ["kazakhstan", "Алматы Almaty", "feminist feminism", "rights", "Қазақстан", "kaz fem", "women"],
)
def test_each_record_appears_once(search, query):
    found = paths(search(query, "--limit", "100"))
    assert found, query
    assert len(found) == len(set(found)), [p for p in found if found.count(p) > 1]


def test_json_hits_carry_rank_score_and_fields(search):
    hits = search("refugees")
    assert len(hits) >= 3
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    scores = [h["score"] for h in hits]
    assert all(isinstance(s, int | float) for s in scores)
    assert scores == sorted(scores, reverse=True)
    for hit in hits:
        for key in ("path", "title", "url", "snippet", "matched", "description", "tags"):
            assert key in hit, key
        assert hit["matched"], hit["path"]
        assert set(hit["matched"]) <= {"title", "terms", "description", "body"}


MATCHED = [
    ("ahead", DOC_WLP, {"title"}),  # "...women's leadership ahead of elections": title only
    ("urban", ALMATY, {"terms"}),  # only the tag "urban"
    ("bisexual", FEMINITA, {"description"}),  # "lesbian, bisexual and queer women"
    ("Тансари", NEMOLCHI, {"body"}),  # "Dina Tansari", in the body, in the other script
]


@pytest.mark.parametrize(("query", "path", "fields"), MATCHED)
def test_matched_names_the_fields_the_query_matched(search, query, path, fields):
    hit = next((h for h in search(query) if h["path"] == path), None)
    assert hit is not None, f"{query!r} did not find {path}"
    assert set(hit["matched"]) == fields


# --- snippets ------------------------------------------------------------------------------

SNIPPETS = [
    ("Медиазона", MEDIAZONA, r"\x02Медиазона\x03"),  # in the description, as typed
    ("Қызыл", RED_CRESCENT, r"\x02Қызыл\x03"),  # Kazakh, as typed
    ("kyzyl", RED_CRESCENT, r"\x02Қызыл\x03"),  # a Latin query marks the Cyrillic word
    ("Тансари", NEMOLCHI, r"\x02Tansari\x03"),  # a Cyrillic query marks the Latin word
    ("derekter", GUIDE_KK, r"\x02[Дд]еректер\w*\x03"),  # деректер, деректерді, деректердің
    ("Феминита", FEMINITA, r"\x02Феминита\x03"),  # body "Feminita (Феминита)"
]


@pytest.mark.parametrize(("query", "path", "marked"), SNIPPETS)
def test_snippet_marks_the_matched_word_in_any_script(base, query, path, marked):
    hits = base.search(query, limit=20)
    hit = next((h for h in hits if h.record.path == path), None)
    assert hit is not None, f"{query!r} did not find {path}"
    assert re.search(marked, hit.snippet), repr(hit.snippet)


def test_library_hits_are_records_once_each_with_scores(base):
    hits = base.search("feminist", limit=20)
    assert {h.record.path for h in hits[:2]} == {FEMINITA, KAZFEM}
    assert len({h.record.path for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(set(h.matched) <= {"title", "terms", "description", "body"} for h in hits)


def test_json_snippet_has_no_markers_but_the_word(search):
    hit = next(h for h in search("Медиазона") if h["path"] == MEDIAZONA)
    assert "Медиазона" in hit["snippet"]
    assert "\x02" not in hit["snippet"] and "\x03" not in hit["snippet"]


def test_bundled_kb_has_the_records_the_judgements_name():
    named = {p for _, p in JUDGED} | {p for _, p, _ in EXCLUSIONS} | {p for _, p in TITLE_FIRST}
    named |= {p for _, _, p in EXCLUSIONS} | {p for _, p, _, _ in FILTERS}
    named |= {p for _, p, _ in MATCHED} | {p for _, p, _ in SNIPPETS}
    missing = sorted(p for p in named if not (KB / p).is_file())
    assert not missing
