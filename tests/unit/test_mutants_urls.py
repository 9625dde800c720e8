"""Site URLs and content paths at the edges of their rules (kzkb.urls,
kzkb.hugo.paths). Each case failed a mutant of the mutation run (README,
Development) that every other test let pass: a link to an existing page or
file would have been reported broken, or a translation looked for in the
wrong place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzkb.hugo.paths import translation_paths
from kzkb.settings.config import Config
from kzkb.urls import normalize_url

# A last segment is a file (no trailing slash) when its extension, after the
# last dot, is 1-5 letters or digits and something stands before the dot.
URLS = [
    ("/files/report.v2.pdf", "/files/report.v2.pdf"),  # the last dot decides
    ("/fonts/inter.woff2", "/fonts/inter.woff2"),  # five characters: a file
    ("/sources/sources/feminism.global", "/sources/sources/feminism.global/"),  # six: a page
    ("/sources/kazakhstan-2.0-report", "/sources/kazakhstan-2.0-report/"),  # 0-report: a page
    ("/.well-known", "/.well-known/"),  # nothing before the dot
    ("/a/name.", "/a/name./"),  # nothing after it
]


@pytest.mark.parametrize(("url", "expected"), URLS)
def test_a_segment_is_a_file_by_its_extension_after_the_last_dot(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


ROOT = Path("/kb")
FOLDERS = Config(root=ROOT, content_dir=ROOT, languages=["en", "kk", "ru"])
KK_ONLY = Config(
    root=ROOT, content_dir=ROOT, languages=["en", "kk", "ru"], lang_dirs={"kk": "kk", "": "en"}
)


def test_a_translation_is_looked_for_in_every_language_folder() -> None:
    assert translation_paths("guides/a.md", FOLDERS, "kk") == [
        "kk/guides/a.kk.md",
        "ru/guides/a.kk.md",
        "guides/a.kk.md",
        "kk/guides/a.md",
    ]
    assert translation_paths("kk/guides/a.md", KK_ONLY, "ru") == [
        "kk/guides/a.ru.md",
        "guides/a.ru.md",
    ]


def test_a_dotted_folder_keeps_the_file_extension_whole() -> None:
    # sources/vlast.kz/: a folder named as the site it is about
    assert translation_paths("sources/vlast.kz/about.md", KK_ONLY, "kk") == [
        "kk/sources/vlast.kz/about.kk.md",
        "sources/vlast.kz/about.kk.md",
        "kk/sources/vlast.kz/about.md",
    ]
