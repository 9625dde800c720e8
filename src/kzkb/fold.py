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

# Spellings transliterations disagree on, merged after transliteration:
# Qazaqstan/Kazakhstan/Kazahstan, Zhanaozen/Janaozen, Nursultan ...
_MERGE = [
    (re.compile(r"kh|x"), "h"),
    (re.compile(r"q"), "k"),
    (re.compile(r"zh|j"), "zh"),
    (re.compile(r"yu"), "iu"),
    (re.compile(r"ya"), "ia"),
    (re.compile(r"y"), "i"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(.)\1"), r"\1"),  # doubled letters: Ассамблея / Assambleya
]

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Text folded: 'Алматы' -> 'almati', 'Qazaqstan' -> 'kazakstan'.

    Works on whole text with C-speed operations (translate, regex); no rule
    crosses a word boundary, so folding a text equals folding its words.
    """
    text = text.lower().translate(_TABLE)
    if not text.isascii():
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    for pattern, repl in _MERGE:
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=4096)
def fold_word(word: str) -> str:
    return fold(word)


def words(text: str) -> list[str]:
    return _WORD.findall(text)
