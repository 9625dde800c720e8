"""Names that mean one thing: the thesaurus's concepts and the gazetteer's places.

An entry has labels in many languages and scripts (права женщин, women's
rights, ayollar huquqlari; Alma-Ata, Алматы, Vernyj). A query's words are
looked up here, longest label first, and a match puts every label of the
entry into the search as an alternative for those words.

A label matches the words of a query when each of its words meets the query
word at the same place under one of their forms (kzkb.search.morph.keys):
folded, Snowball stem, Turkic stem. So 'женщинам' meets the label 'женщины',
'Алматыдағы' meets 'Алматы' and 'o‘quv' meets 'oʻquv'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kzkb.search.entries import Candidate, Entry, Found
from kzkb.search.morph import keys
from kzkb.text.fold import words as split_words

if TYPE_CHECKING:
    from kzkb.search.ports import LexiconSource

# languages whose labels are stemmed with Snowball; the rest (kk, uz, ky,
# tg ... and place names) with the Turkic table
SNOWBALL_LANGUAGES = frozenset({"en", "ru"})


class Lexicon:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        # a key of a label's first word -> the labels starting with it
        self.first: dict[str, list[Candidate]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, kind: str, id_: str, name: str, labels: dict[str, Sequence[str]]) -> Entry:
        """One entry; `labels` by language code ("en", "kk_latn", "" for a name
        of no one language)."""
        every = tuple(
            dict.fromkeys((lang, label) for lang, group in labels.items() for label in group)
        )
        entry = Entry(id_, kind, name, every)
        position = len(self.entries)
        self.entries.append(entry)
        for lang, group in labels.items():
            snowball = lang.split("_")[0] in SNOWBALL_LANGUAGES
            for label in group:
                label_words = split_words(label)
                if not label_words:
                    continue
                forms = tuple(keys(w, turkic_too=not snowball) for w in label_words)
                for key in forms[0]:
                    self.first.setdefault(key, []).append((forms, label, position))
        return entry

    def candidates(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        return {k: self.first[k] for k in keys if k in self.first}

    def entries_at(self, positions: Iterable[int]) -> dict[int, Entry]:
        return {p: self.entries[p] for p in positions}


def find(source: LexiconSource, query_words: Sequence[str]) -> list[Found]:
    """The labels in `query_words`, longest first, never overlapping."""
    forms = [keys(w) for w in query_words]
    first = source.candidates({k for f in forms for k in f})
    spans: list[tuple[int, int, list[int], str]] = []
    i = 0
    while i < len(forms):
        best_len = 0
        best: dict[int, None] = {}  # entry positions, in the order found
        label_of: dict[int, str] = {}
        for key in sorted(forms[i]):
            for label_forms, label, position in first.get(key, ()):
                n = len(label_forms)
                if n < best_len or i + n > len(forms):
                    continue
                if all(label_forms[j] & forms[i + j] for j in range(1, n)):
                    if n > best_len:
                        best_len, best, label_of = n, {}, {}
                    best[position] = None
                    label_of.setdefault(position, label)
        if best_len:
            spans.append((i, i + best_len, list(best), label_of[next(iter(best))]))
            i += best_len
        else:
            i += 1
    entries = source.entries_at({p for _, _, ps, _ in spans for p in ps})
    return [
        Found(start, end, tuple(entries[p] for p in ps), label) for start, end, ps, label in spans
    ]


def merge(concepts: Iterable[dict[str, object]]) -> list[dict[str, list[str]]]:
    """Concepts with the same id made one, labels joined in order: a KB's
    kzkb.toml adds labels to a shipped concept by naming its id."""
    by_id: dict[str, dict[str, list[str]]] = {}
    for concept in concepts:
        id_ = str(concept["id"])
        into = by_id.setdefault(id_, {"id": [id_]})
        for lang, labels in concept.items():
            if lang in ("id", "covers") or not isinstance(labels, list):
                continue
            have = into.setdefault(lang, [])
            have += [str(x) for x in labels if str(x) not in have]
    return list(by_id.values())
