"""Sort keys that follow each language's alphabet, not Unicode's code points.

By code point the Kazakh letters come after the Russian ones (Қ U+049A sorts
after Л, Ә after Я), and Uzbek's oʻ, gʻ, sh and ch sort as two letters. PyICU
would do this but is a large native dependency; the region's alphabets are
short, so a table of each is enough.

Kazakh's Cyrillic alphabet holds Russian's in the same order (and Kyrgyz's
extra letters in theirs), so one Cyrillic table serves kk, ru and ky.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_CYRILLIC = "а ә б в г ғ д е ё ж з и й к қ л м н ң о ө п р с т у ұ ү ф х һ ц ч ш щ ъ ы і ь э ю я"
_CYRILLIC_RANK = {letter: rank for rank, letter in enumerate(_CYRILLIC.split())}

# Uzbek Latin (1995, revised): the Latin letters it uses, then oʻ gʻ sh ch ng;
# the apostrophe-like marks people type for the ʻ all count as it
_UZBEK = "a b c d e f g h i j k l m n o p q r s t u v w x y z oʻ gʻ sh ch ng"
_UZBEK_RANK = {letter: rank for rank, letter in enumerate(_UZBEK.split())}
_TURNED_COMMAS = "ʻ'‘’`ʼ"

# tiers: what is not a letter or digit first, then digits, Latin, Cyrillic, the rest
_MARK, _DIGIT, _LATIN, _CYR, _OTHER = range(5)


def _base(char: str) -> str:
    """A Latin letter without its accents (é → e); Cyrillic letters are left
    whole, since their marks make other letters (й, ё are letters)."""
    if "a" <= char <= "z" or char in _CYRILLIC_RANK:
        return char
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if decomposed[0].isascii() else char


def _letter(char: str) -> tuple[int, int]:
    if char in _CYRILLIC_RANK:
        return (_CYR, _CYRILLIC_RANK[char])
    if "a" <= char <= "z":
        return (_LATIN, ord(char))
    if char.isdigit():
        return (_DIGIT, unicodedata.digit(char, 0))
    if char.isalpha():
        return (_OTHER, ord(char))
    return (_MARK, ord(char))


def _uzbek(text: str) -> list[tuple[int, int]]:
    key = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair[0] in "og" and pair[1] in _TURNED_COMMAS:
            key.append((_LATIN, 1000 + _UZBEK_RANK[pair[0] + "ʻ"]))
            i += 2
        elif pair in ("sh", "ch", "ng"):
            key.append((_LATIN, 1000 + _UZBEK_RANK[pair]))
            i += 2
        else:
            char = _base(text[i])
            rank = _UZBEK_RANK.get(char)
            key.append((_LATIN, 1000 + rank) if rank is not None else _letter(char))
            i += 1
    return key


@lru_cache(maxsize=4096)
def sort_key(text: str, lang: str = "") -> tuple[tuple[tuple[int, int], ...], str]:
    """A key ordering `text` by the alphabet of `lang` (a language code:
    kk, ru, uz, en…): letters first by their place in the alphabet, case and
    accents only breaking ties. Cyrillic is ordered by the Kazakh alphabet
    in every language, Uzbek Latin by its own, other Latin by the English one."""
    folded = text.casefold()
    if lang.split("-")[0].lower() == "uz":
        primary = _uzbek(folded)
    else:
        primary = [_letter(_base(c)) for c in folded]
    return tuple(primary), text
