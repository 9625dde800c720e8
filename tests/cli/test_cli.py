"""The commands as a user runs them, over the bundled KB and messy ones.

Expected values come from the KB files themselves (read here with PyYAML),
not from kzkb, so a loader or index bug cannot agree with itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import KB, SEEDS


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8-sig")
    return yaml.safe_load(text.split("---", 2)[1]) or {}


def records_with(field: str, value: str) -> set[str]:
    out = set()
    for path in KB.rglob("*.md"):
        values = front_matter(path).get(field) or []
        if value in ([values] if isinstance(values, str) else values):
            out.add(path.relative_to(KB).as_posix())
    return out


# --- search ------------------------------------------------------------------


def test_search_feminist_puts_feminita_and_kazfem_first(run):
    result = run("search", "feminist", "--kb", str(KB), "--format", "json")
    assert result.exit_code == 0
    hits = json.loads(result.stdout)
    assert {h["title"] for h in hits[:2]} == {"Feminita", "KazFem"}
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all("feminist" in h["snippet"].casefold() for h in hits[:2])


def test_search_table_shows_titles_and_paths(run):
    result = run("search", "feminist", "--kb", str(KB))
    assert result.exit_code == 0
    assert "Feminita" in result.stdout and "KazFem" in result.stdout
    assert "sources/sources/feminita.md" in result.stdout


def test_search_is_case_insensitive_and_matches_prefixes(run):
    upper = json.loads(run("search", "FEMINIST", "--kb", str(KB), "-f", "json").stdout)
    lower = json.loads(run("search", "feminist", "--kb", str(KB), "-f", "json").stdout)
    assert [h["path"] for h in upper] == [h["path"] for h in lower]
    prefix = json.loads(run("search", "stateless", "--kb", str(KB), "-f", "json").stdout)
    assert any("statelessness" in (h["snippet"] + h["description"]).casefold() for h in prefix)


def test_search_finds_cyrillic_text(run):
    result = run("search", "Алматы", "--kb", str(KB), "-f", "json")
    assert result.exit_code == 0
    paths = [h["path"] for h in json.loads(result.stdout)]
    assert "sources/sources/akimat_of_the_city_of_almaty.md" in paths


def test_search_inline_filter_and_exclusion(run):
    result = run("search", "rights category:local-ngo", "--kb", str(KB), "-f", "json")
    hits = json.loads(result.stdout)
    assert hits, result.stdout
    local = records_with("category", "local-ngo")
    assert {h["path"] for h in hits} <= local
    excluded = run("search", "feminist -queer", "--kb", str(KB), "-f", "json")
    titles = [h["title"] for h in json.loads(excluded.stdout)]
    assert "Feminita" not in titles  # Feminita's text says "queer"
    assert "KazFem" in titles


def test_search_with_nothing_found_exits_1(run):
    result = run("search", "qwzxyv", "--kb", str(KB))
    assert result.exit_code == 1
    assert "No record matches" in result.stderr


def test_search_limit(run):
    hits = json.loads(run("search", "kazakhstan", "--kb", str(KB), "-f", "json", "-n", "3").stdout)
    assert len(hits) == 3


# --- list ----------------------------------------------------------------------


def test_list_category_returns_exactly_that_category(run):
    result = run("list", "--category", "local-ngo", "--kb", str(KB), "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {r["path"] for r in rows} == records_with("category", "local-ngo")
    for key in (
        "path",
        "url",
        "lang",
        "kind",
        "title",
        "description",
        "category",
        "countries",
        "tags",
        "language",
    ):
        assert all(key in r for r in rows), key


@pytest.mark.parametrize("spelling", ["Local NGO", "local ngo", "LOCAL-NGO"])
def test_list_category_matches_any_spelling_of_the_term(run, spelling):
    rows = json.loads(run("list", "--category", spelling, "--kb", str(KB), "-f", "json").stdout)
    assert {r["path"] for r in rows} == records_with("category", "local-ngo")


def test_list_every_category_of_the_vocabulary_is_used(run):
    config = (KB / "kzkb.toml").read_text(encoding="utf-8")
    slugs = re.findall(r'^slug = "([^"]+)"', config, re.M)
    assert len(slugs) >= 9
    for slug in slugs:
        rows = json.loads(run("list", "-c", slug, "--kb", str(KB), "-f", "json").stdout)
        assert {r["path"] for r in rows} == records_with("category", slug), slug


def test_list_unknown_term_names_the_nearest(run):
    result = run("list", "--category", "local-ng", "--kb", str(KB))
    assert result.exit_code == 2
    assert "unknown category 'local-ng'" in result.stderr
    assert "local-ngo" in result.stderr
    assert "Traceback" not in result.output


def test_list_combines_filters_and_sorts(run):
    rows = json.loads(
        run(
            "list",
            "--kind",
            "source",
            "--country",
            "Kazakhstan",
            "--sort",
            "title",
            "--kb",
            str(KB),
            "-f",
            "json",
        ).stdout
    )
    assert rows and all(r["kind"] == "source" and "Kazakhstan" in r["countries"] for r in rows)
    titles = [r["title"].casefold() for r in rows]
    assert titles == sorted(titles)
    dated = json.loads(run("list", "--sort", "date", "--kb", str(KB), "-f", "json").stdout)
    dates = [r["date"] for r in dated if r["date"]]
    assert dates == sorted(dates, reverse=True)


def test_list_lang_and_language_are_different_things(run):
    kk = json.loads(run("list", "--lang", "kk", "--kb", str(KB), "-f", "json").stdout)
    # --lang is the language of the record's own text: the .kk.md files
    expected = sorted(p.relative_to(KB).as_posix() for p in KB.rglob("*.kk.md"))
    assert len(expected) >= 1
    assert [r["path"] for r in kk] == expected
    russian = json.loads(run("list", "--language", "Russian", "--kb", str(KB), "-f", "json").stdout)
    assert {r["path"] for r in russian} == records_with("language", "Russian")


def test_list_csv_and_jsonl(run):
    out = run("list", "-c", "ingo", "--kb", str(KB), "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["path"] for r in rows} == records_with("category", "ingo")
    multi = [r for r in rows if "; " in r["countries"]]
    assert multi, "a regional INGO lists several countries joined with '; '"
    lines = run("list", "-c", "ingo", "--kb", str(KB), "-f", "jsonl").stdout.splitlines()
    assert {json.loads(line)["path"] for line in lines} == {r["path"] for r in rows}


# --- show ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "feminita",
        "Feminita",
        "sources/sources/feminita.md",
        "/sources/sources/feminita/",
        "/Sources/Sources/Feminita",
    ],
)
def test_show_finds_a_record_by_slug_title_path_or_url(run, ref):
    result = run("show", ref, "--kb", str(KB), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["path"] == "sources/sources/feminita.md"


def test_show_follows_aliases_and_lists_backlinks(run):
    result = run(
        "show", "/sources/sources/akimat_of_the_city_of_nur_sultan/", "--kb", str(KB), "-f", "json"
    )
    data = json.loads(result.stdout)
    assert data["path"] == "sources/sources/akimat_of_the_city_of_astana.md"
    # the English guide links to the old URL, the Kazakh one to the new
    assert {"guides/kazakhstan.md", "guides/kazakhstan.kk.md"} <= set(data["backlinks"])


def test_show_table_renders_fields_body_and_backlinks(run):
    result = run("show", "kazfem", "--kb", str(KB))
    assert result.exit_code == 0
    assert "KazFem" in result.stdout
    assert "local-ngo" in result.stdout
    assert "Linked from" in result.stdout and "guides/kazakhstan.md" in result.stdout


def test_show_translation_pair(run):
    data = json.loads(run("show", "kazakhstan", "--kb", str(KB), "-f", "json").stdout)
    assert data["path"] == "guides/kazakhstan.md"  # the default language wins
    assert data["translations"] == ["guides/kazakhstan.kk.md", "guides/kazakhstan.ru.md"]
    kk = json.loads(run("show", "/kk/guides/kazakhstan/", "--kb", str(KB), "-f", "json").stdout)
    assert kk["lang"] == "kk"
    assert kk["translations"] == ["guides/kazakhstan.md", "guides/kazakhstan.ru.md"]


def test_show_unknown_reference_suggests(run):
    result = run("show", "feminta", "--kb", str(KB))
    assert result.exit_code == 2
    assert "no record matches 'feminta'" in result.stderr
    assert "feminita" in result.stderr.casefold()


# --- terms and index -------------------------------------------------------------


def test_terms_counts_match_the_files(run):
    rows = json.loads(run("terms", "--kb", str(KB), "-f", "json").stdout)
    for row in rows:
        assert row["count"] == len(records_with("category", row["slug"])), row
    assert {r["slug"] for r in rows} >= {"ingo", "local-ngo", "government", "social-media"}
    labels = {r["slug"]: r["label"] for r in rows}
    assert labels["local-ngo"] == "Local NGO"


def test_terms_of_other_taxonomies_by_singular_or_plural(run):
    by_plural = json.loads(run("terms", "countries", "--kb", str(KB), "-f", "json").stdout)
    by_singular = json.loads(run("terms", "country", "--kb", str(KB), "-f", "json").stdout)
    assert by_plural == by_singular
    assert "kazakhstan" in {r["slug"] for r in by_plural}
    bad = run("terms", "catgory", "--kb", str(KB))
    assert bad.exit_code == 2 and "category" in bad.stderr


def test_index_reports_kinds_languages_and_skipped_files(run, make_kb):
    root = make_kb(
        {
            "guides/a.md": "---\ntitle: A\n---\nbody\n",
            "guides/a.kk.md": "---\ntitle: А\n---\nмәтін\n",
            "sources/b.md": "---\ntitle: B\n---\n",
            "sources/broken.md": "---\ntitle: [unclosed\n---\n",
            "sources/empty.md": "",
        },
        'languages = ["en", "kk"]\n',
    )
    result = run("index", "--kb", str(root), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["records"] == 3
    assert data["by_kind"] == {"guide": 2, "source": 1}
    assert data["by_lang"] == {"en": 2, "kk": 1}
    skipped = {s["path"]: s for s in data["skipped"]}
    assert set(skipped) == {"sources/broken.md", "sources/empty.md"}
    assert "YAML" in skipped["sources/broken.md"]["reason"]
    table = run("index", "--kb", str(root))
    assert "sources/broken.md:" in table.stdout


def test_bad_files_are_reported_once_and_the_rest_still_served(run, make_kb):
    root = make_kb(
        {
            "sources/good.md": "---\ntitle: Good\ncategory: ingo\n---\nfine\n",
            "sources/bad.md": b"---\ntitle: Bad\n---\ncaf\xe9\n",
        }
    )
    result = run("list", "--kb", str(root), "-f", "json")
    assert result.exit_code == 0
    assert [r["title"] for r in json.loads(result.stdout)] == ["Good"]
    assert result.stderr.count("sources/bad.md:4") == 1
    assert "UTF-8" in result.stderr


# --- finding the KB ---------------------------------------------------------------


def test_kb_from_environment_variable(run, make_kb):
    root = make_kb({"sources/x.md": "---\ntitle: From env\n---\n"})
    result = run("list", "-f", "json", env={"KZKB_KB": str(root)})
    assert [r["title"] for r in json.loads(result.stdout)] == ["From env"]


def test_missing_kb_is_a_one_line_error(run, tmp_path):
    result = run("list", "--kb", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no such knowledge base" in result.stderr and "--kb" in result.stderr


def test_invalid_config_names_file_and_line(run, make_kb):
    root = make_kb({"a.md": "---\ntitle: A\n---\n"}, 'title = "x"\nlanguages = [en]\n')
    result = run("list", "--kb", str(root))
    assert result.exit_code == 2
    assert "kzkb.toml:2" in result.stderr
    assert "Traceback" not in result.output


# --- the installed program ---------------------------------------------------------


def test_installed_command_finds_kb_from_checkout_root_and_subfolder(cli):
    root = KB.parent
    for cwd in (root, KB / "sources" / "sources"):
        result = cli("search", "feminist", "-f", "json", cwd=cwd)
        assert result.returncode == 0, result.stderr
        assert {h["title"] for h in json.loads(result.stdout)[:2]} == {"Feminita", "KazFem"}


def test_installed_command_uses_bundled_kb_anywhere(cli, tmp_path):
    result = cli("search", "feminist", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Feminita" in result.stdout and "KazFem" in result.stdout


def test_pipe_output_has_no_colour_codes(cli):
    result = cli("search", "feminist", "--kb", str(KB), env={"FORCE_COLOR": ""})
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout
    forced = cli("list", "-c", "local-ngo", "--kb", str(KB), env={"NO_COLOR": "1", "TERM": "xterm"})
    assert "\x1b[" not in forced.stdout


def test_usage_errors_exit_2_with_suggestion(cli):
    result = cli("serch", "feminist")
    assert result.returncode == 2
    assert "No such command 'serch'. Did you mean 'search'?" in result.stderr
    option = cli("list", "--limt", "3")
    assert option.returncode == 2
    assert "No such option: --limt (Possible options: --limit)" in option.stderr


def test_python_dash_m_and_version(cli):
    import subprocess
    import sys

    from kzkb import __version__

    result = subprocess.run(
        [sys.executable, "-m", "kzkb", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == f"kzkb {__version__}"


# --- the seeds -----------------------------------------------------------------------


SEED_LINKS = json.loads((Path(__file__).parents[1] / "data" / "seed_links.json").read_text("utf-8"))


def links_in_seed(prefix: str) -> list[str]:
    from kzkb.parse.markdown import scan_markdown

    seed = next(SEEDS.glob(f"{prefix}_*.txt"))
    links, _, _, _ = scan_markdown(seed.read_text(encoding="utf-8"))
    return [link.target for link in links if link.target.startswith("/")]


@pytest.mark.skipif(
    not SEEDS.is_dir(),
    reason="../shared/seeds is absent: tests/data/seed_links.json, their recorded links, "
    "is still checked against the KB below",
)
@pytest.mark.parametrize("seed", ["000", "001"])
def test_recorded_seed_links_match_the_seeds(seed):
    """tests/data/seed_links.json holds the seeds' root-relative links so the
    check below runs even where ../shared/seeds is absent; where it is
    present, the record must still match it."""
    assert links_in_seed(seed) == SEED_LINKS[seed]


def test_the_recorded_seed_links_are_all_there():
    """The data the test below checks, counted: a file emptied or cut short
    would make that test pass on nothing."""
    assert {seed: len(links) for seed, links in SEED_LINKS.items()} == {"000": 20, "001": 23}


@pytest.mark.parametrize("seed", ["000", "001"])
def test_every_seed_link_target_exists_in_kb(run, seed):
    for target in SEED_LINKS[seed]:
        if target.startswith("/category/"):
            slug = target.strip("/").split("/")[1]
            assert records_with("category", slug), target
            continue
        result = run("show", target, "--kb", str(KB), "-f", "json")
        assert result.exit_code == 0, f"{target}: {result.stderr}"


def test_a_bad_file_is_reported_on_every_command_until_fixed(cli, make_kb, tmp_path):
    root = make_kb(
        {
            "sources/good.md": "---\ntitle: Good\n---\nfine words\n",
            "sources/bad.md": "---\ntitle: [unclosed\n---\n",
        }
    )
    opts = ("--kb", str(root), "--index", str(tmp_path / "i.sqlite"))
    for _ in range(2):  # the second run refreshes nothing: the warning must stay
        result = cli("search", "fine", *opts)
        assert result.returncode == 0
        assert result.stderr.count("sources/bad.md:2") == 1, result.stderr
    (root / "sources" / "bad.md").write_text("---\ntitle: Fixed\n---\n", encoding="utf-8")
    assert "bad.md" not in cli("search", "fine", *opts).stderr
