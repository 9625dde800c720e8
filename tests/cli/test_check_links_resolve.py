"""check-links on multilingual sites: refs found in the page's own language,
files in a language's folder, a term's page in the language that has it,
sections only one language has. The cases come from the mutation run
(README, Development): each failed a mutant of kzkb.check.resolve that the
one-language tests let pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import record, write_kb

THREE = 'languages = ["en", "kk", "ru"]\n'


def findings(
    run, tmp_path: Path, files: dict[str, str | bytes], config: str = THREE
) -> list[tuple[Any, ...]]:
    root = write_kb(tmp_path / "kb", files, config)
    done = run(
        "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"), "-f", "json"
    )
    assert done.exit_code in (0, 1), done.stdout + done.stderr
    return [
        (f["file"].split("kb/", 1)[1], f["target"], f["reason"], f["suggestion"])
        for f in json.loads(done.stdout)["findings"]
        if f["severity"] == "error"
    ]


def test_a_ref_without_language_finds_the_pages_own_translation(run, tmp_path: Path) -> None:
    """media has no English page: from a Russian page the ref is the Russian
    one (its heading is there), from an English page the first translation."""
    files = {
        "guides/media.kk.md": record("Media kk", "## Kk only"),
        "guides/media.ru.md": record("Media ru", "## Ru only"),
        "guides/x.ru.md": record("X", '{{< ref "guides/media.md#ru-only" >}}'),
        "guides/y.kk.md": record("Y", '{{< ref "media.md#kk-only" >}}'),
        # the language named in the path: that file, whatever the page's language
        "guides/z.md": record("Z", '{{< ref "guides/media.ru.md#ru-only" >}}'),
        "guides/w.kk.md": record("W", '{{< ref "/guides/media.ru.md#ru-only" >}}'),
    }
    assert findings(run, tmp_path, files) == []


def test_a_ref_in_a_language_folder_site(run, tmp_path: Path) -> None:
    files = {
        "kk/guides/media.md": record("Media kk", "## Kk only"),
        "ru/guides/media.md": record("Media ru", "## Ru only"),
        "ru/guides/x.md": record("X", '{{< ref "/guides/media.md#ru-only" >}}'),
        "kk/guides/y.md": record("Y", '{{< ref "/guides/media.md#kk-only" >}}'),
        # a section only Kazakh has: Hugo makes its page, for Kazakh pages
        "kk/zhanalyqtar/a.md": record("A"),
        "kk/guides/z.md": record("Z", '{{< ref "/zhanalyqtar" >}}'),
    }
    assert findings(run, tmp_path, files) == []


def test_refs_to_nested_sections_relative_paths_and_any_folder_name(run, tmp_path: Path) -> None:
    files = {
        "guides/regions/_index.md": record("Regions"),
        "guides/b.md": record("B guide"),
        "sources/b.md": record("B source"),
        "Xabar/a.md": record("Xabar a"),
        "guides/g.md": record(
            "G",
            '{{< ref "/guides/regions" >}} {{< ref "b.md" >}} {{< ref "regions/_index.md" >}}'
            ' {{< ref "/Xabar/a.md" >}}',
        ),
    }
    assert findings(run, tmp_path, files) == []


def test_a_file_in_a_language_folder_is_served_below_its_prefix(run, tmp_path: Path) -> None:
    files = {
        "kk/files/Report.pdf": b"%PDF-1.4\n",
        "kk/guides/g.md": record(
            "G", "[ok](/kk/files/Report.pdf) [case](/kk/files/report.pdf) [gone](/files/Report.pdf)"
        ),
    }
    assert findings(run, tmp_path, files) == [
        (
            "kk/guides/g.md",
            "/kk/files/report.pdf",
            "no such file: the name differs in case",
            "write /kk/files/Report.pdf",
        ),
        ("kk/guides/g.md", "/files/Report.pdf", "no such file", ""),
    ]


def test_a_term_used_in_another_language_points_to_its_page(run, tmp_path: Path) -> None:
    files = {
        "kk/sources/a.md": record("A", tags="[zhana]"),
        "sources/b.md": record("B", tags="[eski]"),
        "kk/sources/c.md": record("C", tags="[eski]"),
        "guides/g.md": record("G", "[t](/tags/zhana/) [u](/ru/tags/eski/)"),
    }
    assert findings(run, tmp_path, files) == [
        (
            "guides/g.md",
            "/tags/zhana/",
            "unknown tag term 'zhana'",
            "did you mean /kk/tags/zhana/?",
        ),
        ("guides/g.md", "/ru/tags/eski/", "unknown tag term 'eski'", "did you mean /tags/eski/?"),
    ]


# every language in a folder of its own, Kazakh first: refs without a
# language fall back on the page's language, then the first language, then any
EVERY_FOLDER = 'languages = ["kk", "en", "ru"]\n[content_dirs]\nkk = "kk"\nen = "en"\nru = "ru"\n'


def test_a_ref_falls_back_on_the_first_language_then_on_any(run, tmp_path: Path) -> None:
    files = {
        "kk/guides/media.md": record("Media kk", "## Kk only"),
        "en/guides/media.md": record("Media en", "## En only"),
        "en/guides/law.md": record("Law en", "## En law"),
        "ru/guides/x.md": record(
            "X", '{{< ref "/guides/media.md#kk-only" >}} {{< ref "/guides/law.md#en-law" >}}'
        ),
    }
    assert findings(run, tmp_path, files, EVERY_FOLDER) == []


def test_a_ref_to_a_missing_section_is_not_a_page_of_the_same_name(run, tmp_path: Path) -> None:
    """Only a bare name is looked up by file name anywhere in the KB."""
    files = {
        "notes/regions.md": record("Regions note"),
        "guides/g.md": record("G", '{{< ref "regions/_index.md" >}}'),
    }
    assert [(f[0], f[1]) for f in findings(run, tmp_path, files)] == [
        ("guides/g.md", "regions/_index.md")
    ]


def test_a_file_in_a_language_folder_that_is_not_below_the_default(run, tmp_path: Path) -> None:
    """Each language's folder is served below its own prefix (Kazakh, the
    first, at the root): /en/Xabar/Report.pdf is en/Xabar/Report.pdf."""
    files = {
        "en/Xabar/Report.pdf": b"%PDF-1.4\n",
        "kk/guides/a.md": record("A"),
        "ru/guides/b.md": record("B"),
        "en/guides/g.md": record(
            "G",
            "[ok](/en/Xabar/Report.pdf) [case](/en/Xabar/report.pdf) [kk](/Xabar/Report.pdf)",
        ),
    }
    assert findings(run, tmp_path, files, EVERY_FOLDER) == [
        (
            "en/guides/g.md",
            "/en/Xabar/report.pdf",
            "no such file: the name differs in case",
            "write /en/Xabar/Report.pdf",
        ),
        ("en/guides/g.md", "/Xabar/Report.pdf", "no such file", ""),
    ]


def test_a_near_miss_of_a_page_hugo_makes_is_suggested(run, tmp_path: Path) -> None:
    files = {
        "guides/a.md": record("A", "[x](/categry/) [y](/kk/guidez/)"),
        "kk/guides/b.md": record("B"),
    }
    assert [(f[1], f[3]) for f in findings(run, tmp_path, files)] == [
        ("/categry/", "did you mean /category/?"),
        ("/kk/guidez/", "did you mean /kk/guides/?"),
    ]


def test_a_path_below_a_term_is_no_term_and_static_in_the_content_folder(
    run, tmp_path: Path
) -> None:
    files = {
        "content/static/img/Map.png": b"\x89PNG\r\n",
        "content/guides/a.md": record("A", "[m](/img/Map.png) [t](/tags/a/b/)", tags="[a]"),
    }
    config = 'title = "static"\ncontent_dir = "content"\n'
    assert [(f[1], f[2]) for f in findings(run, tmp_path, files, config)] == [
        ("/tags/a/b/", "no such page")
    ]
