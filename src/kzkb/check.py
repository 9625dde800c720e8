"""check-links: every link of the KB resolved the way Hugo serves the site.

Internal links are checked offline against what the built site would hold:
record pages and their aliases, Markdown files, the pages Hugo makes by
itself (home, top-level sections, taxonomy and term pages), files in the KB,
and headings for #fragments. External links are fetched only when asked
(kzkb.external). Orphan sources and missing guide translations are warnings.

Most of the work is a few SQL lookups over the index's links table, so a
100,000-record KB is checked in well under a second.
"""

from __future__ import annotations

import itertools
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from kzkb.links import MARKDOWN_SUFFIXES, bare_host
from kzkb.urls import normalize_url, urlize

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase

ERROR, WARNING = "error", "warning"

# Fragments every page has: the top of the page, and Goldmark's footnotes.
_ALWAYS_THERE = re.compile(r"^(?:top|fn:.+|fnref\d*:.+)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LinkFinding:
    file: str  # the record's path in the KB
    line: int
    column: int
    text: str
    target: str
    severity: str  # error | warning
    reason: str
    suggestion: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "text": self.text,
            "target": self.target,
            "severity": self.severity,
            "reason": self.reason,
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class LinkReport:
    findings: list[LinkFinding] = field(default_factory=list)
    records: int = 0
    links: int = 0  # internal links checked
    external: int = 0  # distinct external URLs checked

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    def summary(self) -> dict[str, int]:
        return {
            "records": self.records,
            "links": self.links,
            "external": self.external,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass(slots=True)
class CheckOptions:
    external: bool = False
    strict: bool = False  # unreachable hosts are errors, not warnings
    timeout: float = 10.0
    cache_ttl: float = 86400.0
    cache_path: Path | None = None
    exclude: list[str] = field(default_factory=list)  # regular expressions
    allow_private: bool = False


# --- internal links ------------------------------------------------------------------------


class _Site:
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
        self.extra = _Generated(self, fixed)
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

    def ref_paths(
        self, records: dict[str, tuple[int, str, str, str]]
    ) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """What ref and relref look paths up in: each record's content path
        as ref names it, and the same less its language (folder or suffix),
        by language. Made once a run: a KB may hold thousands of refs."""
        if self._ref_paths is None:
            from kzkb.loader import locate

            raw: dict[str, str] = {}
            bare: dict[str, dict[str, str]] = {}
            for p in sorted(records):
                raw[_logical(p)] = p
                segments, lang = locate(p, self.kb.config)
                if lang is not None:
                    bare.setdefault(_logical("/".join(segments) + ".md"), {}).setdefault(lang, p)
            self._ref_paths = (raw, bare)
        return self._ref_paths

    def split_lang(self, url: str) -> tuple[str, str]:
        """(lang, the URL without its language prefix)."""
        config = self.kb.config
        for lang in config.languages:
            prefix = config.url_prefix(lang)
            if prefix and url.startswith(prefix + "/"):
                return lang, url[len(prefix) :]
        return self.default, url

    def term_of(self, url: str) -> tuple[str | None, str]:
        """(taxonomy, term) of a URL shaped like a term page, /category/foo/."""
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
            self._used[taxonomy] = self.kb.index.used_slugs(taxonomy)
        return self._used[taxonomy]

    def term_page(self, taxonomy: str, slug: str) -> str:
        """A page the term has: the default language's if it has one."""
        langs = self.kb.index.term_langs(taxonomy, slug)
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
                real = _true_case(base, path)
                if real is None or real == path:
                    return True, ""
                return False, url[: len(url) - len(path)] + real
        for path, base in bases:
            real = _true_case(base, path)
            if real is not None:
                return False, url[: len(url) - len(path)] + real
        return False, ""


class _Generated:
    """The pages Hugo makes by itself, looked up when a link needs one: home
    pages, taxonomy list pages, a term's page in each language some record
    using the term is in, and top-level sections."""

    def __init__(self, site: _Site, fixed: set[str]) -> None:
        self.site = site
        self.fixed = fixed
        self._sections: set[str] | None = None
        self._terms: dict[str, bool] = {}

    def sections(self) -> set[str]:
        if self._sections is None:
            site = self.site
            dirs = site.kb.config.language_dirs()
            self._sections = set()
            for lang, top, second in site.kb.index.section_folders():
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
                self._terms[url] = self.site.kb.index.has_term(taxonomy, term, lang)
            return self._terms[url]
        return url.count("/") <= 3 and url in self.sections()

    def known(self) -> set[str]:
        return self.fixed | self.sections()


def _true_case(base: Path, path: str) -> str | None:
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


def check_links(kb: KnowledgeBase, options: CheckOptions | None = None) -> LinkReport:
    """Every finding for the KB's internal links, orphans and translations;
    options.external adds the web links (check_external)."""
    options = options or CheckOptions()
    report = LinkReport(records=kb.index.count(), links=kb.index.link_count())
    site = _Site(kb)
    refs: set[tuple[str, str]] = set()  # (from path, to path) of the refs that resolve
    report.findings += _broken_targets(kb, site, refs)
    report.findings += _broken_fragments(kb)
    report.findings += _orphans(kb, refs)
    report.findings += _missing_translations(kb)
    if options.external:
        check_external(kb, report, options)
    report.findings.sort(key=lambda f: (f.file, f.line, f.column, f.target))
    return report


def _website_rows(kb: KnowledgeBase) -> list[tuple[Any, ...]]:
    """Front-matter `url` fields as link rows (LINK_COLUMNS), placed on the
    line that names them."""
    rows = []
    for path, page_url, website in kb.index.websites():
        line, column = _field_position(kb.config.content_dir / path, "url", website)
        rows.append((path, page_url, None, "", website, "website", line, column, "website"))
    return rows


def _field_position(file: Path, name: str, value: str) -> tuple[int, int]:
    """(line, column) of a front-matter field's value; (1, 1) if not found."""
    field = re.compile(rf"""^\s*["']?{re.escape(name)}["']?\s*[:=]""")
    try:
        with file.open(encoding="utf-8-sig", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if number > 500:
                    break
                if field.match(line) and value in line:
                    return number, line.index(value) + 1
    except OSError:
        pass
    return 1, 1


def check_external(
    kb: KnowledgeBase,
    report: LinkReport,
    options: CheckOptions,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Fetch the KB's web links and add what is broken to the report."""
    found, checked = _external(kb, options, progress)
    report.findings += found
    report.external = checked
    report.findings.sort(key=lambda f: (f.file, f.line, f.column, f.target))


def _finding(row: Sequence[Any], severity: str, reason: str, suggestion: str = "") -> LinkFinding:
    path, _url, _key, _fragment, target, text, line, col, _kind = row[:9]
    return LinkFinding(path, line, col, text, target, severity, reason, suggestion)


class _Suggester:
    """The closest existing URL or file to a broken one: in the same folder,
    the name a typo or two away (for longer names, three), if any.

    Work is bounded: only the broken link's own folder is searched, and at
    most LIMIT distinct targets a run get a suggestion, so a KB with
    thousands of broken links is still checked in a moment."""

    LIMIT = 50

    def __init__(self, kb: KnowledgeBase, site: _Site) -> None:
        self.kb = kb
        self.site = site
        self._urls: dict[str, _Names] = {}  # folder -> the URLs in it
        self._all_urls: _Names | None = None
        self._paths: _Names | None = None
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
                self._urls[folder] = _Names.in_folder(folder, self.kb.index.urls_under(folder))
            names = self._urls[folder]
            if not names.folders:  # the folder itself mistyped: /source/sources/x/
                if self._all_urls is None:
                    urls = set(self.kb.index.all_urls()) | self.site.extra.known()
                    self._all_urls = _Names(u.rstrip("/") for u in urls if u != "/")
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
                self._paths = _Names(self.kb.index.record_ids())
            self._done[key] = self._paths.closest(wanted)
        return self._done[key]


def _closest(wanted: str, choices: Sequence[str], cutoff: float = 75) -> str:
    """The nearest of a few choices (terms, headings), if near enough."""
    from rapidfuzz import fuzz, process

    if not choices:
        return ""
    found = process.extractOne(wanted, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else ""


class _Names:
    """Names grouped by folder, then by length, compared without case."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        # lower-cased folder -> length -> (names lower-cased, the same as written)
        self.folders: dict[str, dict[int, tuple[list[str], list[str]]]] = {}
        for name in names:
            folder, _, last = name.rpartition("/")
            self._add(folder.lower(), last.lower(), name)

    @classmethod
    def in_folder(cls, folder: str, urls: Iterable[str]) -> _Names:
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


def _broken_targets(
    kb: KnowledgeBase, site: _Site, refs: set[tuple[str, str]]
) -> list[LinkFinding]:
    out: list[LinkFinding] = []
    suggest = _Suggester(kb, site)
    records: dict[str, tuple[int, str, str, str]] | None = None
    keys = [
        key
        for key in kb.index.unresolved_keys()
        if key.startswith(("ref:", "path:")) or key not in site.extra
    ]
    for row in kb.index.links_with_keys(keys):
        path, page_url, key, _fragment, target, _text, _line, _col, kind = row
        if kind == "ref" or key.startswith("ref:"):
            if records is None:
                records = kb.index.record_ids()
            finding = _check_ref(kb, row, records, suggest, site, refs)
            if finding is not None:
                out.append(finding)
            continue
        if key.startswith("path:"):
            wanted = key[len("path:") :]
            near = suggest.path(wanted)
            out.append(
                _finding(
                    row,
                    ERROR,
                    "no such file in the KB",
                    f"did you mean {_relative_md(path, near)}?" if near else "",
                )
            )
            continue
        if not key.endswith("/"):  # a file name: /files/report.pdf
            exists, spelled = site.file_exists(target, page_url)
            if exists or key + "/" in site.extra:
                continue
            # /sources/feminita/index.html is the file Hugo writes for the page
            page = key.removesuffix("index.html") if key.endswith("/index.html") else key + "/"
            if page in site.extra:
                continue
            pages = kb.index.by_url(page)
            if pages:  # a page named like a file, /sources/vlast.kz: the server adds the /
                if records is None:
                    records = kb.index.record_ids()
                rid = records[pages[0].path][0]
                finding = _fragment_finding(kb, row, row[3], rid) if row[3] else None
                if finding is not None:
                    out.append(finding)
                continue
            if spelled:
                out.append(
                    _finding(
                        row, ERROR, "no such file: the name differs in case", f"write {spelled}"
                    )
                )
                continue
            if not bare_host(target):
                near = suggest.url(key)
                hint = f"did you mean {near}?" if near else ""
                out.append(_finding(row, ERROR, "no such file", hint))
                continue
        if bare_host(target):
            out.append(
                _finding(
                    row,
                    ERROR,
                    "no such page: a web address without https:// is a path on this site",
                    f"write https://{target}",
                )
            )
            continue
        taxonomy, term = site.term_of(key)
        if taxonomy is not None and term:
            near = _closest(term, site.used(taxonomy))
            hint = ""
            if near == term:  # used, but only in another language
                hint = f"did you mean {site.term_page(taxonomy, term)}?"
            elif near:
                hint = f"did you mean {key[: len(key) - len(term) - 1]}{near}/?"
            out.append(_finding(row, ERROR, f"unknown {taxonomy} term {term!r}", hint))
            continue
        near = suggest.url(key)
        out.append(_finding(row, ERROR, "no such page", f"did you mean {near}?" if near else ""))
    return out


def _relative_md(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def _check_ref(
    kb: KnowledgeBase,
    row: Sequence[Any],
    records: dict[str, tuple[int, str, str, str]],
    suggest: _Suggester,
    site: _Site,
    refs: set[tuple[str, str]],
) -> LinkFinding | None:
    """Hugo's ref and relref: a path relative to the page, then to the
    content root, then a unique file name; the build fails when none fits.
    A resolved ref is added to `refs` as (from path, to path)."""
    path, _url, key, fragment, _target, _text, _line, _col, _kind = row
    wanted = key[len("ref:") :] if key.startswith("ref:") else ""
    if not wanted:
        return None
    logical, by_lang = site.ref_paths(records)
    here = posixpath.dirname(path)
    tries = (
        [wanted.lstrip("/")]
        if wanted.startswith("/")
        else [posixpath.join(here, wanted), wanted.removeprefix("./")]
    )
    lang = records[path][2] if path in records else site.default
    found: str | None = None
    for attempt in tries:
        name = _logical(posixpath.normpath(attempt))
        found = logical.get(name)
        if found is None and name in by_lang:
            # a path within each language's content folder: Hugo looks in the
            # page's own language first
            langs = by_lang[name]
            found = langs.get(lang) or langs.get(site.default) or next(iter(langs.values()))
        if found:
            break
    if found is None and "/" not in wanted:
        by_name = [p for p in records if _logical(posixpath.basename(p)) == _logical(wanted)]
        if len(by_name) == 1:
            found = by_name[0]
    if found is None:
        # pages Hugo makes by itself: a top-level folder's, taxonomy pages
        prefix = site.prefix(records[path][2]) if path in records else ""
        for attempt in tries:
            url = normalize_url("/" + _logical(posixpath.normpath(attempt)).strip("/"))
            if url in site.extra or prefix + url in site.extra:
                return None
        near = suggest.path(wanted)
        return _finding(
            row,
            ERROR,
            "ref to no such page (Hugo stops the build)",
            f"did you mean {near}?" if near else "",
        )
    refs.add((path, found))
    if fragment and not _ALWAYS_THERE.match(fragment):
        rid = records[found][0]
        if not kb.index.has_anchor(rid, fragment):
            near = _closest(fragment, kb.index.anchors_of(rid))
            return _finding(
                row,
                ERROR,
                f"no such heading in {found}",
                f"did you mean #{near}?" if near else "",
            )
    return None


def _logical(path: str) -> str:
    """A content path as ref names it: no extension, _index/index as the folder."""
    lowered = path.lower()
    for suffix in MARKDOWN_SUFFIXES:
        if lowered.endswith(suffix):
            path = path[: -len(suffix)]
            break
    head, _, tail = path.rpartition("/")
    if tail in ("_index", "index"):
        path = head
    return path.lower()


def _broken_fragments(kb: KnowledgeBase) -> list[LinkFinding]:
    out: list[LinkFinding] = []
    for row in kb.index.missing_anchors():
        finding = _fragment_finding(kb, row, row[3], row[9])
        if finding is not None:
            out.append(finding)
    return out


def _fragment_finding(
    kb: KnowledgeBase, row: Sequence[Any], fragment: str, target_id: int
) -> LinkFinding | None:
    """The finding for a #fragment the target record has no anchor for."""
    if _ALWAYS_THERE.match(fragment) or kb.index.has_anchor(target_id, fragment):
        return None
    anchors = kb.index.anchors_of(target_id)
    same_case = [a for a in anchors if a.casefold() == fragment.casefold()]
    if same_case:
        return _finding(
            row,
            WARNING,
            "heading differs in case: browsers will not scroll to it",
            f"write #{same_case[0]}",
        )
    near = _closest(fragment, anchors, cutoff=60)
    return _finding(row, ERROR, "no such heading", f"did you mean #{near}?" if near else "")


# --- warnings ------------------------------------------------------------------------------


def _orphans(kb: KnowledgeBase, refs: set[tuple[str, str]]) -> list[LinkFinding]:
    by_ref = {to for source, to in refs if source != to}
    return [
        LinkFinding(
            path,
            1,
            1,
            "",
            url,
            WARNING,
            "orphan source: no record links here",
            "link it from a guide",
        )
        for _rid, path, url in kb.index.unlinked("source")
        if path not in by_ref
    ]


def _missing_translations(kb: KnowledgeBase) -> list[LinkFinding]:
    config = kb.config
    if len(config.languages) < 2:
        return []
    from kzkb.loader import new_translation_path, translation_paths

    # (path, url, lang, translation paths, language, translation URL)
    wanted: list[tuple[str, str, str, list[str], str, str]] = []
    for path, url, lang in kb.index.of_kind("guide"):
        prefix = config.url_prefix(lang)
        own = url[len(prefix) :] if prefix and url.startswith(prefix + "/") else url
        for other in config.languages:
            if other == lang:
                continue
            paths = translation_paths(path, config, other)
            translated = normalize_url(config.url_prefix(other) + own)
            wanted.append((path, url, lang, paths, other, translated))
    have_paths = kb.index.existing("path", [p for w in wanted for p in w[3]])
    have_urls = kb.index.existing("url", [w[5] for w in wanted])
    out = []
    for path, url, lang, paths, other, translated in wanted:
        if translated in have_urls or any(p in have_paths for p in paths):
            continue
        out.append(
            LinkFinding(
                path,
                1,
                1,
                "",
                url,
                WARNING,
                f"guide has no {other!r} translation",
                f"add {new_translation_path(path, lang, other, config)}",
            )
        )
    return out


# --- external links ------------------------------------------------------------------------


def _external(
    kb: KnowledgeBase, options: CheckOptions, progress: Callable[[int, int], None] | None
) -> tuple[list[LinkFinding], int]:
    from kzkb.external import check_urls

    patterns = [re.compile(p) for p in options.exclude]
    rows = [
        r
        for r in [*kb.index.web_links(), *_website_rows(kb)]
        if not any(p.search(r[4]) for p in patterns)
    ]
    if not rows:
        return [], 0
    results = check_urls(
        (r[4] for r in rows),
        timeout=options.timeout,
        cache_path=options.cache_path,
        cache_ttl=options.cache_ttl,
        allow_private=options.allow_private,
        strict=options.strict,
        progress=progress,
    )
    out = []
    for row in rows:
        result = results.get(row[4])
        if result is None or result.severity not in (ERROR, WARNING):
            continue
        hint = f"update the link to {result.redirect}" if result.redirect else ""
        out.append(_finding(row, result.severity, result.reason, hint))
    return out, len({r[4].split("#", 1)[0] for r in rows})
