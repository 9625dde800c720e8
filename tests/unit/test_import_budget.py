"""What the two commands people run most may load: start-up is most of their time.

`kzkb --version` and a warm `kzkb search --format json` are measured in
bench/ (startup ≤ 0.15 s, search ≤ 0.25 s at 1,000 records); most of that is
Python importing modules. Each list below is the budget: a module that joins
it fails the test, so the cost of a new import is a decision, not an accident.
A module that leaves it is welcome (shorten the list).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[2] / "kb"

PROBE = """
import contextlib, io, json, sys
sys.argv = ["kzkb", *sys.argv[1:]]
from kzkb.entry import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""

# `kzkb --version` is answered by kzkb.entry before the command line loads
VERSION = {"kzkb", "kzkb.entry"}

# what a search loads before it runs: the prescan, then the command line with
# search's own command alone (kzkb.cli.commands: the other commands'
# modules load only when they run)
COMMAND_LINE = {
    "kzkb", "kzkb.entry", "kzkb.model", "kzkb.files", "kzkb.digest",
    "kzkb.listing", "kzkb.listing.client", "kzkb.listing.prescan", "kzkb.listing.protocol",
    "kzkb.listing.scan",
    "kzkb.cli", "kzkb.cli.app", "kzkb.cli.commands", "kzkb.cli.complete", "kzkb.cli.options",
    "kzkb.cli.filters", "kzkb.cli.search", "kzkb.cli.taxonomies",
}  # fmt: skip

SEARCH = COMMAND_LINE | {
    "kzkb.kb", "kzkb.choosing", "kzkb.urls", "kzkb.safe_yaml",
    "kzkb.search", "kzkb.search.columns", "kzkb.search.facets", "kzkb.search.highlight",
    "kzkb.search.lexicon", "kzkb.search.morph", "kzkb.search.plan", "kzkb.search.query",
    "kzkb.search.rank", "kzkb.search.resources", "kzkb.search.entries", "kzkb.search.results",
    "kzkb.text.turkic",
    "kzkb.settings", "kzkb.settings.bounds", "kzkb.settings.config", "kzkb.settings.find",
    "kzkb.settings.formats",
    "kzkb.settings.hugo", "kzkb.settings.own", "kzkb.settings.sections", "kzkb.settings.terms",
    "kzkb.text", "kzkb.text.fold", "kzkb.text.suggest",
    "kzkb.hugo", "kzkb.hugo.paths",
    "kzkb.parse", "kzkb.parse.html", "kzkb.parse.markdown", "kzkb.parse.page",
    "kzkb.store", "kzkb.store.codec", "kzkb.store.db", "kzkb.store.fulltext",
    "kzkb.store.index", "kzkb.store.links", "kzkb.store.records",
    "kzkb.store.refresh", "kzkb.store.stored", "kzkb.store.lexicon", "kzkb.searcher",
    "kzkb.store.damage", "kzkb.store.filestate",
    "kzkb.export", "kzkb.export.shapes",
    "kzkb.views", "kzkb.views.console", "kzkb.views.machine", "kzkb.views.lines",
}  # fmt: skip

# never loaded by either: each costs tens of milliseconds and neither needs it
HEAVY = {
    "rich", "yaml", "hashlib", "_hashlib", "frontmatter", "httpx", "httpcore", "asyncio",
    "rapidfuzz", "tomli_w",
    "multiprocessing", "concurrent", "ssl", "email", "http", "inotify_simple",
}  # fmt: skip
# loaded by search alone: folding stems words, snippets read the Markdown
SEARCH_ONLY = {"Stemmer", "pyromark", "sqlite3", "platformdirs", "tomllib"}


def loaded(*args: str, env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
    out["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    out["KZKB_WATCH"] = "off"
    # the index is warm, as it is for every search but a KB's first
    loaded("index", "--kb", str(KB), env=out)
    return out


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_loads_no_command_line(env: dict[str, str], flag: str) -> None:
    modules = loaded(flag, env=env)
    assert {m for m in modules if m.startswith("kzkb")} - VERSION == set()
    tops = {m.split(".")[0] for m in modules}
    assert tops & (HEAVY | SEARCH_ONLY | {"typer", "click"}) == set()


def test_a_warm_json_search_loads_only_what_it_uses(env: dict[str, str]) -> None:
    # a word many records hold: rapidfuzz is for words whose own matches are weak
    modules = loaded("search", "women", "--kb", str(KB), "--format", "json", env=env)
    assert {m for m in modules if m.startswith("kzkb")} - SEARCH == set()
    assert {m.split(".")[0] for m in modules} & HEAVY == set()


@pytest.mark.parametrize("command", [["index"], ["list", "-n", "1"], ["check-links"]])
def test_commands_that_do_not_search_load_no_search_machinery(
    env: dict[str, str], command: list[str]
) -> None:
    modules = loaded(*command, "--kb", str(KB), "--format", "json", env=env)
    assert {"kzkb.searcher", "kzkb.search.rank", "kzkb.search.plan"} & modules == set()
    # nor the other commands' modules
    assert {m for m in modules if m.startswith("kzkb.cli.")} & {
        "kzkb.cli.search", "kzkb.cli.export", "kzkb.cli.mv", "kzkb.cli.lsp", "kzkb.cli.cite"
    } == set()  # fmt: skip
