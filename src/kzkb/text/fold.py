"""Fold text so that one spelling finds every other: case, diacritics, script.

Researchers write Алматы or Almaty, Феминита or Feminita, Қазақстан,
Казахстан, Kazakhstan or Qazaqstan. Every word is lower-cased, transliterated
from Cyrillic (Russian, Kazakh, Uzbek, Kyrgyz, Tajik) to Latin, stripped of
diacritics, and the spellings that transliteration systems and the region's
Latin alphabets disagree on are merged:

- the three official Kazakh Latin alphabets: 2017 apostrophes (s' = ш,
  c' = ч, y' = у, a' = ә ...), 2018 acute accents (á ǵ ń ó ú ý ı) and 2021
  diacritics (ä ğ ı ñ ö ū ü ş), besides informal typing;
- Uzbek Latin, whose oʻ and gʻ are written with any of ʻ ' ‘ ’ ` ʼ: every form
  is one letter, and oʻ = ў, gʻ = ғ, x = х, yo = ё;
- Russian renderings of Kazakh sounds: х/kh/x and қ/q all fold to k, so
  Kazakhstan, Казахстан, Қазақстан and Qazaqstan are one key.

The index stores folded text and queries are folded the same way, so the key
only has to be consistent, not pronounceable.
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
    # Kazakh and Kyrgyz letters
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
    # Uzbek and Tajik: ў is Uzbek oʻ (not Belarusian u), ҳ is h, ҷ is j
    "ў": "o", "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u",
    # Ukrainian letters met in Central Asian sources
    "є": "e", "ї": "i",
}  # fmt: skip
# Latin letters of the region's alphabets whose diacritic changes the sound:
# NFKD would turn ş into s, but Kazakh 2021 ş, Turkish/Turkmen ş and ç, and
# the Czech-style š ž č of library transliteration are ш, ж and ч.
_LATIN = {
    "ş": "sh", "ș": "sh", "š": "sh", "ç": "ch", "č": "ch", "ž": "zh",
    "ı": "i", "ə": "a",
    # Kazakh 2018: ý is у (Respýblıka), not the Turkmen й
    "ý": "u",
}  # fmt: skip
_TABLE = str.maketrans(_CYRILLIC | _LATIN)

# The apostrophes written inside a word: ASCII ', the modifier letters ʻ ʼ
# (Uzbek's official oʻ gʻ), curly quotes, backtick and acute.
_APOSTROPHES = "'ʻʼ‘’`´"
_APOSTROPHE = re.compile(f"[{_APOSTROPHES}]")
# Kazakh 2017: s' = ш, c' = ч, y' = у; any other letter just loses the mark
# (a' = ә -> a, g' = ғ -> g, Uzbek oʻ -> o, English women's -> womens)
_MARKED = {"s": "sh", "c": "ch", "y": "u", "S": "sh", "C": "ch", "Y": "u"}

# Doubled letters, merged after transliteration: Ассамблея / Assambleya.
# The replacement is a C callable, not a template, which re.sub would expand
# in Python for every match.
_DOUBLED = re.compile(r"(.)\1")
_FIRST = itemgetter(1)

# a word as search sees it: an apostrophe between two letters belongs to it
WORD = re.compile(rf"\w+(?:[{_APOSTROPHES}]\w+)*")


def _inside(text: str) -> str:
    """Every apostrophe between two word characters (those of \\w) dropped,
    with the letter before it where that letter is marked (s' -> sh). Found
    from the apostrophes, not tried at every character: one regular
    expression with a look-behind in front cost 0.2 ms on a 7 KB body."""
    out: list[str] = []
    done = 0
    last = len(text) - 1
    for match in _APOSTROPHE.finditer(text):
        at = match.start()
        if at == 0 or at == last:
            continue
        before, after = text[at - 1], text[at + 1]
        # \w is what str.isalnum() says, and the underscore
        if not (before.isalnum() or before == "_") or not (after.isalnum() or after == "_"):
            continue
        marked = _MARKED.get(before)
        if marked is None:
            out.append(text[done:at])
        else:
            out += (text[done : at - 1], marked)
        done = at + 1
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


# Letters outside ASCII are folded a run at a time, each distinct run once (a
# word, mostly: runs end at ASCII spaces and punctuation). The same as folding
# the whole text: the table maps one character at a time, and NFKD decomposes
# one character at a time and reorders only the combining marks that follow
# one another, which a run holds whole (every ASCII character is a starter).
# An English body with one dash no longer goes through NFKD a character at a
# time, nor a Russian one through the table twice for every repeated word.
_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")  # split keeps the runs at odd places
_RUNS: dict[str, str] = {}
_RUNS_MAX = 200_000  # distinct runs kept; then the cache starts again


def _fold_runs(text: str) -> str:
    """The text with each run of non-ASCII letters folded: the runs looked up
    in the cache all at once (map, not a callback per run), the new ones folded."""
    parts = _NON_ASCII.split(text)
    runs = parts[1::2]
    folded = list(map(_RUNS.get, runs))
    if None in folded:
        if len(_RUNS) + len(runs) > _RUNS_MAX:
            _RUNS.clear()
        for i, done in enumerate(folded):
            if done is None:
                folded[i] = _RUNS[runs[i]] = _fold_run(runs[i])
    parts[1::2] = folded
    return "".join(parts)


def _fold_run(run: str) -> str:
    folded = run.translate(_TABLE)
    if not folded.isascii():
        folded = "".join(
            ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
        )
    return folded


# Words (the text between spaces) folded before: most of a record's words
# are words other records have, and a dictionary look-up costs less than
# folding them again (10,000 records: 105 -> 30 us a record).
_WORDS: dict[str, str] = {}
_WORDS_MAX = 100_000  # distinct words kept (and one text's); then the cache starts again


def fold(text: str) -> str:
    """Text folded: 'Алматы' -> 'almati', 'Qazaqstan' -> 'kazakstan'.

    No rule crosses a space (lower-casing's final sigma looks no further
    than one), so folding a text equals folding the words between its
    spaces and joining them with one again: provided no word folds to
    nothing or to a space at its edge (NFKD makes one of U+00A0), which the
    doubled-letter rule would merge with the space beside it. Each distinct
    word is folded once, in C-speed operations (translate, replace, regex).
    """
    if " " not in text:
        return _fold_text(text)
    words = text.split(" ")
    folded = list(map(_WORDS.get, words))
    if None in folded:
        if len(_WORDS) > _WORDS_MAX:
            _WORDS.clear()
        for i, done in enumerate(folded):
            if done is None:
                done = _fold_text(words[i])
                if not done or done[0] == " " or done[-1] == " ":
                    return _fold_text(text)
                folded[i] = _WORDS[words[i]] = done
    return " ".join(folded)


def _fold_text(text: str) -> str:
    """fold() of any text, in one piece."""
    if any(mark in text for mark in _APOSTROPHES):
        text = _inside(text)
    text = text.lower()
    if not text.isascii():
        text = _fold_runs(text)
    # spellings transliterations disagree on: Qazaqstan/Kazakhstan/Казахстан,
    # Zhanaozen/Janaozen/Джанаозен, Nursultan/Nur-Sultan, ayol/аёл ...
    # (yu, ya -> iu, ia via y -> i)
    text = (
        text.replace("kh", "k")
        .replace("x", "k")
        .replace("q", "k")
        .replace("dzh", "zh")
        .replace("j", "zh")
        .replace("yo", "e")
        .replace("y", "i")
        .replace("w", "v")
    )
    return _DOUBLED.sub(_FIRST, text)


@lru_cache(maxsize=4096)
def fold_word(word: str) -> str:
    return fold(word)


def words(text: str) -> list[str]:
    """The words of a text as search sees them: an apostrophe between two
    letters (oʻquv, o'quv, women's) is part of the word."""
    return WORD.findall(text)
