"""Hugo permalink patterns expanded for one page (kzkb.urls.expand_permalink):
every token, and the :sections cuts Hugo documents. The cases come from the
mutation run (README, Development): no fast test expanded a pattern, and the
cuts were tested by none.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kzkb.urls import expand_permalink

SECTIONS = ["sources", "ngo", "almaty"]
FRIDAY = dt.date(2024, 3, 8)  # the 68th day of a leap year

CASES = [
    ("/:year/:month/:day/", "/2024/03/08/"),
    ("/:monthname/:weekday/:weekdayname/:yearday/", "/March/5/Friday/68/"),
    ("/:Year/", "/2024/"),  # token names in any case
    ("/:section/", "/sources/"),
    ("/:sections/", "/sources/ngo/almaty/"),
    ("/:sections[0]/", "/sources/"),
    ("/:sections[1]/", "/ngo/"),
    ("/:sections[last]/", "/almaty/"),
    ("/:sections[LAST]/", "/almaty/"),
    ("/:sections[1:]/", "/ngo/almaty/"),
    ("/:sections[:2]/", "/sources/ngo/"),
    ("/:sections[:last]/", "/sources/ngo/"),
    ("/:sections[1:last]/", "/ngo/"),
    ("/:sections[3]/", "//"),  # past the end: nothing
    ("/:sections[5]/", "//"),
    ("/:title/", "/womens-rights-қазақстан/"),
    ("/:slug/", "/womens-rights-қазақстан/"),  # no slug: the title
    ("/:filename/", "/annual-report/"),
    ("/:contentbasename/", "/annual-report/"),
    ("/:slugorfilename/", "/annual-report/"),
    ("/:slugorcontentbasename/", "/annual-report/"),
    ("/:foo/", "/:foo/"),  # not a token: left as written, the URL shows the mistake
    ("/\\:year/:year/", "/:year/2024/"),  # an escaped colon is a colon
]


@pytest.mark.parametrize(("pattern", "expected"), CASES)
def test_a_pattern_for_a_dated_page_in_three_sections(pattern: str, expected: str) -> None:
    got = expand_permalink(
        pattern,
        sections=SECTIONS,
        filename="Annual Report",
        title="Women's Rights Қазақстан",
        slug=None,
        date=FRIDAY,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("/:slug/", "/my-slug/"),
        ("/:slugorfilename/", "/my-slug/"),
        ("/:slugorcontentbasename/", "/my-slug/"),
        ("/:section/:sections/:sections[last]/", "////"),  # a page at the root
    ],
)
def test_a_pattern_for_a_page_with_a_slug_at_the_root(pattern: str, expected: str) -> None:
    got = expand_permalink(
        pattern, sections=[], filename="Annual Report", title="T", slug="My Slug", date=FRIDAY
    )
    assert got == expected


def test_a_page_without_a_date_has_hugos_zero_time() -> None:
    """Go's zero time, 0001-01-01, a Monday: what Hugo puts in a dateless page's URL."""
    got = expand_permalink(
        "/:year/:month/:day/:weekdayname/:yearday/",
        sections=SECTIONS,
        filename="a",
        title="A",
        slug=None,
        date=None,
    )
    assert got == "/1/01/01/Monday/1/"


def test_sunday_is_day_zero_as_in_go() -> None:
    got = expand_permalink(
        "/:weekday/:weekdayname/",
        sections=[],
        filename="a",
        title="A",
        slug=None,
        date=dt.date(2024, 3, 10),
    )
    assert got == "/0/Sunday/"
