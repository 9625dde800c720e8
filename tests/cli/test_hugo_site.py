"""A Hugo or Docsy site read as it is: its configuration, languages, taxonomies
and permalinks decide each record's language and URL, and check-links
resolves /kk/… and language-less links the way the built site serves them.

Each test writes a small site (hugo.toml, or config/_default/, or YAML/JSON)
and runs kzkb in-process with an index in the tmp folder. Expected languages
and URLs are written out by hand from Hugo's documented rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kzkb.model import KzkbError
from kzkb.settings.config import load_config
from kzkb.settings.find import find_kb
from tests.helpers import record, write_kb

# A Docsy portal: one content folder per language, the default at the root URL.
HUGO_TOML = """\
baseURL = "https://example.org/"
title = "Central Asia gender sources"
defaultContentLanguage = "en"
contentDir = "content/en"

[languages.en]
languageName = "English"
weight = 1
contentDir = "content/en"
[languages.kk]
languageName = "Қазақша"
weight = 2
contentDir = "content/kk"
[languages.ru]
languageName = "Русский"
weight = 3
contentDir = "content/ru"

[taxonomies]
category = "category"
country = "countries"
"""

PAGES = {
    "content/en/_index.md": record("Home"),
    "content/en/guides/kazakhstan.md": record(
        "Kazakhstan",
        "See [Feminita](/sources/sources/feminita/) and [NGOs](/category/local-ngo/).",
    ),
    "content/en/sources/sources/feminita.md": record(
        "Feminita", "A collective.", category='["local-ngo"]'
    ),
    "content/kk/guides/kazakhstan.md": record(
        "Қазақстан",
        "[Феминита](/kk/sources/sources/feminita/), "
        "[English page](/sources/sources/feminita/), "
        "[kk term](/kk/category/local-ngo/), "
        "[missing](/kk/sources/sources/kazfem/).",
    ),
    "content/kk/sources/sources/feminita.md": record("Феминита", "Ұжым.", category='["local-ngo"]'),
    "content/ru/guides/kazakhstan.md": record(
        "Казахстан",
        "[ru term](/ru/category/local-ngo/) [no ru page](/ru/sources/sources/feminita/) "
        '{{< ref "/sources/sources/feminita.md" >}}',
    ),
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "site", {"hugo.toml": HUGO_TOML, **PAGES})


def listed(run: Any, kb: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = run("list", "--kb", str(kb), "--index", str(kb.parent / "i.db"), "-f", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return {r["path"]: r for r in json.loads(result.stdout or "[]")}


def findings(run: Any, kb: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = run(
        "check-links", "--kb", str(kb), "--index", str(kb.parent / "i.db"), "-f", "json", *args
    )
    return result.exit_code, json.loads(result.stdout)["findings"]


def targets(found: list[dict[str, Any]], severity: str = "error") -> set[str]:
    return {f["target"] for f in found if f["severity"] == severity}


def test_every_language_of_a_docsy_site_is_served_with_its_language_and_url(run, site):
    records = listed(run, site)
    got = {path: (r["lang"], r["url"]) for path, r in records.items()}
    assert got == {
        "en/_index.md": ("en", "/"),
        "en/guides/kazakhstan.md": ("en", "/guides/kazakhstan/"),
        "en/sources/sources/feminita.md": ("en", "/sources/sources/feminita/"),
        "kk/guides/kazakhstan.md": ("kk", "/kk/guides/kazakhstan/"),
        "kk/sources/sources/feminita.md": ("kk", "/kk/sources/sources/feminita/"),
        "ru/guides/kazakhstan.md": ("ru", "/ru/guides/kazakhstan/"),
    }
    # kinds still come from the section folder below the language's folder
    assert records["kk/sources/sources/feminita.md"]["kind"] == "source"
    kk = listed(run, site, "--lang", "kk")
    assert set(kk) == {"kk/guides/kazakhstan.md", "kk/sources/sources/feminita.md"}


def test_the_site_title_and_languages_come_from_hugo(site):
    config = load_config(site)
    assert config.title == "Central Asia gender sources"
    assert config.languages == ["en", "kk", "ru"]  # the default first, then by weight
    assert config.content_dir == (site / "content").resolve()
    assert config.taxonomies == {"category": "category", "country": "countries"}


def test_check_links_resolves_language_prefixed_and_language_less_links(run, site):
    code, found = findings(run, site)
    assert code == 1
    assert targets(found) == {
        "/kk/sources/sources/kazfem/",  # no such page in any language
        "/ru/sources/sources/feminita/",  # the page has no Russian translation
        "/ru/category/local-ngo/",  # no Russian record uses the term: Hugo makes no page
    }
    # fine: /sources/sources/feminita/ from the Kazakh page (the English page),
    # /kk/category/local-ngo/ (a Kazakh record uses the term), and the ref,
    # which Hugo resolves to the English page when the Russian one is missing


def test_a_ref_finds_the_page_in_the_page_s_own_language_folder(run, site, tmp_path):
    write_kb(site, {"content/ru/sources/sources/feminita.md": record("Феминита (ru)")})
    _, found = findings(run, site)
    # the ref and /ru/sources/sources/feminita/ both resolve now
    assert "/ru/sources/sources/feminita/" not in targets(found)
    assert not [f for f in found if "ref" in f["reason"]]


def test_a_ref_to_a_page_no_language_has_stops_the_build(run, site):
    write_kb(site, {"content/en/guides/media.md": record("Media", '{{< ref "/sources/x.md" >}}')})
    _, found = findings(run, site)
    reasons = {f["target"]: f["reason"] for f in found if f["severity"] == "error"}
    assert "ref to no such page" in reasons["/sources/x.md"]


def test_a_file_outside_every_language_folder_is_reported_not_served(run, site):
    write_kb(site, {"content/notes.md": record("Notes")})
    result = run("index", "--kb", str(site), "--index", str(site.parent / "i.db"), "-f", "json")
    skipped = json.loads(result.stdout)["skipped"]
    assert [(s["path"], s["line"]) for s in skipped] == [("notes.md", 1)]
    assert "contentDir" in skipped[0]["reason"]
    assert "notes.md" not in listed(run, site)


def test_missing_translations_name_the_language_folder(run, site):
    write_kb(site, {"content/en/guides/media.md": record("Media", "[Home](/)")})
    _, found = findings(run, site, "--strict")
    warnings = {
        (f["file"].split("content/")[-1], f["reason"], f["suggestion"])
        for f in found
        if f["severity"] == "warning" and "translation" in f["reason"]
    }
    assert warnings == {
        ("en/guides/media.md", "guide has no 'kk' translation", "add kk/guides/media.md"),
        ("en/guides/media.md", "guide has no 'ru' translation", "add ru/guides/media.md"),
    }


def test_show_lists_translations_paired_by_path(run, site):
    result = run(
        "show", "kk/guides/kazakhstan.md", "--kb", str(site), "--index", str(site.parent / "i.db")
    )
    assert result.exit_code == 0, result.output
    assert "en/guides/kazakhstan.md" in result.stdout
    assert "ru/guides/kazakhstan.md" in result.stdout


CONFIG_DIR = {
    "config/_default/hugo.toml": 'title = "From a config folder"\ncontentDir = "content"\n'
    'defaultContentLanguage = "kk"\n',
    "config/_default/languages.yaml": "kk:\n  weight: 1\n  contentDir: content/kk\n"
    "en:\n  weight: 2\n  contentDir: content/en\n",
    "config/_default/params.toml": "[ui]\nsidebar = true\n",
    "config/_default/menus.en.toml": "[[main]]\nname = 'x'\n",
    "config/production/hugo.toml": 'title = "not the default environment"\n',
    "content/kk/guides/a.md": record("А"),
    "content/en/guides/a.md": record("A"),
}


def test_a_config_folder_with_a_file_per_key(run, tmp_path):
    site = write_kb(tmp_path / "site", CONFIG_DIR)
    config = load_config(site)
    assert config.title == "From a config folder"
    assert config.languages == ["kk", "en"]
    got = {p: (r["lang"], r["url"]) for p, r in listed(run, site).items()}
    # Kazakh is the default language here: at the root; English under /en/
    assert got == {
        "kk/guides/a.md": ("kk", "/guides/a/"),
        "en/guides/a.md": ("en", "/en/guides/a/"),
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "hugo.yaml",
            "defaultContentLanguage: en\nlanguages:\n  en: {weight: 1}\n  kk: {weight: 2}\n"
            "taxonomies:\n  category: category\n",
        ),
        (
            "config.json",
            '{"baseURL": "/", "languages": {"en": {"weight": 1}, "kk": {"weight": 2}},'
            ' "taxonomies": {"category": "category"}}',
        ),
        (
            "config.toml",
            'baseURL = "/"\n[languages.en]\nweight = 1\n[languages.kk]\nweight = 2\n'
            '[taxonomies]\ncategory = "category"\n',
        ),
    ],
)
def test_translation_by_file_name_in_every_config_format(run, tmp_path, name, text):
    site = write_kb(
        tmp_path / "site",
        {
            name: text,
            "content/guides/a.md": record("A", "[kk](/kk/guides/a/) [term](/category/ngo/)"),
            "content/guides/a.kk.md": record("А", category='["ngo"]'),
            # without a contentDir of its own, a kk/ folder is a section of
            # the default language, as Hugo builds it
            "content/kk/notes.md": record("Notes"),
        },
    )
    got = {p: (r["lang"], r["url"]) for p, r in listed(run, site).items()}
    assert got == {
        "guides/a.md": ("en", "/guides/a/"),
        "guides/a.kk.md": ("kk", "/kk/guides/a/"),
        "kk/notes.md": ("en", "/kk/notes/"),
    }
    _, found = findings(run, site)
    # /category/ngo/ is used only by a Kazakh record: no English term page
    assert targets(found) == {"/category/ngo/"}


def test_the_default_language_in_a_subfolder(run, tmp_path):
    site = write_kb(
        tmp_path / "site",
        {
            "hugo.toml": "defaultContentLanguageInSubdir = true\n[languages.en]\nweight = 1\n"
            "[languages.kk]\nweight = 2\n",
            "content/guides/a.md": record("A", "[me](/en/guides/a/) [root](/) [bare](/guides/a/)"),
            "content/guides/a.kk.md": record("А", "[en](/en/guides/a/) [home](/en/)"),
        },
    )
    got = {p: r["url"] for p, r in listed(run, site).items()}
    assert got == {"guides/a.md": "/en/guides/a/", "guides/a.kk.md": "/kk/guides/a/"}
    _, found = findings(run, site)
    # every English page is under /en/: a language-less link finds nothing
    assert targets(found) == {"/guides/a/"}


def test_permalinks_shape_the_urls_links_must_use(run, tmp_path):
    site = write_kb(
        tmp_path / "site",
        {
            "hugo.toml": 'baseURL = "/"\n[permalinks]\nsources = "/org/:slug/"\n'
            '[permalinks.page]\nguides = "/:year/:month/:filename/"\n'
            '[permalinks.section]\nsources = "/organisations/"\n'
            '[permalinks.term]\ncategories = "/topic/:slug/"\n',
            "content/sources/_index.md": record("Sources"),
            "content/sources/feminita.md": record("Feminita", slug="feminita-kz"),
            "content/sources/kazfem.md": record("Kaz Fem"),
            "content/guides/kazakhstan.md": record(
                "Kazakhstan",
                "[a](/org/feminita-kz/) [b](/org/kaz-fem/) [old](/sources/feminita/) "
                "[list](/organisations/) [term](/topic/local-ngo/) [bad term](/topic/nope/)",
                date="2023-06-12",
                categories='["Local NGO"]',
            ),
        },
    )
    got = {p: r["url"] for p, r in listed(run, site).items()}
    assert got == {
        "sources/_index.md": "/organisations/",
        "sources/feminita.md": "/org/feminita-kz/",  # :slug is the front matter slug
        "sources/kazfem.md": "/org/kaz-fem/",  # else the title, urlized
        "guides/kazakhstan.md": "/2023/06/kazakhstan/",
    }
    _, found = findings(run, site)
    assert targets(found) == {"/sources/feminita/", "/topic/nope/"}


def test_front_matter_url_without_a_slash_is_below_the_language(run, site):
    write_kb(site, {"content/kk/about.md": record("Біз туралы", url="about-us/")})
    write_kb(site, {"content/en/about.md": record("About", url="/about-us/")})
    got = {p: r["url"] for p, r in listed(run, site).items()}
    assert got["kk/about.md"] == "/kk/about-us/"
    assert got["en/about.md"] == "/about-us/"


def test_kzkb_toml_beside_hugo_adds_the_vocabulary(run, site):
    (site / "kzkb.toml").write_text(
        '[[terms.category]]\nslug = "local-ngo"\nlabel = "Local NGO"\n', encoding="utf-8"
    )
    config = load_config(site)
    assert config.languages == ["en", "kk", "ru"]  # still Hugo's
    assert list(config.vocabulary["category"]) == ["local-ngo"]
    result = run("terms", "--kb", str(site), "--index", str(site.parent / "i.db"), "-f", "json")
    assert {t["slug"]: t["count"] for t in json.loads(result.stdout)} == {"local-ngo": 2}


def test_a_site_is_found_from_inside_its_content(site, monkeypatch):
    monkeypatch.delenv("KZKB_KB", raising=False)
    inner = site / "content" / "kk" / "guides"
    assert find_kb(cwd=inner) == site


def test_a_config_toml_that_is_not_hugo_s_is_not_taken_for_a_site(tmp_path, monkeypatch):
    monkeypatch.delenv("KZKB_KB", raising=False)
    (tmp_path / "config.toml").write_text("[editor]\ntheme = 'dark'\n", encoding="utf-8")
    inner = tmp_path / "notes"
    inner.mkdir()
    assert find_kb(cwd=inner) != tmp_path


def test_a_default_language_hugo_does_not_know_is_an_error(tmp_path):
    site = write_kb(
        tmp_path / "site",
        {"hugo.toml": 'defaultContentLanguage = "de"\n[languages.en]\nweight = 1\n'},
    )
    (site / "content").mkdir()
    with pytest.raises(KzkbError, match="defaultContentLanguage 'de'"):
        load_config(site)


def test_a_disabled_language_is_not_read(run, tmp_path):
    site = write_kb(
        tmp_path / "site",
        {
            "hugo.toml": "[languages.en]\nweight = 1\n"
            "[languages.kk]\nweight = 2\ndisabled = true\n",
            "content/a.md": record("A"),
            "content/a.kk.md": record("А"),
        },
    )
    assert load_config(site).languages == ["en"]
    # a.kk.md: "kk" is no language now, so it is a page named a.kk
    assert {r["lang"] for r in listed(run, site).values()} == {"en"}


def test_invalid_hugo_config_is_one_line_with_file_and_line(run, tmp_path):
    site = write_kb(tmp_path / "site", {"hugo.toml": 'title = "x"\nlanguages = [\n', "a.md": "x"})
    result = run("list", "--kb", str(site))
    assert result.exit_code == 2
    assert f"{site / 'hugo.toml'}:3: invalid TOML" in result.output  # where the text ran out
    assert "Traceback" not in result.output


# --- [tool.kzkb] and unknown settings ------------------------------------------------------


def test_tool_kzkb_in_pyproject_is_the_kb_s_settings(run, tmp_path, monkeypatch):
    root = write_kb(
        tmp_path / "project",
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.kzkb]\ncontent_dir = "records"\n'
            'languages = ["en", "kk"]\n\n[tool.kzkb.taxonomies]\ntopic = "topics"\n',
            "records/a.md": record("A", topics='["x"]'),
            "records/kk/a.md": record("А"),
        },
    )
    monkeypatch.delenv("KZKB_KB", raising=False)
    assert find_kb(cwd=root / "records" / "kk") == root
    monkeypatch.chdir(root / "records")
    result = run("list", "--index", str(tmp_path / "i.db"), "-f", "json", "--term", "topic:x")
    assert result.exit_code == 0, result.output
    assert [r["path"] for r in json.loads(result.stdout)] == ["a.md"]


def test_a_pyproject_without_tool_kzkb_is_not_a_kb(tmp_path, monkeypatch):
    monkeypatch.delenv("KZKB_KB", raising=False)
    write_kb(tmp_path, {"pyproject.toml": '[project]\nname = "kzkb-notes"\n'})
    assert find_kb(cwd=tmp_path) != tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('tittle = "x"\n', "unknown setting 'tittle' in kzkb.toml — did you mean 'title'?"),
        (
            "[index]\nwatcher = true\n",
            "unknown setting 'watcher' in [index] — did you mean 'watch'?",
        ),
        ('[lint]\nrequire = ["title"]\n', "did you mean 'required'?"),
    ],
)
def test_a_misspelt_setting_is_named_with_the_nearest(run, tmp_path, text, message):
    kb = write_kb(tmp_path / "kb", {"kzkb.toml": text, "a.md": record("A")})
    result = run("list", "--kb", str(kb))
    assert result.exit_code == 2
    assert message in result.output


def test_changing_the_languages_reindexes_without_rebuild(run, tmp_path):
    kb = write_kb(
        tmp_path / "kb",
        {"kzkb.toml": 'languages = ["en"]\n', "a.md": record("A"), "a.kk.md": record("А")},
    )
    assert {r["lang"] for r in listed(run, kb).values()} == {"en"}
    (kb / "kzkb.toml").write_text('languages = ["en", "kk"]\n', encoding="utf-8")
    os.utime(kb / "kzkb.toml")
    got = {p: (r["lang"], r["url"]) for p, r in listed(run, kb).items()}
    assert got == {"a.md": ("en", "/a/"), "a.kk.md": ("kk", "/kk/a/")}


def test_new_writes_into_the_language_s_own_folder(run, site):
    idx = str(site.parent / "i.db")
    for lang, where in [("kk", "content/kk"), ("en", "content/en")]:
        result = run(
            "new", "--kb", str(site), "--index", idx, "--kind", "source", "--title", "KazFem",
            "--lang", lang,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert (site / where / "sources" / "sources" / "kazfem.md").is_file()
    got = {p: (r["lang"], r["url"]) for p, r in listed(run, site).items() if "kazfem" in p}
    assert got == {
        "kk/sources/sources/kazfem.md": ("kk", "/kk/sources/sources/kazfem/"),
        "en/sources/sources/kazfem.md": ("en", "/sources/sources/kazfem/"),
    }


def test_a_file_in_a_language_s_folder_is_served_below_its_prefix(run, site):
    (site / "content" / "kk" / "files").mkdir(parents=True)
    (site / "content" / "kk" / "files" / "report.pdf").write_bytes(b"%PDF-1.4\n")
    (site / "static" / "img").mkdir(parents=True)
    (site / "static" / "img" / "logo.png").write_bytes(b"\x89PNG")
    write_kb(
        site,
        {
            "content/kk/guides/files.md": record(
                "Файлдар", "[report](/kk/files/report.pdf) [logo](/img/logo.png)"
            ),
            "content/en/guides/files.md": record(
                "Files", "[report](/files/report.pdf) [logo](/img/logo.png)"
            ),
        },
    )
    _, found = findings(run, site)
    # the English site has no /files/report.pdf: only the Kazakh folder holds it
    errors = [f for f in found if f["file"].endswith("files.md") and f["severity"] == "error"]
    assert {f["target"] for f in errors} == {"/files/report.pdf"}
