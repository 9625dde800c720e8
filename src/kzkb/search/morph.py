"""The forms of a word search tries: folded, Snowball stem, Turkic stem.

English and Russian go through Snowball (PyStemmer, in C); Kazakh, Kyrgyz and
Uzbek through kzkb.text.turkic's suffix table, which works on folded words,
so one table serves Cyrillic and every Latin alphabet of the region.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kzkb.text.fold import fold_word
from kzkb.text.turkic import stem as turkic_stem

_STEMMERS: dict[str, Any] = {}
_CYRILLIC = re.compile("[а-яё]")
# letters Russian does not have: a Cyrillic word with one is Kazakh, Kyrgyz,
# Uzbek or Tajik, and the Russian stemmer would cut it wrongly
_NOT_RUSSIAN = re.compile("[әғқңөұүһіўҳҷӣӯ]")
# shortest stem worth a prefix search: 'ра' would find half the Russian text
MIN_STEM = 3


def _stemmer(language: str) -> Any:
    stemmer = _STEMMERS.get(language)
    if stemmer is None:
        import Stemmer  # PyStemmer: Snowball in C; loaded by search alone

        stemmer = _STEMMERS[language] = Stemmer.Stemmer(language)
    return stemmer


@lru_cache(maxsize=8192)
def snowball(word: str) -> str:
    """The folded Snowball stem of a word, English or Russian by its script;
    '' for a Cyrillic word of another language (see turkic)."""
    lower = word.lower()
    if _CYRILLIC.search(lower):
        if _NOT_RUSSIAN.search(lower):
            return ""
        return fold_word(_stemmer("russian").stemWord(lower))
    return fold_word(_stemmer("english").stemWord(lower))


@lru_cache(maxsize=8192)
def turkic(word: str) -> str:
    """The folded Kazakh/Kyrgyz/Uzbek stem of a word ('' when no suffix came off)."""
    folded = fold_word(word)
    stem = turkic_stem(folded)
    return stem if stem != folded and len(stem) >= MIN_STEM else ""


def keys(word: str, turkic_too: bool = True) -> frozenset[str]:
    """Every form under which `word` may meet another: its fold, its Snowball
    stem and (for words of the region's Turkic languages) its Turkic stem."""
    out = {fold_word(word)}
    stem = snowball(word)
    if len(stem) >= MIN_STEM:
        out.add(stem)
    if turkic_too and (stem := turkic(word)):
        out.add(stem)
    out.discard("")
    return frozenset(out)


def prefix_of(stem: str) -> str:
    """The prefix an index search for a Turkic stem uses: the stem's last
    consonant alternates (құқық, құқығы: k/g; кітап, кітабы: p/b), so it is
    left off."""
    if len(stem) > 5 and stem[-1] in "kgpb":  # shorter: kinok would find kino
        return stem[:-1]
    return stem
