"""`kzkb new` writes one record, in the folder of its kind, that every command
then reads as it was given, or writes nothing and says why (exit 2).

A slug is one file name: no separators, no leading dot, at most 255 bytes in
UTF-8 with its .md suffix; a slug made from a title is cut to fit at a
character boundary, an explicit --slug that does not fit is refused. Control
characters are refused in every field. The record is read back through the
loader before `new` says it is written; if it does not read back as given,
that is a bug in kzkb: the file is removed and new exits 70.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import record, write_kb

SOURCES = "sources"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_kb(
        tmp_path / "kb",
        {
            "sources/existing_one.md": record("Existing one"),
            "sources/existing_two.md": record("Existing two"),
        },
        'title = "Hostile"\nlanguages = ["en", "kk"]\n',
    )


def files_of(root: Path) -> set[str]:
    """Every file in and beside the KB but the index: a record that escaped
    the KB's folder would be beside it."""
    return {
        p.relative_to(root.parent).as_posix()
        for p in root.parent.rglob("*")
        if p.is_file() and not p.name.startswith("index.sqlite")
    }


def new(run, kb: Path, *args: str):
    return run("new", *args, "--kb", str(kb), "--index", str(kb.parent / "index.sqlite"))


def shown(run, kb: Path, ref: str) -> dict:
    result = run(
        "show", ref, "--kb", str(kb), "--index", str(kb.parent / "index.sqlite"), "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def written(result, kb: Path) -> Path:
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == kb / SOURCES, path  # in the kind's folder, no folder of its own
    assert not path.name.startswith(".")
    assert len(path.name.encode("utf-8")) <= 255
    return path


def refused(result, kb: Path, before: set[str], *words: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kzkb: error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert files_of(kb) == before, "nothing is written"
    return lines[0]


# --- names made from titles ----------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        ".hidden",
        "...dots first",
        "a/b",
        "Women/Girls\\Rights",
        "/etc/passwd",
    ],
)
def test_a_title_makes_one_visible_file_every_command_sees(run, kb, title):
    path = written(new(run, kb, "--title", title), kb)
    assert path.stem.lower() not in ("index", "_index")
    data = shown(run, kb, str(path.relative_to(kb)))
    assert data["title"] == title and data["kind"] == "source"
    listed = run("list", "--kb", str(kb), "--index", str(kb.parent / "index.sqlite"), "-f", "json")
    assert title in [r["title"] for r in json.loads(listed.stdout)]


@pytest.mark.parametrize("title", ["..", "/", "_index", "Index", "???"])
def test_a_title_that_makes_no_record_name_asks_for_a_slug(run, kb, title):
    before = files_of(kb)
    refused(new(run, kb, "--title", title), kb, before, "--slug")


def test_a_200_character_kazakh_title_is_cut_to_one_file_name(run, kb):
    title = "Қазақстандағы әйелдер құқықтары жөніндегі үкіметтік емес ұйымдар " * 4
    title = title.strip()
    assert len(title) > 200 and len(title.encode()) > 255
    path = written(new(run, kb, "--title", title), kb)
    assert path.name.endswith(".md") and path.name.encode("utf-8").decode("utf-8") == path.name
    assert len(path.name.encode("utf-8")) > 200  # cut to fit, not to nothing
    assert shown(run, kb, title)["path"] == path.relative_to(kb).as_posix()


def test_a_long_title_in_another_language_keeps_its_suffix(run, kb):
    title = "Денсаулық " * 40
    path = written(new(run, kb, "--title", title, "--lang", "kk"), kb)
    assert path.name.endswith(".kk.md")
    assert shown(run, kb, str(path.relative_to(kb)))["lang"] == "kk"


# --- explicit slugs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "word"),
    [
        ("../../evil", "--slug"),
        ("a/b", "--slug"),
        ("a\\b", "--slug"),
        (".hidden", "--slug"),
        ("_index", "--slug"),
        ("index", "--slug"),
        ("x" * 253, "too long"),
        ("ә" * 127, "too long"),  # 254 bytes: with .md past 255
    ],
)
def test_a_slug_that_is_not_one_visible_file_name_is_refused(run, kb, slug, word):
    before = files_of(kb)
    refused(new(run, kb, "--title", "Fine title", "--slug", slug), kb, before, word)


def test_a_slug_of_the_longest_file_name_is_written(run, kb):
    path = written(new(run, kb, "--title", "Long", "--slug", "x" * 252), kb)
    assert len(path.name) == 255


# --- control characters --------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x7f", "\x85", "\x9b31m", "\x1b[2J", "\x00", "\n", "\r", "\x07"])
@pytest.mark.parametrize("field", ["--title", "--description", "--url", "--slug", "--category"])
def test_control_characters_are_refused_in_every_field(run, kb, bad, field):
    before = files_of(kb)
    args = {"--title": "Plain title"}
    args[field] = f"a{bad}b" if field != "--url" else f"https://x.example/{bad}"
    flat = [x for pair in args.items() for x in pair]
    line = refused(new(run, kb, *flat), kb, before, "control character")
    assert field in line


def test_invisible_letters_of_real_scripts_are_kept(run, kb):
    """ZWNJ (Persian), a right-to-left mark and a line separator are no controls of
    a terminal: they are written escaped and read back as given."""
    title = "می\u200cخواهم \u200fحقوق"
    path = written(new(run, kb, "--title", title, "--description", "one\u2028two"), kb)
    data = shown(run, kb, str(path.relative_to(kb)))
    assert data["title"] == title and data["description"] == "one\u2028two"


# --- read back -----------------------------------------------------------------------------


def test_a_record_that_does_not_read_back_is_removed_and_is_a_bug(run, kb, monkeypatch):
    from kzkb import new as new_module

    real = new_module.render

    def wrong(config, title, **kwargs):
        return real(config, title + " (changed)", **kwargs)

    monkeypatch.setattr(new_module, "render", wrong)
    before = files_of(kb)
    result = new(run, kb, "--title", "Read me back")
    assert result.exit_code == 70, result.output
    assert "internal error" in result.stderr and "read back" in result.stderr
    assert files_of(kb) == before


def test_a_full_disk_names_the_record_and_leaves_nothing(run, kb, monkeypatch):
    import errno
    import os

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    new(run, kb, "--title", "Warm the index")  # the index is written before the disk fills
    before = files_of(kb)
    monkeypatch.setattr(Path, "write_text", full)
    line = refused(new(run, kb, "--title", "No room"), kb, before, "No space left on device")
    assert str(kb / SOURCES / "no_room.md") in line
