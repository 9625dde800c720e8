"""End to end: every command, run as the installed `kzkb` executable, over a
generated KB of 5,000 records with known defects (tests/system/e2e_kb.py).

What each command must find is worked out from the files written (see
e2e_kb.py), never from kzkb's own answers. Every run is checked for its exit
code and for a clean stderr (no traceback, no internal error). The KB is made
once for this module; tests that change files work on a copy, or undo what
they did.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import kzkb_exe
from tests.system.e2e_kb import (
    CATEGORY_LABELS,
    TAXONOMIES,
    Expected,
    LintFinding,
    build,
    term_slug,
)

N = 5000
INJECTED_DUPLICATE = ("documents/e2e_duplicate_a.md", "documents/e2e_duplicate_b.md")
QARLYGASH = "sources/sources/e2e_qarlygash.md"
GUIDE = "guides/e2e_mangystau.md"
BROKEN = "documents/e2e_broken_links.md"


# --- running kzkb ----------------------------------------------------------------------


class Kzkb:
    """The installed executable, with the KB, a private index and cache, and
    no watcher left behind."""

    def __init__(self, root: Path, index: Path, cache: Path) -> None:
        self.root = root
        self.index = index
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_")}
        self.env.update(XDG_CACHE_HOME=str(cache), KZKB_WATCH="off", NO_COLOR="1")

    def __call__(
        self,
        *args: str,
        code: int = 0,
        kb: Path | None = None,
        index: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        kb = kb or self.root
        where = ["--kb", str(kb)] + (["--index", str(self.index)] if index else [])
        proc = subprocess.run(
            [*kzkb_exe(), *args, *where],
            capture_output=True,
            text=True,
            cwd=cwd or kb,  # paths in reports are then the KB's own
            env=self.env,
            stdin=subprocess.DEVNULL,  # `new` must not prompt
            timeout=120,
            check=False,
        )
        shown = f"kzkb {' '.join(args)}\nstderr:\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr, shown
        assert "internal error" not in proc.stderr, shown
        assert proc.returncode == code, f"exit {proc.returncode}, wanted {code}: {shown}"
        return proc

    def json(self, *args: str, code: int = 0, **kw: Any) -> Any:
        return json.loads(self(*args, "--format", "json", code=code, **kw).stdout)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Expected:
    return build(tmp_path_factory.mktemp("e2e") / "kb", N)


@pytest.fixture(scope="module")
def kzkb(kb: Expected, tmp_path_factory: pytest.TempPathFactory) -> Kzkb:
    state = tmp_path_factory.mktemp("e2e-state")
    return Kzkb(kb.root, state / "index.sqlite", state / "cache")


@pytest.fixture(scope="module")
def cold(kzkb: Kzkb) -> dict[str, Any]:
    """The first command of all: a cold index, as JSON."""
    return kzkb.json("index")


@pytest.fixture(scope="module")
def listed(kzkb: Kzkb, cold: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`list --format json`: every record, by path."""
    return {r["path"]: r for r in kzkb.json("list")}


def paths(rows: list[dict[str, Any]]) -> list[str]:
    return [r["path"] for r in rows]


# --- index ------------------------------------------------------------------------------


def test_cold_index_counts_records_and_skips_exactly_the_unusable_files(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    files = len(kb.generated_paths) + len(kb.injected_paths)
    assert cold["kb"] == str(kb.root)
    assert cold["index"] == str(kzkb.index)
    assert cold["refresh"]["scanned_by"] == "scan"  # no watcher: KZKB_WATCH=off
    assert cold["records"] == len(kb.records)
    assert cold["by_kind"] == dict(Counter(r.kind for r in kb.records.values()))
    assert cold["by_lang"] == dict(Counter(r.lang for r in kb.records.values()))
    # each file is tracked, the unusable ones too (so they are not read again)
    assert cold["refresh"]["rebuilt"] is True
    assert cold["refresh"]["files"] == files
    assert cold["refresh"]["added"] == files
    assert cold["refresh"]["skipped"] == len(kb.skipped)
    skipped = {s["path"]: (s["line"], s["reason"]) for s in cold["skipped"]}
    assert set(skipped) == set(kb.skipped)
    for path, (line, says) in kb.skipped.items():
        assert skipped[path][0] == line, path
        assert says in skipped[path][1], (path, skipped[path][1])


def test_warm_index_table_changes_nothing_and_lists_the_skipped(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    files = len(kb.generated_paths) + len(kb.injected_paths)
    out = kzkb("index")
    assert f"Indexed {len(kb.records)} records" in out.stdout
    assert f"0 added, 0 changed, 0 removed, {files} unchanged" in out.stdout
    assert f"Skipped {len(kb.skipped)} file(s)" in out.stdout
    for path, (line, _) in kb.skipped.items():
        assert f"{path}:{line}:" in out.stdout
        # on stderr too, once each
        assert out.stderr.count(f"skipped {path}:{line}:") == 1, out.stderr


def test_index_rebuild(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    rebuilt = kzkb.json("index", "--rebuild")
    assert rebuilt["refresh"]["rebuilt"] is True
    assert rebuilt["records"] == len(kb.records)
    assert rebuilt["by_kind"] == cold["by_kind"]
    assert rebuilt["skipped"] == cold["skipped"]


def test_every_command_reports_each_unusable_file_once_on_stderr(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    err = kzkb("list", "--format", "json", "--limit", "1").stderr
    for path, (line, says) in kb.skipped.items():
        found = [ln for ln in err.splitlines() if f"{path}:{line}:" in ln]
        assert len(found) == 1, err
        assert says in found[0]


# --- list -------------------------------------------------------------------------------


def test_list_json_holds_every_record_as_written(
    kb: Expected, listed: dict[str, dict[str, Any]]
) -> None:
    assert list(listed) == sorted(kb.records)  # --sort path is the default
    for path, rec in kb.records.items():
        row = listed[path]
        assert (row["url"], row["kind"], row["lang"], row["title"]) == (
            rec.url,
            rec.kind,
            rec.lang,
            rec.title,
        ), path
        for field in TAXONOMIES.values():
            assert row[field] == rec.terms.get(field, []), (path, field)
        assert row["created"] == (rec.created.isoformat() if rec.created else None), path


def test_list_csv_and_jsonl_agree_with_json(kzkb: Kzkb, listed: dict[str, dict[str, Any]]) -> None:
    rows = list(csv.DictReader(io.StringIO(kzkb("list", "--format", "csv").stdout)))
    assert [r["path"] for r in rows] == list(listed)
    for row in rows:
        want = listed[row["path"]]
        assert row["title"] == want["title"]
        assert row["category"] == "; ".join(want["category"])
        assert row["countries"] == "; ".join(want["countries"])
    lines = kzkb("list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == list(listed.values())


FILTERS = [
    (["--category", "local-ngo"], {"category": "local-ngo"}),
    (["--category", "Local NGO"], {"category": "local-ngo"}),  # a term by any spelling
    (["--country", "kazakhstan"], {"countries": "kazakhstan"}),
    (["--tag", "refugees"], {"tags": "refugees"}),
    (["--language", "Kazakh"], {"language": "kazakh"}),
    (["--kind", "guide"], {"kind": "guide"}),
    (["--lang", "kk"], {"lang": "kk"}),
    (
        ["--category", "ingo", "--country", "Uzbekistan", "--kind", "document"],
        {"category": "ingo", "countries": "uzbekistan", "kind": "document"},
    ),
]


@pytest.mark.parametrize(("args", "wanted"), FILTERS, ids=[" ".join(a) for a, _ in FILTERS])
def test_list_filters(kb: Expected, kzkb: Kzkb, args: list[str], wanted: dict[str, str]) -> None:
    chosen = set(kb.records)
    for key, value in wanted.items():
        if key in ("kind", "lang"):
            chosen &= {p for p, r in kb.records.items() if getattr(r, key) == value}
        else:
            chosen &= kb.with_term(key, value)
    assert chosen, "the filter must choose something for the test to mean anything"
    got = paths(kzkb.json("list", *args))
    assert got == sorted(chosen)


def test_list_nothing_chosen_and_unknown_term(kzkb: Kzkb) -> None:
    assert kzkb.json("list", "--kind", "section", "--category", "ingo", code=1) == []
    err = kzkb("list", "--category", "local-ngoo", code=2).stderr
    assert "unknown category 'local-ngoo'" in err and "local-ngo" in err


def test_list_sort_by_date_is_newest_first(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    rows = kzkb.json("list", "--sort", "date", "--kind", "source")
    dates = [r["date"] for r in rows if r["date"]]
    assert dates and dates == sorted(dates, reverse=True)


# --- search -----------------------------------------------------------------------------


def search(kzkb: Kzkb, *args: str, code: int = 0) -> list[dict[str, Any]]:
    hits = kzkb.json("search", *args, code=code)
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert len(set(paths(hits))) == len(hits), "a record appears once"
    return hits


def zhanaozen(kb: Expected) -> set[str]:
    """The records that hold the word, in either script."""
    return {
        p
        for p, r in kb.records.items()
        if "zhanaozen" in r.text.lower() or "жаңаөзен" in r.text.lower()
    }


def test_search_latin(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    hits = search(kzkb, "Zhanaozen")
    assert set(paths(hits)) == zhanaozen(kb)
    # titles holding the word come before records with it in the body only
    titled = {p for p in zhanaozen(kb) if "zhanaozen" in kb.records[p].title.lower()}
    assert set(paths(hits)[: len(titled)]) == titled


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ("Жаңаөзен", "Zhanaozen"),  # Cyrillic finds Latin
        ("Zhanaozne", "Zhanaozen"),  # a typo, two edits away
        ("Шұғыла", "Shugyla"),  # a Kazakh word of a body, and its transliteration
    ],
)
def test_search_across_scripts_and_typos(
    kzkb: Kzkb, cold: dict[str, Any], query: str, same_as: str
) -> None:
    got = set(paths(search(kzkb, query)))
    assert got and got == set(paths(search(kzkb, same_as)))


def test_search_cyrillic_word_of_one_body(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    assert paths(search(kzkb, "Шұғыла")) == [QARLYGASH]


def test_search_phrase(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    # e2e_qarlygash.md has "oil workers who went on strike": the words, not the phrase
    assert "oil workers" in kb.records[QARLYGASH].text and "strike" in kb.records[QARLYGASH].text
    assert set(paths(search(kzkb, '"oil workers strike"'))) == set(INJECTED_DUPLICATE)


def test_search_filters_and_exclusion(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    assert paths(search(kzkb, "Zhanaozen", "--kind", "guide")) == [GUIDE]
    assert set(paths(search(kzkb, "Zhanaozen category:local-ngo"))) == {GUIDE, QARLYGASH}
    assert paths(search(kzkb, "Zhanaozen -strike")) == [GUIDE]


def test_search_generated_text_with_filters(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    hits = search(kzkb, "feminist", "--category", "local-ngo", "--limit", "50")
    assert len(hits) == 50
    for hit in hits:
        text = kb.records[hit["path"]].text.lower()
        assert "feminist" in text or "феминист" in text, hit["path"]
        assert "local-ngo" in hit["category"], hit["path"]
        assert hit["matched"] and set(hit["matched"]) <= {"title", "terms", "description", "body"}


def test_search_exact_title_comes_first(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    titles = Counter(r.title for r in kb.records.values())
    unique = next(
        r for p, r in sorted(kb.records.items()) if r.kind == "document" and titles[r.title] == 1
    )
    assert search(kzkb, unique.title)[0]["path"] == unique.path


def test_search_no_hit(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    assert search(kzkb, "qqxxzzvvkk", code=1) == []


# --- show -------------------------------------------------------------------------------


def test_show_by_slug_path_and_url(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    # the generated source most linked to
    sources = [p for p in kb.generated_paths if kb.records[p].kind == "source"]
    inbound = Counter(link.target.split("#")[0] for link in kb.links)
    path = max(sorted(sources), key=lambda p: inbound[kb.records[p].url])
    rec = kb.records[path]
    slug = path.rsplit("/", 1)[1].removesuffix(".md")
    for ref in (slug, path, rec.url, rec.url.rstrip("/")):
        shown = kzkb.json("show", ref)
        assert shown["path"] == path, ref
        assert shown["title"] == rec.title
        assert set(shown["backlinks"]) == kb.backlinks(path)
        assert shown["translations"] == []
    table = kzkb("show", slug).stdout
    assert rec.title in table
    assert f"Linked from {len(kb.backlinks(path))} record(s)" in table


def test_show_links_anchors_and_translations(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    shown = kzkb.json("show", QARLYGASH)
    assert set(shown["backlinks"]) == {GUIDE, BROKEN} == kb.backlinks(QARLYGASH)
    assert {h["id"] for h in shown["headings"]} == {"annual-reports", "шолу"}
    pair = next(p for p in sorted(kb.records) if p.startswith("guides/") and p.endswith(".kk.md"))
    english = pair.removesuffix(".kk.md") + ".md"
    slug = english.rsplit("/", 1)[1].removesuffix(".md")
    shown = kzkb.json("show", slug)  # a pair shares its slug: the default language wins
    assert shown["path"] == english
    assert shown["translations"] == [pair]
    shown = kzkb.json("show", kb.records[pair].url)
    assert shown["path"] == pair and shown["lang"] == "kk"
    assert shown["translations"] == [english]


def test_show_unknown(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    err = kzkb("show", "e2e_qarlygashh", code=2).stderr
    assert "no record matches 'e2e_qarlygashh'" in err and "did you mean" in err


# --- terms and stats --------------------------------------------------------------------


def term_counts(kb: Expected, field: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for rec in kb.records.values():
        counts.update({term_slug(v) for v in rec.terms.get(field, [])})
    return counts


@pytest.mark.parametrize("name", ["category", "countries", "tag", "language", "data_type"])
def test_terms(kb: Expected, kzkb: Kzkb, cold: dict[str, Any], name: str) -> None:
    singular = {"countries": "country", "tag": "tag"}.get(name, name)
    field = TAXONOMIES[singular]
    rows = kzkb.json("terms", name)
    assert {r["taxonomy"] for r in rows} == {singular}
    expected = term_counts(kb, field)
    if singular == "category":  # the vocabulary's terms are listed even when unused
        expected.update(dict.fromkeys(CATEGORY_LABELS, 0))
    assert {r["slug"]: r["count"] for r in rows} == dict(expected)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    if singular == "category":
        labels = {r["slug"]: r["label"] for r in rows}
        assert {s: labels[s] for s in CATEGORY_LABELS} == CATEGORY_LABELS
        assert labels["state-medai"] == "state-medai"  # not in the vocabulary: as written


def test_stats(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    stats = kzkb.json("stats")
    assert stats["records"] == len(kb.records)
    injected = Counter(kb.records[p].kind for p in kb.injected_paths if p in kb.records)
    generated = Counter(kb.generated["records"])
    assert stats["kind"] == dict(generated + injected)
    assert stats["lang"] == dict(Counter(r.lang for r in kb.records.values()))
    years = Counter(str(r.created.year) for r in kb.records.values() if r.created)
    assert stats["created"] == dict(years)
    assert stats["created_unknown"] == sum(r.created is None for r in kb.records.values())
    for singular, field in TAXONOMIES.items():
        counts = term_counts(kb, field)
        if singular == "category":
            want = {CATEGORY_LABELS.get(s, s): n for s, n in counts.items()}
        else:  # the generator spells each term one way: its slug or its name
            spelled = {term_slug(v): v for r in kb.records.values() for v in r.terms[field]}
            want = {spelled[s]: n for s, n in counts.items()}
        assert stats["taxonomies"][field] == want, field


# --- check-links ------------------------------------------------------------------------


def link_findings(report: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    out = {}
    for f in report["findings"]:
        key = (f["file"], f["line"], f["column"], f["target"], f["severity"])
        assert key not in out, f"reported twice: {f}"
        out[key] = f
    return out


def expected_links(kb: Expected) -> dict[tuple[Any, ...], str]:
    want: dict[tuple[Any, ...], str] = {
        (f.file, f.line, f.column, f.target, f.severity): f.reason for f in kb.link_findings
    }
    for path in kb.orphans:
        want[(path, 1, 1, kb.records[path].url, "warning")] = "orphan source"
    for path in kb.untranslated:
        want[(path, 1, 1, kb.records[path].url, "warning")] = "guide has no 'kk' translation"
    return want


def test_check_links_finds_exactly_the_broken_links(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    report = kzkb.json("check-links", code=1)
    got = link_findings(report)
    want = expected_links(kb)
    assert set(got) - set(want) == set(), "false positives"
    assert set(want) - set(got) == set(), "missed"
    for key, reason in want.items():
        assert got[key]["reason"].startswith(reason), (key, got[key]["reason"])
    for path, translation in kb.untranslated.items():
        key = (path, 1, 1, kb.records[path].url, "warning")
        assert got[key]["suggestion"] == f"add {translation}"
    # the generator's own broken links are among them, each reported
    generated = [f for f in kb.link_findings if f.file in kb.generated_paths]
    assert len(generated) == kb.generated["broken_links"]
    errors = sum(s == "error" for *_, s in want)
    assert report["summary"] == {
        "records": len(kb.records),
        "links": len(kb.links),
        "external": 0,
        "errors": errors,
        "warnings": len(want) - errors,
    }


def test_check_links_suggestions(kb: Expected, kzkb: Kzkb, cold: dict[str, Any]) -> None:
    findings = kzkb.json("check-links", code=1)["findings"]
    got = {f["target"]: f["suggestion"] for f in findings if f["file"] in (BROKEN, GUIDE)}
    assert got == {
        "/sources/sources/e2e_no_such_record/": got["/sources/sources/e2e_no_such_record/"],
        "/category/local-ngoo/": "did you mean /category/local-ngo/?",
        "/sources/sources/e2e_qarlygash/#annual-report": "did you mean #annual-reports?",
        "/sources/sources/e2e_qarlygash/#Annual-Reports": "write #annual-reports",
        "facebook.com/qarlygash": "write https://facebook.com/qarlygash",
        "/guides/e2e_mangystau/": "add guides/e2e_mangystau.kk.md",
    }
    # a missing page's suggestion, when there is one, is a page that exists
    urls = {r.url for r in kb.records.values()}
    for f in findings:
        if f["reason"] == "no such page" and f["suggestion"]:
            near = re.fullmatch(r"did you mean (\S+)\?", f["suggestion"])
            assert near is not None and near.group(1) in urls, f


def test_check_links_strict_table_and_github(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    want = expected_links(kb)
    strict = kzkb.json("check-links", "--strict", code=1)
    assert set(link_findings(strict)) == set(want)
    warnings = {(f["file"], f["reason"]) for f in strict["findings"] if f["severity"] == "warning"}
    assert ("sources/sources/e2e_orphan.md", "orphan source: no record links here") in warnings
    assert (GUIDE, "guide has no 'kk' translation") in warnings

    table = kzkb("check-links", "--strict", "--format", "table", code=1)
    errors = sum(s == "error" for *_, s in want)
    summary = f"{errors} errors, {len(want) - errors} warnings: {len(kb.links)} internal links"
    assert summary in table.stderr
    for f in kb.link_findings:
        if f.file == BROKEN:
            assert f"{f.line}:{f.column}" in table.stdout
    # piped without --format, one tab-separated line per finding: file, line, column
    lines = kzkb("check-links", "--strict", code=1).stdout.splitlines()
    for f in kb.link_findings:
        if f.file == BROKEN:
            assert any(
                line.split("\t")[:3] == [BROKEN, str(f.line), str(f.column)] for line in lines
            )

    github = kzkb("check-links", "--format", "github", code=1).stdout.splitlines()
    assert sum(line.startswith("::error file=") for line in github) == errors
    assert sum(line.startswith("::warning file=") for line in github) == len(want) - errors
    term = next(f for f in kb.link_findings if f.target == "/category/local-ngoo/")
    assert f"::error file={BROKEN},line={term.line},col={term.column}," in "\n".join(github)


def test_check_links_paths_are_relative_to_the_working_directory(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    report = kzkb.json("check-links", code=1, cwd=kb.root.parent)
    shown = {f["file"] for f in report["findings"]}
    assert shown == {f"{kb.root.name}/{f.file}" for f in kb.link_findings} | {
        f"{kb.root.name}/{p}" for p in [*kb.orphans, *kb.untranslated]
    }


# --- export -----------------------------------------------------------------------------


def _sample(listed: dict[str, dict[str, Any]]) -> list[str]:
    keys = list(listed)
    return [keys[0], keys[len(keys) // 2], keys[-1], QARLYGASH, "documents/e2e_escaped.md"]


FIELDS = ("url", "lang", "kind", "title", "description", "website", "date", "created")


def _exported(fmt: str, out: Path) -> dict[str, dict[str, Any]]:
    """path -> record as the export holds it, lists as lists."""
    if fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert set(data) == {"kb", "records"}
        assert data["kb"]["languages"] == ["en", "kk"]
        return {r["path"]: r for r in data["records"]}
    if fmt == "jsonl":
        lines = out.read_text(encoding="utf-8").splitlines()
        return {r["path"]: r for r in map(json.loads, lines)}
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
        for row in rows:
            for field in TAXONOMIES.values():
                row[field] = row[field].split("; ") if row[field] else []
        return {r["path"]: r for r in rows}
    if fmt == "toml":
        data = tomllib.loads(out.read_text(encoding="utf-8"))
        rows = data["records"]
        for row in rows:  # TOML has dates and no null
            for key in FIELDS:
                value = row.get(key)
                row[key] = value.isoformat() if hasattr(value, "isoformat") else value
            for field in TAXONOMIES.values():
                row.setdefault(field, [])
        return {r["path"]: r for r in rows}
    if fmt == "sqlite":
        db = sqlite3.connect(out)
        db.row_factory = sqlite3.Row
        rows = {r["path"]: dict(r) for r in db.execute("SELECT * FROM records")}
        for row in rows.values():
            for field in TAXONOMIES.values():
                row[field] = []
        for term in db.execute("SELECT record_path, taxonomy, label FROM record_terms"):
            rows[term[0]][TAXONOMIES[term[1]]].append(term[2])
        fts = db.execute("SELECT count(*) FROM records_fts").fetchone()[0]
        assert fts == len(rows)
        db.close()
        return rows
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "toml", "sqlite"])
def test_export(
    kzkb: Kzkb,
    listed: dict[str, dict[str, Any]],
    tmp_path: Path,
    fmt: str,
) -> None:
    out = tmp_path / f"kb.{fmt}"
    # the format from the extension; TOML's writer is slow, so no bodies there
    kzkb("export", "-o", str(out), *(["--no-body"] if fmt == "toml" else []))
    records = _exported(fmt, out)
    assert sorted(records) == list(listed)
    for path in _sample(listed):
        want, got = listed[path], records[path]
        for key in FIELDS:  # CSV and TOML have no null: an empty value is left out
            assert (got.get(key) or None) == (want[key] or None), (fmt, path, key)
        for field in TAXONOMIES.values():
            if fmt == "sqlite":  # record_terms holds one row per distinct term
                assert got[field] == list(dict.fromkeys(want[field])), (fmt, path, field)
            else:
                assert got[field] == want[field], (fmt, path, field)
    if fmt in ("json", "jsonl"):
        assert "Қысқаша шолу." in records[QARLYGASH]["body"]


def test_export_markdown_catalogue_links_every_record(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "kb.md"
    kzkb("export", "--format", "markdown", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(<?(/[^)>]*)>?\)", text))
    assert linked == {r.url for r in kb.records.values()}
    for label in CATEGORY_LABELS.values():
        assert f"## {label}\n" in text


def test_export_filtered_and_refuses_to_overwrite(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "guides.jsonl"
    kzkb("export", "--kind", "guide", "--lang", "kk", "-o", str(out))
    got = [json.loads(line)["path"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert got == sorted(p for p, r in kb.records.items() if r.kind == "guide" and r.lang == "kk")
    before = out.read_bytes()
    kzkb("export", "-o", str(out), code=2)
    assert out.read_bytes() == before


# --- lint -------------------------------------------------------------------------------


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def lint_sets(report: dict[str, Any]) -> tuple[set[LintFinding], set[tuple[str, str]]]:
    """(every finding but near-duplicates, the near-duplicate pairs)."""
    others: set[LintFinding] = set()
    pairs: set[tuple[str, str]] = set()
    for f in report["findings"]:
        if f["rule"] == "near-duplicate":
            assert f["line"] == 2, f  # the title's line, in every file here
            other = re.search(r"same record as (\S+) \(", f["message"])
            assert other is not None, f
            pairs.add((f["file"], other.group(1)))
        else:
            fixable = "(--fix)" in f["fix"]
            others.add(LintFinding(f["file"], f["line"], f["rule"], f["severity"], fixable))
    return others, pairs


@pytest.fixture(scope="module")
def duplicates(kb: Expected) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Near-duplicate pairs: (those lint must report, those it may report).

    Must: records of one kind with the very same title, and the pair injected.
    May: any two of one kind whose folded titles have a rapidfuzz
    token_sort_ratio of 90 or more (README, `near-duplicate`)."""
    from rapidfuzz import fuzz, process

    from kzkb.text.fold import fold

    by_kind: dict[str, list[tuple[str, str]]] = {}
    for path, rec in sorted(kb.records.items()):
        if rec.kind == "section" or rec.lang != "en":  # translations share titles
            continue
        by_kind.setdefault(rec.kind, []).append((path, " ".join(fold(rec.title).split())))
    must = set(kb.injected_duplicates)
    may = set(kb.injected_duplicates)
    for items in by_kind.values():
        titles = [t for _, t in items]
        for i, title in enumerate(titles):
            rest = titles[i + 1 :]
            found = process.extract(
                title, rest, scorer=fuzz.token_sort_ratio, score_cutoff=90, limit=None
            )
            for _, _score, j in found:
                pair = (items[i][0], items[i + 1 + j][0])
                may.add(pair)
                if kb.records[pair[0]].title == kb.records[pair[1]].title:
                    must.add(pair)
    return must, may


@pytest.fixture
def lint_copy(kb: Expected, tmp_path: Path) -> Iterator[Path]:
    """A copy of the KB that lint --fix may change."""
    copy = tmp_path / "kb"
    shutil.copytree(kb.root, copy, symlinks=True)
    yield copy


def _lint_expected(kb: Expected) -> set[LintFinding]:
    # the NUL-byte file has a test of its own, below
    return {f for f in kb.lint if f.file != "documents/e2e_nul.md"}


@pytest.fixture(scope="module")
def linted(kzkb: Kzkb) -> dict[str, Any]:
    """`lint --format json` over the whole KB (lint reads files, not the index)."""
    return kzkb.json("lint", code=1, index=False)


def test_lint_finds_exactly_the_injected_defects(
    kb: Expected,
    linted: dict[str, Any],
    duplicates: tuple[set[tuple[str, str]], set[tuple[str, str]]],
) -> None:
    others, pairs = lint_sets(linted)
    others = {f for f in others if f.file != "documents/e2e_nul.md"}
    assert others == _lint_expected(kb)
    must, may = duplicates
    assert must - pairs == set(), "missed near-duplicates"
    assert pairs - may == set(), "near-duplicates whose titles are not alike"
    summary = linted["summary"]
    assert summary["files"] == len(kb.generated_paths) + len(kb.injected_paths)
    assert summary["errors"] == sum(f["severity"] == "error" for f in linted["findings"])
    assert summary["warnings"] == len(linted["findings"]) - summary["errors"]


def test_lint_reports_every_file_the_index_skips(kb: Expected, linted: dict[str, Any]) -> None:
    """What no other command can read is a defect lint must name, at its line,
    as it names a file that is not UTF-8 or whose YAML does not parse."""
    for path, (line, _) in kb.skipped.items():
        found = [(f["line"], f["severity"]) for f in linted["findings"] if f["file"] == path]
        assert (line, "error") in found, (path, found)


def test_lint_fix_repairs_the_fixable_and_a_second_fix_changes_nothing(
    kb: Expected, kzkb: Kzkb, lint_copy: Path
) -> None:
    before = digest(lint_copy)
    dry = kzkb("lint", "--fix", "--dry-run", code=1, kb=lint_copy, index=False).stdout
    assert digest(lint_copy) == before, "--dry-run wrote"
    assert set(re.findall(r"^# (\S+): ", dry, re.MULTILINE)) == set(kb.fixed_files)
    assert set(re.findall(r"^\+\+\+ b/(\S+)$", dry, re.MULTILINE)) == set(kb.fixed_files)

    first = kzkb.json("lint", "--fix", code=1, kb=lint_copy, index=False)
    after = digest(lint_copy)
    changed = {p for p in before if before[p] != after.get(p)}
    assert changed == set(kb.fixed_files)
    assert set(after) == set(before)
    assert first["summary"]["fixed"] == len(kb.fixed_files)  # one repair in each

    # the report after --fix: the fixable findings are gone, the rest remain
    others, _ = lint_sets(first)
    others = {f for f in others if f.file != "documents/e2e_nul.md"}
    assert others == {f for f in _lint_expected(kb) if not f.fixable}

    for path, want in kb.fixed_files.items():  # front-matter lines only; the body as it was
        assert (lint_copy / path).read_bytes() == want, path

    second = kzkb.json("lint", "--fix", code=1, kb=lint_copy, index=False)
    assert digest(lint_copy) == after, "a second --fix changed files"
    assert second["summary"]["fixed"] == 0
    assert second["findings"] == first["findings"]


# --- new --------------------------------------------------------------------------------


def test_new_record_is_found_by_the_next_search(
    kb: Expected, kzkb: Kzkb, cold: dict[str, Any]
) -> None:
    title = "Tumar Women's Weaving Cooperative"
    made = kzkb(
        "new",
        "--title",
        title,
        "--category",
        "Local NGO",
        "--country",
        "Kazakhstan",
        "--description",
        "Felt makers of Shymkent who train young women.",
    )
    created = Path(made.stdout.strip())
    try:
        rel = created.relative_to(kb.root).as_posix()
        assert rel.startswith("sources/sources/") and rel.endswith(".md")
        assert "_" in rel.rsplit("/", 1)[1], "named as its neighbours are (snake case)"
        assert rel not in kb.records
        assert f"created {rel}" in made.stderr
        text = created.read_text(encoding="utf-8")
        assert title in text and "local-ngo" in text
        hits = search(kzkb, "Tumar weaving")
        assert hits[0]["path"] == rel and hits[0]["title"] == title
        assert hits[0]["category"] == ["local-ngo"]
        kzkb("new", "--title", title, code=2)  # never replaces a file
        assert created.read_text(encoding="utf-8") == text
    finally:
        created.unlink(missing_ok=True)
        kzkb("index")  # the KB as the other tests know it
    kzkb("show", rel, code=2)
    assert kzkb("search", "Tumar weaving", "--format", "json", code=1).stdout.strip() == "[]"


# --- the watcher, and what is left behind -----------------------------------------------


def test_watcher_status_says_off_and_none_runs(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    status = kzkb.json("watcher", "status", index=False)
    assert status["running"] is False
    assert status["setting"] == "off"
    assert "not running" in kzkb("watcher", "status", index=False).stdout
    err = kzkb("watcher", "start", code=2, index=False).stderr
    assert "watching this KB is turned off" in err
    assert kzkb.json("watcher", "status", index=False)["running"] is False


def test_nothing_written_to_the_cache_but_the_given_index(kzkb: Kzkb, cold: dict[str, Any]) -> None:
    cache = Path(kzkb.env["XDG_CACHE_HOME"])
    left = [p for p in cache.rglob("*") if p.suffix == ".sqlite"] if cache.exists() else []
    assert left == []
    assert kzkb.index.exists()
