"""The data search ships with, and what a KB adds to it.

- data/thesaurus.toml: concepts of the field with their labels in English,
  Russian, Kazakh (Cyrillic and Latin) and Uzbek (Latin and Cyrillic); a KB
  adds concepts, or labels to a shipped concept, with [[concept]] tables in
  its kzkb.toml (README: "The thesaurus").
- data/gazetteer.json: countries, regions and cities with their names in the
  region's languages and their historical names, generated from pycountry and
  GeoNames by kzkb.search.build_gazetteer.
- data/stopwords.toml: words a query may drop, by language.

Reading and stemming them takes tens of milliseconds, more than a search
itself, so the built lexicon is kept in kzkb's cache folder, keyed by the
files' sizes and times and the KB's own concepts, and rebuilt when any
changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kzkb.files import cache_folder
from kzkb.search.lexicon import Lexicon, merge

DATA = Path(__file__).resolve().parent / "data"
THESAURUS = DATA / "thesaurus.toml"
GAZETTEER = DATA / "gazetteer.json"
STOPWORDS = DATA / "stopwords.toml"
# bump when the lexicon's build or pickled shape changes
BUILD = 1

_loaded: dict[str, tuple[Lexicon, frozenset[str]]] = {}


def thesaurus_concepts() -> list[dict[str, Any]]:
    return list(tomllib.loads(THESAURUS.read_text(encoding="utf-8")).get("concept", []))


def gazetteer_places() -> list[dict[str, Any]]:
    return list(json.loads(GAZETTEER.read_text(encoding="utf-8"))["places"])


def read_stopwords() -> frozenset[str]:
    data = tomllib.loads(STOPWORDS.read_text(encoding="utf-8"))
    return frozenset(w.lower() for words in data.values() for w in words)


def build(extra: Sequence[dict[str, Any]] = ()) -> Lexicon:
    """The lexicon of the shipped thesaurus and gazetteer and `extra` concepts."""
    lexicon = Lexicon()
    for concept in merge([*thesaurus_concepts(), *extra]):
        labels = {lang: v for lang, v in concept.items() if lang != "id"}
        name = (labels.get("en") or [concept["id"][0]])[0]
        lexicon.add("concept", concept["id"][0], name, labels)
    for place in gazetteer_places():
        lexicon.add("place", place["id"], place["name"], {"": place["names"]})
    return lexicon


def _key(extra: Sequence[dict[str, Any]]) -> str:
    parts: list[Any] = [BUILD]
    for path in (THESAURUS, GAZETTEER, STOPWORDS):
        st = path.stat()
        parts.append((path.name, st.st_size, st.st_mtime_ns))
    parts.append(extra)
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def load(extra: Sequence[dict[str, Any]] = ()) -> tuple[Lexicon, frozenset[str]]:
    """(the lexicon, the stop words), from the cache when it is current."""
    key = _key(extra)
    if key in _loaded:
        return _loaded[key]
    path = cache_folder() / "lexicon" / f"{key}.pickle"
    found: tuple[Lexicon, frozenset[str]] | None = None
    try:
        with path.open("rb") as f:
            # written by kzkb itself, below the user's own cache folder
            found = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        found = None
    if not isinstance(found, tuple) or len(found) != 2:
        found = (build(extra), read_stopwords())
        _store(path, found)
    _loaded[key] = found
    return found


def _store(path: Path, value: object) -> None:
    """Write the cache atomically; a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
