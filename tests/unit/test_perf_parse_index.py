"""Every shortcut of the cold index at once: an index of the bundled KB, of
a generated one and of one hostile to every format, built with each
shortcut (front matter read without the YAML loader, folding by cached
words, the Markdown text squeezed, line offsets summed, link keys looked
up, files read by os.read, forked workers) holds exactly the rows of one
built the way each replaced: the YAML loader, folding the whole text,
cutting words, a buffered read, one process."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kzkb.parse import frontmatter, markdown, source
from kzkb.store import prepare
from kzkb.store.db import Tuning
from kzkb.text import fold as fold_module
from tests.hostile_corpus import hostile_kb
from tests.unit.test_perf_index import _dump

ROOT = Path(__file__).resolve().parents[2]


def _slow_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each shortcut replaced by what it stands for."""
    monkeypatch.setattr(frontmatter, "read_simple", lambda text: None)
    whole = fold_module._fold_text
    monkeypatch.setattr(fold_module, "fold", whole)
    monkeypatch.setattr(prepare, "fold", whole)
    monkeypatch.setattr("kzkb.search.columns.fold", whole)
    monkeypatch.setattr(markdown, "squeeze", lambda text: " ".join(text.split()))

    def searched(data: bytes) -> list[int]:
        starts, pos = [0], data.find(b"\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = data.find(b"\n", pos + 1)
        return starts

    monkeypatch.setattr(markdown, "line_starts", searched)

    def computed(link: object, record: object) -> tuple[str | None, str]:
        return prepare.link_key(link, record, prepare._SITE), prepare.fragment_of(link.target)  # type: ignore[attr-defined]

    monkeypatch.setattr(prepare, "_key_and_fragment", computed)

    def buffered(fd: int, size: int, max_size: int) -> bytes:
        with open(os.dup(fd), "rb") as handle:
            return handle.read(max_size + 1)

    monkeypatch.setattr(source, "_read_all", buffered)


def _index(kb: Path, db: Path, tuning: Tuning) -> dict[str, list[tuple[object, ...]]]:
    from kzkb.settings.config import open_config
    from kzkb.store.index import Index

    index = Index.open(db, tuning=tuning)
    try:
        index.refresh(open_config(kb), rebuild=True)
    finally:
        index.close()
    return _dump(db)


@pytest.mark.parametrize("corpus", ["bundled", "generated", "hostile"])
def test_an_index_built_with_every_shortcut_holds_the_rows_built_without(
    corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "kb"
    if corpus == "bundled":
        shutil.copytree(ROOT / "kb", kb)
    elif corpus == "generated":
        from bench.generate import generate

        generate(kb, 600, seed=11)
    else:
        hostile_kb(kb, 600)
    fast = _index(kb, tmp_path / "fast.sqlite", Tuning(workers=2, parallel_from=1))
    with monkeypatch.context() as slow:
        _slow_ways(slow)
        fold_module._WORDS.clear()
        prepare._ROOT_KEYS.clear()
        slowly = _index(kb, tmp_path / "slow.sqlite", Tuning(workers=1))
    assert len(fast["records"]) >= 90
    assert fast == slowly


def test_a_records_json_is_what_json_dumps_wrote_with_lists_of_fields() -> None:
    import json

    from kzkb.parse.record import load_kb
    from kzkb.settings.config import open_config
    from kzkb.store.codec import _encode, record_to_json

    records, _ = load_kb(open_config(ROOT / "kb"))
    assert len(records) >= 90 and any(r.links and r.headings for r in records)
    for r in records:
        # the record's JSON as it was written before: each link and heading a list
        before = {
            "path": r.path, "url": r.url, "lang": r.lang, "kind": r.kind, "title": r.title,
            "description": r.description, "fields": r.fields, "terms": r.terms,
            "term_labels": r.term_labels, "aliases": r.aliases, "body": r.body,
            "body_line": r.body_line,
            "links": [[x.target, x.text, x.line, x.column, x.kind] for x in r.links],
            "headings": [[h.level, h.text, h.id, h.line] for h in r.headings],
            "anchors": r.anchors, "mtime_ns": r.mtime_ns, "size": r.size,
        }  # fmt: skip
        assert record_to_json(r) == json.dumps(before, ensure_ascii=False, default=_encode)
