"""Link extraction details the record-level tests did not pin down: which
relative links look like a web address without its scheme (check-links then
says "write https://…"), and refs inside code ranges that overlap. The cases
come from the mutation run (README, Development).
"""

from __future__ import annotations

import pytest

from kzkb.hugo.links import bare_host
from kzkb.model import Link
from kzkb.parse.markdown import _Positions, _shortcode_refs

BARE = [
    ("www.example.org", True),
    ("feminita.kz", True),
    ("vlast.kz/article", True),
    # a host, then a file on it: still a host
    ("www.example.org/report.pdf", True),
    # Plone serves a file's page at /report.pdf/view: the host decides
    ("example.org/report.pdf/view", True),
    # a file next to the page, not a host
    ("report.pdf", False),
    ("notes/a.md", False),
    ("/x", False),
    ("./a", False),
    ("#h", False),
]


@pytest.mark.parametrize(("target", "expected"), BARE)
def test_which_relative_links_are_a_host_without_https(target: str, expected: bool) -> None:
    assert bare_host(target) is expected


def test_a_ref_inside_overlapping_code_ranges_is_not_a_link() -> None:
    """pyromark's code ranges do not overlap today; if they ever did (a code
    span reported inside a block), a ref in the outer range stays code."""
    body = 'ab {{< ref "in.md" >}} cd {{< ref "out.md" >}}'
    inside = body.index("{{<")
    outer = (0, inside + 20)
    nested = (1, 2)  # sorted after outer, and ends before it
    refs = _shortcode_refs(body, _Positions(body, 1), [nested, outer])
    assert refs == [Link("out.md", "", 1, body.index('"out.md"') + 2, "ref")]
