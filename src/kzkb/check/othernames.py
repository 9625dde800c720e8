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

from kzkb.urls import normalize_url

if TYPE_CHECKING:
    from collections.abc import Iterable

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
    from kzkb.check.slugs import slugs_beside
    from kzkb.search.resources import gazetteer_places

    every = [[place["name"], *place["names"]] for place in gazetteer_places()]
    names_in_order = [name for names in every for name in names]
    # 5,400 names slugged at once, then handed out in their order again
    slugs, at = slugs_beside(names_in_order, list(range(len(names_in_order))))
    in_order = [""] * len(slugs)
    for i, slug in zip(at, slugs, strict=True):
        in_order[i] = slug
    slug_of = iter(in_order)
    by_slug: dict[str, list[int]] = {}
    places: list[tuple[str, dict[str, str]]] = []
    for place_names in every:
        names: dict[str, str] = {}
        for name in place_names:
            slug = next(slug_of)
            if len(slug.replace("-", "")) >= _SHORTEST:
                names.setdefault(slug, name)
        if len(names) > 1:
            for slug in names:
                by_slug.setdefault(slug, []).append(len(places))
            places.append((place_names[0], names))
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
        # title's slug -> the one record so titled, as its place in _titles
        self._titled: dict[str, int] | None = None
        self._titles: list[str] = []  # every record's, by id
        self._paths: list[str] | None = None  # every record's, by id
        self._done: dict[str, OtherName | None] = {}
        self._absent: set[str] = set()  # URLs known to be no page (expect)

    def expect(self, keys: Iterable[str]) -> None:
        """Learn in one query which of the pages find() tries first for these
        keys are not there: most are not, and a query each was most of the
        time of 200 broken links."""
        tried: dict[str, None] = {}
        asked: set[str] = set()
        for key in keys:
            if len(asked) >= self.LIMIT:
                break
            if key not in asked and self._looked_up(key):
                asked.add(key)
                tried.update(dict.fromkeys(self._same_path(key)))
        there = self.kb.index.links.existing("url", list(tried))
        self._absent.update(url for url in tried if url not in there)

    def find(self, key: str) -> OtherName | None:
        """The existing page a broken page URL (a link's key) may mean."""
        if key in self._done:
            return self._done[key]
        if len(self._done) >= self.LIMIT or not self._looked_up(key):
            return None
        found = self._place(key) or self._translation(key)
        self._done[key] = found
        return found

    @staticmethod
    def _looked_up(key: str) -> bool:
        return key.endswith("/") and key != "/"

    def _same_path(self, key: str) -> list[str]:
        """The key's path in each of the site's other languages."""
        site = self.site
        lang, rest = site.split_lang(key)
        return [
            normalize_url(site.prefix(other) + rest)
            for other in self.kb.config.languages
            if other != lang
        ]

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
        for there in self._same_path(key):
            if there in self._absent:
                continue
            for record in kb.index.records.by_url(there):
                url = self._in_lang(record, lang)
                if url and url != key:
                    why = f"the {lang} translation of {record.url}"
                    return OtherName(url, why, "translation")
        # the one page of another language titled as the link's last segment reads
        last = rest.strip("/").rpartition("/")[2]
        titled = self.titled(last)
        records = kb.index.records.by_path(titled) if titled else []
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

    def titled(self, slug: str) -> str:
        """The path of the one record whose title's slug is `slug`; "" when
        none is, or several are."""
        if self._titled is None:
            self._titles = self.kb.index.records.titles()
            self._titled = _unique(self._titles)
        at = self._titled.get(slug)
        if at is None:
            return ""
        if self._paths is None:
            # the paths only once a title matches (most runs: never), read
            # with the titles again: the index may have changed meanwhile
            self._paths, titles = self.kb.index.records.paths_and_titles()
            if titles != self._titles:
                self._titles, self._titled = titles, _unique(titles)
                at = self._titled.get(slug)
                if at is None:
                    return ""
        return self._paths[at]


def _unique(titles: list[str]) -> dict[str, int]:
    """The slug of each title -> the title's place in the list, for the
    slugs only one title has."""
    from collections import Counter

    from kzkb.check.slugs import slugs_beside

    slugs, places = slugs_beside(titles, list(range(len(titles))))
    # dict and Counter build in C: 100,000 titles in a few milliseconds
    unique = dict(zip(slugs, places, strict=True))
    if len(unique) < len(slugs):
        for twice in [s for s, n in Counter(slugs).items() if n > 1]:
            del unique[twice]
    return unique
