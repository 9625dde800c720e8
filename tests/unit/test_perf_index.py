"""The cold index's shortcuts hold what it stores: an index filled in bulk
(indexes dropped and made again after the load, FTS5 gathering more in
memory) equals one filled a row at a time; folding text a run of non-ASCII
letters at a time equals folding it a character at a time; the worker pool
follows the cores this process may run on."""

from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzkb.hugo.links import fragment_of, link_key, own_site
from kzkb.listing.scan import scan
from kzkb.model import Link, Record
from kzkb.settings.config import open_config
from kzkb.store import prepare, refresh
from kzkb.store.db import Tuning
from kzkb.store.index import Index
from kzkb.text import fold as fold_module
from kzkb.text.fold import fold
from tests.helpers import record, write_kb

ROWS = {
    "files": "SELECT path, size, hash, skipped_line, skipped_reason FROM files ORDER BY path",
    "records": "SELECT * FROM records ORDER BY id",
    "record_data": "SELECT * FROM record_data ORDER BY id",
    "record_terms": "SELECT * FROM record_terms ORDER BY 1, 2, 3, 4, 5",
    "urls": "SELECT * FROM urls ORDER BY 1, 2, 3",
    "links": "SELECT * FROM links ORDER BY 1, 2, 3, 4, 5, 6, 7",
    "link_keys": "SELECT * FROM link_keys ORDER BY key",
    "anchors": "SELECT * FROM anchors ORDER BY 1, 2",
    "fts": "SELECT rowid, * FROM fts ORDER BY rowid",
    "vocabulary": "SELECT term, doc, cnt FROM fts_vocab ORDER BY term",
    "indexes": "SELECT type, name, tbl_name, sql FROM sqlite_master"
    " WHERE type = 'index' ORDER BY name",
}


def _kb(root: Path) -> Path:
    files: dict[str, str | bytes] = {}
    for i in range(40):
        body = (
            f"# Heading {i}\n\nАлматы Qazaqstan naïve café — “{i}” oʻquv.\n\n"
            f"[next](/notes/n{(i + 1) % 40}/) [broken](/nowhere/{i}/) [#x](#heading-{i})\n"
        )
        files[f"content/notes/n{i}.md"] = record(
            f"Note {i} Қазақстан", body, tags=f"[t{i % 3}, Женщины]", aliases=f"[/old/{i}/]"
        )
    files["content/notes/bad.md"] = "---\ntitle: [unclosed\n---\n"
    return write_kb(root, files)


def _dump(db_path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(db_path)
    try:
        return {name: db.execute(sql).fetchall() for name, sql in ROWS.items()}
    finally:
        db.close()


def _filled(kb: Path, db_path: Path, tuning: Tuning, rebuild: bool) -> dict[str, list]:
    index = Index.open(db_path, tuning=tuning)
    try:
        stats = index.refresh(open_config(kb), rebuild=rebuild)
        assert (stats.added, stats.skipped) == (41, 1)  # a file skipped is added too
    finally:
        index.close()
    return _dump(db_path)


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_bulk_fill_stores_what_a_fill_row_by_row_stores(tmp_path: Path, rebuild: bool) -> None:
    kb = _kb(tmp_path / "kb")
    by_row = tmp_path / "row.sqlite"
    bulk = tmp_path / "bulk.sqlite"
    if rebuild:  # a --rebuild over a full index takes the bulk path too
        _filled(kb, bulk, Tuning(recount_from=10**9), rebuild=False)
    expected = _filled(kb, by_row, Tuning(recount_from=10**9), rebuild=False)
    got = _filled(kb, bulk, Tuning(recount_from=1), rebuild=rebuild)
    assert got == expected
    assert {row[1] for row in got["indexes"]} >= {"links_by_key", "urls_by_url", "records_by_kind"}


def test_the_pool_fed_chunk_after_chunk_stores_what_one_process_stores(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    alone = _filled(kb, tmp_path / "one.sqlite", Tuning(workers=1), rebuild=True)
    # chunks of 7 files, from 2 and from 3 workers taking turns (41 files: the
    # last chunk partial, one worker with a chunk fewer)
    for workers in (2, 3):
        tuning = Tuning(workers=workers, parallel_from=1, parallel_chunk=7)
        assert _filled(kb, tmp_path / f"pool{workers}.sqlite", tuning, rebuild=True) == alone


def test_without_fork_a_pool_of_spawned_workers_stores_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = _kb(tmp_path / "kb")
    alone = _filled(kb, tmp_path / "one.sqlite", Tuning(workers=1), rebuild=True)
    monkeypatch.delattr(refresh.os, "fork")  # as on Windows
    tuning = Tuning(workers=2, parallel_from=1, parallel_slice=7)
    assert _filled(kb, tmp_path / "spawn.sqlite", tuning, rebuild=True) == alone


def _forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the workers os.fork makes from now on."""
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


def _all_reaped(pids: list[int]) -> bool:
    """Whether every one of these children has ended and been waited for."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


def _jobs(kb: Path) -> list[tuple[str, str]]:
    config = open_config(kb)
    prepare.use_config(config)
    content = config.content_dir
    return [(str(content / rel), rel) for rel in sorted(scan(content))]


def test_a_worker_that_dies_is_an_error_not_a_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _jobs(_kb(tmp_path / "kb"))
    real = prepare._prepare

    def dies_on_n7(job: tuple[str, str]) -> prepare.Prepared:
        if job[1].endswith("n7.md"):
            os._exit(3)  # a worker killed (the OOM killer, say) mid-chunk
        return real(job)

    monkeypatch.setattr(prepare, "_prepare", dies_on_n7)
    pids = _forks(monkeypatch)
    got = []
    with pytest.raises(RuntimeError, match="worker process ended"):
        for item in prepare.prepare_forked(jobs, 2, 3):
            got.append(item.path)
    assert got == [rel for _, rel in jobs][: len(got)]  # in order up to the dead chunk
    assert len(pids) == 2 and _all_reaped(pids)


def test_closing_the_workers_output_early_ends_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _jobs(_kb(tmp_path / "kb"))
    pids = _forks(monkeypatch)
    stream = prepare.prepare_forked(jobs, 2, 2)
    assert next(stream).path == jobs[0][1]
    stream.close()  # an error or Ctrl-C in the writer
    assert len(pids) == 2 and _all_reaped(pids)


# two records far apart: another folder, language and URL, one under a permalink
RECORDS = [
    Record("notes/n1.md", "/notes/n1/", "en", "page", "N1", aliases=["/old/"]),
    Record("kk/deep/er/x.kk.md", "/kk/custom/x/", "kk", "guide", "X"),
]
TARGET_CHARS = st.sampled_from([*"/./..#?%=&AaÜü:2 m", ".md", ".MD", "%41", "%C3%A9", "//"])


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["/", "/", "", "./", "../", "#", "?", "//", " /"]),
    st.lists(TARGET_CHARS, max_size=12).map("".join),
    st.sampled_from(["link", "image", "html", "ref"]),
)
def test_a_links_key_is_looked_up_only_where_no_record_changes_it(
    start: str, rest: str, kind: str
) -> None:
    target = start + rest
    link = Link(target, "text", 3, 1, kind)
    site = own_site("https://example.org/portal/")
    was = prepare._SITE
    prepare._SITE = site  # a baseURL with a host: every rule of link_key applies
    prepare._ROOT_KEYS.clear()
    try:
        for owner in (*RECORDS, *reversed(RECORDS)):  # the second lookup of each is the cache's
            assert prepare._key_and_fragment(link, owner) == (
                link_key(link, owner, site),
                fragment_of(target),
            )
    finally:
        prepare._SITE = was


def test_a_bulk_fill_then_one_edit_answers_searches(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    db_path = tmp_path / "i.sqlite"
    _filled(kb, db_path, Tuning(recount_from=1), rebuild=True)
    note = kb / "content/notes/n3.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nZorbexword\n", encoding="utf-8")
    index = Index.open(db_path)
    try:
        stats = index.refresh(open_config(kb))
        assert stats.changed == 1
        hits = index.db.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ?", (fold("Zorbexword"),)
        ).fetchall()
        path = index.db.execute("SELECT path FROM records WHERE id = ?", hits[0]).fetchone()[0]
    finally:
        index.close()
    assert len(hits) == 1 and path == "content/notes/n3.md"


# fold()'s apostrophe rule as it was first written, one regular expression
_INSIDE = re.compile(r"(?:([sScCyY])|(?<=\w))['ʻʼ‘’`´](?=\w)")
_MARKED = {"s": "sh", "c": "ch", "y": "u", "S": "sh", "C": "ch", "Y": "u", None: ""}


def _fold_by_character(text: str) -> str:
    """fold() as it was written before it worked a run at a time and found
    apostrophes by themselves: the reference the faster one must equal."""
    if any(mark in text for mark in "'ʻʼ‘’`´"):
        text = _INSIDE.sub(lambda m: _MARKED[m.group(1)], text)
    text = text.lower()
    if not text.isascii():
        text = text.translate(fold_module._TABLE)
        if not text.isascii():
            text = "".join(
                ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
            )
    for old, new in (("kh", "k"), ("x", "k"), ("q", "k"), ("dzh", "zh"), ("j", "zh")):
        text = text.replace(old, new)
    for old, new in (("yo", "e"), ("y", "i"), ("w", "v")):
        text = text.replace(old, new)
    return fold_module._DOUBLED.sub(fold_module._FIRST, text)


LETTERS = st.sampled_from(
    list("aeiouyqxjkhszwSCY_1 'ʻʼ‘’`´-.\n²٣")
    + [chr(c) for c in range(0x300, 0x316)]  # combining marks, after ASCII letters too
    + list("АлматыҚазақстанЖенщиныӘғқңөұүһіўҳ")
    + list("éüçşšžıəýñ“”«»—ﬁ①ẞİΣ")
)


@settings(max_examples=400, deadline=None)
@given(st.lists(LETTERS, max_size=40).map("".join))
def test_folding_a_run_at_a_time_equals_folding_every_character(text: str) -> None:
    assert fold(text) == _fold_by_character(text)
    assert fold(text) == fold(text)  # a second time, from the cache of runs


# words that fold to nothing (ъ), or to a space at an edge (U+00A0, U+00A8,
# U+2002 under NFKD), whose spaces the doubled-letter rule merges with the
# ones between words; final sigma, which looks at the letters around it
WORD_EDGES = st.sampled_from(
    [
        " ", " ", "  ", "ъ", "ь", "\xa0", "\u00a8", "\u2002", "Σ", "ΑΣ", "ς", "İ", "'", "s'",
        "aa", "a", "Алматы", "Kh", "x", "oʻquv", "ss", "\u0301", "\n", "\t",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(WORD_EDGES | LETTERS, max_size=20).map("".join))
def test_folding_word_by_word_equals_folding_the_whole_text(text: str) -> None:
    assert fold(text) == _fold_by_character(text)
    assert fold(text) == _fold_by_character(text)  # the words from the cache now


def test_the_cache_of_words_starts_again_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fold_module, "_WORDS", {})
    monkeypatch.setattr(fold_module, "_WORDS_MAX", 4)
    for text in ("Алматы Қазақстан Женщины café Медиазона naïve", "Almaty Qazaqstan"):
        assert fold(text) == _fold_by_character(text) == fold(text)
    assert sorted(fold_module._WORDS) == ["Almaty", "Qazaqstan"]  # the first text's dropped


def test_the_cache_of_runs_starts_again_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fold_module, "_RUNS", {})  # whatever earlier tests folded
    monkeypatch.setattr(fold_module, "_RUNS_MAX", 3)
    words = ["Алматы", "Қазақстан", "Женщины", "café", "Медиазона"]
    assert [fold(w) for w in words] == [_fold_by_character(w) for w in words]
    assert len(fold_module._RUNS) <= 3


def test_the_pool_takes_the_cores_this_process_may_run_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not hasattr(refresh.os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this platform")
    monkeypatch.setattr(refresh.os, "cpu_count", lambda: 64)
    monkeypatch.setattr(refresh.os, "sched_getaffinity", lambda pid: {0})
    assert refresh.usable_cores() == 1  # taskset -c 0: parse in the main process
    monkeypatch.setattr(refresh.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert refresh.usable_cores() == 8


def test_a_word_character_is_what_the_regex_engine_calls_one() -> None:
    # fold judges an apostrophe's neighbours with str.isalnum(), for \w
    word = re.compile(r"\w")
    differ = [
        c for c in range(0x110000) if bool(word.match(chr(c))) != (chr(c).isalnum() or c == 0x5F)
    ]
    assert differ == []
