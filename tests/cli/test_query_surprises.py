"""Queries as people type them, unquoted and with the shell in between:
several words, a leading -word, a quoted field value, a field prefix, a
site's address. Expected records come from the KB's files (read with
PyYAML), not from kzkb."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import KB


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8-sig").split("---", 2)[1]) or {}


def paths(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [h["path"] for h in json.loads(result.stdout)]


def search(run, *words: str):
    return run("search", *words, "--kb", str(KB), "-f", "json", "-n", "0")


def test_words_need_no_quotes(run):
    unquoted = search(run, "gender", "statistics")
    quoted = search(run, "gender statistics")
    assert paths(unquoted) == paths(quoted)
    assert paths(unquoted)[0] == "sources/sources/bureau_of_national_statistics_gender.md"


@pytest.mark.parametrize("how", ["leading", "after", "double-dash"])
def test_a_dash_word_is_an_exclusion(run, how):
    args = {
        "leading": ["-feminist", "gender"],
        "after": ["gender", "-feminist"],
        "double-dash": ["gender", "--", "-feminist"],
    }[how]
    if how == "double-dash":
        result = run("search", "--kb", str(KB), "-f", "json", "-n", "0", *args)
    else:
        result = search(run, *args)
    found = paths(result)
    assert found
    assert "sources/sources/feminita.md" not in found
    assert "sources/sources/kazfem.md" not in found
    assert set(found) < set(paths(search(run, "gender")))


def test_an_exclusion_alone_is_read_as_one(run):
    """-feminist alone is the exclusion it reads as (not -f eminist, an
    unknown format): a query of exclusions only is the search's own error, with its fix."""
    result = run("search", "-feminist", "--kb", str(KB))
    assert result.exit_code == 2
    assert "no words to search for in '-feminist'" in result.stderr
    assert "format" not in result.stderr


def test_short_options_with_their_values_stay_options(run):
    result = run("search", "gender", "-n2", "-fjson", "--kb", str(KB))
    assert len(paths(result)) == 2


def local_ngos() -> set[str]:
    return {
        p.relative_to(KB).as_posix()
        for p in KB.rglob("*.md")
        if "local-ngo" in (front(p).get("category") or [])
    }


@pytest.mark.parametrize(
    "typed",
    [
        ['category:"Local NGO"'],  # quoted in the query
        ["category:Local NGO"],  # the shell's quotes gone: one argument
        ["category:local-ngo"],
    ],
)
def test_a_term_by_its_label_or_slug(run, typed):
    assert set(paths(search(run, *typed))) == local_ngos()


def test_a_term_by_a_label_unlike_its_slug(run):
    ingos = {
        p.relative_to(KB).as_posix()
        for p in KB.rglob("*.md")
        if "ingo" in (front(p).get("category") or [])
    }
    assert set(paths(search(run, 'category:"International NGO"'))) == ingos


def test_title_prefix_searches_the_title(run):
    found = paths(search(run, "title:feminita"))
    assert found == ["sources/sources/feminita.md"]
    # a word only in other records' bodies is not in their titles
    assert "title:almaty" and all(
        "almaty" in front(KB / p)["title"].casefold() for p in paths(search(run, "title:almaty"))
    )


def test_description_prefix_searches_the_description(run):
    found = paths(search(run, 'description:"queer feminist"'))
    assert found
    for path in found:
        assert "queer feminist" in front(KB / path)["description"].casefold()


def test_an_unknown_field_is_named_with_the_known_ones(run):
    result = run("search", "titel:feminita", "--kb", str(KB))
    assert result.exit_code == 2
    assert "unknown field 'titel:'" in result.stderr
    assert "title:" in result.stderr and "category:" in result.stderr


def test_a_quoted_colon_is_text(run):
    result = search(run, '"feminita:x"')
    assert result.exit_code in (0, 1), result.output


@pytest.mark.parametrize(
    "address", ["stat.gov.kz", "https://stat.gov.kz/", "www.stat.gov.kz", "HTTPS://STAT.GOV.KZ"]
)
def test_a_site_address_finds_its_organisation_first(run, address):
    found = paths(search(run, address))
    assert found[0] == "sources/sources/bureau_of_national_statistics_gender.md"
    assert front(KB / found[0])["url"].startswith("https://stat.gov.kz")


def test_url_prefix_filters_by_the_site(run):
    found = paths(search(run, "url:feminita.kz"))
    assert found == ["sources/sources/feminita.md"]
