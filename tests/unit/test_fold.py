"""Folding: one key for every spelling a word of the region is written in."""

from __future__ import annotations

import pytest

from kzkb.text.fold import fold, words

SAME = [
    # Kazakhstan in English, Russian, Kazakh Cyrillic and Kazakh Latin
    ["Kazakhstan", "Казахстан", "Қазақстан", "Qazaqstan"],
    # the three Kazakh Latin alphabets and informal typing: Shymkent (Шымкент)
    ["Шымкент", "Şymkent", "S'ymkent", "Shymkent"],
    # әйелдер құқығы ("women's rights"): 2021 (ä ğ ı ū), 2018 (á ǵ ı), 2017 (a' g' i')
    ["әйелдер құқығы", "äielder quqyğy", "áıelder quqyǵy", "a'ielder quqyg'y"],
    # Республикасы: 2018 (ý = у, ı = и), 2017 (y' = у, i' = и)
    ["Республикасы", "Respýblıkasy", "Respy'bli'kasy"],
    # Uzbek: every apostrophe, and Cyrillic ў (= oʻ), ҳ, қ, х, ё
    ["oʻquv", "o'quv", "o‘quv", "o’quv", "o`quv", "ўқув"],
    ["ayollar huquqlari", "аёллар ҳуқуқлари"],
    ["xotin-qizlar", "хотин-қизлар"],
    # Russian дж and English j
    ["Джамал", "Jamal"],
]


@pytest.mark.parametrize("spellings", SAME, ids=[s[0] for s in SAME])
def test_spellings_fold_to_one_key(spellings: list[str]) -> None:
    assert len({fold(s) for s in spellings}) == 1, {s: fold(s) for s in spellings}


def test_folding_a_text_equals_folding_its_words() -> None:
    text = "Qazaqstandağy oʻquv markazlari, Алматыдағы «Подруги» women's rights"
    assert fold(text).split() == [fold(w) for w in text.split()]


def test_an_apostrophe_inside_a_word_belongs_to_it() -> None:
    assert words("Toshkentdagi o'quv, women's rights; 'quoted'") == [
        "Toshkentdagi", "o'quv", "women's", "rights", "quoted",
    ]  # fmt: skip


def test_words_that_differ_stay_apart() -> None:
    for a, b in [("Almaty", "Astana"), ("права", "правда"), ("gender", "genre")]:
        assert fold(a) != fold(b)
