"""Whatever a user types as a query, search answers or says what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzkb.kb import KnowledgeBase
from kzkb.model import KzkbError
from tests.conftest import KB


@pytest.fixture(scope="module")
def base() -> KnowledgeBase:
    return KnowledgeBase.open(KB)


# FTS5's own syntax, quotes and scripts mixed in with ordinary words
FRAGMENTS = st.sampled_from(
    [
        '"',
        "-",
        "*",
        "^",
        "(",
        ")",
        ":",
        "AND",
        "OR",
        "NOT",
        "NEAR",
        "category:",
        "lang:kk",
        "kind:",
        "femin",
        "Алматы",
        "қазақ",
        "💥",
        "\x00",
        "\\",
        "'",
        "—",
        " ",
    ]
)
QUERIES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=6).map("".join)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(QUERIES)
def test_any_query_gives_hits_or_a_user_error(base, query):
    try:
        hits = base.search(query, limit=5)
    except KzkbError as exc:
        assert exc.message and exc.fix  # a one-line problem and its fix
        return
    assert len(hits) <= 5
    assert len({h.record.path for h in hits}) == len(hits)  # a record appears once


def test_exclusions_alone_are_an_error_not_everything(base):
    with pytest.raises(KzkbError, match="no words to search for"):
        base.search("-feminist")


def test_filters_alone_list_the_matching_records(base):
    hits = base.search("category:local-ngo")
    assert hits and all("local-ngo" in h.record.terms["category"] for h in hits)


@pytest.mark.parametrize(
    "args",
    [
        [b"show", b"\xff"],
        [b"search", b"fem\xffinist"],
        [b"new", b"--title", b"ok\xff", b"--category", b"ingo"],
        [b"list", b"--category", b"\xfe"],
        [b"export", b"-o", b"/nonexistent/\xff.json"],
    ],
)
def test_arguments_that_are_not_utf8_are_a_one_line_error(tmp_path, args):
    """Bytes that are not UTF-8 (a mis-encoded shell, a copied file name)
    reach Python as lone surrogates, which SQLite and files refuse."""
    import os
    import subprocess

    from tests.helpers import kzkb_exe

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("KZKB_KB", None)
    exe = [os.fsencode(part) for part in kzkb_exe()]
    result = subprocess.run([*exe, *args, b"--kb", os.fsencode(KB)], capture_output=True,
                            env=env, timeout=60)  # fmt: skip
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and "is not UTF-8 text" in err and "\\xf" in err
    assert not (tmp_path / "kb").exists()
