"""Why a file was not read, as one line (kzkb.parse.source): a reason is
printed as `path:line: reason`, so text quoted from a file must not forge a
line or an escape code, and a size is given in the unit a person reads. The
cases come from the mutation run (README, Development).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzkb.parse.source import one_line, read_source


def test_a_reason_keeps_its_letters_and_shows_its_controls() -> None:
    assert one_line("value Қазақ\x1b[2J at\nline\t2\x85 ok") == (
        "value Қазақ\\x1b[2J at\\nline\\t2\\x85 ok"
    )
    assert one_line("Қазақ тілі: plain") == "Қазақ тілі: plain"


@pytest.mark.parametrize(
    ("size", "limit", "reason"),
    [
        (2048, 1024, "2,048 bytes is more than the 1,024 bytes"),
        (3 * 2**20 // 2, 2**20, "1.5 MB is more than the 1.0 MB"),
        (2**20, 2**20 - 1, "1.0 MB is more than the 1,048,575 bytes"),
    ],
)
def test_a_file_over_the_limit_is_not_read(
    tmp_path: Path, size: int, limit: int, reason: str
) -> None:
    path = tmp_path / "big.md"
    with path.open("wb") as handle:  # sparse: nothing is written but the size
        handle.truncate(size)
    source = read_source(str(path), "big.md", str(tmp_path), limit)
    assert source.data is None and source.skipped is not None
    assert source.skipped.reason == (
        f"{reason} a record may be: not read (raise [index] max_file_size in kzkb.toml to index it)"
    )
