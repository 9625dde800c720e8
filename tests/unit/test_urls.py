"""Hugo's URL rules as kzkb applies them: term slugs, heading anchors, page URLs.

Expected values come from Hugo's documented behaviour (urlize / MakePath,
Goldmark's "github" heading ids, multilingual content URLs) and from how a
browser resolves a relative link, not from kzkb's code.
"""

from __future__ import annotations

import unicodedata

import pytest

from kzkb.urls import (
    heading_id,
    normalize_url,
    page_url,
    resolve_relative,
    term_slug,
    unique_ids,
    urlize,
)

# --- urlize / term_slug -------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        # Hugo lower-cases and turns white space into a hyphen.
        ("Local NGO", "local-ngo"),
        ("local ngo", "local-ngo"),
        ("Local-NGO", "local-ngo"),
        ("INGO", "ingo"),
        # Every white-space character is a hyphen: none collapsed or trimmed
        # (Hugo 0.168 builds /tags/--local---ngo--/ for this one).
        ("  Local \t NGO  ", "--local---ngo--"),
        # Punctuation other than . _ - + ~ # @ / is dropped, not hyphenated;
        # the spaces around it stay.
        ("Women's rights", "womens-rights"),
        ("Women & girls", "women--girls"),
        # Hugo keeps letters of every script, lower-cased.
        ("Жергілікті БАҚ", "жергілікті-бақ"),
        ("Қазақстан", "қазақстан"),
        # A space next to an explicit hyphen is a hyphen too.
        ("Annual report - 2019", "annual-report---2019"),
        # % stays only as a percent-escape.
        ("100%", "100"),
        ("a%20b", "a%20b"),
    ],
)
def test_term_slug_follows_hugo_urlize(term: str, slug: str) -> None:
    assert term_slug(term) == slug


def test_term_slug_spellings_of_one_term_agree() -> None:
    spellings = ["Local NGO", "local ngo", "Local-NGO", "LOCAL NGO", "local\u00a0ngo"]
    assert {term_slug(s) for s in spellings} == {"local-ngo"}


def test_term_slug_is_the_same_for_nfc_and_nfd_spellings() -> None:
    nfc = "Әйелдер құқығы"  # "women's rights"; й decomposes in NFD
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert term_slug(nfd) == term_slug(nfc) == "әйелдер-құқығы"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("my source", "my-source"),
        ("Feminita", "feminita"),
        ("akimat_of_the_city_of_almaty", "akimat_of_the_city_of_almaty"),
        ("феминита", "феминита"),
        ("vlast.kz", "vlast.kz"),
    ],
)
def test_urlize_file_names(name: str, path: str) -> None:
    assert urlize(name) == path


# --- heading ids -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        (
            "Local non-governmental organizations (Local NGOs)",
            "local-non-governmental-organizations-local-ngos",
        ),
        ("Жергілікті ақпарат", "жергілікті-ақпарат"),
        ("Халықаралық үкіметтік емес ұйымдар (INGO)", "халықаралық-үкіметтік-емес-ұйымдар-ingo"),
        ("Hello, World!", "hello-world"),
        ("What's new in 2023?", "whats-new-in-2023"),
        ("snake_case name", "snake_case-name"),
        # GitHub style does not collapse: each space stays a hyphen.
        ("C++ & Go", "c--go"),
        ("  Padded  ", "padded"),
    ],
)
def test_heading_id_matches_hugo_github_style(text: str, anchor: str) -> None:
    assert heading_id(text) == anchor


def test_unique_ids_suffix_repeats_in_order() -> None:
    assert unique_ids(["sources", "sources", "sources"]) == ["sources", "sources-1", "sources-2"]


def test_unique_ids_skip_a_suffix_already_taken() -> None:
    # A heading literally titled "Sources 1" takes "sources-1" first.
    assert unique_ids(["sources", "sources-1", "sources"]) == ["sources", "sources-1", "sources-2"]
    assert unique_ids(["sources-1", "sources", "sources"]) == ["sources-1", "sources", "sources-2"]


def test_unique_ids_leave_distinct_ids_alone() -> None:
    ids = ["a", "b", "c"]
    assert unique_ids(ids) == ids


# --- normalize_url -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        # pages get a trailing slash: with or without it is one page
        ("/sources/sources/feminita", "/sources/sources/feminita/"),
        ("/sources/sources/feminita/", "/sources/sources/feminita/"),
        # files keep their name as is
        ("/images/map.png", "/images/map.png"),
        ("/documents/report.pdf", "/documents/report.pdf"),
        # Hugo writes lower-case paths
        ("/Guides/Kazakhstan/", "/guides/kazakhstan/"),
        ("/Images/Map.PNG", "/images/map.png"),
        # percent-encoded Cyrillic is the same page as the raw spelling
        (
            "/sources/sources/%D1%84%D0%B5%D0%BC%D0%B8%D0%BD%D0%B8%D1%82%D0%B0/",
            "/sources/sources/феминита/",
        ),
        ("/sources/sources/my%20source/", "/sources/sources/my source/"),
        # query and fragment do not change the page
        ("/guides/kazakhstan/?lang=kk", "/guides/kazakhstan/"),
        ("/guides/kazakhstan/#sources", "/guides/kazakhstan/"),
        ("/guides/kazakhstan?x=1#top", "/guides/kazakhstan/"),
        # the home page
        ("/", "/"),
        ("/#top", "/"),
        # a path written with a trailing slash is a page even if it has a dot
        ("/sources/sources/vlast.kz/", "/sources/sources/vlast.kz/"),
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


def test_normalize_url_is_idempotent() -> None:
    for url in ["/a/b", "/images/map.png", "/Guides/X/#y", "/", "/%D0%B0/"]:
        once = normalize_url(url)
        assert normalize_url(once) == once


def test_normalize_url_nfd_and_nfc_are_one_page() -> None:
    nfc = "/sources/sources/café/"
    nfd = unicodedata.normalize("NFD", nfc)
    assert normalize_url(nfd) == normalize_url(nfc) == nfc


# --- page_url ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segments", "lang", "expected"),
    [
        (["sources", "sources", "feminita"], "en", "/sources/sources/feminita/"),
        (["guides", "kazakhstan"], "kk", "/kk/guides/kazakhstan/"),
        # _index is its folder's page (a section)
        (["guides", "_index"], "en", "/guides/"),
        (["guides", "_index"], "kk", "/kk/guides/"),
        (["_index"], "en", "/"),
        (["_index"], "kk", "/kk/"),
        # index is a page bundle: the page of its folder
        (["guides", "kazakhstan", "index"], "en", "/guides/kazakhstan/"),
        # file and folder names are urlized
        (["sources", "sources", "my source"], "en", "/sources/sources/my-source/"),
        (["Sources", "Sources", "Feminita"], "en", "/sources/sources/feminita/"),
        (["sources", "sources", "феминита"], "en", "/sources/sources/феминита/"),
        # a dot in a file name is part of the page name: still a page
        (["sources", "sources", "vlast.kz"], "en", "/sources/sources/vlast.kz/"),
    ],
)
def test_page_url_from_path(segments: list[str], lang: str, expected: str) -> None:
    assert page_url(segments, lang=lang, default_lang="en") == expected


def test_page_url_slug_replaces_last_segment() -> None:
    url = page_url(["sources", "sources", "feminita"], lang="en", default_lang="en", slug="other")
    assert url == "/sources/sources/other/"


def test_page_url_slug_keeps_language_prefix() -> None:
    url = page_url(["guides", "kazakhstan"], lang="kk", default_lang="en", slug="qazaqstan")
    assert url == "/kk/guides/qazaqstan/"


def test_page_url_site_relative_url_wins() -> None:
    url = page_url(
        ["sources", "sources", "feminita"],
        lang="en",
        default_lang="en",
        slug="other",
        url="/custom/path/",
    )
    assert url == "/custom/path/"


def test_page_url_absolute_url_is_not_the_page_url() -> None:
    url = page_url(
        ["sources", "sources", "feminita"],
        lang="en",
        default_lang="en",
        url="https://feminita.kz/",
    )
    assert url == "/sources/sources/feminita/"


# --- resolve_relative -------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "base", "expected"),
    [
        ("../kazfem/", "/sources/sources/feminita/", "/sources/sources/kazfem/"),
        ("../kazfem", "/sources/sources/feminita/", "/sources/sources/kazfem/"),
        ("kazfem/", "/sources/sources/", "/sources/sources/kazfem/"),
        ("./kazfem/", "/sources/sources/", "/sources/sources/kazfem/"),
        ("../../../guides/kazakhstan/", "/sources/sources/feminita/", "/guides/kazakhstan/"),
        ("images/map.png", "/guides/kazakhstan/", "/guides/kazakhstan/images/map.png"),
        ("../kazfem/#history", "/sources/sources/feminita/", "/sources/sources/kazfem/"),
        # a browser never climbs above the site root
        ("../../../../x/", "/a/b/", "/x/"),
        # same-page links
        ("#top", "/guides/kazakhstan/", "/guides/kazakhstan/"),
        ("?page=2", "/guides/kazakhstan/", "/guides/kazakhstan/"),
    ],
)
def test_resolve_relative_like_a_browser(target: str, base: str, expected: str) -> None:
    assert resolve_relative(target, base) == expected
