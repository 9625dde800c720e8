"""A record as a reference manager sees it: the ONE mapping CSL-JSON, RIS,
BibTeX and `kzkb cite` all write from, so the three files of a KB and the
rendered bibliography say the same thing of each record.

- type: by kind and category. A guide, page or section is a web page; a
  source (an organisation) is its website, a `webpage`, unless it is a data
  source (a category named for data, or data types that are all
  statistics), then a `dataset`; a document is a `report`, or an `article`
  when its data types say news and not reports.
- author: the organisation, as a literal name (never split into a given and
  a family name): an `author` or `publisher` field when the record has one;
  for a source the record itself (its title); for a document the source
  record its `source:` field names; for a guide its contributors.
- dates (only real dates; "2023-13-45" is none): a document was issued on
  its `date` and seen on `created`; a source's website was seen on its
  `date` (the record's last check); a guide was issued on its `date`.
- URL: the record's website, else its page under the site's baseURL.
- language: the record's lang as BCP 47 (its title's language: styles
  title-case English titles only). keywords: its tags.
- key: the slug, in ASCII (Kazakh and Russian letters transliterated),
  with -kk/-ru for a translation; unique across the whole KB, whatever is
  exported: see CitationKeys.

Text is cleaned for every format alike: terminal and other control
characters, bidi overrides and byte-order marks dropped, whitespace (line
breaks included: RIS is a line a field) made single spaces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kzkb.model import Record
from kzkb.settings.config import Config

# Cc (C0, DEL, C1) as a space, bidi embeddings, overrides and isolates, the
# BOM and noncharacters dropped, lone surrogates (YAML's "\ud800") as U+FFFD: none is text
# a citation can show, and a surrogate cannot even be written as UTF-8
_CLEAN: dict[int, Any] = {
    **dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " "),
    **dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]),
    # Unicode's noncharacters: never text (the renderer uses three internally)
    **dict.fromkeys([*range(0xFDD0, 0xFDF0), 0xFFFE, 0xFFFF]),
    **dict.fromkeys(range(0xD800, 0xE000), "\ufffd"),
}


def clean(value: Any) -> str:
    """Front-matter text as a citation field holds it (see the module doc)."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.translate(_CLEAN).split())


# what a URL may not hold as it is (RFC 3986): percent-encoded, the rest kept
_URL_UNSAFE = {ord(c): f"%{ord(c):02X}" for c in ' "<>\\^`{|}'}


def clean_url(value: str) -> str:
    return clean(value).translate(_URL_UNSAFE)


# CSL item types, and what RIS and biblatex call the same thing
CSL_TYPES = ("webpage", "dataset", "report", "article")
RIS_TYPES = {"webpage": "ELEC", "dataset": "DATA", "report": "RPRT", "article": "JOUR"}
BIBTEX_TYPES = {"webpage": "online", "dataset": "dataset", "report": "report", "article": "article"}

# a category or data type naming a source of data (folded: case, - and _ alike)
DATA_WORDS = frozenset(
    {"statistics", "quantitative", "data", "dataset", "datasets", "data source", "survey",
     "surveys", "census", "open data", "statistics portal"}
)  # fmt: skip


def _words(labels: Iterable[str]) -> set[str]:
    return {
        " ".join(label.casefold().replace("-", " ").replace("_", " ").split()) for label in labels
    }


def citation_type(record: Record) -> str:
    """The CSL type of a record (see the module doc)."""
    if record.kind == "source":
        categories = _words(
            [*record.terms.get("category", []), *record.term_labels.get("category", [])]
        )
        types = _words(record.term_labels.get("data_type", []))
        if categories & DATA_WORDS or (types and types <= DATA_WORDS):
            return "dataset"
        return "webpage"
    if record.kind == "document":
        types = _words(record.term_labels.get("data_type", []))
        return "article" if "news" in types and "reports" not in types else "report"
    return "webpage"


@dataclass(frozen=True, slots=True)
class Citation:
    key: str
    type: str  # one of CSL_TYPES
    title: str
    authors: tuple[str, ...]  # organisations (or people), each a literal name
    publisher: str
    container: str  # the site a guide is a page of
    url: str
    issued: dt.date | None
    accessed: dt.date | None
    language: str  # BCP 47, "" when the record's lang is none
    abstract: str
    keywords: tuple[str, ...]


def keyword_text(keywords: Iterable[str]) -> str:
    """Keywords as CSL's `keyword` and biblatex's `keywords` hold them: one
    string, comma-separated; a comma inside a tag becomes a semicolon, so
    the tag stays one keyword when Zotero or biber split the string."""
    return ", ".join(k.replace(",", ";") for k in keywords)


_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def bcp47(lang: str) -> str:
    tag = lang.strip().replace("_", "-")
    return tag if _LANG.fullmatch(tag) else ""


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _names(value: Any) -> tuple[str, ...]:
    """An author-like front-matter field (text or a list of text) as names."""
    items = value if isinstance(value, list) else [value]
    return tuple(name for name in (clean(item) for item in items) if name)


# Kazakh and Russian Cyrillic in ASCII, for keys: as Kazakhstan's passports
# spell names (ISO 9-like, ә → a, қ → q, ұ ү → u, ң → n)
_TRANSLIT = str.maketrans(
    {
        "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
        "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
        "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
        "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
        "ю": "iu", "я": "ia",
    }
)  # fmt: skip
_NOT_KEY = re.compile(r"[^a-z0-9_.:-]+")


def ascii_key(slug: str) -> str:
    """A slug as a citation key every tool takes: ASCII letters, digits and
    - _ . : only (BibTeX's keys, Pandoc's @key), lower case."""
    text = slug.casefold()
    if not text.isascii():  # most slugs are: no letter to take apart
        text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_KEY.sub("-", text).strip("-.:") or "record"


def base_key(url: str, lang: str, default_lang: str) -> str:
    """A record's key before disambiguation: its slug, and -lang for a
    translation (the guides in kk and ru share the English one's slug)."""
    key = ascii_key(url.rstrip("/").rsplit("/", 1)[-1])
    return key if lang == default_lang else f"{key}-{ascii_key(lang)}"


_KIND_RANK = {"source": 0, "document": 1, "guide": 2, "page": 3, "section": 4}


class CitationKeys:
    """Each record's key, unique in the whole KB (not only among those
    exported, so a key never depends on the filters).

    Records of one base key are ranked by kind (a source before a document
    before a guide), then the shorter path, then the path: the first keeps
    the base key, each other gets -kind, or -kind and six letters of its
    path's hash when that is taken too. So a key depends on the record and
    the records of its own name alone: adding a record of another name
    changes no key, and one of the same name takes the base key only from
    a record it outranks."""

    def __init__(self, records: Iterable[tuple[str, str, str, str]], default_lang: str) -> None:
        """records: (path, url, lang, kind) of every record of the KB."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for path, url, lang, kind in records:
            groups.setdefault(base_key(url, lang, default_lang), []).append((path, kind))
        self.default_lang = default_lang
        # only the records not keyed by their base key: a few, kept
        self.renamed: dict[str, str] = {}
        taken = set(groups)
        for base, members in groups.items():
            if len(members) == 1:
                continue
            members.sort(key=lambda m: (_KIND_RANK.get(m[1], 9), m[0].count("/"), m[0]))
            for path, kind in members[1:]:
                key = f"{base}-{ascii_key(kind)}"
                if key in taken:
                    key += "-" + hashlib.sha1(path.encode("utf-8", "replace")).hexdigest()[:6]
                n = 2
                while key in taken:
                    key, n = f"{key.rsplit('~', 1)[0]}~{n}", n + 1
                taken.add(key)
                self.renamed[path] = key

    def key(self, record: Record) -> str:
        found = self.renamed.get(record.path)
        return found or base_key(record.url, record.lang, self.default_lang)


class Organisations:
    """The name of the organisation a document's `source:` field names (a
    source record's slug). The first lookup reads where each source record
    is (one query, a path per source kept); each name is then read once,
    by its path: a query per document, by slug, took 10 ms each at 20,000
    records, as the URL's last segment has no index."""

    def __init__(self, index: Any, default_lang: str) -> None:
        self.index = index
        self.default_lang = default_lang
        self.paths: dict[str, str] | None = None
        self.names: dict[str, str] = {}

    def name(self, slug: str) -> str:
        if self.index is None or not slug or "/" in slug:
            return ""
        if self.paths is None:
            located = self.index.records.of_kind("source")
            # the default language's record first, then the shorter path
            located.sort(key=lambda r: (r.lang != self.default_lang, r.path.count("/"), r.path))
            self.paths = {}
            for r in located:
                self.paths.setdefault(r.url.rstrip("/").rsplit("/", 1)[-1].casefold(), r.path)
        key = slug.casefold()
        if key not in self.names:
            path = self.paths.get(key)
            found = self.index.records.by_path(path) if path is not None else []
            self.names[key] = clean(found[0].title) if found else ""
        return self.names[key]


def keys_of_index(index: Any, default_lang: str) -> CitationKeys:
    refs = index.records.record_ids()
    return CitationKeys(((p, r.url, r.lang, r.kind) for p, r in refs.items()), default_lang)


def _tag_taxonomy(config: Config) -> str:
    for singular, plural in config.taxonomies.items():
        if "tag" in (singular, plural) or "tags" in (singular, plural):
            return singular
    return "tag"


class Mapper:
    """citation_of(record) for one KB: its settings, its keys, its organisations."""

    def __init__(self, config: Config, index: Any = None, kb_keys: bool = True) -> None:
        """kb_keys: keys unique in the whole KB (a pass over its records), as
        an export needs; without, unique among the records mapped (cite)."""
        self.config = config
        self.keys = None
        if index is not None and kb_keys:
            self.keys = keys_of_index(index, config.default_language)
        self.seen: set[str] = set()  # keys given so far, without an index
        self.given: dict[str, str] = {}  # and to which record
        self.organisations = Organisations(index, config.default_language)
        self.tags = _tag_taxonomy(config)
        self.site = clean(config.title)

    def key(self, record: Record) -> str:
        if self.keys is not None:
            return self.keys.key(record)
        # no index to see the whole KB: unique among the records given (the
        # same record given twice, the same key)
        if record.path in self.given:
            return self.given[record.path]
        key = base_key(record.url, record.lang, self.config.default_language)
        if key in self.seen:
            key += "-" + hashlib.sha1(record.path.encode("utf-8", "replace")).hexdigest()[:6]
        self.seen.add(key)
        self.given[record.path] = key
        return key

    def citation_of(self, record: Record) -> Citation:
        fields = record.fields
        kind = record.kind
        authors = _names(fields.get("author")) or _names(fields.get("publisher"))
        if not authors:
            if kind == "source":
                authors = _names(record.title)
            elif kind == "document":
                authors = _names(self.organisations.name(clean(fields.get("source"))))
            elif kind == "guide":
                authors = _names(fields.get("contributor"))
        date, created = _date(fields.get("date")), _date(fields.get("created"))
        if kind == "document":
            issued, accessed = date, created
        elif kind == "source":
            issued, accessed = None, date or created
        else:
            issued, accessed = date or created, None
        if record.website:
            url = clean_url(record.website)
        else:
            base = self.config.base_url_for(record.lang)
            url = clean_url(base.rstrip("/") + "/" + record.url.lstrip("/")) if base else ""
        return Citation(
            key=self.key(record),
            type=citation_type(record),
            title=clean(record.title) or clean(record.path),
            authors=authors,
            publisher=clean(fields.get("publisher"))
            if isinstance(fields.get("publisher"), str)
            else "",
            container=self.site if kind in ("guide", "page", "section") else "",
            url=url,
            issued=issued,
            accessed=accessed,
            language=bcp47(record.lang),
            abstract=clean(record.description),
            keywords=tuple(
                t for t in (clean(x) for x in record.term_labels.get(self.tags, [])) if t
            ),
        )


def citations(records: Iterable[Record], config: Config, index: Any = None) -> Iterator[Citation]:
    """Each record's Citation, one at a time; `index` (the KB's) makes keys
    unique in the whole KB and finds documents' organisations."""
    mapper = Mapper(config, index)
    for record in records:
        yield mapper.citation_of(record)
