"""schema.org JSON-LD (`kzkb export --format jsonld`): each record as the
thing it describes, the whole KB as a Dataset naming the graph of them.

- type: a source is an organisation by its category (`GovernmentOrganization`
  for government, `NewsMediaOrganization` for a media category, `NGO` for a
  (local) NGO category, else `Organization`: international organisations
  (ingo) hold intergovernmental ones too, which are no NGO), or a `Dataset` when it is a data source
  (a category or data types naming data, the rule the citation formats use);
  a document is a `Report`, or an `Article` when its data types say news and
  not reports; a guide, section or page a `WebPage`.
- `name` in every language the KB has the record in (its translations'
  titles, each tagged with its language), `description` in its own.
- `url`: the organisation's or document's own site (http or https only);
  a page's own address for a WebPage. The record's page on the KB's site is
  `mainEntityOfPage`, and `@id` is that page's address with a fragment.
- countries: `areaServed` of an organisation, `spatialCoverage` of a
  creative work, each a schema.org Country with its name. Tags:
  `knowsAbout` of an organisation, `keywords` of a work. The `language`
  taxonomy (the languages it publishes in): `knowsLanguage` of an
  organisation, `inLanguage` of a work (else the record's own language) —
  schema.org gives each property to those types only.
- `sameAs`: the Wikidata item of a `wikidata:` field, when it is a Q-id.

The output streams: the Dataset's head, then the items one by one, then
its end. Every "<", ">" and "&" is written as a JSON escape, so a record's
text cannot close the <script> a page embeds it in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from kzkb.hugo.paths import translation_paths
from kzkb.model import Record
from kzkb.settings.config import Config
from kzkb.urls import normalize_url

CONTEXT = "https://schema.org/"
MEDIA = "media"
DATA_WORDS = frozenset(
    {"statistics", "quantitative", "data", "dataset", "datasets", "data source", "survey",
     "surveys", "census", "open data", "statistics portal"}
)  # fmt: skip
ORGANISATIONS = ("NGO", "GovernmentOrganization", "NewsMediaOrganization", "Organization")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_WEB = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f<>\"{}|\\^`]+", re.IGNORECASE)
_QID = re.compile(r"Q[1-9][0-9]{0,11}")
# what would end a <script> or start a comment in it, and JavaScript's own
# line ends, written as JSON escapes
_SCRIPT_SAFE = (
    ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
)  # fmt: skip


def script_json(value: Any) -> str:
    """`value` (text, lists and tables of it) as JSON safe inside an HTML
    <script>: no "</script>", no "<!--"."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for char, escape in _SCRIPT_SAFE:
        if char in text:  # most items hold none: str.replace scans at memory speed
            text = text.replace(char, escape)
    return text


def _words(labels: Iterable[str]) -> set[str]:
    return {" ".join(x.casefold().replace("-", " ").replace("_", " ").split()) for x in labels}


def schema_type(record: Record) -> str:
    """The schema.org type of a record (see the module doc)."""
    categories = _words(
        [*record.terms.get("category", []), *record.term_labels.get("category", [])]
    )
    types = _words(record.term_labels.get("data_type", []))
    if record.kind == "source":
        if categories & DATA_WORDS or (types and types <= DATA_WORDS):
            return "Dataset"
        if categories & {"government", "state", "state body", "state bodies"}:
            return "GovernmentOrganization"
        if any(MEDIA in c.split() for c in categories):
            return "NewsMediaOrganization"
        # a local NGO; "ingo" is not: it holds intergovernmental bodies too
        # (UN agencies, the OSCE), which schema.org's NGO is not
        if any(
            c.split()[-1:] in (["ngo"], ["ngos"]) and "international" not in c for c in categories
        ):
            return "NGO"
        return "Organization"
    if record.kind == "document":
        return "Article" if "news" in types and "reports" not in types else "Report"
    return "WebPage"


def _source_slug(record: Record) -> str:
    """The source record a document's `source:` field names, by its slug."""
    slug = record.fields.get("source") if record.kind == "document" else None
    return slug if isinstance(slug, str) and slug and "/" not in slug else ""


def language_tag(lang: str) -> str:
    """`lang` as a BCP 47 tag, "" when it cannot be one (the KB names its languages)."""
    tag = lang.strip().replace("_", "-")
    return tag if _LANG.fullmatch(tag) else ""


def _text(value: str, lang: str) -> Any:
    tag = language_tag(lang)
    return {"@value": value, "@language": tag} if tag else value


def web_address(value: Any) -> str:
    return value if isinstance(value, str) and _WEB.fullmatch(value) else ""


class Mapper:
    """Records to schema.org items for one KB: its addresses, its Dataset,
    and (with the KB's index) each record's translations and publishers."""

    def __init__(self, config: Config, index: Any = None) -> None:
        self.config = config
        self.index = index
        base = config.base_url
        self.base = base.rstrip("/") if web_address(base) else ""
        self.kb_id = (self.base or "") + "/#dataset"
        self.publishers: dict[str, str] = {}  # _publishers', a batch's only
        self.folders: list[str] | None = None  # where source records are, by URL
        self.names: dict[str, list[tuple[str, str]]] = {}  # prefetch's, a batch's only
        # each taxonomy the mapping reads, by whichever name the KB gives it
        self.taxonomy = {n: config.taxonomy_for(n) or n for n in ("country", "language", "tag")}

    def terms(self, record: Record, name: str) -> list[str]:
        return record.term_labels.get(self.taxonomy[name], [])

    def page(self, record: Record) -> str:
        """The record's page: absolute under the site's baseURL, else the
        site path (which a page embedding it resolves against itself)."""
        base = web_address(self.config.base_url_for(record.lang)).rstrip("/") or self.base
        return base + record.url

    def dataset(self) -> dict[str, Any]:
        """The KB as a schema.org Dataset, less its items."""
        config = self.config
        out: dict[str, Any] = {"@id": self.kb_id, "@type": "Dataset"}
        out["name"] = config.title or config.root.name
        if config.publish.description:
            out["description"] = config.publish.description
        if config.publish.license is not None:
            out["license"] = config.publish.license.path
        url = self.base + "/" if self.base else web_address(config.publish.source)
        if url:
            out["url"] = url
        languages = [t for t in map(language_tag, config.languages) if t]
        if languages:
            out["inLanguage"] = languages
        return out

    def prefetch(self, records: list[Record]) -> None:
        """Look up the translations of `records` at once (two queries, not
        two a record and language); translations() reads what this found."""
        self.names = {record.path: [] for record in records}
        self._publishers(records)
        if self.index is None or len(self.config.languages) < 2:
            return
        config = self.config
        asked: list[tuple[Record, str, list[str], str]] = []
        for record in records:
            prefix = config.url_prefix(record.lang)
            own = record.url
            if prefix and own.startswith(prefix + "/"):
                own = own[len(prefix) :]
            for lang in config.languages:
                if lang != record.lang:
                    url = normalize_url(config.url_prefix(lang) + own)
                    asked.append((record, lang, translation_paths(record.path, config, lang), url))
        rows = self.index.records.titles_at(
            sorted({p for _, _, paths, _ in asked for p in paths}),
            sorted({url for _, _, _, url in asked}),
        )
        by_path = {path: (lang, title) for path, _, lang, title, _ in rows}
        by_url: dict[str, list[tuple[str, str, str]]] = {}
        for path, url, lang, title, _ in rows:
            by_url.setdefault(url, []).append((path, lang, title))
        for record, lang, paths, url in asked:
            # as `kzkb show` pairs them: by path less the language, else by URL
            found = [by_path[p][1] for p in paths if p in by_path and by_path[p][0] == lang]
            if not found:
                found = [t for p, la, t in by_url.get(url, []) if la == lang and p != record.path]
            if found:
                self.names[record.path].append((lang, found[0]))

    def translations(self, record: Record) -> list[tuple[str, str]]:
        """(lang, title) of the same page in the KB's other languages."""
        if record.path not in self.names:
            self.prefetch([record])
        return self.names[record.path]

    def publisher(self, record: Record) -> str:
        """The organisation a document's `source:` field names (a source's slug)."""
        if record.path not in self.names:
            self.prefetch([record])
        return self.publishers.get(_source_slug(record), "")

    def _publishers(self, records: list[Record]) -> None:
        """The titles of the sources the documents of `records` name: each
        slug looked up at the folders sources are in (a slug is a URL's last
        segment), the default language's first. A batch's only: memory flat."""
        self.publishers = {}
        slugs = {slug for slug in map(_source_slug, records) if slug}
        if self.index is None or not slugs:
            return
        if self.folders is None:
            self.folders = self.index.records.url_folders("source")
        urls = {f"{folder}{slug.casefold()}/": slug for slug in slugs for folder in self.folders}
        names = list(urls)
        default = self.config.default_language
        found: list[tuple[bool, str, str, str]] = []
        for i in range(0, len(names), 5000):  # within SQLite's bound on parameters
            for path, url, lang, title, kind in self.index.records.titles_at(
                urls=names[i : i + 5000]
            ):
                if kind == "source":
                    found.append((lang != default, path, urls[url], title))
        for _, _, slug, title in sorted(found):
            self.publishers.setdefault(slug, title)

    def item(self, record: Record) -> dict[str, Any]:
        kind = schema_type(record)
        organisation = kind in ORGANISATIONS
        page = self.page(record)
        out: dict[str, Any] = {"@id": page if kind == "WebPage" else f"{page}#{kind.lower()}"}
        out["@type"] = kind
        names = [_text(record.title, record.lang)] if record.title else []
        names += [_text(title, lang) for lang, title in self.translations(record) if title]
        if names:
            out["name"] = names[0] if len(names) == 1 else names
        if record.description:
            out["description"] = _text(record.description, record.lang)
        website = web_address(record.website)
        if kind == "WebPage":
            out["url"] = page
        elif website:
            out["url"] = website
        if kind != "WebPage":
            out["mainEntityOfPage"] = page
        countries = [{"@type": "Country", "name": name} for name in self.terms(record, "country")]
        if countries:
            out["areaServed" if organisation else "spatialCoverage"] = countries
        languages = self.terms(record, "language")
        if organisation:
            if languages:
                out["knowsLanguage"] = languages
        else:
            out["inLanguage"] = languages or (language_tag(record.lang) or record.lang)
        tags = self.terms(record, "tag")
        if tags:
            out["knowsAbout" if organisation else "keywords"] = tags
        if kind in ("Report", "Article"):
            publisher = self.publisher(record)
            if publisher:
                out["publisher"] = {"@type": "Organization", "name": publisher}
        if isinstance(record.date, dt.date):
            day = record.date
            out["datePublished" if kind in ("Report", "Article") else "dateModified"] = (
                day.date() if isinstance(day, dt.datetime) else day
            ).isoformat()
        wikidata = record.fields.get("wikidata")
        if isinstance(wikidata, str) and _QID.fullmatch(wikidata.strip()):
            out["sameAs"] = f"https://www.wikidata.org/wiki/{wikidata.strip()}"
        out["isPartOf" if kind == "WebPage" else "subjectOf"] = {"@id": self.kb_id}
        return out


def batches(records: Iterable[Record], size: int = 256) -> Iterator[list[Record]]:
    """The records in lists of `size`: a batch's lookups (translations,
    publishers) are one query each, and memory stays flat in N."""
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_jsonld(records: Iterable[Record], out: IO[str], config: Config, index: Any = None) -> int:
    """The KB's Dataset, its items in "@graph", one a line."""
    mapper = Mapper(config, index)
    head = {"@context": CONTEXT, **mapper.dataset()}
    out.write(script_json(head)[:-1] + ', "@graph": [')
    count = 0
    for batch in batches(records):
        mapper.prefetch(batch)
        lines = [
            ("\n  " if not count and not i else ",\n  ") + script_json(mapper.item(r))
            for i, r in enumerate(batch)
        ]
        out.write("".join(lines))
        count += len(batch)
    out.write("\n]}\n" if count else "]}\n")
    return count


def record_jsonld(mapper: Mapper, record: Record) -> str:
    """One record's item as a page embeds it: with its context, and the
    KB's Dataset named where the item refers to it."""
    item = {"@context": CONTEXT, **mapper.item(record)}
    dataset = mapper.dataset()
    part = "isPartOf" if "isPartOf" in item else "subjectOf"
    item[part] = {k: dataset[k] for k in ("@id", "@type", "name", "license") if k in dataset}
    return script_json(item) + "\n"
