"""Words about the result, not its content: a language or a kind.

"на казахском", "in Uzbek", "Kazakh translation", "орысша", "rus tilida" ask
for records in that language; "guide", "руководство", "qoʻllanma" for a kind.
Such words are taken out of the text a record must contain and become a boost
(or, when nothing else is asked, a filter). A language adjective counts only
beside a cue ("in", "на", "translation", "тілінде", "tilida" ...) or in a form
that names only the language (орысша, ruscha, по-русски): "Uzbek human rights
groups" is about Uzbekistan, not in Uzbek.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kzkb.search.morph import snowball
from kzkb.text.fold import fold_word

# language code -> (its name as the KB's `language` taxonomy spells it,
# adjectives needing a cue, forms that name the language on their own).
# Words are compared folded, or by their folded Snowball stem.
LANGUAGES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "en": ("English", ("english", "английский", "ағылшын", "ingliz"),
           ("ағылшынша", "inglizcha", "англоязычный")),
    "ru": ("Russian", ("russian", "русский", "орыс", "rus"),
           ("орысша", "ruscha", "русскоязычный")),
    "kk": ("Kazakh", ("kazakh", "казахский", "қазақ", "qozoq", "qazaq"),
           ("қазақша", "qazaqsha", "qozoqcha", "казахоязычный")),
    "uz": ("Uzbek", ("uzbek", "узбекский", "өзбек", "oʻzbek"),
           ("өзбекше", "oʻzbekcha", "узбекоязычный")),
    "ky": ("Kyrgyz", ("kyrgyz", "kirghiz", "кыргызский", "киргизский", "қырғыз", "qirgʻiz"),
           ("қырғызша", "qirgʻizcha", "кыргызча")),
    "tg": ("Tajik", ("tajik", "таджикский", "тәжік", "tojik"), ("tojikcha", "тәжікше")),
    "tk": ("Turkmen", ("turkmen", "туркменский", "түрікмен", "turkman"),
           ("turkmancha", "түрікменше")),
}  # fmt: skip

# a cue before the adjective ("in Kazakh", "на казахском") ...
CUES_BEFORE = frozenset(fold_word(w) for w in ("in", "на", "по", "on"))
# ... or after it ("Kazakh translation", "орыс тілінде", "rus tilida")
CUES_AFTER = frozenset(
    snowball(w) or fold_word(w)
    for w in (
        "translation", "version", "language", "edition",
        "перевод", "версия", "язык", "языке",
        "тілінде", "тілі", "тілдегі", "аудармасы", "нұсқасы",
        "tilida", "tili", "tilidagi", "tarjimasi", "tarjima", "versiyasi",
    )
)  # fmt: skip

# kind words, by the kind they ask for (only kinds the KB has are used)
KINDS: dict[str, tuple[str, ...]] = {
    "guide": ("guide", "guides", "руководство", "путеводитель", "гид", "гайд",
              "нұсқаулық", "нұсқаулықтар", "qoʻllanma", "qo'llanma", "yoʻriqnoma"),
    "source": ("source", "sources", "источник", "источники", "дереккөз", "дереккөздер",
               "manba", "manbalar"),
    "document": ("document", "documents", "документ", "документы", "құжат", "құжаттар",
                 "hujjat", "hujjatlar"),
}  # fmt: skip


def _forms(word: str) -> set[str]:
    return {fold_word(word), snowball(word)} - {""}


_ADJECTIVES: dict[str, str] = {}
_ALONE: dict[str, str] = {}
for _code, (_name, _adjectives, _alone) in LANGUAGES.items():
    for _word in _adjectives:
        _ADJECTIVES.update(dict.fromkeys(_forms(_word), _code))
    for _word in _alone:
        _ALONE.update(dict.fromkeys(_forms(_word), _code))
_KIND_WORDS = {form: kind for kind, ws in KINDS.items() for w in ws for form in _forms(w)}
# по-русски, по-казахски: "по" and a stem that is never a word on its own
_PO = {"russki": "ru", "kazaksk": "kk", "anglisk": "en", "uzbeksk": "uz"}


@dataclass(slots=True)
class Facets:
    langs: list[str] = field(default_factory=list)  # language codes asked for
    kinds: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the query words they took, as typed

    def __bool__(self) -> bool:
        return bool(self.langs or self.kinds)


def language_name(code: str) -> str:
    """'ru' -> 'Russian': how a `language` taxonomy names the language."""
    return LANGUAGES[code][0] if code in LANGUAGES else code


def take_facets(words: list[str], kinds: set[str]) -> tuple[list[str], Facets]:
    """(the words left for the text, the facets the others named)."""
    found = Facets()
    forms = [_forms(w) for w in words]
    used: set[int] = set()

    def lang_of(i: int, table: dict[str, str]) -> str | None:
        return next((table[f] for f in forms[i] if f in table), None)

    for i in range(len(words)):
        if i in used:
            continue
        code = lang_of(i, _ALONE)
        if code is None and fold_word(words[i]) == "po" and i + 1 < len(words):
            after = fold_word(words[i + 1])
            code = next((c for stem, c in _PO.items() if after.startswith(stem)), None)
            if code is not None:
                used.add(i + 1)
        if code is None and (adjective := lang_of(i, _ADJECTIVES)):
            if i > 0 and (i - 1) not in used and forms[i - 1] & CUES_BEFORE:
                used.add(i - 1)
                code = adjective
            elif i + 1 < len(words) and forms[i + 1] & CUES_AFTER:
                used.add(i + 1)
                code = adjective
        if code is not None:
            used.add(i)
            if code not in found.langs:
                found.langs.append(code)
            continue
        kind = next((_KIND_WORDS[f] for f in forms[i] if f in _KIND_WORDS), None)
        if kind is not None and kind in kinds:
            used.add(i)
            if kind not in found.kinds:
                found.kinds.append(kind)
    found.words = [words[i] for i in sorted(used)]
    return [w for i, w in enumerate(words) if i not in used], found
