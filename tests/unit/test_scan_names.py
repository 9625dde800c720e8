"""File names the listing escapes (kzkb.listing.scan.name_key) and reads back
(name_problem): exactly the characters that would break a line or a
database row are escaped, and every escaped name leads back to its file.
The cases come from the mutation run (README, Development): each failed a
mutant that the hostile tests, which try one name of each kind, let pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzkb.listing.scan import _unescape, name_key, name_problem

ESCAPED = [
    (0x1F, "\\x1f"),  # the last C0 control
    (0x7F, "\\x7f"),  # DEL
    (0x80, "\\u0080"),  # the first C1 control
    (0x85, "\\u0085"),  # NEL, a line break to str.splitlines
    (0x9F, "\\u009f"),  # the last C1 control
    (0x2028, "\\u2028"),  # line separator
    (0x2029, "\\u2029"),  # paragraph separator
    (0xD800, "\\ud800"),  # surrogates: SQLite refuses them
    (0xDC80, "\\x80"),  # os.fsdecode's stand-ins for bytes that are not UTF-8
    (0xDCFF, "\\xff"),
    (0xDD00, "\\udd00"),  # past the stand-ins, a surrogate like any other
    (0xDFFF, "\\udfff"),
]
KEPT = [0x20, 0x7E, 0xA0, 0x2027, 0x202A, 0xD7FF, 0xE000]


@pytest.mark.parametrize(("code", "escape"), ESCAPED, ids=[f"{c:04x}" for c, _ in ESCAPED])
def test_a_control_character_or_surrogate_is_escaped(code: int, escape: str) -> None:
    # a backslash is escaped too once anything is, so the key reads back
    assert name_key(f"a\\{chr(code)}b.md") == f"a\\x5c{escape}b.md"


@pytest.mark.parametrize("code", KEPT, ids=[f"{c:04x}" for c in KEPT])
def test_a_printable_character_is_kept(code: int) -> None:
    assert name_key(f"a\\{chr(code)}b.md") == f"a\\{chr(code)}b.md"


NAMES = [
    "new\nline.md",
    "abcdef\n.md",  # hex-like letters before an escape are letters
    "a\u2028b.md",
    "a\u0085b.md",
    "back\\slash\t.md",
]


def _node_id(name: str) -> str:
    # pytest cannot select a test whose id holds a backslash by its node id,
    # which is how mutmut runs each test: escapes are spelled with '~'
    return name.encode("unicode_escape").decode().replace("\\", "~")


@pytest.mark.parametrize("name", NAMES, ids=_node_id)
def test_an_escaped_name_leads_back_to_its_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("---\ntitle: X\n---\n", "utf-8")
    found = name_problem(tmp_path, name_key(name))
    assert found is not None
    reason, st_ = found
    assert reason == "the file name holds a line break or a control character: rename the file"
    assert st_.st_ino == os.lstat(tmp_path / name).st_ino


def test_a_name_that_is_not_utf8_leads_back_to_its_file(tmp_path: Path) -> None:
    raw = b"bad\xffname.md"
    (tmp_path / os.fsdecode(raw)).write_bytes(b"---\ntitle: X\n---\n")
    key = name_key(os.fsdecode(raw))
    assert key == "bad\\xffname.md"
    found = name_problem(tmp_path, key)
    assert found is not None
    assert found[0] == "the file name is not UTF-8 (shown with \\x escapes): rename the file"


# names that are listed as they are: nothing to read back, whether the file
# is there or not, and no backslash sequence in them is taken for an escape
PLAIN = ["plain.md", "a\\b.md", "a\\xzz.md", "a\\xXX.md", "a\\u12.md", "a\\x4.md"]


@pytest.mark.parametrize("name", PLAIN, ids=_node_id)
def test_a_plain_name_has_no_problem(tmp_path: Path, name: str) -> None:
    assert name_key(name) == name
    assert name_problem(tmp_path, name) is None
    (tmp_path / name).write_text("---\ntitle: X\n---\n", "utf-8")
    assert name_problem(tmp_path, name) is None


@given(st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b))
def test_every_name_is_one_line_that_reads_back(raw: bytes) -> None:
    name = os.fsdecode(raw)
    key = name_key(name)
    assert len(key.splitlines()) == 1
    key.encode("utf-8")  # no surrogate left: SQLite takes it
    if key != name:
        assert _unescape(key) == raw


# os.fsdecode's stand-ins (U+DC80-U+DCFF) are bytes of the name, not code
# points: the test above reads them back from the bytes they stand for
_STAND_INS = "".join(map(chr, range(0xDC80, 0xDD00)))


@given(
    st.text(
        st.characters(exclude_categories=(), exclude_characters=_STAND_INS),
        min_size=1,
        max_size=12,
    )
)
def test_every_text_reads_back_as_its_bytes(name: str) -> None:
    """Any code point, lone surrogates outside os.fsdecode's range included."""
    key = name_key(name)
    assert len(key.splitlines()) == 1
    key.encode("utf-8")
    if key != name:
        assert _unescape(key) == name.encode("utf-8", "surrogatepass")
