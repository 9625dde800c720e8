"""What search needs from the index and the lexicon's storage: the ports the
store implements (kzkb.store.fulltext.FullText, kzkb.store.lexicon).

Imported for type checking only: defining Protocol classes costs start-up
time that every search would pay for annotations alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from kzkb.search.entries import Candidate, Entry


class Vocabulary(Protocol):
    def has_prefix(self, prefix: str) -> bool: ...
    def has_word(self, word: str) -> bool: ...
    def words_from(self, first: str) -> list[tuple[str, int]]: ...


class TextIndex(Vocabulary, Protocol):
    def ids(self, match: str) -> set[int]: ...

    def scores(self, match: str, among: Collection[int]) -> dict[int, float]:
        """record id -> field-weighted BM25 (higher better), of those `among`."""
        ...


class LexiconSource(Protocol):
    """Where labels are looked up: a Lexicon in memory, or the store's copy
    of one on disk, which reads only the keys a query needs."""

    def candidates(self, keys: Iterable[str]) -> dict[str, list[Candidate]]: ...
    def entries_at(self, positions: Iterable[int]) -> dict[int, Entry]: ...
