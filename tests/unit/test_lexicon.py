"""The thesaurus and the gazetteer as search reads them: every label of a
concept, and every name of a place, leads to all the others."""

from __future__ import annotations

import tomllib
from pathlib import Path

import frontmatter
import pytest

from kzkb.search import resources
from kzkb.search.lexicon import Lexicon, find, merge
from kzkb.text.fold import words
from tests.conftest import KB

REQUIRED = ("en", "ru", "kk", "kk_latn", "uz", "uz_cyrl")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return resources.build(tomllib.loads((KB / "kzkb.toml").read_text("utf-8"))["concept"])


def reached(lexicon: Lexicon, text: str) -> set[str]:
    """The ids of the entries a query of exactly `text` is read as naming."""
    found = find(lexicon, words(text))
    whole = [f for f in found if (f.start, f.end) == (0, len(words(text)))]
    return {e.id for f in whole for e in f.entries}


CONCEPTS = resources.thesaurus_concepts()


def test_every_concept_has_labels_in_the_six_languages() -> None:
    ids = [c["id"] for c in CONCEPTS]
    assert len(ids) == len(set(ids)), "a concept id is used twice"
    for concept in CONCEPTS:
        for lang in REQUIRED:
            labels = concept.get(lang)
            assert labels and all(isinstance(x, str) and x.strip() for x in labels), (
                f"{concept['id']}: no {lang} label"
            )


@pytest.mark.parametrize("concept", CONCEPTS, ids=[c["id"] for c in CONCEPTS])
def test_every_label_leads_to_every_label_of_its_concept(lexicon: Lexicon, concept) -> None:
    """A query that is one label of a concept is read as that concept, whose
    entry carries all of its labels: so each label reaches every other."""
    entry = next(e for e in lexicon.entries if e.id == concept["id"] and e.kind == "concept")
    every = {label for lang, labels in concept.items() if lang not in ("id", "covers")
             for label in labels}  # fmt: skip
    assert {label for _, label in entry.labels} == every
    for label in sorted(every):
        assert concept["id"] in reached(lexicon, label), f"{label!r} does not reach {concept['id']}"


def test_inflected_forms_reach_their_concept(lexicon: Lexicon) -> None:
    for text, concept in [
        ("правами женщин", "womens-rights"),  # Russian instrumental
        ("әйелдердің құқықтары", "womens-rights"),  # Kazakh genitive plural, possessive
        ("ayollarning huquqlari", "womens-rights"),  # Uzbek genitive
        ("журналистерге", "journalism"),  # Kazakh dative plural
        ("violent homes", "domestic-violence"),
    ]:
        assert concept in reached(lexicon, text), text


def test_the_vocabulary_of_the_bundled_kb_is_covered() -> None:
    """Every category, tag and data type a record of kb/ uses is named by a
    concept's `covers`, so a query in any language reaches records by their terms."""
    covered = {value for c in CONCEPTS for value in c.get("covers", [])}
    used: set[str] = set()
    for path in KB.rglob("*.md"):
        meta = frontmatter.load(path).metadata
        for field, prefix in (
            ("category", "category"),
            ("tags", "tag"),
            ("data_type", "data_type"),
        ):
            values = meta.get(field) or []
            used |= {f"{prefix}:{v}" for v in ([values] if isinstance(values, str) else values)}
    # places are the gazetteer's: almaty, astana and nur-sultan are tags too
    places = {"tag:almaty", "tag:astana", "tag:nur-sultan"}
    assert used - covered - places == set()


# --- the gazetteer -------------------------------------------------------------------

ALMATY = ["Almaty", "Alma-Ata", "Алматы", "Алма-Ата", "Vernyj", "Vernyy", "Верный", "Almati"]
ASTANA = ["Astana", "Akmola", "Akmolinsk", "Tselinograd", "Nur-Sultan", "Астана", "Акмола",
          "Нур-Султан", "Нұр-Сұлтан", "Aqmola"]  # fmt: skip


@pytest.mark.parametrize(("names", "geonames"), [(ALMATY, "geonames:1526384"),
                                                 (ASTANA, "geonames:1526273")])  # fmt: skip
def test_every_name_of_almaty_and_astana_reaches_the_city(lexicon, names, geonames) -> None:
    entry = next(e for e in lexicon.entries if e.id == geonames)
    shipped = [label for _, label in entry.labels]
    for name in [*names, *shipped]:
        assert geonames in reached(lexicon, name), f"{name!r} does not reach {entry.name}"


def test_a_place_name_with_a_case_ending_reaches_the_place(lexicon: Lexicon) -> None:
    for text, place in [
        ("Алматыдағы", "geonames:1526384"),  # Kazakh locative-relative
        ("Almatydağy", "geonames:1526384"),  # the same, Kazakh Latin 2021
        ("Toshkentdagi", "geonames:1512569"),  # Uzbek
        ("Таджикистане", "iso3166:TJ"),  # Russian prepositional
    ]:
        assert place in reached(lexicon, text), text


def test_every_spelling_of_kazakhstan_names_the_country(lexicon: Lexicon) -> None:
    for spelling in ["Kazakhstan", "Казахстан", "Қазақстан", "Qazaqstan", "Qozogʻiston",
                     "Qozog'iston", "Казакстан"]:  # fmt: skip
        assert "iso3166:KZ" in reached(lexicon, spelling), spelling


# --- a KB's own concepts ---------------------------------------------------------------


def test_a_kb_adds_labels_to_a_shipped_concept_and_concepts_of_its_own() -> None:
    extra = [
        {"id": "torture", "ru": ["истязания"]},
        {"id": "bride-price", "en": ["bride price"], "kk": ["қалың мал"]},
    ]
    lex = resources.build(extra)
    assert "torture" in reached(lex, "истязания")
    torture = next(e for e in lex.entries if e.id == "torture")
    assert ("en", "torture") in torture.labels and ("ru", "истязания") in torture.labels
    assert "bride-price" in reached(lex, "қалың мал")


def test_merge_keeps_labels_in_order_without_repeats() -> None:
    merged = merge([{"id": "a", "en": ["x", "y"]}, {"id": "a", "en": ["y", "z"], "ru": ["р"]}])
    assert merged == [{"id": ["a"], "en": ["x", "y", "z"], "ru": ["р"]}]


def test_the_lexicon_kept_in_the_index_finds_what_the_built_one_finds(
    lexicon: Lexicon, tmp_path: Path
) -> None:
    from kzkb.store.index import Index

    index = Index.open(tmp_path / "i.sqlite")
    calls = []

    def build() -> Lexicon:
        calls.append(1)
        return lexicon

    stored = index.lexicon("sig", build, resources.read_stopwords)
    for text in ["права женщин", "Tselinograd akimat", "Алматыдағы әйелдер ұйымдары"]:
        assert find(stored, words(text)) == find(lexicon, words(text)), text
    assert "the" in stored.stopwords()
    index.lexicon("sig", build, resources.read_stopwords)
    assert calls == [1], "the same signature is not built again"
    index.lexicon("other", build, resources.read_stopwords)
    assert calls == [1, 1], "a new signature is"
    index.close()
