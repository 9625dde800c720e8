"""Where an internal link lands on the built site, beyond the records' own pages.

The index answers for record pages, aliases and Markdown paths; what is left
is looked up here: the pages Hugo makes by itself (home pages, top-level
sections, taxonomy and term pages), files in the KB and its static folders,
and Hugo's ref/relref path rules.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from kzkb.files import CONTENT_SUFFIXES
from kzkb.hugo.paths import locate
from kzkb.urls import normalize_url, urlize

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase

# path -> (id, url, lang, kind), as Index.record_ids gives it
Records = dict[str, tuple[int, str, str, str]]


class Site:
    """What the built site holds besides the records' own pages."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        config = kb.config
        self.content = config.content_dir
        self.default = config.default_language
        self.taxonomy_urls: dict[str, str] = {}  # "/category/" -> "category"
        # home pages: the site's, each language's (with the default's in a
        # subfolder, / still answers: Hugo writes a redirect there)
        fixed = {"/"} | {config.url_prefix(lang) + "/" for lang in config.languages}
        for singular, plural in config.taxonomies.items():
            self.taxonomy_urls[config.term_base(plural)] = singular
            # Hugo makes a taxonomy's list page even when no record uses a term
            for lang in config.languages:
                fixed.add(self.prefix(lang) + config.taxonomy_url(plural))
        self.extra = Generated(self, fixed)
        # (lang, "/kk/") of each language whose URLs have a prefix: split_lang
        # runs twice a broken link, thousands of times a run
        self._prefixes = [
            (lang, prefix + "/") for lang in config.languages if (prefix := config.url_prefix(lang))
        ]
        self._terms_of: dict[str, tuple[str | None, str]] = {}
        self._used: dict[str, list[str]] = {}
        self._ref_paths: tuple[dict[str, str], dict[str, dict[str, str]]] | None = None
        self.static = [
            folder
            for folder in (self.content / "static", config.root / "static")
            if folder.is_dir()
        ]
        # (URL prefix, folder) pairs a link to a file may be served from
        self.file_roots: list[tuple[str, Path]] = sorted(
            (
                (config.url_prefix(lang), self.content / folder if folder else self.content)
                for folder, lang in config.language_dirs().items()
            ),
            key=lambda pair: -len(pair[0]),
        ) + [("", folder) for folder in self.static]

    def prefix(self, lang: str) -> str:
        return self.kb.config.url_prefix(lang)

    def ref_paths(self, records: Records) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """What ref and relref look paths up in: each record's content path
        as ref names it, and the same less its language (folder or suffix),
        by language. Made once a run: a KB may hold thousands of refs."""
        if self._ref_paths is None:
            raw: dict[str, str] = {}
            bare: dict[str, dict[str, str]] = {}
            config = self.kb.config
            for p in sorted(records):
                if config.split_path(p)[1] == p:
                    # a language's content folder is no part of what ref looks up:
                    # Hugo refuses ref "/en/x.md" (REF_NOT_FOUND)
                    raw[logical(p)] = p
                segments, lang = locate(p, config)
                if lang is not None:
                    bare.setdefault(logical("/".join(segments) + ".md"), {}).setdefault(lang, p)
            self._ref_paths = (raw, bare)
        return self._ref_paths

    def split_lang(self, url: str) -> tuple[str, str]:
        """(lang, the URL without its language prefix)."""
        for lang, prefix in self._prefixes:
            if url.startswith(prefix):
                return lang, url[len(prefix) - 1 :]
        return self.default, url

    def term_of(self, url: str) -> tuple[str | None, str]:
        """(taxonomy, term) of a URL shaped like a term page, /category/foo/."""
        found = self._terms_of.get(url)
        if found is None:
            found = self._terms_of[url] = self._term_of(url)
        return found

    def _term_of(self, url: str) -> tuple[str | None, str]:
        _, path = self.split_lang(url)
        for base, taxonomy in self.taxonomy_urls.items():
            if path.startswith(base):
                term = path[len(base) :].strip("/")
                if term and "/" not in term:
                    return taxonomy, term
        return None, ""

    def used(self, taxonomy: str) -> list[str]:
        """The slugs of the taxonomy's terms some record uses."""
        if taxonomy not in self._used:
            self._used[taxonomy] = self.kb.index.links.used_slugs(taxonomy)
        return self._used[taxonomy]

    def term_page(self, taxonomy: str, slug: str) -> str:
        """A page the term has: the default language's if it has one."""
        langs = self.kb.index.links.term_langs(taxonomy, slug)
        lang = self.default if self.default in langs else (langs[0] if langs else self.default)
        plural = self.kb.config.taxonomies.get(taxonomy, taxonomy)
        return normalize_url(f"{self.prefix(lang)}{self.kb.config.term_base(plural)}{slug}/")

    def file_exists(self, target: str, page_url: str) -> tuple[bool, str]:
        """Whether a link to a file (an image, a PDF) finds one in the KB,
        and, when only the letter case differs, the file's own spelling."""
        url = unquote(urlsplit(target).path)
        if not url.startswith("/"):
            url = posixpath.join(page_url, url)
        url = posixpath.normpath(url)
        # each language's content folder serves below its prefix; static/ at the root
        bases: list[tuple[str, Path]] = []
        for prefix, base in self.file_roots:
            if not prefix or url.startswith(prefix + "/"):
                bases.append((url[len(prefix) :].lstrip("/"), base))
        for path, base in bases:
            if (base / path).is_file():
                # the file system may ignore case; a web server does not
                real = true_case(base, path)
                if real is None or real == path:
                    return True, ""
                return False, url[: len(url) - len(path)] + real
        for path, base in bases:
            real = true_case(base, path)
            if real is not None:
                return False, url[: len(url) - len(path)] + real
        return False, ""


class Generated:
    """The pages Hugo makes by itself, looked up when a link needs one: home
    pages, taxonomy list pages, a term's page in each language some record
    using the term is in, and top-level sections."""

    def __init__(self, site: Site, fixed: set[str]) -> None:
        self.site = site
        self.fixed = fixed
        self._sections: set[str] | None = None
        self._terms: dict[str, bool] = {}

    def sections(self) -> set[str]:
        if self._sections is None:
            site = self.site
            dirs = site.kb.config.language_dirs()
            self._sections = set()
            for lang, top, second in site.kb.index.records.section_folders():
                # the first folder below the language's own contentDir
                folder = second if top and top in dirs else top
                if folder:
                    self._sections.add(site.prefix(lang) + "/" + urlize(folder) + "/")
        return self._sections

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        if url in self.fixed:
            return True
        taxonomy, term = self.site.term_of(url)
        if taxonomy is not None and term:
            if url not in self._terms:
                lang, _ = self.site.split_lang(url)
                self._terms[url] = self.site.kb.index.links.has_term(taxonomy, term, lang)
            return self._terms[url]
        return url.count("/") <= 3 and url in self.sections()

    def known(self) -> set[str]:
        return self.fixed | self.sections()


def true_case(base: Path, path: str) -> str | None:
    """The path as the folder spells it, matched without regard to case."""
    current = base
    parts: list[str] = []
    for part in path.split("/"):
        try:
            names = os.listdir(current)
        except OSError:
            return None
        if part in names:
            match = part
        else:
            folded = [n for n in names if n.casefold() == part.casefold()]
            if not folded:
                return None
            match = folded[0]
        parts.append(match)
        current = current / match
    return "/".join(parts)


def logical(path: str) -> str:
    """A content path as ref names it: no extension, _index/index as the folder."""
    lowered = path.lower()
    for suffix in CONTENT_SUFFIXES:
        if lowered.endswith(suffix):
            path = path[: -len(suffix)]
            break
    head, _, tail = path.rpartition("/")
    if tail in ("_index", "index"):
        path = head
    return path.lower()


def ref_attempts(source: str, wanted: str) -> list[str]:
    """The paths ref tries for `wanted`: relative to the page, then to the content root."""
    if wanted.startswith("/"):
        return [wanted.lstrip("/")]
    return [posixpath.join(posixpath.dirname(source), wanted), wanted.removeprefix("./")]


def resolve_ref(site: Site, records: Records, source: str, wanted: str) -> str | None:
    """The record path Hugo's ref and relref find for `wanted` from `source`:
    a path relative to the page, then to the content root, then a unique
    file name; None when none fits (Hugo then stops the build)."""
    logical_paths, by_lang = site.ref_paths(records)
    lang = records[source][2] if source in records else site.default
    found: str | None = None
    # relative to the page as Hugo sees it: within its language's content folder
    within = site.kb.config.split_path(source)[1]
    for attempt in ref_attempts(within, wanted):
        name = logical(posixpath.normpath(attempt))
        found = logical_paths.get(name)
        if found is None and name in by_lang:
            # a path within each language's content folder: Hugo looks in the
            # page's own language first
            langs = by_lang[name]
            found = langs.get(lang) or langs.get(site.default) or next(iter(langs.values()))
        if found:
            return found
    if "/" not in wanted:
        by_name = [p for p in records if logical(posixpath.basename(p)) == logical(wanted)]
        if len(by_name) == 1:
            return by_name[0]
    return None


def ref_is_generated(site: Site, records: Records, source: str, wanted: str) -> bool:
    """Whether a ref no record answers names a page Hugo makes by itself: a
    top-level folder's, taxonomy pages."""
    prefix = site.prefix(records[source][2]) if source in records else ""
    for attempt in ref_attempts(source, wanted):
        url = normalize_url("/" + logical(posixpath.normpath(attempt)).strip("/"))
        if url in site.extra or prefix + url in site.extra:
            return True
    return False
