"""Where check-links says a missing translation goes (kzkb.hugo.paths):
in the other language's folder when the record is in its own language's,
else beside it with the language in its name. The cases come from the
mutation run (README, Development): each one failed a mutant that the
check-links tests let pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzkb.hugo.paths import new_translation_path
from kzkb.settings.config import Config

ROOT = Path("/kb")
# kzkb's own rule: a folder per language but the first (kk/, ru/)
FOLDERS = Config(root=ROOT, content_dir=ROOT, languages=["en", "kk", "ru"])
# a site where only Kazakh has a folder of its own
KK_ONLY = Config(
    root=ROOT, content_dir=ROOT, languages=["en", "kk", "ru"], lang_dirs={"kk": "kk", "": "en"}
)

CASES = [
    # beside it, the language in its name
    (FOLDERS, "guides/media.md", "en", "kk", "guides/media.kk.md"),
    (FOLDERS, "guides/regions/media.kk.md", "kk", "ru", "guides/regions/media.ru.md"),
    # the first language has no suffix
    (FOLDERS, "guides/regions/media.kk.md", "kk", "en", "guides/regions/media.md"),
    # from a language's folder into another's, the folders below kept
    (FOLDERS, "kk/guides/regions/media.md", "kk", "ru", "ru/guides/regions/media.md"),
    (FOLDERS, "kk/guides/media.md", "kk", "en", "guides/media.md"),
    # no folder for the other language: beside it, at the top of its folder too
    (KK_ONLY, "kk/guides/media.md", "kk", "ru", "kk/guides/media.ru.md"),
    (KK_ONLY, "kk/media.md", "kk", "ru", "kk/media.ru.md"),
    # Xabar (Uzbek: news): a folder is kept as it is written, first letter included
    (FOLDERS, "Xabar/media.md", "en", "kk", "Xabar/media.kk.md"),
]


@pytest.mark.parametrize(("config", "path", "lang", "other", "expected"), CASES)
def test_where_a_missing_translation_goes(
    config: Config, path: str, lang: str, other: str, expected: str
) -> None:
    assert new_translation_path(path, lang, other, config) == expected
