"""A broken link to the same thing under another name: a place's other name
(Alma-Ata for Almaty, Akmola or Nur-Sultan for Astana, from the gazetteer
search ships) or the title of the page in another language.

No typo distance finds these: /sources/alma-ata-centre/ and
/sources/almaty-centre/ are three letters apart, /kk/guides/how-to-apply/
and /kk/guides/otinish-beru/ nothing alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from kzkb.urls import normalize_url, term_slug

if TYPE_CHECKING:
    from kzkb.check.resolve import Site
    from kzkb.kb import KnowledgeBase

_WINDOW = 4  # words in the longest place name looked for in a URL segment
_SHORTEST = 4  # letters: shorter names (Aqsu, codes) match too much by chance


@dataclass(frozen=True, slots=True)
class OtherName:
    url: str  # the existing page
    why: str  # for people: "Alma-Ata is another name of Almaty"
    via: str  # place | translation | title

    def message(self) -> str:
        return f"did you mean {self.url}? ({self.why})"

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "via": self.via, "why": self.why}


@cache
def _places() -> tuple[dict[str, list[int]], list[tuple[str, dict[str, str]]]]:
    """(slug of a name -> the places it names, [(place's name, {slug: name})])."""
    from kzkb.search.resources import gazetteer_places

    by_slug: dict[str, list[int]] = {}
    places: list[tuple[str, dict[str, str]]] = []
    for place in gazetteer_places():
        names: dict[str, str] = {}
        for name in [place["name"], *place["names"]]:
            slug = term_slug(name)
            if len(slug.replace("-", "")) >= _SHORTEST:
                names.setdefault(slug, name)
        if len(names) > 1:
            for slug in names:
                by_slug.setdefault(slug, []).append(len(places))
            places.append((place["name"], names))
    return by_slug, places


def variants(segment: str) -> list[tuple[str, str, str]]:
    """`segment` ("alma-ata-centre") with a place's name in it replaced by
    each other name of that place: [(new segment, name written, other name)]."""
    by_slug, places = _places()
    words = segment.lower().split("-")
    out: list[tuple[str, str, str]] = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + _WINDOW) + 1):
            found = "-".join(words[start:end])
            for index in by_slug.get(found, ()):
                _, names = places[index]
                head, tail = words[:start], words[end:]
                for slug, name in names.items():
                    if slug != found:
                        out.append(("-".join([*head, slug, *tail]), names[found], name))
    return out


def same_place(a: str, b: str) -> bool:
    """Whether two URL segments differ only by a place's other name."""
    if a == b or not a or not b:
        return False
    return any(v == b.lower() for v, _, _ in variants(a))


class OtherNames:
    """Looks broken URLs up under other names, with what it needs read once."""

    LIMIT = 200  # broken URLs a run looks up: each may try dozens of names

    def __init__(self, kb: KnowledgeBase, site: Site) -> None:
        self.kb = kb
        self.site = site
        self._titles: dict[str, list[str]] | None = None  # title's slug -> paths
        self._done: dict[str, OtherName | None] = {}

    def find(self, key: str) -> OtherName | None:
        """The existing page a broken page URL (a link's key) may mean."""
        if key in self._done:
            return self._done[key]
        if len(self._done) >= self.LIMIT or not key.endswith("/") or key == "/":
            return None
        found = self._place(key) or self._translation(key)
        self._done[key] = found
        return found

    def _place(self, key: str) -> OtherName | None:
        segments = key.strip("/").split("/")
        tried: dict[str, tuple[str, str]] = {}
        for i, segment in enumerate(segments):
            for new, name, other in variants(segment):
                url = normalize_url("/" + "/".join([*segments[:i], new, *segments[i + 1 :]]))
                tried.setdefault(url, (name, other))
        if not tried:
            return None
        there = self.kb.index.links.existing("url", list(tried))
        for url, (name, other) in tried.items():
            if url in there:
                return OtherName(url, f"{name} is another name of {other}", "place")
        return None

    def _translation(self, key: str) -> OtherName | None:
        site, kb = self.site, self.kb
        lang, rest = site.split_lang(key)
        # the same path in another language, whose translation here is named otherwise
        for other in kb.config.languages:
            if other == lang:
                continue
            for record in kb.index.records.by_url(normalize_url(site.prefix(other) + rest)):
                url = self._in_lang(record, lang)
                if url and url != key:
                    why = f"the {lang} translation of {record.url}"
                    return OtherName(url, why, "translation")
        # the one page of another language titled as the link's last segment reads
        last = rest.strip("/").rpartition("/")[2]
        titled = self.titles().get(last, [])
        records = kb.index.records.by_path(titled[0]) if len(titled) == 1 else []
        if records and records[0].lang != lang:
            mine = self._in_lang(records[0], lang)
            if mine and mine != key:
                why = f"the {lang} translation of {records[0].title!r}"
                return OtherName(mine, why, "title")
        return None

    def _in_lang(self, record: Any, lang: str) -> str:
        for translation in self.kb.translations(record):
            if translation.lang == lang:
                return str(translation.url)
        return ""

    def titles(self) -> dict[str, list[str]]:
        if self._titles is None:
            self._titles = {}
            seen: set[str] = set()
            for title, _, path in self.kb.index.records.titles_and_urls():
                if path not in seen:
                    seen.add(path)
                    self._titles.setdefault(term_slug(title), []).append(path)
        return self._titles
