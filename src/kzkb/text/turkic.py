"""A suffix stripper for Kazakh, Kyrgyz and Uzbek that works on folded words.

`kzkb.text.fold` already maps Cyrillic, the three Kazakh Latin alphabets and
Uzbek Latin to one key, so one table of *folded* suffixes serves them all:
-ның, -nıń and -ning are 'nin' and 'ning', -дағы and -dagi are 'dagi'.

How it works
------------
`stem` strips one suffix at a time, the longest that applies, and starts again
from the shorter word until nothing applies. Each step looks only at the word
in hand, never at what was stripped before, so an inflected word whose
stripping passes through its base form ends exactly where the base form ends:
stem('almatidagi') -> 'almati' -> 'almat' = stem('almati'). The stem is a
search key, not a dictionary word, and a base word may lose a suffix-like tail
of its own (Алматы -> 'almat') as long as its inflections lose the same.

Suffix groups, as the languages stack them (stem + plural + possessive + case
+ relative), all in one table:

- relative -дағы/-тағы/-ндағы, Kyrgyz -дагы/-догу, Uzbek -dagi;
- case: genitive -ның/-дың/-тың, Uzbek -ning; accusative -ны/-ды/-ты, Uzbek
  -ni; dative -ға/-қа, -на after a possessive, Uzbek
  -ga/-ka/-qa; locative -да/-та, -нда after a possessive, Uzbek -da; ablative
  -дан/-тан/-нан, Uzbek -dan; instrumental -мен/-бен/-пен, Kyrgyz -менен;
- possessive: 3rd person -ы/-і/-сы/-сі, Uzbek -i/-si; 1st and 2nd plural
  -(ы)мыз, -(ы)ңыз, Uzbek -(i)miz, -(i)ngiz, Kyrgyz -ыбыз/-убуз;
- plural -лар/-дар/-тар (and front, and Kyrgyz rounded -лор/-дор/-тор);
- derivational -лық/-дық/-тық, Uzbek -lik, Kyrgyz -лук (қоғамдық -> қоғам,
  zoʻravonlik -> zoʻravon), only when at least 4 letters stay.

Guards
------
- The stem keeps at least MIN_STEM = 3 letters. Many roots that matter here
  fold to three (ayol -> 'ael', qiz -> 'kiz', заң -> 'zan', сот -> 'sot',
  тіл -> 'til'); with 4 none of their forms would meet the base. Nothing
  ever leaves two letters.
- Conditions from the languages' phonology: -ы/-і follows a consonant, -сы/-сі
  a vowel; -нда/-на follow the possessive's -ы/-і; Kyrgyz rounded forms
  (-дор, -до, -дун ...) follow o or u; -лық needs a 4-letter stem.
- fold merges doubled letters, so a stem's last consonant and a suffix's first
  can fuse (депутаттар -> 'deputatar'). Kazakh -т/-к/-п suffixes follow only
  voiceless consonants, so after anything else the consonant is given back
  (-> 'deputat'; Uzbek -ka/-qa likewise: tenglikka -> 'tenglik'). An
  n-suffix after -стан/-iston gives the n back (Қазақстанның, Oʻzbekistonning),
  and so does Kazakh -нан after a vowel; an l- or n-suffix gives its letter
  back when the stem would otherwise be too short (ayollar -> 'ael').
- Voicing at the stem's end (құқық -> құқығы, кітап -> кітабы, Uzbek
  qishloq -> qishlogʻi) is undone by always writing a final g as k (not in
  Uzbek 'ng') and a final b as p. This is the one change made to a word with no
  suffix, so that Uzbek maktab and maktabi, which keep their b, still meet.
- Words that cannot be Kazakh, Kyrgyz or Uzbek after folding (a c outside ch,
  ph, ea, ou, Russian щ's shch) and a few loanwords that look inflected
  ('gender', 'data') are returned as they are.
- The place-name ending -стан/-stan is never the ablative -тан (Қазақстан,
  Kyrgyzstan, Uzbekistan stay whole).
- Not stripped, being rare in searches and shaped like the ends of common
  stems: 1st and 2nd person singular possessives (-ым, -ың, Uzbek -im, -ing:
  bilim, xotin, taʼlim), the accusative -н after a possessive (құқығын; it
  would cut Путин, Berlin, magazin) and the bare dative -а/-е.

Known gaps (the fused letter cannot be known without a dictionary): a stem
ending in -ст or -кт before a т-suffix (журналистер -> 'zhurnalis'); an
n-final stem before -ning/-ni/-nin other than -стан (insonning -> 'inso'); a
d-final stem before -da (farzandda); V+s stems before -сы (кеңесі -> 'kene');
the ablative of an s-final stem in -стан (жұмыстан keeps its ending).
"""

from __future__ import annotations

MIN_STEM = 3
# the derivational -лық/-lik strips only when this much stays (теңдік stays)
MIN_DERIVED = 4

_VOWELS = frozenset("aeiou")
# the last letter of a folded stem after which a Kazakh т/қ/п suffix is right
# (sh, ch end in h; zh, also ending in h, is voiced and checked apart)
_VOICELESS = frozenset("kpstfh")

# flags of a suffix
_T = 1  # begins with a voiceless t/k/p: give it back after a non-voiceless end
_ROUND = 2  # Kyrgyz rounded form: the stem's last vowel is o or u
_POSS3 = 4  # follows the 3rd person possessive: the stem ends in i
_AFTER_C = 8  # follows a consonant (Kazakh у, a consonant there, counts)
_AFTER_V = 16  # follows a, e or o
_N_BACK = 32  # n-suffix: give the n back after -стан/-iston
_NAN = 64  # Kazakh ablative -нан: after m, n or the possessive; else n fused
_DERIVED = 128  # derivational: at least MIN_DERIVED letters stay

# fmt: off
_SUFFIXES: dict[str, int] = {
    # relative -дағы (Alматыдағы, Toshkentdagi, Бишкектеги)
    "dagi": 0, "degi": 0, "tagi": _T, "tegi": _T, "ndagi": _POSS3, "ndegi": _POSS3,
    "dogu": _ROUND, "togu": _T | _ROUND,
    # genitive
    "nin": _N_BACK, "din": 0, "tin": _T, "ning": _N_BACK,
    "nun": _N_BACK | _ROUND, "dun": _ROUND, "tun": _T | _ROUND,
    # accusative
    "ni": _N_BACK, "di": 0, "ti": _T,
    "nu": _N_BACK | _ROUND, "du": _ROUND, "tu": _T | _ROUND,
    # dative (the bare -а/-е after 1st/2nd person possessives is left alone)
    "ga": 0, "ge": 0, "ka": _T, "ke": _T, "na": _POSS3, "ne": _POSS3,
    "go": _ROUND, "ko": _T | _ROUND,
    # locative
    "da": 0, "de": 0, "ta": _T, "te": _T, "nda": _POSS3, "nde": _POSS3,
    "do": _ROUND, "to": _T | _ROUND,
    # ablative
    "dan": 0, "den": 0, "tan": _T, "ten": _T, "nan": _NAN, "nen": _NAN,
    "don": _ROUND, "ton": _T | _ROUND,
    # instrumental
    "men": 0, "ben": 0, "pen": _T, "menen": 0, "benen": 0, "penen": _T,
    # possessive, 3rd person and 1st/2nd plural
    "i": _AFTER_C, "si": _AFTER_V,
    "imiz": _AFTER_C, "miz": _AFTER_V, "iniz": _AFTER_C, "niz": _AFTER_V,
    "ingiz": _AFTER_C, "ngiz": _AFTER_V, "ibiz": _AFTER_C,
    "ubuz": _AFTER_C | _ROUND, "unuz": _AFTER_C | _ROUND,
    # plural
    "lar": 0, "ler": 0, "dar": 0, "der": 0, "tar": _T, "ter": _T,
    "lor": _ROUND, "dor": _ROUND, "tor": _T | _ROUND,
    # derivational -лық
    "lik": _DERIVED, "dik": _DERIVED, "tik": _DERIVED | _T,
    "luk": _DERIVED | _ROUND, "duk": _DERIVED | _ROUND, "tuk": _DERIVED | _T | _ROUND,
}
# fmt: on
# longest first: (length, {suffix: flags})
_BY_LENGTH: tuple[tuple[int, dict[str, int]], ...] = tuple(
    (size, {s: f for s, f in _SUFFIXES.items() if len(s) == size})
    for size in sorted({len(s) for s in _SUFFIXES}, reverse=True)
)

# loanwords that look inflected and must stay whole (гендер, not 'gen' + -дер)
_KEEP = frozenset({"gender", "data"})
# letter groups that a folded Kazakh, Kyrgyz or Uzbek word does not have
_FOREIGN = ("ph", "ea", "ou", "shch")


def _foreign(word: str) -> bool:
    if "c" in word and word.count("c") != word.count("ch"):
        return True
    return any(group in word for group in _FOREIGN)


def _last_vowel_round(rest: str) -> bool:
    for ch in reversed(rest):
        if ch in _VOWELS:
            return ch in "ou"
    return False


def _voicing(word: str) -> str:
    """A final g as k (not Uzbek ng), a final b as p: кітабы/кітап, құқығы/құқық."""
    last = word[-1]
    if last == "b":
        return word[:-1] + "p"
    if last == "g" and word[-2] != "n":
        return word[:-1] + "k"
    return word


def _strip_one(word: str) -> str | None:
    """The word less its longest suffix that applies, or None."""
    size_now = len(word)
    for size, table in _BY_LENGTH:
        if size >= size_now:
            continue
        flags = table.get(word[-size:])
        if flags is None:
            continue
        rest = word[:-size]
        last = rest[-1]
        if flags & _ROUND and not _last_vowel_round(rest):
            continue
        if size == 3 and last == "s" and word[-3:] == "tan":
            continue  # Қазақстан, Kyrgyzstan: the place-name -стан, not -тан
        if flags & _POSS3 and last != "i":
            continue
        if flags & _AFTER_C and last in _VOWELS and last != "u":
            continue
        if flags & _AFTER_V and last not in "aeo":
            continue
        if flags & _T:
            if last not in _VOICELESS or rest.endswith("zh"):
                rest += word[-size]  # депутаттар: the stem's t fused with -тар
        elif flags & _N_BACK:
            if rest.endswith(("sta", "sto")):
                rest += "n"  # Қазақстанның, Oʻzbekistonning
        elif flags & _NAN:
            if last in "aeo":
                rest += "n"  # Қазақстаннан
            elif last not in "mni":
                continue
        least = MIN_DERIVED if flags & _DERIVED else MIN_STEM
        if len(rest) < least:
            # ayollar -> 'aelar': the l of ayol fused with -lar
            first = word[-size]
            if (
                size > 1
                and first in "ln"
                and not flags & (_ROUND | _DERIVED)
                and rest[-1] in _VOWELS
                and len(rest) + 1 >= least
            ):
                rest += first
            else:
                continue
        return rest
    return None


def stem(folded: str) -> str:
    """The stem of a folded Kazakh, Kyrgyz or Uzbek word: inflectional suffixes
    (case, possessive, plural, relative -дағы, derivational -лық) removed,
    longest first, repeatedly (ұйымдарының -> 'uimdarinin' -> 'uim'), never
    leaving fewer than MIN_STEM letters. A word shorter than MIN_STEM, or one
    that cannot be Turkic, comes back as it is; a word with no suffix comes back
    as it is but for a final g or b written k or p (see the module docstring).

    Stripping only ever shortens, so the result is a fixed point:
    stem(stem(w)) == stem(w).
    """
    if len(folded) < MIN_STEM or folded in _KEEP or _foreign(folded):
        return folded
    word = _voicing(folded)
    while True:
        shorter = _strip_one(word)
        if shorter is None:
            return word
        word = _voicing(shorter)
        if word in _KEEP:
            return word
