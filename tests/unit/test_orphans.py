"""A source that only links to itself is still an orphan, whichever way it
links: by URL or path (counted in the index) or by a Hugo ref or relref
(resolved by check-links). The tests in test_check_links.py cover the first
two; a self-ref being taken for an inbound link went unnoticed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import record, write_kb

SELF = [
    pytest.param('{{< ref "sources/lonely.md" >}}', id="ref-content-root"),
    pytest.param('{{< ref "/sources/lonely.md" >}}', id="ref-root"),
    pytest.param('{{< ref "lonely.md" >}}', id="ref-page-relative"),
    pytest.param('{{< relref "lonely" >}}', id="relref-by-name"),
    pytest.param('{{< ref "lonely.md#history" >}}', id="ref-with-anchor"),
    pytest.param("[me](/sources/lonely/)", id="url"),
    pytest.param("[me](lonely.md)", id="md-path"),
]


def orphans(run, tmp_path: Path, body: str) -> list[tuple[str, str]]:
    root = write_kb(
        tmp_path / "kb",
        {
            "sources/lonely.md": record("Lonely", f"## History\n\nSee {body}."),
            "sources/other.md": record("Other"),
            "guides/g.md": record("G", "[other](/sources/other/)"),
        },
        'title = "orphans"\n',
    )
    done = run(
        "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"), "-f", "json"
    )
    assert done.exit_code == 0, done.stdout + done.stderr
    return [
        (
            os.path.relpath(f["file"], root),
            f["line"],
            f["column"],
            f["text"],
            f["target"],
            f["reason"],
            f["suggestion"],
        )
        for f in json.loads(done.stdout)["findings"]
    ]


@pytest.mark.parametrize("body", SELF)
def test_a_source_linking_only_to_itself_is_an_orphan(run, tmp_path: Path, body: str) -> None:
    assert orphans(run, tmp_path, body) == [
        (
            "sources/lonely.md",
            1,
            1,
            "",
            "/sources/lonely/",
            "orphan source: no record links here",
            "link it from a guide",
        )
    ]


def test_the_same_ref_from_another_source_adopts_it(run, tmp_path: Path) -> None:
    """The test above means something only if a ref does count when it comes
    from another page: other.md refs lonely.md, and nothing is an orphan."""
    root = write_kb(
        tmp_path / "kb",
        {
            "sources/lonely.md": record("Lonely", '{{< ref "sources/lonely.md" >}}'),
            "sources/other.md": record("Other", '{{< ref "sources/lonely.md" >}}'),
            "guides/g.md": record("G", "[other](/sources/other/)"),
        },
        'title = "orphans"\n',
    )
    done = run(
        "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"), "-f", "json"
    )
    assert done.exit_code == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["findings"] == []
