"""kzkb.text.suggest: the one "did you mean", checked against each of the four
it replaced (kb.suggest, lint._nearest, check._closest, config's difflib),
whose bodies are kept here as the oracles."""

from __future__ import annotations

import random
import string
from difflib import get_close_matches

import pytest
from rapidfuzz import fuzz, process

from kzkb.settings.own import KEYS
from kzkb.text.suggest import closest, closest_one

# --- the four it replaced, as they were ------------------------------------------------------


def old_kb_suggest(word: str, choices: list[str], limit: int = 3, cutoff: float = 60) -> list[str]:
    found = process.extract(word, choices, scorer=fuzz.WRatio, limit=limit * 2, score_cutoff=cutoff)
    out: list[str] = []
    for choice, _, _ in found:
        if all(choice.casefold() != seen.casefold() for seen in out):
            out.append(choice)
    return out[:limit]


def old_lint_nearest(slug: str, choices: list[str]) -> str:
    found = process.extractOne(slug, choices, scorer=fuzz.ratio, score_cutoff=60)
    return found[0] if found else ""


def old_check_closest(wanted: str, choices: list[str], cutoff: float = 75) -> str:
    if not choices:
        return ""
    found = process.extractOne(wanted, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else ""


def old_config_near(key: str, choices: list[str]) -> str:
    near = get_close_matches(key, choices, n=1)
    return near[0] if near else ""


# the calls that replace them
def kb_suggest(word: str, choices: list[str]) -> list[str]:
    return closest(word, choices, limit=3, scorer="weighted", unique=str.casefold)


def lint_nearest(slug: str, choices: list[str]) -> str:
    return closest_one(slug, choices)


def check_closest(wanted: str, choices: list[str], cutoff: float = 75) -> str:
    return closest_one(wanted, choices, cutoff=cutoff)


TERMS = ["local-ngo", "international-ngo", "independent-media", "government", "kazakhstan"]
KINDS = ["guide", "source", "document"]
TAXONOMIES = ["category", "country", "tag"]
NAMES = ["Feminita", "feminita", "FEMINITA", "Feminist League", "Kazakhstan Feminist Initiative",
         "Adilet", "Kadir-Kasiet", "Kazakhstan International Bureau for Human Rights"]  # fmt: skip
HEADINGS = ["work", "our-team", "local-heading", "annual-reports", "contacts"]


def _typos(word: str, rng: random.Random, n: int = 8) -> list[str]:
    out = []
    for _ in range(n):
        chars = list(word)
        i = rng.randrange(len(chars))
        op = rng.choice("dist")
        if op == "d" and len(chars) > 1:
            del chars[i]
        elif op == "i":
            chars.insert(i, rng.choice(string.ascii_lowercase))
        elif op == "s":
            chars[i] = rng.choice(string.ascii_lowercase)
        elif i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        out.append("".join(chars))
    return out


def _words(choices: list[str]) -> list[str]:
    rng = random.Random(14)
    return [w for c in choices for w in [c, c.upper(), *_typos(c, rng)]] + ["", "x", "zzzz"]


# --- kb: terms, kinds, names, taxonomies the user typed ----------------------------------------


def test_kb_suggests_up_to_three_best_first_without_case_twins() -> None:
    assert kb_suggest("feminitta", NAMES) == [
        "feminita",  # not Feminita nor FEMINITA too
        "Feminist League",
        "Kazakhstan Feminist Initiative",
    ]
    assert kb_suggest("categry", TAXONOMIES) == ["category", "tag"]  # WRatio: a part will do
    assert kb_suggest("qwxz", KINDS) == []


@pytest.mark.parametrize("choices", [TERMS, KINDS, TAXONOMIES, NAMES])
def test_kb_suggest_is_as_before(choices: list[str]) -> None:
    for word in _words(choices):
        assert kb_suggest(word, choices) == old_kb_suggest(word, choices), word


def test_unique_keeps_the_first_of_twins_even_past_twice_the_limit() -> None:
    # the old kb.suggest looked at limit * 2 matches only, and here gave ["abcd"]
    choices = ["abcd", "ABCD", "Abcd", "aBcd", "abCd", "abcD", "abce"]
    assert closest("abcd", choices, limit=2, unique=str.casefold) == ["abcd", "abce"]
    assert old_kb_suggest("abcd", choices, limit=2) == ["abcd"]


# --- lint and new: a term not in the vocabulary ------------------------------------------------


def test_lint_names_the_nearest_term() -> None:
    assert lint_nearest("local-ngoo", TERMS) == "local-ngo"
    assert lint_nearest("goverment", TERMS) == "government"
    assert lint_nearest("media", TERMS) == ""
    assert lint_nearest("local-ngo", []) == ""


@pytest.mark.parametrize("choices", [TERMS, KINDS, NAMES])
def test_lint_nearest_is_as_before(choices: list[str]) -> None:
    for word in _words(choices):
        assert lint_nearest(word, choices) == old_lint_nearest(word, choices), word


# --- check: terms used, headings of a page (75), of this page (60) -----------------------------


def test_check_is_stricter_for_terms_and_other_pages_headings() -> None:
    assert check_closest("local-ngoo", TERMS) == "local-ngo"
    assert check_closest("local-headin", HEADINGS, cutoff=60) == "local-heading"
    assert check_closest("annual-report", HEADINGS) == "annual-reports"
    assert check_closest("team", HEADINGS) == ""  # 60 would take our-team
    assert check_closest("team", HEADINGS, cutoff=60) == "our-team"
    assert check_closest("work", []) == ""


@pytest.mark.parametrize("cutoff", [75, 60])
@pytest.mark.parametrize("choices", [TERMS, HEADINGS, []])
def test_check_closest_is_as_before(choices: list[str], cutoff: float) -> None:
    for word in _words(choices or ["work"]):
        assert check_closest(word, choices, cutoff) == old_check_closest(word, choices, cutoff)


# --- config: a misspelt setting -----------------------------------------------------------------


def test_config_names_the_nearest_setting() -> None:
    assert closest_one("tittle", list(KEYS)) == "title"
    assert closest_one("watcher", ["watch", "max_file_size"]) == "watch"
    assert closest_one("require", ["required", "types", "severity", "duplicate_threshold"]) == (
        "required"
    )
    assert closest_one("frobnicate", list(KEYS)) == ""


def test_config_suggestion_is_difflibs() -> None:
    tables = [list(KEYS), *(list(sub) for sub in KEYS.values() if sub)]
    for choices in tables:
        for word in _words(choices):
            assert closest_one(word, choices) == old_config_near(word, choices), word


# --- the API itself -----------------------------------------------------------------------------


def test_any_iterable_of_choices_and_ties_go_to_the_first_given() -> None:
    assert closest("abc", iter(["abd", "abe"])) == ["abd"]
    assert closest("abc", ("abe", "abd"), limit=2) == ["abe", "abd"]
    assert closest_one("abc", {"abd": 1}) == "abd"  # a mapping: its keys
