"""lint --fix never damages a record (issue 16, "Repairs never damage a record").

A repair is written only when the repaired front matter reads, as every
command reads it, exactly as intended: the field repaired holds the value
meant, every other field and the body are as they were, and a record that
loaded before still loads. Expected values are written out by hand.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kzkb.lint.repair import fix
from kzkb.model import Record
from kzkb.parse.record import load_bytes
from kzkb.settings.config import load_config

# no vocabulary: only the repairs under test apply
CONFIG = """\
languages = ["en"]

[taxonomies]
category = "category"
tag = "tags"
"""

S = "sources/sources/"


def page(*front: str, body: str = "Body text.\n") -> str:
    return "---\n" + "".join(line + "\n" for line in front) + "---\n\n" + body


@pytest.fixture
def kb(make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    return lambda files, config=CONFIG: make_kb(files, config)


def front(path: Path) -> dict[str, Any]:
    """The file's YAML front matter as YAML itself reads it."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), text
    return yaml.safe_load(text.split("---\n")[1])


def loaded(root: Path, rel: str) -> Record:
    config = load_config(root)
    record = load_bytes((root / rel).read_bytes(), rel, config)
    assert isinstance(record, Record), record
    return record


# --- a value made a list is written as YAML, not wrapped in [ ] ---------------------------


@pytest.mark.parametrize(
    "written, terms",
    [
        ("Local NGO [Almaty]", ["Local NGO [Almaty]"]),
        ("a]b", ["a]b"]),
        ("x}y", ["x}y"]),
        ("a, [b", ["a", "[b"]),  # kzkb reads a comma as two terms
        ('"INGO, Government"', ["INGO", "Government"]),
        ("'it''s'", ["it's"]),
        ("Local NGO  # the comment", ["Local NGO"]),
        ("NGO#1 [KZ]", ["NGO#1 [KZ]"]),
    ],
)
def test_a_value_made_a_list_keeps_the_terms_kzkb_reads(run, kb, written, terms):
    root = kb({S + "x.md": page('title: "X"', f"category: {written}")})
    assert loaded(root, S + "x.md").term_labels["category"] == terms
    result = run("lint", "--kb", str(root), "--fix")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1), result.stderr
    # the record is still one, its terms as before, and written as a list of them
    assert loaded(root, S + "x.md").term_labels["category"] == terms
    assert front(root / S / "x.md")["category"] == terms


def test_a_comment_stays_when_a_value_becomes_a_list(run, kb):
    root = kb({S + "x.md": page('title: "X"', "category: Local NGO [Almaty]  # since 2019")})
    run("lint", "--kb", str(root), "--fix")
    lines = (root / S / "x.md").read_text(encoding="utf-8").splitlines()
    assert lines[2].endswith("  # since 2019"), lines


# --- curly quotes: block scalars are content ----------------------------------------------

BLOCK = (
    "---\n"
    "title: \u201cCurly\u201d\n"
    "description: |\n"
    "  He said: \u201cno\u201d\n"
    "  path: \u201cC:\\Users\\Public\u201d\n"
    "summary: >\n"
    "  key: \u2018folded\u2019\n"
    "---\n"
    "\n"
    "Body.\n"
)


def test_curly_quotes_inside_block_scalars_are_content(run, kb):
    root = kb({S + "block.md": BLOCK})
    before = loaded(root, S + "block.md").fields
    run("lint", "--kb", str(root), "--fix")
    text = (root / S / "block.md").read_text(encoding="utf-8")
    # the title is repaired; not a byte of either block changes
    assert text == BLOCK.replace("title: \u201cCurly\u201d", 'title: "Curly"')
    after = loaded(root, S + "block.md").fields
    assert (
        after["description"]
        == before["description"]
        == ("He said: \u201cno\u201d\npath: \u201cC:\\Users\\Public\u201d")
    )
    assert after["summary"] == before["summary"]


def test_curly_quotes_inside_a_quoted_scalar_are_content(run, kb):
    text = page('title: "X"', 'description: "one line,', '  then: \u201cquoted\u201d, said he"')
    root = kb({S + "q.md": text})
    before = loaded(root, S + "q.md").fields["description"]
    run("lint", "--kb", str(root), "--fix")
    assert (root / S / "q.md").read_text(encoding="utf-8") == text
    assert loaded(root, S + "q.md").fields["description"] == before


def test_a_curly_quote_inside_a_block_scalar_is_no_finding(run, kb):
    import json

    root = kb({S + "block.md": BLOCK})
    result = run("lint", "--kb", str(root), "--format", "json")
    rules = [(f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"]]
    assert (2, "curly-quotes") in rules
    assert [r for r in rules if r[1] == "curly-quotes"] == [(2, "curly-quotes")]


# --- the property: --fix writes the intended list or nothing ------------------------------

VALUE_CHARS = st.sampled_from(
    [*"aZ 09-_.,:;#&*!|>%@`'\"[]{}()?\\/\t", "\u201c", "\u201d", "Қ", "\u00a0", "é"]
)
VALUES = st.text(VALUE_CHARS, min_size=1, max_size=16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, key=st.sampled_from(["category", "tags"]))
@example(value="Local NGO [Almaty]", key="category")
@example(value="a, [b", key="tags")
@example(value='"INGO, Government"', key="category")
@example(value="x}y", key="category")
@example(value="0,0;", key="category")  # one term spelled two ways
@example(value="\u201c\u201d", key="category")  # curly quotes of nothing: [] in the end
def test_fix_writes_the_intended_list_or_leaves_the_file(value, key):
    """For any text written as a category or tags value, --fix either leaves
    the file byte for byte, or writes one whose value parses as a list of the
    terms kzkb read before; a record that loaded before still loads."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "kzkb.toml").write_text(CONFIG, encoding="utf-8")
        (root / S).mkdir(parents=True)
        rel = S + "probe.md"
        data = f'---\ntitle: "Probe"\n{key}: {value}\n---\n\nBody.\n'.encode()
        (root / rel).write_bytes(data)
        config = load_config(root)
        before = load_bytes(data, rel, config)
        fix(config, [rel], write=True)
        after_data = (root / rel).read_bytes()
        if after_data == data:
            return
        after = load_bytes(after_data, rel, config)
        assert isinstance(before, Record), (before, after_data)  # nothing repairs a non-record
        assert isinstance(after, Record), after
        # the terms are the ones kzkb read; their spelling may be made one
        # (term-spelling: '0,0;' is the term 0 twice, respelled '0')
        assert after.terms == before.terms
        assert {k: v for k, v in after.fields.items() if k != key} == {
            k: v for k, v in before.fields.items() if k != key
        }
        assert after.body == before.body
        written = yaml.safe_load(after_data.decode().split("---\n")[1])[key]
        assert isinstance(written, list)
        assert len(written) == len(before.fields[key])


# --- escaped front matter, as a Markdown converter left it on a real portal ---------------

# every line ends in a Markdown hard break (a backslash), delimiters and
# values are escaped; the organisation is fictional
PORTAL = (
    "\\-\\--\\\n"
    'title: \\"Steppe Relief Central Asia\\"\\\n'
    'description: \\"An NGO\\\'s regional office \\(since 2001\\)\\.\\"\\\n'
    'category: \\[\\"INGO\\"\\]\\\n'
    'tags: \\[\\"water\\", \\"rural\\_development\\"\\]\\\n'
    "\\-\\--\\\n"
    "\n"
    "Steppe Relief works in \\*five\\* countries\\.\n"
)
PORTAL_FIXED = (
    "---\n"
    'title: "Steppe Relief Central Asia"\n'
    'description: "An NGO\'s regional office (since 2001)."\n'
    'category: ["INGO"]\n'
    'tags: ["water", "rural_development"]\n'
    "---\n"
    "\n"
    "Steppe Relief works in \\*five\\* countries\\.\n"
)


def test_escaped_front_matter_with_hard_breaks_is_unescaped_completely(run, kb):
    root = kb({S + "steppe-relief.md": PORTAL})
    readable = loaded(root, S + "steppe-relief.md")  # a record before: body only
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code in (0, 1), result.stderr
    assert (root / S / "steppe-relief.md").read_text(encoding="utf-8") == PORTAL_FIXED
    record = loaded(root, S + "steppe-relief.md")
    assert record.title == "Steppe Relief Central Asia"
    assert record.term_labels["category"] == ["INGO"]
    assert record.term_labels["tag"] == ["water", "rural_development"]
    assert record.body.strip() == readable.body.split("\n\n", 1)[1].strip()


def test_escaped_front_matter_that_would_not_parse_is_left_alone(run, kb):
    import json

    # unescaped, "title: Broken: yes" is no YAML: the file stays as it is,
    # a readable record, and lint says --fix cannot repair it
    text = "\\-\\--\\\ntitle: Broken: yes\\\n\\-\\--\\\n\nBody\\.\n"
    root = kb({S + "broken.md": text})
    loaded(root, S + "broken.md")
    result = run("lint", "--kb", str(root), "--fix", "--format", "json")
    assert (root / S / "broken.md").read_text(encoding="utf-8") == text
    loaded(root, S + "broken.md")
    [finding] = [
        f for f in json.loads(result.stdout)["findings"] if f["rule"] == "escaped-front-matter"
    ]
    assert "(--fix)" not in finding["fix"]
    assert "by hand" in finding["fix"]


# --- identity of the file repaired ----------------------------------------------------------

NEEDS_FIX = page('title: ["Listed"]')
FIXED = page('title: "Listed"')


def test_fix_keeps_a_hard_linked_record_one_file(run, kb):
    root = kb({S + "a.md": NEEDS_FIX})
    other = root / "shared-a.md"
    os.link(root / S / "a.md", other)
    inode = (root / S / "a.md").stat().st_ino
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code in (0, 1), result.stderr
    assert (root / S / "a.md").stat().st_ino == inode
    assert (root / S / "a.md").stat().st_nlink == 2
    assert other.read_text(encoding="utf-8") == FIXED


def test_fix_refuses_a_read_only_record_with_one_line(run, kb):
    root = kb({S + "a.md": NEEDS_FIX, S + "b.md": NEEDS_FIX})
    (root / S / "a.md").chmod(0o444)
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    # one line says which file is left and why (a note may say what was repaired)
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("kzkb: error: ")]
    assert "a.md" in line and "read-only" in line and "chmod" in line
    assert (root / S / "a.md").read_text(encoding="utf-8") == NEEDS_FIX
    assert (root / S / "a.md").stat().st_mode & 0o777 == 0o444
    assert (root / S / "b.md").read_text(encoding="utf-8") == FIXED  # the others are repaired


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_fix_keeps_the_owner_of_a_record(run, kb):
    root = kb({S + "a.md": NEEDS_FIX})
    os.chown(root / S / "a.md", 12345, 12346)
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code in (0, 1), result.stderr
    st_ = (root / S / "a.md").stat()
    assert (st_.st_uid, st_.st_gid) == (12345, 12346)
    assert (root / S / "a.md").read_text(encoding="utf-8") == FIXED
