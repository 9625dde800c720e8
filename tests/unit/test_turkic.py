"""kzkb.text.turkic: an inflected Kazakh, Kyrgyz or Uzbek word and its base form
meet on one stem, in every script and alphabet that fold knows, and the guards
keep short words, English and Russian out of harm."""

from __future__ import annotations

import string
import timeit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzkb.text.fold import fold, words
from kzkb.text.turkic import MIN_STEM, stem


def key(word: str) -> str:
    """The stem of a word as search cuts and folds it (words() leaves out a
    final 2017 apostrophe: Qazaqstannyn' -> Qazaqstannyn)."""
    (only,) = words(word)
    return stem(fold(only))


# (inflected, base): each pair must give the same stem
KAZAKH_CYRILLIC = [
    ("Алматыдағы", "Алматы"),  # relative -дағы
    ("ұйымдары", "ұйым"),  # plural + possessive
    ("ұйымдарының", "ұйым"),  # plural + possessive + genitive
    ("әйелдерге", "әйел"),  # plural + dative
    ("әйелдердің", "әйел"),  # plural + genitive
    ("құқығы", "құқық"),  # possessive, қ -> ғ
    ("құқықтарымыз", "құқық"),  # plural + 1st plural possessive
    ("қоғамдық", "қоғам"),  # derivational -дық
    ("мемлекеттік", "мемлекет"),  # -тік fused with the stem's т
    ("азаматтық", "азамат"),
    ("үкіметтің", "үкімет"),  # genitive -тің, fused т
    ("парламентте", "парламент"),  # locative -те after нт
    ("депутаттар", "депутат"),  # plural -тар, fused т
    ("сотта", "сот"),
    ("заңның", "заң"),  # genitive -ның after ң, fused н
    ("заңдар", "заң"),
    ("Қазақстанның", "Қазақстан"),
    ("Қазақстаннан", "Қазақстан"),  # ablative -нан after н
    ("Қазақстанда", "Қазақстан"),
    ("Қазақстандағы", "Қазақстан"),
    ("қаласында", "қала"),  # possessive -сы + locative -нда
    ("кітабы", "кітап"),  # п -> б
    ("кітапқа", "кітап"),
    ("мектебі", "мектеп"),
    ("мектепте", "мектеп"),
    ("балалардың", "бала"),
    ("Астананың", "Астана"),
    ("бостандығы", "бостандық"),
    ("теңдігі", "теңдік"),
    ("білімі", "білім"),
    ("жұмысы", "жұмыс"),  # -ы after с, not -сы
    ("қорғауы", "қорғау"),  # у counts as a consonant before -ы
    ("Ресейде", "Ресей"),
    ("Ресейдің", "Ресей"),
]

# the same words in the 2017 (apostrophes), 2018 (acute) and 2021 alphabets
KAZAKH_LATIN = [
    ("Almatydag'y", "Almaty"),
    ("Almatydaǵy", "Almaty"),
    ("Almatydağy", "Almaty"),
    ("ui'ymdary", "ui'ym"),
    ("uıymdary", "uıym"),
    ("ūiymdary", "ūiym"),
    ("quqyg'y", "quqyq"),
    ("quqyǵy", "quqyq"),
    ("qūqyğy", "qūqyq"),
    ("a'i'elderge", "a'i'el"),
    ("áıelderge", "áıel"),
    ("äielderge", "äiel"),
    ("Qazaqstannyn'", "Qazaqstan"),
    ("Qazaqstannyń", "Qazaqstan"),
    ("Qazaqstannyñ", "Qazaqstan"),
    ("qog'amdyq", "qog'am"),
    ("qoǵamdyq", "qoǵam"),
    ("qoğamdyq", "qoğam"),
]

UZBEK_LATIN = [
    ("ayollarning", "ayol"),
    ("ayollarga", "ayol"),
    ("tashkilotlari", "tashkilot"),
    ("tashkilotimizda", "tashkilot"),
    ("Toshkentdagi", "Toshkent"),
    ("jurnalistlar", "jurnalist"),
    ("jurnalistlarning", "jurnalist"),
    ("huquqlari", "huquq"),
    ("huquqlarini", "huquq"),
    ("huquqini", "huquq"),
    ("qizlarga", "qiz"),
    ("bolalarning", "bola"),
    ("oilasida", "oila"),
    ("erkaklar", "erkak"),
    ("jamiyatda", "jamiyat"),
    ("davlatning", "davlat"),
    ("qonunlar", "qonun"),
    ("qonunda", "qonun"),
    ("maktabda", "maktab"),
    ("maktabi", "maktab"),
    ("tengligi", "tenglik"),
    ("tenglikka", "teng"),
    # every apostrophe Uzbek is typed with: ʻ ' ‘ ’ ` ʼ
    ("zoʻravonlik", "zoʻravon"),
    ("zo'ravonlikka", "zo'ravon"),
    ("zo‘ravonlikdan", "zo‘ravon"),
    ("Oʻzbekistonning", "Oʻzbekiston"),
    ("O'zbekistonda", "O'zbekiston"),
    ("O‘zbekistonni", "O‘zbekiston"),
    ("O’zbekistondagi", "O’zbekiston"),
    ("O`zbekistonga", "O`zbekiston"),
    ("Oʼzbekistonning", "Oʼzbekiston"),
    ("gʻoyalar", "gʻoya"),
    ("g'oyalarni", "g'oya"),
    ("qishlogʻi", "qishloq"),  # q -> gʻ
    ("qishlog’i", "qishloq"),
    ("oʻqituvchilar", "oʻqituvchi"),
    ("o`qituvchilarga", "o`qituvchi"),
]

UZBEK_CYRILLIC = [
    ("аёлларнинг", "аёл"),
    ("ҳуқуқлари", "ҳуқуқ"),
    ("Тошкентдаги", "Тошкент"),
    ("Ўзбекистонда", "Ўзбекистон"),
    ("қизларга", "қиз"),
    ("ташкилотлари", "ташкилот"),
    ("ўқитувчилар", "ўқитувчи"),
]

KYRGYZ = [
    ("аялдар", "аял"),
    ("укуктары", "укук"),
    ("Бишкектеги", "Бишкек"),
    ("Кыргызстандын", "Кыргызстан"),
    ("мыйзамдар", "мыйзам"),
    ("уюмдары", "уюм"),
    ("шаарда", "шаар"),
    ("топтор", "топ"),  # rounded -тор
    ("Ошто", "Ош"),  # rounded -то
]

PAIRS = KAZAKH_CYRILLIC + KAZAKH_LATIN + UZBEK_LATIN + UZBEK_CYRILLIC + KYRGYZ


@pytest.mark.parametrize(("inflected", "base"), PAIRS)
def test_inflected_form_and_base_share_a_stem(inflected: str, base: str) -> None:
    assert key(inflected) == key(base)
    assert len(key(inflected)) < len(fold(inflected))


def test_scripts_and_alphabets_meet() -> None:
    """Cyrillic and the three Latin alphabets of one word give one stem."""
    assert {key(w) for w in ("Алматыдағы", "Almatydag'y", "Almatydaǵy", "Almatydağy")} == {
        key("Алматы")
    }
    assert {key(w) for w in ("аёлларнинг", "ayollarning")} == {key("ayol")}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ұйымдарының", "uim"),
        ("әйелдерге", "aiel"),
        ("құқығы", "kukik"),
        ("ayollarning", "ael"),
        ("tashkilotlari", "tashkilot"),
        ("Toshkentdagi", "toshkent"),
        ("депутаттар", "deputat"),
        ("Қазақстанның", "kazakstan"),
        ("қоғамдық", "kogam"),
    ],
)
def test_stems_read_as_the_root(word: str, expected: str) -> None:
    assert key(word) == expected


@pytest.mark.parametrize("word", ["", "a", "el", "ui", "in", "de", "da", "ga", "ul"])
def test_words_shorter_than_the_minimum_are_unchanged(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize(
    "word",
    ["ел", "үй", "заң", "сот", "тіл", "жер", "қыз", "бала", "әйел", "ұйым", "білім", "ғылым"],
)
def test_short_roots_are_not_cut(word: str) -> None:
    assert key(word) == fold(word)


def test_derivational_suffix_needs_a_long_stem() -> None:
    assert key("теңдік") == "tendik"  # not 'ten'
    assert key("зорлық") == "zorlik"


# common English and Russian words of the field, left as they are
UNTOUCHED = [
    "gender", "women", "rights", "media", "human", "violence", "report", "freedom", "law",
    "journalist", "feminist", "domestic", "data", "Kazakhstan", "Uzbekistan", "Kyrgyzstan",
    "genderlik",
    "права", "право", "закон", "женщины", "насилие", "организация", "гендерное", "суда",
]  # fmt: skip


@pytest.mark.parametrize("word", UNTOUCHED)
def test_english_and_russian_words_are_left_alone(word: str) -> None:
    expected = "gender" if word == "genderlik" else fold(word)
    assert key(word) == expected


ENGLISH_AND_RUSSIAN = [
    "dollar", "popular", "border", "murder", "monitor", "editor", "twitter", "reporter",
    "leader", "order", "under", "agenda", "Canada", "change", "equality", "women", "men",
    "законы", "свобода", "дети", "правда", "выборы", "журналисты", "Путин", "Berlin",
]  # fmt: skip
ALL_WORDS = [w for pair in PAIRS for w in pair] + UNTOUCHED + ENGLISH_AND_RUSSIAN


@pytest.mark.parametrize("word", ALL_WORDS)
def test_no_stem_shorter_than_the_minimum(word: str) -> None:
    folded = fold(word)
    assert len(stem(folded)) >= min(len(folded), MIN_STEM)


def test_foreign_looking_words_are_returned_whole() -> None:
    for word in ("leader", "founder", "photo", "Canada", "zhenshchinam"):
        assert stem(fold(word)) == fold(word)


def test_idempotent_on_every_test_word() -> None:
    for word in ALL_WORDS:
        once = key(word)
        assert stem(once) == once, word


@given(st.text(alphabet="abdeghiklmnoprstuz", max_size=14))
def test_idempotent_and_never_too_short(word: str) -> None:
    once = stem(word)
    assert stem(once) == once
    assert len(once) >= min(len(word), MIN_STEM)
    assert len(once) <= len(word)


def test_fast_enough() -> None:
    words = [fold(w) for w in ALL_WORDS] + list(string.ascii_lowercase)
    seconds = timeit.timeit(lambda: [stem(w) for w in words], number=20)
    per_word = seconds / (20 * len(words))
    assert per_word < 50e-6  # a few µs here; generous for a loaded CI machine
