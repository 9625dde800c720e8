"""src/kzkb/search/data/stopwords.toml: four languages of function words and
query filler, none of them a word a researcher searches for."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kzkb.text.fold import fold, words

STOPWORDS = Path(__file__).resolve().parents[2] / "src/kzkb/search/data/stopwords.toml"
LANGUAGES = ("en", "ru", "kk", "uz")

# words of the field that a query must keep, in the four languages and scripts
CONTENT = [
    # English
    "women", "men", "rights", "law", "data", "media", "children", "violence", "gender",
    "human", "freedom", "court", "police", "election", "pen", "may",
    # Russian
    "права", "женщин", "женщины", "закон", "дети", "насилие", "суд", "свобода",
    "гендер", "она",
    # Kazakh
    "әйел", "әйелдер", "құқық", "құқығы", "заң", "бала", "балалар", "зорлық", "сот",
    "емес", "äiel", "qūqyq", "is", "at", "as", "it", "от",
    # Uzbek
    "ayol", "ayollar", "huquq", "huquqlari", "qonun", "bola", "zoʻravonlik", "аёл",
    "ҳуқуқ", "emas",
]  # fmt: skip

# the question words and filler the file must have
REQUIRED = {
    "en": ["the", "of", "where", "who", "what", "how", "about", "on", "regarding"],
    "ru": ["где", "кто", "что", "как", "о", "об", "про", "и", "в"],
    "kk": ["қайда", "кім", "не", "қалай", "туралы", "және", "мен", "turaly", "jäne"],
    "uz": ["qayerda", "kim", "nima", "qanday", "haqida", "va", "bilan", "ҳақида"],
}


@pytest.fixture(scope="module")
def data() -> dict[str, list[str]]:
    return tomllib.loads(STOPWORDS.read_text(encoding="utf-8"))


def test_four_languages(data: dict[str, list[str]]) -> None:
    assert set(data) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert data[lang], lang
        assert all(isinstance(w, str) and w for w in data[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_has_the_function_words_and_filler(data: dict[str, list[str]], lang: str) -> None:
    missing = set(REQUIRED[lang]) - set(data[lang])
    assert not missing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_duplicates_within_a_language(data: dict[str, list[str]], lang: str) -> None:
    seen: set[str] = set()
    twice = {w for w in data[lang] if w in seen or seen.add(w)}
    assert not twice


def test_no_content_word_is_a_stop_word(data: dict[str, list[str]]) -> None:
    every = {w for lang in LANGUAGES for w in data[lang]}
    assert not every & {w.lower() for w in CONTENT}


def test_words_are_lower_case_and_as_search_cuts_them(data: dict[str, list[str]]) -> None:
    """Search looks up the lower-cased word that kzkb.text.fold.words cuts, so an
    entry with capitals, spaces or a final apostrophe would never match."""
    for lang in LANGUAGES:
        for w in data[lang]:
            assert w == w.lower(), w
            assert words(w) == [w], w


def test_kazakh_and_uzbek_have_both_scripts(data: dict[str, list[str]]) -> None:
    for lang in ("kk", "uz"):
        cyrillic = [w for w in data[lang] if any("\u0400" <= ch <= "\u04ff" for ch in w)]
        latin = [w for w in data[lang] if w not in cyrillic and fold(w).isascii()]
        assert len(latin) > 10 and len(cyrillic) > 10, lang
    assert "toʻgʻrisida" in data["uz"]  # the official ʻ
    assert "to'g'risida" in data["uz"]  # and the ASCII one
