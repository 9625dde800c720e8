"""`kzkb search` as people use it: honest counts, --limit 0, --explain, words
about the result, a KB's own concepts, and what a terminal shows."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kzkb import views
from kzkb.cli import app
from tests.conftest import KB
from tests.helpers import kzkb_exe, on_pty, record


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("search-cli") / "kb.sqlite"


@pytest.fixture(scope="module")
def search(index: Path) -> Callable[..., Any]:
    """kzkb search over the bundled KB, in-process: the result object."""
    runner = CliRunner()

    def call(*args: str) -> Any:
        views.reset()
        return runner.invoke(
            app,
            ["search", *args, "--kb", str(KB), "--index", str(index)],
            env={"KZKB_KB": None, "KZKB_INDEX": None, "COLUMNS": "120"},
            catch_exceptions=False,
        )

    return call


def hits(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout) if result.stdout.strip() else []


def test_a_table_says_how_many_it_shows_of_how_many(search) -> None:
    all_ = hits(search("women", "-f", "json", "--limit", "0"))
    assert len(all_) > 5
    shown = search("women", "--limit", "5", "-f", "table")
    assert f"5 of {len(all_)} results · --limit 0 shows all" in shown.stdout
    every = search("women", "--limit", "0", "-f", "table")
    assert f"{len(all_)} results" in every.stdout and "--limit 0" not in every.stdout


def test_machine_formats_stay_clean_and_say_the_count_on_stderr(search) -> None:
    total = len(hits(search("women", "-f", "json", "--limit", "0")))
    result = search("women", "-f", "json", "--limit", "3")
    assert len(json.loads(result.stdout)) == 3
    assert f"3 of {total} results; --limit 0 shows all" in result.stderr
    whole = search("women", "-f", "json", "--limit", "0")
    assert "of" not in whole.stderr


def test_limit_zero_returns_every_match_and_a_negative_limit_is_refused(search) -> None:
    assert len(hits(search("women", "-f", "json", "-n", "0"))) > 20
    refused = search("women", "-n", "-1")
    assert refused.exit_code == 2


def test_explain_in_json_names_what_matched_each_word(search) -> None:
    [first, *_] = hits(search("Tselinograd akimat", "-f", "json", "--explain"))
    assert first["path"] == "sources/sources/akimat_of_the_city_of_astana.md"
    parts = {p["query"]: p for p in first["explain"]["parts"]}
    assert parts["Tselinograd"]["how"] == "place"
    assert parts["Tselinograd"]["entry"] == "geonames:1526273"  # Astana
    assert parts["akimat"]["how"] in ("word", "stem")
    assert first["explain"]["missing"] == []
    assert sum(p["share"] for p in parts.values()) == pytest.approx(first["explain"]["coverage"])


def test_explain_on_a_terminal_shows_how_the_query_was_read(search) -> None:
    out = search("права женщин", "--explain", "-n", "3", "-f", "table").stdout
    assert "права женщин → concept women's rights (womens-rights)" in out
    assert re.search(r"1\. Batyr Jamal  [\d.]+ = coverage [\d.]+ \+ BM25 [\d.]+", out), out
    out = search(
        "organisations helping women who left violent homes", "--explain", "-n", "2", "-f", "table"
    )
    assert "left out as stop words: who" in out.stdout


def test_words_about_the_result_alone_list_those_records(search) -> None:
    found = hits(search("guides in Russian", "-f", "json", "-n", "0"))
    assert found and {h["path"] for h in found} == {
        str(p.relative_to(KB)) for p in (KB / "guides").glob("*.ru.md")
    }


def test_a_language_word_lifts_the_translation(search) -> None:
    assert hits(search("Kazakhstan guide in Kazakh", "-f", "json"))[0]["path"] == (
        "guides/kazakhstan.kk.md"
    )
    assert hits(search("Kazakhstan guide", "-f", "json"))[0]["path"] == "guides/kazakhstan.md"


def test_a_query_of_stop_words_only_still_searches(search) -> None:
    assert search("the", "-f", "json").exit_code in (0, 1)


# --- a KB's own concepts -------------------------------------------------------------


def test_a_kb_concept_in_kzkb_toml_joins_the_thesaurus(make_kb, run, tmp_path) -> None:
    kb = make_kb(
        {"sources/a.md": record("Kalym study", "A study of bride price in Kazakh villages.")},
        '[[concept]]\nid = "bride-price"\nen = ["bride price"]\nkk = ["қалың мал"]\n',
    )
    result = run("search", "қалың мал", "--kb", str(kb), "--index", str(tmp_path / "i"),
                 "-f", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [h["path"] for h in json.loads(result.stdout)] == ["sources/a.md"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[[concept]]\nen = ["x"]\n', "[[concept]] number 1 has no id"),
        ('[[concept]]\nid = "x"\nenglish = ["x"]\n', "'english' is not a language code"),
        ('[[concept]]\nid = "x"\nen = [1]\n', "en must be a list of labels"),
        ('concept = "x"\n', "'concept' must be a [[concept]] table"),
    ],
)
def test_a_bad_concept_is_a_one_line_error(make_kb, run, tmp_path, config, message) -> None:
    kb = make_kb({"a.md": record("A")}, config)
    result = run("search", "a", "--kb", str(kb), "--index", str(tmp_path / "i"))
    assert result.exit_code == 2
    assert message in result.stderr and "kzkb.toml" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


# --- what a terminal shows -------------------------------------------------------------


def on_terminal(args: list[str], columns: int, env: dict[str, str]) -> str:
    """Run kzkb on a pseudo-terminal `columns` wide; what it printed, escapes removed."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", on_pty(args, env, columns)[1]).replace("\r", "")


@pytest.mark.parametrize("columns", [80, 120])
def test_search_with_explain_fits_the_terminal(index, columns, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env.pop("COLUMNS", None)
    env["KZKB_WATCH"] = "off"
    shown = on_terminal(
        ["search", "Алматыдағы әйелдер ұйымдары", "--explain", "-n", "3",
         "--kb", str(KB), "--index", str(index)],
        columns,
        env,
    )  # fmt: skip
    lines = shown.splitlines()
    assert any(line.startswith("3 of ") for line in lines), shown
    assert "KazFem" in shown and "place Almaty" in shown
    too_wide = [line for line in lines if len(line) > columns]
    assert not too_wide, too_wide


# --- record text is data -------------------------------------------------------------

HOSTILE = {
    "sources/a.md": (
        '---\ntitle: "\\e[31mEvil\\e[0m [red]marked[/red] title"\n'
        'description: "[link=http://x]click[/link] about rights"\n---\n'
        "rights \x1b]0;owned\x07 in the body\n"
    ),
}


@pytest.mark.parametrize("extra", [[], ["--explain"]], ids=["table", "explain"])
def test_record_text_is_shown_as_written_never_as_markup_or_control(
    make_kb, tmp_path, extra
) -> None:
    kb = make_kb(HOSTILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    env["KZKB_WATCH"] = "off"
    done = subprocess.run(
        [*kzkb_exe(), "search", "rights", "--kb", str(kb), "--index", str(tmp_path / "i"),
         *extra],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "[red]marked[/red]" in done.stdout  # markup shown, not applied
    assert "␛[31mEvil" in done.stdout  # the control character made visible
