"""Fold text so that one spelling finds every other: case, diacritics, script.

Researchers write Алматы or Almaty, Феминита or Feminita, Қазақстан or
Qazaqstan. Every word is lower-cased, transliterated from Cyrillic (Russian
and Kazakh) to Latin, stripped of diacritics, and a few spellings that
transliteration systems disagree on are merged (q/k, kh/h/x, j/zh ...).
The index stores folded text and queries are folded the same way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from operator import itemgetter

# Russian and Kazakh Cyrillic to Latin. Where systems differ we pick the
# form closest to how Kazakhstani names are usually written in English
# (Алматы -> almaty, Медиазона -> mediazona, Жамал -> zhamal).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Kazakh letters
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
    # Ukrainian, Belarusian and Kyrgyz letters met in Central Asian sources
    "є": "e", "ї": "i", "ў": "u",
}  # fmt: skip
_TABLE = str.maketrans(_CYRILLIC)

# Doubled letters, merged after transliteration: Ассамблея / Assambleya.
# The replacement is a C callable, not a template, which re.sub would expand
# in Python for every match.
_DOUBLED = re.compile(r"(.)\1")
_FIRST = itemgetter(1)

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Text folded: 'Алматы' -> 'almati', 'Qazaqstan' -> 'kazakstan'.

    Works on whole text with C-speed operations (translate, replace, regex); no rule
    crosses a word boundary, so folding a text equals folding its words.
    """
    text = text.lower()
    if not text.isascii():
        text = text.translate(_TABLE)
        if not text.isascii():
            text = "".join(
                ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
            )
    # spellings transliterations disagree on: Qazaqstan/Kazakhstan/Kazahstan,
    # Zhanaozen/Janaozen, Nursultan/Nur-Sultan ... (yu, ya -> iu, ia via y -> i)
    text = (
        text.replace("kh", "h")
        .replace("x", "h")
        .replace("q", "k")
        .replace("j", "zh")
        .replace("y", "i")
        .replace("w", "v")
    )
    return _DOUBLED.sub(_FIRST, text)


@lru_cache(maxsize=4096)
def fold_word(word: str) -> str:
    return fold(word)


def words(text: str) -> list[str]:
    return _WORD.findall(text)
