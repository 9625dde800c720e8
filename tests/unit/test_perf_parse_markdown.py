"""The Markdown stage's shortcuts hold what it made before: a body's plain
text squeezed without cutting it into words is the text cut and joined
again, and the offsets of its lines summed from their lengths are those
found by searching for each line break."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from kzkb.parse.markdown import line_starts, squeeze

# every character str.split() cuts at, and unprintable ones that are not
# white space (a zero-width space, a soft hyphen, a control character)
WHITE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
TEXT = st.lists(
    st.sampled_from([*WHITE, " ", " ", "  ", "a", "Ж", "{{", "\u200b", "\xad", "\x07", "é"]),
    max_size=30,
).map("".join)


def test_the_space_is_the_only_printable_white_space() -> None:
    # squeeze's fast way rests on it: printable text holds no other white space
    assert [c for c in WHITE if c.isprintable()] == [" "]


@settings(max_examples=1000, deadline=None)
@given(TEXT)
def test_squeezing_equals_cutting_into_words_and_joining(text: str) -> None:
    assert squeeze(text) == " ".join(text.split())


def _starts_by_search(data: bytes) -> list[int]:
    """Line offsets as they were found before: a search for each b"\\n"."""
    starts = [0]
    pos = data.find(b"\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = data.find(b"\n", pos + 1)
    return starts


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"\n\n", b"a", b"\r", b"\xd0\x96", b""]), max_size=30))
def test_line_offsets_summed_equal_those_searched(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert line_starts(data) == _starts_by_search(data)
