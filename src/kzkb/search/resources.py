"""The data search ships with, and what a KB adds to it.

- data/thesaurus.toml: concepts of the field with their labels in English,
  Russian, Kazakh (Cyrillic and Latin) and Uzbek (Latin and Cyrillic); a KB
  adds concepts, or labels to a shipped concept, with [[concept]] tables in
  its kzkb.toml (README: "The thesaurus").
- data/gazetteer.json: countries, regions and cities with their names in the
  region's languages and their historical names, generated from pycountry and
  GeoNames by kzkb.search.build_gazetteer.
- data/stopwords.toml: words a query may drop, by language.

Reading and stemming them takes a second, loading the result tens of
milliseconds, more than a search itself: kzkb.store.lexicon keeps the built
lexicon in kzkb's cache folder under its `signature` (the files' sizes and
times, the KB's own concepts), and a query reads only its own words' rows.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kzkb.digest import blake2b
from kzkb.search.lexicon import Lexicon, merge

DATA = Path(__file__).resolve().parent / "data"
THESAURUS = DATA / "thesaurus.toml"
GAZETTEER = DATA / "gazetteer.json"
STOPWORDS = DATA / "stopwords.toml"
# bump when the lexicon's build changes: folding, stemming, what a label yields
BUILD = 1


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


def signature(extra: Sequence[dict[str, Any]] = ()) -> str:
    """What the built lexicon depends on, as a short hex string."""
    parts: list[Any] = [BUILD]
    for path in (THESAURUS, GAZETTEER, STOPWORDS):
        st = path.stat()
        parts.append((path.name, st.st_size, st.st_mtime_ns))
    parts.append(extra)
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return blake2b(text.encode(), digest_size=10).hexdigest()
