"""The taxonomy options come from the KB's own configuration.

A Hugo site names its taxonomies in [taxonomies] (singular = plural, the
plural being the front-matter field); `list`, `search`, `export` and `new`
then take one option per taxonomy, by either name, and the tables show its
taxonomies. The bundled KB keeps the flags it always had.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import KB

HUGO_TOML = """\
baseURL = "/"
title = "Central Asia"
[taxonomies]
country = "countries"
topic = "topics"
"""

PAGES = {
    "content/sources/almaty-clinic.md": (
        '---\ntitle: "Almaty Clinic"\ncountries: [kazakhstan]\ntopics: [health]\n---\n'
        "A city clinic in Almaty.\n"
    ),
    "content/sources/tashkent-shelter.md": (
        '---\ntitle: "Tashkent Shelter"\ncountries: [uzbekistan]\ntopics: [x]\n---\n'
        "A city shelter in Tashkent.\n"
    ),
    "content/sources/samarkand-forum.md": (
        '---\ntitle: "Samarkand Forum"\ncountries: [uzbekistan]\ntopics: [health]\n---\n'
        "A city forum in Samarkand.\n"
    ),
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for rel, text in {"hugo.toml": HUGO_TOML, **PAGES}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def titles(result) -> set[str]:
    code = getattr(result, "exit_code", getattr(result, "returncode", None))
    assert code == 0, result.stdout + result.stderr
    return {row["title"] for row in json.loads(result.stdout)}


def flags(help_text: str) -> set[str]:
    """The options --help lists (in its boxes; the examples above them are the bundled KB's)."""
    rows = [line for line in help_text.splitlines() if line.startswith("│")]
    return set(re.findall(r"(?<![\w-])--[a-z][\w-]*", "\n".join(rows)))


@pytest.mark.parametrize("flag", ["--country", "--countries"])
def test_list_filters_by_singular_or_plural(run, site, flag):
    found = titles(run("list", "--kb", str(site), flag, "uzbekistan", "-f", "json"))
    assert found == {"Tashkent Shelter", "Samarkand Forum"}


@pytest.mark.parametrize("flag", ["--topic", "--topics"])
def test_list_filters_by_a_taxonomy_the_site_adds(run, site, flag):
    assert titles(run("list", "--kb", str(site), flag, "x", "-f", "json")) == {"Tashkent Shelter"}


def test_options_combine_and_term_still_works(run, site):
    args = ("--kb", str(site), "-f", "json")
    both = run("list", *args, "--country", "uzbekistan", "--topic", "health")
    assert titles(both) == {"Samarkand Forum"}
    assert titles(run("list", *args, "--term", "topics:x")) == {"Tashkent Shelter"}


def test_search_and_export_take_the_site_options(run, site):
    args = ("--kb", str(site), "-f", "json")
    assert len(titles(run("search", "city", *args))) == 3
    assert titles(run("search", "city", *args, "--countries", "kazakhstan")) == {"Almaty Clinic"}
    exported = run("export", "--kb", str(site), "--topic", "health", "--format", "jsonl")
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert {r["title"] for r in rows} == {"Almaty Clinic", "Samarkand Forum"}


def test_an_unknown_term_is_still_an_error(run, site):
    result = run("list", "--kb", str(site), "--country", "uzbekstan")
    assert result.exit_code == 2
    assert "unknown country 'uzbekstan'" in result.output
    assert "uzbekistan" in result.output  # the nearest, suggested


def test_options_of_other_kbs_are_not_offered(run, site):
    result = run("list", "--kb", str(site), "--category", "local-ngo")
    assert result.exit_code == 2
    assert "No such option" in result.output


@pytest.mark.parametrize("command", ["list", "search", "export", "new"])
def test_help_lists_the_sites_taxonomies(run, site, command):
    result = run(command, "--kb", str(site), "--help")
    assert result.exit_code == 0
    shown = flags(result.output)
    assert {"--country", "--countries", "--topic", "--topics"} <= shown
    assert not {"--category", "--tag", "--language"} & shown


def test_the_kb_is_found_from_the_working_directory_and_kzkb_kb(run, site, monkeypatch):
    monkeypatch.chdir(site / "content")
    assert titles(run("list", "--topic", "x", "-f", "json")) == {"Tashkent Shelter"}
    monkeypatch.chdir(site.parent)
    env = {"KZKB_KB": str(site)}
    assert titles(run("list", "--countries", "kazakhstan", "-f", "json", env=env)) == {
        "Almaty Clinic"
    }


def test_table_columns_are_the_sites_taxonomies(run, site):
    # wide enough for every column beside the whole (absolute) paths
    result = run("list", "--kb", str(site), "-f", "table", env={"COLUMNS": "240"})
    assert result.exit_code == 0
    header = next(line for line in result.stdout.splitlines() if line.strip())
    assert "Countries" in header and "Topics" in header
    assert "Category" not in header


def test_new_writes_the_field_the_taxonomy_uses(run, site):
    result = run(
        "new", "--kb", str(site), "--title", "Bishkek Centre", "--country", "Kazakhstan",
        "--topics", "health",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip().splitlines()[-1])
    text = written.read_text(encoding="utf-8")
    assert 'countries: ["Kazakhstan"]' in text
    assert 'topics: ["health"]' in text
    assert "country:" not in text and "category" not in text


def test_terms_defaults_to_the_sites_first_taxonomy(run, site):
    result = run("terms", "--kb", str(site), "-f", "json")
    assert result.exit_code == 0, result.output
    assert {t["slug"] for t in json.loads(result.stdout)} == {"kazakhstan", "uzbekistan"}


def test_real_process_takes_the_site_options(cli, site):
    result = cli("list", "--kb", str(site), "--country", "uzbekistan", "-f", "json")
    assert titles(result) == {"Tashkent Shelter", "Samarkand Forum"}
    assert "--topics" in flags(cli("list", "--help", cwd=site).stdout)


# --- the bundled KB keeps its flags -------------------------------------------------


def test_bundled_kb_flags_keep_working(run):
    args = ("--kb", str(KB), "-f", "json")
    by_short = titles(run("list", *args, "-c", "local-ngo"))
    assert by_short == titles(run("list", *args, "--category", "local-ngo")) != set()
    tagged = titles(run("list", *args, "-t", "feminism"))
    assert tagged == titles(run("list", *args, "--tag", "feminism")) != set()
    assert titles(run("list", *args, "--country", "kazakhstan")) == titles(
        run("list", *args, "--countries", "kazakhstan")
    )
    assert titles(run("list", *args, "--language", "russian"))


def test_bundled_kb_help_lists_its_taxonomies(run):
    shown = flags(run("list", "--kb", str(KB), "--help").output)
    assert {"--category", "--country", "--tag", "--language", "--data-type"} <= shown
    assert {"--kind", "--lang", "--term", "--sort"} <= shown


def test_without_a_kb_the_four_defaults_are_offered(run, tmp_path):
    missing = tmp_path / "nowhere"
    result = run("list", "--kb", str(missing), "--help")
    assert result.exit_code == 0
    assert {"--category", "--country", "--tag", "--language"} <= flags(result.output)
    failed = run("list", "--kb", str(missing), "--category", "x")
    assert failed.exit_code == 2 and "no such knowledge base" in failed.output


def test_version_needs_no_configuration(cli, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "kzkb.toml").write_text("title = [\n", encoding="utf-8")
    result = cli("--version", cwd=broken)
    assert result.returncode == 0 and result.stdout.startswith("kzkb ")
    # and a broken configuration leaves --help usable
    assert "--category" in flags(cli("list", "--help", cwd=broken).stdout)
