"""The nearest existing page to a broken link, among up to 100,000 URLs.

kzkb.text.suggest ranks a handful of choices (terms, headings, settings) by
score; a broken link needs the nearest of every page of a KB, so this keeps
the pages grouped by folder and length and looks only a typo or two away,
within a budget per check.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kzkb.check.resolve import Site
    from kzkb.kb import KnowledgeBase


class Suggester:
    """The closest existing URL or file to a broken one: in the same folder,
    the name a typo or two away (for longer names, three), if any.

    Work is bounded: only the broken link's own folder is searched, and at
    most LIMIT distinct targets a run get a suggestion, so a KB with
    thousands of broken links is still checked in a moment."""

    LIMIT = 50

    def __init__(self, kb: KnowledgeBase, site: Site) -> None:
        self.kb = kb
        self.site = site
        self._urls: dict[str, Names] = {}  # folder -> the URLs in it
        self._all_urls: Names | None = None
        self._paths: Names | None = None
        self._done: dict[str, str] = {}

    def _budget(self, wanted: str) -> bool:
        return wanted in self._done or len(self._done) < self.LIMIT

    def url(self, wanted: str) -> str:
        key = "url:" + wanted
        if not self._budget(key):
            return ""
        if key not in self._done:
            name = wanted.rstrip("/")
            folder = name.rpartition("/")[0] + "/"
            if folder not in self._urls:
                self._urls[folder] = Names.in_folder(folder, self.kb.index.links.urls_under(folder))
            names = self._urls[folder]
            if not names.folders:  # the folder itself mistyped: /source/sources/x/
                if self._all_urls is None:
                    urls = set(self.kb.index.links.all_urls()) | self.site.extra.known()
                    self._all_urls = Names(u.rstrip("/") for u in urls if u != "/")
                names = self._all_urls
            near = names.closest(name)
            self._done[key] = near + "/" if near else ""
        return self._done[key]

    def path(self, wanted: str) -> str:
        key = "path:" + wanted
        if not self._budget(key):
            return ""
        if key not in self._done:
            if self._paths is None:
                self._paths = Names(self.kb.index.records.record_ids())
            self._done[key] = self._paths.closest(wanted)
        return self._done[key]


class Names:
    """Names grouped by folder, then by length, compared without case."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        # lower-cased folder -> length -> (names lower-cased, the same as written)
        self.folders: dict[str, dict[int, tuple[list[str], list[str]]]] = {}
        for name in names:
            folder, _, last = name.rpartition("/")
            self._add(folder.lower(), last.lower(), name)

    @classmethod
    def in_folder(cls, folder: str, urls: Iterable[str]) -> Names:
        """The URLs of one folder ("/sources/sources/"), lower-cased already."""
        names = cls()
        start = len(folder)
        lasts = [last for url in urls if (last := url[start:].rstrip("/")) and "/" not in last]
        if lasts:
            # grouped by length in C: a folder may hold 100,000 pages
            lasts.sort(key=len)  # stable: each group keeps the given order
            by_length = names.folders[folder.rstrip("/")] = {}
            for length, group in itertools.groupby(lasts, key=len):
                lowered = list(group)
                by_length[length] = (lowered, [folder + last for last in lowered])
        return names

    def _add(self, folder: str, last: str, written: str) -> None:
        by_length = self.folders.setdefault(folder, {})
        lowered, spelled = by_length.setdefault(len(last), ([], []))
        lowered.append(last)
        spelled.append(written)

    def closest(self, wanted: str) -> str:
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import Levenshtein

        folder, _, last = wanted.lower().rpartition("/")
        if folder not in self.folders:  # the folder itself mistyped: /source/...
            found = process.extractOne(folder, list(self.folders), scorer=fuzz.ratio)
            if found is None or found[1] < 80:
                return ""
            folder = found[0]
        by_length = self.folders[folder]
        # a typo or two (three in a long name): only names of a length within
        # that many letters can be so close
        edits = max(1, min(3, len(last) // 5))
        best: tuple[int, str] | None = None
        for length in range(len(last) - edits, len(last) + edits + 1):
            lowered, spelled = by_length.get(length, ([], []))
            found = process.extractOne(
                last, lowered, scorer=Levenshtein.distance, score_cutoff=edits
            )
            if found is not None and (best is None or found[1] < best[0]):
                best = (found[1], spelled[found[2]])
        return best[1] if best is not None else ""
