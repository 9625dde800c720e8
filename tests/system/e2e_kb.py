"""A KB made by bench/generate.py, with known defects added, and what every
kzkb command must find in it — worked out here from the files themselves,
never from kzkb's answers.

`build(root, n)` writes the KB and returns an `Expected`. The generator's own
records are read back with PyYAML and a regular expression for links (its
bodies hold no code, so every `[text](target)` is a link); the records this
module adds are written line by line, so their defects' lines are known.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import posixpath
import re
import sys
import textwrap
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "bench" / "generate.py"
# the generator writes guides in these two; build() keeps the kzkb.toml it copies from
# kb/ (which also has "ru") to them
LANGUAGES = ("en", "kk")
TAXONOMIES = {
    "category": "category",
    "country": "countries",
    "tag": "tags",
    "language": "language",
    "data_type": "data_type",
}
CATEGORY_LABELS = {  # kb/kzkb.toml's [[terms.category]]
    "ingo": "International NGO",
    "local-ngo": "Local NGO",
    "government": "Government",
    "state-media": "State media",
    "state-affiliated-media": "State-affiliated media",
    "regional-media": "Regional media",
    "local-media": "Local media",
    "independent-media": "Independent media",
    "social-media": "Social media",
}
KINDS = {"guides": "guide", "sources": "source", "documents": "document"}

# --- what a finding is -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkFinding:
    file: str
    line: int
    column: int
    target: str
    severity: str
    reason: str  # how kzkb's reason starts (README, `kzkb check-links`)


@dataclass(frozen=True, slots=True)
class LintFinding:
    file: str
    line: int
    rule: str
    severity: str
    fixable: bool = False


@dataclass(slots=True)
class Rec:
    """A record as `list --format json` must show it."""

    path: str
    url: str
    kind: str
    lang: str
    title: str
    terms: dict[str, list[str]]  # front-matter field -> terms as written
    created: dt.date | None  # None: missing or not a date
    text: str  # title, description and body, for checking search hits
    anchors: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Link:
    file: str
    line: int
    column: int
    target: str


@dataclass(slots=True)
class Expected:
    root: Path
    generated: dict[str, Any]  # the generator's report (its marker file)
    records: dict[str, Rec]
    skipped: dict[str, tuple[int, str]]  # path -> (line, what the reason says)
    links: list[Link]  # every internal link of every record
    link_findings: set[LinkFinding]
    orphans: set[str]
    untranslated: dict[str, str]  # guide path -> the translation check-links says to add
    lint: set[LintFinding]  # every finding but near-duplicates
    injected_duplicates: set[tuple[str, str]]
    fixed_files: dict[str, bytes]  # files `lint --fix` must change, as it must leave them
    generated_paths: set[str]
    injected_paths: set[str]

    def with_term(self, field_name: str, slug: str) -> set[str]:
        return {
            p
            for p, r in self.records.items()
            if slug in {term_slug(v) for v in r.terms.get(field_name, [])}
        }

    def backlinks(self, path: str) -> set[str]:
        rec = self.records[path]
        return {
            link.file for link in self.links if link.file != path and _link_points_at(link, rec)
        }


def _link_points_at(link: Link, rec: Rec) -> bool:
    target = link.target.split("#", 1)[0]
    if target.lower().endswith(".md"):
        base = posixpath.dirname(link.file)
        return posixpath.normpath(posixpath.join(base, target)) == rec.path
    return target.startswith("/") and _normal(target) == rec.url


# --- Hugo's rules, as far as this KB needs them -----------------------------------------


def term_slug(term: str) -> str:
    return "-".join(term.strip().lower().split())


def page_url(path: str) -> tuple[str, str]:
    """(URL, lang) of a content file: `a/b.md` -> /a/b/, `a/b.kk.md` -> /kk/a/b/,
    `a/_index.md` -> /a/."""
    parts = path.removesuffix(".md").split("/")
    lang = "en"
    stem, _, suffix = parts[-1].rpartition(".")
    if stem and suffix in LANGUAGES:
        lang, parts[-1] = suffix, stem
    if parts[-1] == "_index":
        parts.pop()
    prefix = "" if lang == "en" else f"/{lang}"
    return (prefix + "/" + "/".join(parts) + "/").lower(), lang


def kind_of(path: str) -> str:
    if path.endswith("/_index.md"):
        return "section"
    return KINDS.get(path.split("/", 1)[0], "page") if "/" in path else "page"


def heading_anchor(text: str) -> str:
    """Goldmark's anchor: letters and digits lower-cased, spaces to hyphens."""
    out = []
    for ch in text.strip():
        if ch == "-" or ch.isspace():
            out.append("-")
        elif ch == "_" or unicodedata.category(ch)[0] in "LN":
            out.append(ch.lower())
    return "".join(out)


def _normal(url: str) -> str:
    url = url.lower()
    return url if url.endswith("/") else url + "/"


_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)\)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_HEADING = re.compile(r"^#{1,6} +(.+?) *$")
_BARE_HOST = re.compile(r"^(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/|$)", re.I)


def body_links(path: str, lines: list[str], first: int) -> list[Link]:
    """The links of body lines (file line `first` on), outside code."""
    out = []
    fenced = False
    for number, line in enumerate(lines, first):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = _CODE_SPAN.sub(lambda m: " " * len(m.group()), line)
        for m in _LINK.finditer(line):
            target = m.group(2)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("//"):
                out.append(Link(path, number, m.start(2) + 1, target))
    return out


# --- the generator -----------------------------------------------------------------------


def generator() -> ModuleType:
    """bench/generate.py, imported from its file: it runs as a script too."""
    name = "kzkb_bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, GENERATOR)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[name]


def _split(text: str) -> tuple[str, list[str], int]:
    """(front matter, body lines, file line of the first body line) of a
    generated file: `---`, fields, `---`, body."""
    lines = text.split("\n")
    assert lines[0] == "---", lines[0]
    end = lines.index("---", 1)
    return "\n".join(lines[1:end]), lines[end + 1 :], end + 2


def _read_generated(root: Path, rel: str) -> tuple[Rec, list[Link]]:
    text = (root / rel).read_text(encoding="utf-8")
    front, body, first = _split(text)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(front, Loader=loader)
    url, lang = page_url(rel)
    created = data.get("created")
    anchors: list[str] = []
    for line in body:
        m = _HEADING.match(line)
        if m:
            anchors.append(heading_anchor(m.group(1)))
    rec = Rec(
        path=rel,
        url=url,
        kind=kind_of(rel),
        lang=lang,
        title=data["title"],
        terms={f: list(data.get(f) or []) for f in TAXONOMIES.values()},
        created=created if isinstance(created, dt.date) else None,
        text=" ".join([data["title"], str(data.get("description", "")), *body]),
        anchors=_unique(anchors),
    )
    return rec, body_links(rel, body, first)


def _unique(anchors: list[str]) -> set[str]:
    seen: Counter[str] = Counter()
    out = set()
    for a in anchors:
        out.add(a if not seen[a] else f"{a}-{seen[a]}")
        seen[a] += 1
    return out


# --- the defects -------------------------------------------------------------------------


@dataclass(slots=True)
class Injected:
    path: str
    data: bytes
    rec: Rec | None  # None: a file kzkb cannot use
    lint: list[LintFinding] = field(default_factory=list)
    skipped: tuple[int, str] | None = None
    fixed: bytes | None = None  # the file as lint --fix must leave it


def _text(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line holding `needle`."""
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def _front(
    title: str | None,
    *,
    description: str,
    category: str = '["ingo"]',
    countries: str = '["Kazakhstan"]',
    tags: str = '["reports"]',
    language: str = '["English"]',
    data_type: str = '["Reports"]',
    url: str,
    created: str = "2022-03-04",
    title_line: str | None = None,
) -> str:
    lines = ["---"]
    if title_line is not None:
        lines.append(title_line)
    elif title is not None:
        lines.append(f'title: "{title}"')
    lines += [
        f'description: "{description}"',
        f"category: {category}",
        f"countries: {countries}",
        f"tags: {tags}",
        f"language: {language}",
        f"data_type: {data_type}",
        f'url: "{url}"' if url else "",
        f"created: {created}",
        "date: 2024-01-15",
        "---",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def _rec(
    path: str,
    text: str,
    title: str,
    terms: dict[str, list[str]] | None = None,
    *,
    created: dt.date | None = dt.date(2022, 3, 4),
    anchors: set[str] | None = None,
) -> Rec:
    url, lang = page_url(path)
    base = {
        "category": ["ingo"],
        "countries": ["Kazakhstan"],
        "tags": ["reports"],
        "language": ["English"],
        "data_type": ["Reports"],
    }
    base.update(terms or {})
    return Rec(path, url, kind_of(path), lang, title, base, created, text, anchors or set())


BODY = "It collects reports, statistics and interviews on women's rights in Mangystau.\n"


def injected() -> list[Injected]:
    """Every file this module adds, with what kzkb must make of it."""
    out: list[Injected] = []

    def add(
        path: str,
        text: str,
        rec: Rec | None,
        lint: list[tuple[str, int, str, bool]] | None = None,
        *,
        data: bytes | None = None,
        skipped: tuple[int, str] | None = None,
        fixed: str | None = None,
    ) -> None:
        """`lint`: (rule, line, severity, fixable) of each finding lint must make."""
        findings = [LintFinding(path, line, rule, sev, fix) for rule, line, sev, fix in lint or []]
        raw = data if data is not None else text.encode("utf-8")
        after = fixed.encode("utf-8") if fixed is not None else None
        out.append(Injected(path, raw, rec, findings, skipped, after))

    # A source with headings that links point into (Latin and Cyrillic
    # anchors), and words no generated record has, for search.
    path = "sources/sources/e2e_qarlygash.md"
    terms = {
        "category": ["local-ngo"],
        "tags": ["gender-based-violence", "survivors"],
        "language": ["Kazakh", "Russian"],
    }
    text = _front(
        "Qarlygash Crisis Centre Mangystau",
        description="A shelter and legal clinic for women in Zhanaozen and Aktau.",
        category='["local-ngo"]',
        tags='["gender-based-violence", "survivors"]',
        language='["Kazakh", "Russian"]',
        url="https://e2e-qarlygash.example.org/",
    ) + _text("""

        Qarlygash (Қарлығаш) runs a shelter in Zhanaozen, where the oil workers
        who went on strike in 2011 still live. Its newsletter is called Шұғыла.

        ## Annual reports

        Each year it publishes the cases it took on.

        ## Шолу

        Қысқаша шолу.
    """)
    anchors = {"annual-reports", "шолу"}
    add(path, text, _rec(path, text, "Qarlygash Crisis Centre Mangystau", terms, anchors=anchors))

    # A guide without its Kazakh translation, linking to the source above in
    # every way a link may: URL, #anchor (both scripts), Markdown path.
    path = "guides/e2e_mangystau.md"
    text = _front(
        "Mangystau and Zhanaozen: a field guide",
        description="Where to start on labour and women's rights in Mangystau.",
        category='["local-ngo"]',
        tags='["guides", "labour"]',
        url="https://e2e-mangystau.example.org/",
    ) + _text("""

        Start with [Qarlygash](/sources/sources/e2e_qarlygash/) and its
        [annual reports](/sources/sources/e2e_qarlygash/#annual-reports), or the
        [Kazakh overview](/sources/sources/e2e_qarlygash/#шолу).
        The same record by its file: [Qarlygash](../sources/sources/e2e_qarlygash.md).
        Browse the [local NGOs](/category/local-ngo/) and the other [guides](/guides/).
    """)
    terms = {"category": ["local-ngo"], "tags": ["guides", "labour"]}
    add(path, text, _rec(path, text, "Mangystau and Zhanaozen: a field guide", terms))

    # A source no record links to.
    path = "sources/sources/e2e_orphan.md"
    text = _front(
        "Aral Sea Women's Water Council",
        description="A council of women from Aralsk who monitor drinking water.",
        category='["local-ngo"]',
        url="https://e2e-aral.example.org/",
    ) + ("\n" + BODY)
    add(path, text, _rec(path, text, "Aral Sea Women's Water Council", {"category": ["local-ngo"]}))

    # Broken links of every kind, and working ones that must stay unreported.
    path = "documents/e2e_broken_links.md"
    text = _front(
        "Sampler of broken links in Mangystau sources",
        description="A record that links badly in each way check-links knows.",
        url="https://e2e-broken.example.org/",
    ) + _text("""

        An [older record](/sources/sources/e2e_no_such_record/) is gone.
        The [local NGOs](/category/local-ngoo/) term is mistyped.
        Its [annual report](/sources/sources/e2e_qarlygash/#annual-report) heading too.
        The [Annual Reports](/sources/sources/e2e_qarlygash/#Annual-Reports) has the wrong case.
        Their [Facebook](facebook.com/qarlygash) page has no https://.
        Code is never checked: `[code](/nowhere/in/a/code/span/)`.

        ```text
        [fenced](/nowhere/in/a/fence/)
        ```

        These work: [the centre](/sources/sources/e2e_qarlygash/), [INGOs](/category/ingo/),
        [tags](/tags/), [home](/), [Kazakh home](/kk/), [sources](/sources/).
    """)
    add(path, text, _rec(path, text, "Sampler of broken links in Mangystau sources"))

    # --- lint: one defect a file, each file otherwise clean ------------------------------

    def doc(slug: str, title: str | None, **fields: Any) -> tuple[str, str]:
        """A document's path and text: front matter, then BODY."""
        fields.setdefault("description", f"A document of the {title or slug} series.")
        url = f"https://{slug.replace('_', '-')}.example.org/"
        front = _front(title, url=url, **fields)
        return f"documents/{slug}.md", front + "\n" + BODY

    title = "Tengri Foundation Annual Review"
    path, text = doc("e2e_curly", None, title_line=f"title: “{title}”")
    add(
        path,
        text,
        _rec(path, text, title),
        [("curly-quotes", 2, "warning", True)],
        fixed=text.replace(f"“{title}”", f'"{title}"'),
    )

    title = "Balkhash Miners Health Survey"
    path, text = doc("e2e_title_list", None, title_line=f'title: ["{title}"]')
    add(
        path,
        text,
        _rec(path, text, title),
        [("field-type", 2, "error", True)],
        fixed=text.replace(f'["{title}"]', f'"{title}"'),
    )

    title = "Kostanay Grain Cooperative Ledger"
    path, text = doc("e2e_invalid_date", title, created="2023-13-45")
    lint = [("invalid-date", line_of(text, "created:"), "error", False)]
    add(path, text, _rec(path, text, title, created=None), lint)

    title = "Ekibastuz Coal Town Oral Histories"
    path = "documents/e2e_url_scheme.md"
    text = _front(title, description="Interviews with Ekibastuz miners.", url="e2e-ekibastuz.kz")
    text += "\n" + BODY
    rec = _rec(path, text, title)
    # Hugo: a `url` without a leading slash is relative to the site root, and
    # one that ends in an extension names a file, not a folder
    rec.url = "/e2e-ekibastuz.kz"
    add(path, text, rec, [("url-scheme", line_of(text, "url:"), "error", False)])

    title = "Semipalatinsk Test Site Survivors Register"
    path, text = doc("e2e_unknown_term", title, category='["state-medai"]')
    lint = [("unknown-term", line_of(text, "category:"), "error", False)]
    add(path, text, _rec(path, text, title, {"category": ["state-medai"]}), lint)

    path, text = doc("e2e_missing_title", None, description="A document that lost its title.")
    closing = text.split("\n").index("---", 1) + 1  # the line of the closing ---
    # no title: the file name, as Hugo's .Title would be
    add(
        path,
        text,
        _rec(path, text, "e2e missing title"),
        [("required-field", closing, "error", False)],
    )

    title = "Turkistan Pilgrim Route Guidebook"
    path, text = doc("e2e_bom", title)
    lint = [("bom", 1, "warning", True)]
    add(path, text, _rec(path, text, title), lint, data=b"\xef\xbb\xbf" + text.encode(), fixed=text)

    path = "documents/e2e_escaped.md"
    front = _text(r"""
        \-\-\-
        title: "Baikonur Cosmodrome Workers Archive"
        description: "Letters of the workers of Baikonur."
        category: \["ingo"\]
        countries: \["Kazakhstan"\]
        data\_type: \["Reports"\]
        url: "https://e2e-escaped.example.org/"
        \-\-\-
    """)
    body = "\n# Baikonur archive\n\n" + BODY
    text = front + body
    # no front matter as far as Hugo is concerned: the title is the # heading
    no_terms = {field: [] for field in TAXONOMIES.values()}
    rec = _rec(path, text, "Baikonur archive", no_terms, created=None, anchors={"baikonur-archive"})
    unescaped = re.sub(r"\\(.)", r"\1", front)
    add(path, text, rec, [("escaped-front-matter", 1, "error", True)], fixed=unescaped + body)

    for slug, title in (
        ("e2e_duplicate_a", "Zhanaozen Oil Workers Strike Report 2011"),
        ("e2e_duplicate_b", "Zhanaozen Oil Workers' Strike Report, 2011"),
    ):
        path, text = doc(slug, title)
        add(path, text, _rec(path, text, title))

    title = "Ust-Kamenogorsk Zinc Plant Inspection"
    path, text = doc("e2e_empty_body", title)
    text = text.removesuffix("\n" + BODY)
    body_line = len(text.split("\n"))  # the line after the closing ---
    add(path, text, _rec(path, text, title), [("empty-body", body_line, "warning", False)])

    title = "Taraz Sugar Beet Growers Union"
    path, text = doc("e2e_term_spelling", title, category='["Local NGO"]')
    add(
        path,
        text,
        _rec(path, text, title, {"category": ["Local NGO"]}),
        [("term-spelling", line_of(text, "category:"), "warning", True)],
        fixed=text.replace('["Local NGO"]', '["local-ngo"]'),
    )

    # --- files no command can use --------------------------------------------------------

    path, text = doc("e2e_latin1", "Latin-1 Saved Report")
    text += "Café in Almaty.\n"
    line = line_of(text, "Café")
    lint = [("front-matter-syntax", line, "error", False)]
    latin1 = text.encode().replace("é".encode(), "é".encode("latin-1"))
    add(path, text, None, lint, data=latin1, skipped=(line, "not UTF-8"))

    path, text = doc("e2e_nul", "Binary Saved Report")
    text += "A body\nwith a NUL \x00 byte.\n"
    line = line_of(text, "\x00")
    # lint has no rule for it (yet): what the index skips, lint must report
    add(
        path,
        text,
        None,
        [("front-matter-syntax", line, "error", False)],
        skipped=(line, "NUL byte"),
    )

    path = "documents/e2e_bad_yaml.md"
    text = "---\ntitle: Bad YAML report\ndescription: it says: this breaks\n---\n\n" + BODY
    line = line_of(text, "description:")
    lint = [("front-matter-syntax", line, "error", False)]
    add(path, text, None, lint, skipped=(line, "invalid YAML"))

    path = "documents/e2e_empty.md"
    # no command reads it, and lint says so: not a record (issue 16)
    add(path, "", None, [("unreadable", 1, "error", False)], skipped=(1, "empty file"))
    return out


# --- the whole KB ------------------------------------------------------------------------


def build(root: Path, n: int) -> Expected:
    gen = generator()
    gen.generate(root, n, gen.DEFAULT_SEED)
    config = root / "kzkb.toml"
    text = config.read_text(encoding="utf-8")
    languages = "languages = [" + ", ".join(f'"{lang}"' for lang in LANGUAGES) + "]"
    config.write_text(re.sub(r"^languages = .*$", languages, text, count=1, flags=re.M), "utf-8")
    report = gen.read_marker(root)
    assert report is not None
    generated = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md"))
    assert len(generated) == n

    records: dict[str, Rec] = {}
    links: list[Link] = []
    for rel in generated:
        rec, found = _read_generated(root, rel)
        records[rel] = rec
        links += found

    extra = injected()
    skipped: dict[str, tuple[int, str]] = {}
    lint: set[LintFinding] = set()
    fixed: dict[str, bytes] = {}
    for item in extra:
        target = root / item.path
        assert not target.exists(), item.path
        target.write_bytes(item.data)
        lint.update(item.lint)
        if item.fixed is not None:
            fixed[item.path] = item.fixed
        if item.rec is None:
            assert item.skipped is not None
            skipped[item.path] = item.skipped
            continue
        records[item.path] = item.rec
        text = item.data.decode("utf-8-sig")
        lines = text.split("\n")
        first = lines.index("---", 1) + 2 if lines[0] == "---" else 1
        links += body_links(item.path, lines[first - 1 :], first)

    resolve = _Resolver(records)
    link_findings = {f for link in links if (f := resolve(link)) is not None}
    linked: set[str] = set()
    for link in links:
        target = link.target.split("#", 1)[0]
        if target.lower().endswith(".md"):
            to = posixpath.normpath(posixpath.join(posixpath.dirname(link.file), target))
        else:
            found = resolve.by_url.get(_normal(target)) if target.startswith("/") else None
            to = found.path if found else ""
        if to and to != link.file:
            linked.add(to)
    orphans = {p for p, r in records.items() if r.kind == "source" and p not in linked}

    untranslated = {}
    for p, r in records.items():
        if r.kind != "guide":
            continue
        stem = p.removesuffix(".md").removesuffix(".kk")
        other = f"{stem}.md" if r.lang == "kk" else f"{stem}.kk.md"
        if other not in records:
            untranslated[p] = other

    return Expected(
        root=root,
        generated=report,
        records=records,
        skipped=skipped,
        links=links,
        link_findings=link_findings,
        orphans=orphans,
        untranslated=untranslated,
        lint=lint,
        injected_duplicates={("documents/e2e_duplicate_a.md", "documents/e2e_duplicate_b.md")},
        fixed_files=fixed,
        generated_paths=set(generated),
        injected_paths={i.path for i in extra},
    )


class _Resolver:
    """The finding check-links must make for one internal link, if any."""

    def __init__(self, records: dict[str, Rec]) -> None:
        self.records = records
        self.by_url = {r.url: r for r in records.values()}
        # pages Hugo makes by itself: homes, taxonomy lists, the terms in use
        self.pages = {"/", "/kk/"}
        for plural in TAXONOMIES.values():
            self.pages |= {f"/{plural}/", f"/kk/{plural}/"}
        for r in records.values():
            prefix = "" if r.lang == "en" else f"/{r.lang}"
            for plural, values in r.terms.items():
                self.pages |= {f"{prefix}/{plural}/{term_slug(v)}/" for v in values}

    def __call__(self, link: Link) -> LinkFinding | None:
        target = link.target
        path, _, fragment = target.partition("#")

        def finding(reason: str, severity: str = "error") -> LinkFinding:
            return LinkFinding(link.file, link.line, link.column, target, severity, reason)

        if path.lower().endswith(".md"):
            to = posixpath.normpath(posixpath.join(posixpath.dirname(link.file), path))
            rec = self.records.get(to)
            if rec is None:
                return finding("no such file in the KB")
        elif not path.startswith("/"):
            if _BARE_HOST.match(path):
                return finding("no such page: a web address without https://")
            return finding("no such page")
        else:
            url = _normal(path)
            rec = self.by_url.get(url)
            if rec is None:
                if url in self.pages:
                    return None
                parts = url.strip("/").split("/")
                if len(parts) == 2 and parts[0] == "category":
                    return finding(f"unknown category term {parts[1]!r}")
                return finding("no such page")
        if fragment and fragment not in rec.anchors and fragment != "top":
            if fragment.lower() in {a.lower() for a in rec.anchors}:
                return finding("heading differs in case", "warning")
            return finding("no such heading")
        return None
