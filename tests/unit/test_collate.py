"""Titles sort by each language's alphabet, not by code point (issue 17)."""

from __future__ import annotations

from kzkb.text.collate import sort_key

KAZAKH = "А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я"
RUSSIAN = "А Б В Г Д Е Ё Ж З И Й К Л М Н О П Р С Т У Ф Х Ц Ч Ш Щ Ъ Ы Ь Э Ю Я"
UZBEK = "A B D E F G H I J K L M N O P Q R S T U V X Y Z Oʻ Gʻ Sh Ch"


def _sorted(words: list[str], lang: str) -> list[str]:
    return sorted(words, key=lambda w: sort_key(w, lang))


def test_the_kazakh_alphabet_in_its_own_order() -> None:
    letters = KAZAKH.split()
    assert _sorted(list(reversed(letters)), "kk") == letters
    assert _sorted([w + "а" for w in reversed(letters)], "kk") == [w + "а" for w in letters]


def test_kazakh_letters_come_where_the_alphabet_puts_them() -> None:
    # by code point Қазақстан came after Лицей and Әйел after Ядро
    assert _sorted(["Лицей", "Қазақстан", "Кітап"], "kk") == ["Кітап", "Қазақстан", "Лицей"]
    assert _sorted(["Ядро", "Әйел", "Азат"], "kk") == ["Азат", "Әйел", "Ядро"]


def test_the_russian_alphabet_and_yo_after_ye() -> None:
    letters = RUSSIAN.split()
    assert _sorted(list(reversed(letters)), "ru") == letters
    assert _sorted(["Ёлка", "Жук", "Ель"], "ru") == ["Ель", "Ёлка", "Жук"]


def test_uzbek_digraphs_are_letters_after_z() -> None:
    letters = UZBEK.split()
    assert _sorted(list(reversed(letters)), "uz") == letters
    # the ʻ typed as an apostrophe or a quote is the same letter
    assert _sorted(["Oʻzbekiston", "Ozod", "Zarafshon"], "uz") == [
        "Ozod",
        "Zarafshon",
        "Oʻzbekiston",
    ]
    assert sort_key("O'zbekiston", "uz")[0] == sort_key("Oʻzbekiston", "uz")[0]
    assert _sorted(["Shahar", "Sirdaryo", "Toshkent"], "uz") == ["Sirdaryo", "Toshkent", "Shahar"]


def test_case_and_accents_only_break_ties() -> None:
    assert _sorted(["beta", "Alpha", "Émile", "delta"], "en") == ["Alpha", "beta", "delta", "Émile"]
    assert _sorted(["б", "А"], "ru") == ["А", "б"]


def test_latin_before_cyrillic_and_digits_first() -> None:
    assert _sorted(["Алма", "Zeta", "2020 report"], "en") == ["2020 report", "Zeta", "Алма"]
