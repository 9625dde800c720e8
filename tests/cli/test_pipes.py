"""What a pipe gets (issue 17): listing commands print one record a line,
fields separated by tabs, values whole, no borders, padding or trailing
spaces (gh's convention); `--format table` still gives the table; `show`
prints plain text wrapped to the terminal's width or 80. And the orders and
totals the tables say: titles by their alphabet, "…and N more" said, not drawn.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import clean_env, kzkb_exe

BOX = re.compile("[\u2500-\u257f\u2580-\u259f]")  # box drawing and blocks (bars)
LONG = "sources/sources/akimat_of_the_city_of_almaty.md"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pipes")
    shutil.copytree(KB, root / "kb")
    record = root / "kb" / LONG
    text = re.sub(r"(?m)^created: .*$", "created: 2023-13-45", record.read_text(encoding="utf-8"))
    text = re.sub(r"(?m)^title: .*$", 'title: "Akimat of the\\tCity\\nof Almaty"', text)
    text += "\nSee [gone](/sources/sources/no_such_record_anywhere/) and [x](../nowhere.md).\n"
    record.write_text(text, encoding="utf-8")
    return root


def kzkb(
    root: Path, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    environment = clean_env(root) | {"KZKB_WATCH": "off", "KZKB_INDEX": str(root / "i.sqlite")}
    environment.pop("COLUMNS", None)
    environment |= env
    run = subprocess.run(
        [*kzkb_exe(), *args],
        capture_output=True, text=True, env=environment, cwd=cwd or root, timeout=120,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stderr
    return run


# command, the number of fields a line has, and what counts its records in JSON
LISTINGS = {
    "list": (["list", "--kb", "kb"], 6, lambda j: len(j)),
    "search": (["search", "women", "-n", "0", "--kb", "kb"], 5, lambda j: len(j)),
    "terms": (["terms", "--kb", "kb"], 4, lambda j: len(j)),
    "tags": (["terms", "tags", "--kb", "kb"], 4, lambda j: len(j)),
    "lint": (["lint", "--kb", "kb"], 6, lambda j: len(j["findings"])),
    "check-links": (["check-links", "--kb", "kb"], 7, lambda j: len(j["findings"])),
}


@pytest.mark.parametrize("name", list(LISTINGS))
def test_a_pipe_gets_one_tab_separated_line_per_record(site, name) -> None:
    args, fields, count = LISTINGS[name]
    piped = kzkb(site, *args).stdout
    records = count(json.loads(kzkb(site, *args, "--format", "json").stdout))
    lines = piped.splitlines()
    assert len(lines) == records > 0, piped
    assert all(line.count("\t") == fields - 1 for line in lines), piped
    assert not BOX.search(piped), piped
    assert all(line == line.rstrip(" ") for line in lines), "trailing spaces"
    assert all("  " not in field for line in lines for field in line.split("\t")[:2]), "padding"


@pytest.mark.parametrize("name", ["list", "search", "lint", "check-links"])
def test_the_first_field_is_the_path_from_where_the_user_stands(site, name) -> None:
    args = LISTINGS[name][0]
    paths = [line.split("\t")[0] for line in kzkb(site, *args).stdout.splitlines()]
    assert paths and all((site / p).is_file() and p.startswith("kb/") for p in paths), paths
    inside = site / "kb" / "sources"
    where = ["--kb", str(site / "kb")]
    here = [
        line.split("\t")[0]
        for line in kzkb(site, *args[:-2], *where, cwd=inside).stdout.splitlines()
    ]
    # inside the KB: relative below the working folder, absolute elsewhere (rg, lychee)
    for path in here:
        assert (inside / path).is_file() and not path.startswith(".."), path
        assert not path.startswith(f"{inside}/"), path
    assert any(p.startswith("sources/") for p in here), here
    elsewhere = site / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    away = kzkb(site, *args[:-2], *where, cwd=elsewhere).stdout.splitlines()
    assert all(Path(line.split("\t")[0]).is_absolute() for line in away), away


def test_a_value_with_a_tab_or_line_break_stays_one_field(site) -> None:
    found = kzkb(site, "list", "--kb", "kb").stdout.splitlines()
    line = next(x for x in found if x.startswith(f"kb/{LONG}\t"))
    assert line.split("\t")[1] == "Akimat of the City of Almaty"
    assert all(x.count("\t") == 5 for x in found)


def test_format_table_still_draws_the_table_into_a_pipe(site) -> None:
    table = kzkb(site, "list", "--kb", "kb", "--format", "table").stdout
    assert "\u2500" in table and "\t" not in table and "Path" in table


def test_show_into_a_pipe_is_plain_text_wrapped_to_80(site) -> None:
    shown = kzkb(site, "show", "feminita", "--kb", "kb").stdout
    assert not BOX.search(shown), shown
    lines = shown.splitlines()
    assert lines[0] == "Feminita"
    assert "path: kb/sources/sources/feminita.md" in lines
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert all(line == line.rstrip() for line in lines)
    # the records linking here, their paths aligned in one column
    linked = lines[lines.index(next(x for x in lines if x.startswith("Linked from"))) + 1 :]
    starts = {line.index(" kb/") for line in linked if " kb/" in line}
    assert len(starts) == 1, linked
    wide = kzkb(site, "show", "feminita", "--kb", "kb", COLUMNS="200").stdout
    assert max(map(len, wide.splitlines())) > 80


def test_stats_says_what_it_leaves_out_below_the_chart(site) -> None:
    shown = kzkb(site, "stats", "--kb", "kb", "--top", "3", "--format", "table").stdout
    assert re.search(r"^…and 6 more terms, 18 records$", shown, re.M), shown
    assert not re.search(r"\d+ more\s+\d+", shown), "a row of the rest, with a bar"
    piped = kzkb(site, "stats", "--kb", "kb").stdout.splitlines()
    assert piped and all(line.count("\t") == 2 for line in piped), piped
    assert "category\tLocal NGO\t18" in piped


def test_titles_sort_by_their_alphabet(site) -> None:
    """By code point Қ came after Л and Ө after Я."""
    listed = kzkb(site, "list", "--kb", "kb", "--sort", "title", "--format", "json").stdout
    titles = [r["title"] for r in json.loads(listed)]
    kazakh = titles.index("Қазақстан: жұмысты бастауға арналған нұсқаулық")
    assert (
        kazakh < titles.index("ЛГБТК+") < titles.index("Орталық Азия") < titles.index("Өзбекстан")
    )
    assert titles.index("Өзбекстан") < titles.index("Средства массовой информации")
