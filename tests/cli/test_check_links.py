"""kzkb check-links: internal links resolved as Hugo serves the site.

Every test builds a small KB in a tmp folder (make_kb), runs `kzkb check-links`
in-process with an index of its own in that folder, and compares the findings
with expectations written out by hand from Hugo's rules; no kzkb code computes
an expected value. The working directory is the tmp folder, so a finding's file
reads "kb/notes/probe.md", as a user running kzkb from above the KB sees it.

Most resolution rules are one parametrized case: a probe page (notes/probe.md,
an ordinary page, so no orphan or translation warning of its own) holds one
link, and the test asserts either that the probe has no finding at all, or
exactly one finding with its line, column, text, target, severity, reason and
suggestion. The site the probe links into is SITE below.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import KB
from tests.helpers import record

ROOT = Path(__file__).resolve().parents[2]
SEED_LINKS = ROOT / "tests" / "data" / "seed_links.json"

FINDING_KEYS = {"file", "line", "column", "text", "target", "severity", "reason", "suggestion"}
SUMMARY_KEYS = {"records", "links", "external", "errors", "warnings"}


CONFIG = """\
languages = ["en", "kk"]

[taxonomies]
category = "category"
country = "countries"
tag = "tags"
language = "language"

# in the vocabulary, but no record uses it: Hugo makes no page for it
[[terms.category]]
slug = "government"
label = "Government"
"""

# Headings and ids the fragment cases link to. Hugo's ids ("github" style):
# lower-cased letters (any script) and digits, spaces to "-", the rest dropped;
# an explicit {#id} replaces the generated one; a repeated id gets -1, -2 ...
FEMINITA = """\
---
title: Feminita
category: [Local NGO]
countries: [Kazakhstan]
tags: [Қазақстан, gender]
aliases: [/old/feminita/]
---

## Our work {#work}

## Қазақша тақырып: әғқңөұүһі

## Reports

## Reports

## C++ & Rust: what's new? (2023)

<div id="raw-id">Raw HTML block.</div>

A footnote.[^1] <a name="old-anchor"></a>

[^1]: The note.
"""

SITE: dict[str, str | bytes] = {
    "sources/_index.md": record("Sources"),
    "sources/sources/feminita.md": FEMINITA,
    "sources/sources/vlast.kz.md": record("Vlast.kz", "## History", category="[Independent media]"),
    "documents/report.md": record("Report"),  # documents/ has no _index.md
    "notes/other.md": record("Other"),
    "notes/custom.md": record("Custom", url="/custom-place/"),
    "notes/bundle/index.md": record("Bundle"),
    "notes/bundle/map.png": b"\x89PNG\r\n",
    "files/Report.pdf": b"%PDF-1.4\n",
    "static/images/Map.png": b"\x89PNG\r\n",
    "guides/_index.md": record("Guides"),
    "guides/kazakhstan.md": record("Kazakhstan"),
    "guides/kazakhstan.kk.md": record("Қазақстан", category="[Local NGO]"),
    "guides/media.md": record("Media"),
    "kk/guides/media.md": record("Медиа"),
}

PROBE = "notes/probe.md"


def probe_page(body: str) -> str:
    """The probe: its body starts on line 4, and it has a heading of its own."""
    return f"---\ntitle: Probe\n---\n{body}\n\n## Local heading\n"


@dataclass
class Checked:
    code: int
    stdout: str
    stderr: str

    @property
    def data(self) -> dict[str, Any]:
        assert self.code in (0, 1), f"exit {self.code}: {self.stderr}"
        return json.loads(self.stdout)

    def at(self, rel: str) -> list[dict[str, Any]]:
        """The findings for the KB file `rel`, as displayed (kb/<rel>)."""
        return [f for f in self.data["findings"] if f["file"] == f"kb/{rel}"]


Check = Callable[..., Checked]


@pytest.fixture
def check(run, make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Check:
    """check(files, *options, config=..., fmt=...): build the KB, run check-links."""
    monkeypatch.chdir(tmp_path)

    def call(
        files: dict[str, str | bytes], *options: str, config: str = CONFIG, fmt: str = "json"
    ) -> Checked:
        root = make_kb(files, config)
        result = run(
            "check-links",
            "--kb",
            str(root),
            "--index",
            str(tmp_path / "index.sqlite"),
            "--format",
            fmt,
            *options,
        )
        return Checked(result.exit_code, result.stdout, result.stderr)

    return call


def probe(check: Check, body: str, where: str = PROBE) -> list[dict[str, Any]]:
    return check({**SITE, where: probe_page(body)}).at(where)


# --- links that resolve -------------------------------------------------------------------

GOOD: list[Any] = [
    # root-relative: with or without the trailing slash, in any case
    pytest.param("[x](/sources/sources/feminita/)", id="root-relative"),
    pytest.param("[x](/sources/sources/feminita)", id="root-relative-no-slash"),
    pytest.param("[x](/SOURCES/Sources/FEMINITA/)", id="root-relative-any-case"),
    pytest.param("[x](/Sources/sources/Feminita)", id="root-relative-any-case-no-slash"),
    pytest.param("[x](/sources/sources/vlast.kz)", id="page-named-like-a-file"),
    pytest.param("[x](/sources/sources/vlast.kz/)", id="page-named-like-a-file-slash"),
    pytest.param("[x](/custom-place/)", id="front-matter-url"),
    pytest.param("[x](/?utm=1)", id="home-with-query"),
    # relative: a page URL is a folder (/notes/probe/); a .md path is a file path
    pytest.param("[x](../other/)", id="relative-up"),
    pytest.param("[x](../../sources/sources/feminita/)", id="relative-up-twice"),
    pytest.param("[x](../../Sources/sources/feminita)", id="relative-any-case-no-slash"),
    pytest.param("[x](other.md)", id="relative-md-same-folder"),
    pytest.param("[x](./other.md)", id="relative-md-dot"),
    pytest.param("[x](../sources/sources/feminita.md)", id="relative-md-up"),
    pytest.param("[x](/sources/sources/feminita.md)", id="content-root-md"),
    # files in the KB
    pytest.param("[x](/files/Report.pdf)", id="file"),
    pytest.param("[x](../../files/Report.pdf)", id="file-relative"),
    pytest.param("[x](/files/Report.pdf#page=2)", id="file-with-fragment"),
    pytest.param("![x](/images/Map.png)", id="static-file"),
    # aliases
    pytest.param("[x](/old/feminita/)", id="alias"),
    pytest.param("[x](/OLD/Feminita)", id="alias-any-case-no-slash"),
    # section pages
    pytest.param("[x](/sources/)", id="section-with-index-md"),
    pytest.param("[x](/documents/)", id="top-level-folder-without-index-md"),
    pytest.param("[x](/notes)", id="top-level-folder-no-slash"),
    pytest.param("[x](/)", id="home"),
    # taxonomy pages
    pytest.param("[x](/category/local-ngo/)", id="term"),
    pytest.param("[x](/Category/Local-NGO)", id="term-any-case"),
    pytest.param("[x](/category/)", id="taxonomy-list"),
    pytest.param("[x](/countries/kazakhstan/)", id="term-of-a-kzkb-toml-taxonomy"),
    pytest.param("[x](/tags/қазақстан/)", id="cyrillic-term"),
    pytest.param(f"[x](/tags/{quote('қазақстан')}/)", id="cyrillic-term-percent-encoded"),
    pytest.param("[x](/language/)", id="taxonomy-list-without-terms"),
    # languages
    pytest.param("[x](/kk/)", id="language-home"),
    pytest.param("[x](/kk/guides/kazakhstan/)", id="language-suffix-x.kk.md"),
    pytest.param("[x](/kk/guides/media/)", id="language-folder-kk/"),
    pytest.param("[x](/KK/Guides/Kazakhstan)", id="language-any-case"),
    pytest.param("[x](/kk/guides/)", id="language-section"),
    pytest.param("[x](/kk/category/local-ngo/)", id="language-term"),
    # fragments
    pytest.param("[x](/sources/sources/feminita/#work)", id="explicit-id"),
    pytest.param("[x](/sources/sources/feminita/#қазақша-тақырып-әғқңөұүһі)", id="kazakh-heading"),
    pytest.param(
        f"[x](/sources/sources/feminita/#{quote('қазақша-тақырып-әғқңөұүһі')})",
        id="kazakh-heading-percent-encoded",
    ),
    pytest.param("[x](/sources/sources/feminita/#reports)", id="duplicate-heading-first"),
    pytest.param("[x](/sources/sources/feminita/#reports-1)", id="duplicate-heading-second"),
    pytest.param("[x](/sources/sources/feminita/#c--rust-whats-new-2023)", id="punctuation"),
    pytest.param("[x](/sources/sources/feminita/#raw-id)", id="raw-html-id"),
    pytest.param("[x](/sources/sources/feminita/#old-anchor)", id="raw-html-a-name"),
    pytest.param("[x](/sources/sources/feminita/#top)", id="top"),
    pytest.param("[x](#top)", id="top-same-page"),
    pytest.param("[x](/sources/sources/feminita/#fn:1)", id="footnote"),
    pytest.param("[x](/sources/sources/feminita/#fnref:1)", id="footnote-back"),
    pytest.param("[x](#local-heading)", id="same-page"),
    pytest.param("[x](/sources/sources/feminita#work)", id="fragment-no-slash"),
    pytest.param("[x](/old/feminita/#work)", id="fragment-through-alias"),
    pytest.param("[x](/sources/sources/vlast.kz#history)", id="fragment-page-named-like-a-file"),
    pytest.param("[x](../sources/sources/feminita.md#work)", id="fragment-through-md"),
    # Hugo's ref and relref
    pytest.param('{{< ref "/sources/sources/feminita.md" >}}', id="ref-root"),
    pytest.param('{{< ref "sources/sources/feminita.md" >}}', id="ref-content-root"),
    pytest.param('{{< relref "feminita" >}}', id="relref-unique-name"),
    pytest.param('{{< ref "other.md" >}}', id="ref-page-relative"),
    pytest.param('{{% relref "sources/sources/feminita.md#work" %}}', id="relref-anchor"),
    pytest.param('{{< ref "#local-heading" >}}', id="ref-same-page-anchor"),
    pytest.param('{{< ref "/sources" >}}', id="ref-section"),
    pytest.param('{{< ref "/documents" >}}', id="ref-top-level-folder-without-index-md"),
    pytest.param('{{< ref "/notes/bundle" >}}', id="ref-bundle"),
    # never links, or not internal ones
    pytest.param('`[x](/nope/)` and `{{< ref "nope.md" >}}`', id="code-span"),
    pytest.param(
        '```\n[x](/nope/)\n{{< ref "nope.md" >}}\n<a href="/nope/">x</a>\n```', id="code-fence"
    ),
    pytest.param("    [x](/nope/)", id="indented-code"),
    pytest.param('{{</* ref "nope.md" */>}}', id="commented-out-shortcode"),
    pytest.param('<!-- [x](/nope/) <a href="/nope/">x</a> -->', id="html-comment"),
    pytest.param("[x](mailto:someone@example.org)", id="mailto"),
    pytest.param("[x](tel:+77001234567)", id="tel"),
    pytest.param("[x][ok]\n\n[ok]: /sources/sources/feminita/", id="reference-style"),
    pytest.param('<a href="/sources/">x</a> <img src="/images/Map.png">', id="raw-html"),
]


@pytest.mark.parametrize("body", GOOD)
def test_link_resolves(check: Check, body: str) -> None:
    assert probe(check, body) == []


@pytest.mark.parametrize(
    ("where", "body"),
    [
        pytest.param("notes/_index.md", "[x](other/)", id="relative-child-of-section-page"),
        pytest.param("notes/bundle/index.md", "![x](map.png)", id="page-bundle-image"),
    ],
)
def test_link_resolves_from(check: Check, where: str, body: str) -> None:
    assert probe(check, body, where) == []


# --- broken links ----------------------------------------------------------------------------


def finding(
    target: str,
    reason: str,
    suggestion: str | None,
    *,
    line: int = 4,
    column: int = 5,
    text: str | None = "x",
    severity: str = "error",
) -> dict[str, Any]:
    """What a broken link on the probe must be reported as. `reason` is a
    phrase the reason must contain; `text` or `suggestion` None: not asserted."""
    return {
        "line": line,
        "column": column,
        "text": text,
        "target": target,
        "severity": severity,
        "reason": reason,
        "suggestion": suggestion,
    }


def ref_finding(target: str, reason: str, suggestion: str | None = None) -> dict[str, Any]:
    # {{< ref "…" >}}: the column of the path, after `{{< ref "` (9 characters)
    return finding(target, reason, suggestion, column=10, text="")


BROKEN: list[Any] = [
    pytest.param(
        "[Feminita](/sources/sources/feminitaa/)",
        finding(
            "/sources/sources/feminitaa/",
            "no such page",
            "did you mean /sources/sources/feminita/?",
            column=12,
            text="Feminita",
        ),
        id="no-such-page",
    ),
    pytest.param(
        "[x](/sources/sources/)",
        finding("/sources/sources/", "no such page", None),
        id="nested-folder-without-index-md-is-no-section",
    ),
    pytest.param(
        "[x](/notes/custom/)",
        finding("/notes/custom/", "no such page", None),
        id="path-url-of-a-page-with-front-matter-url",
    ),
    pytest.param(
        "[x](other/)",  # from /notes/probe/: /notes/probe/other/
        finding("other/", "no such page", None),
        id="relative-resolves-from-the-page-url",
    ),
    pytest.param(
        "[x](../sources/sources/feminitaa.md)",
        finding(
            "../sources/sources/feminitaa.md",
            "no such file",
            "did you mean ../sources/sources/feminita.md?",
        ),
        id="relative-md-missing",
    ),
    pytest.param(
        "[x](../../sources/sources/feminita.md)",  # a file path: notes/../../ leaves the KB
        finding(
            "../../sources/sources/feminita.md",
            "no such file",
            "did you mean ../sources/sources/feminita.md?",
        ),
        id="md-is-relative-to-the-file-not-the-url",
    ),
    pytest.param(
        "[x](facebook.com/feminita)",
        finding("facebook.com/feminita", "https://", "write https://facebook.com/feminita"),
        id="bare-host",
    ),
    pytest.param(
        "[x](www.kazfem.kz)",
        finding("www.kazfem.kz", "https://", "write https://www.kazfem.kz"),
        id="bare-www-host",
    ),
    pytest.param(
        "[x](/files/report.pdf)",
        finding("/files/report.pdf", "case", "write /files/Report.pdf"),
        id="file-case-mismatch",
    ),
    pytest.param(
        "![x](/images/map.png)",
        finding("/images/map.png", "case", "write /images/Map.png", column=6),
        id="static-file-case-mismatch",
    ),
    pytest.param(
        "[x](/files/missing.pdf)",
        finding("/files/missing.pdf", "no such file", None),
        id="no-such-file",
    ),
    pytest.param(
        "[x](/category/local-ngoo/)",
        finding(
            "/category/local-ngoo/",
            "unknown category term",
            "did you mean /category/local-ngo/?",
        ),
        id="unknown-term",
    ),
    pytest.param(
        "[x](/countries/kazakstan/)",
        finding(
            "/countries/kazakstan/",
            "unknown country term",
            "did you mean /countries/kazakhstan/?",
        ),
        id="unknown-term-of-a-kzkb-toml-taxonomy",
    ),
    pytest.param(
        "[x](/category/government/)",
        finding("/category/government/", "unknown category term", None),
        id="term-of-the-vocabulary-nobody-uses",
    ),
    pytest.param(
        "[x](/tags/zzzz/)",
        finding("/tags/zzzz/", "unknown tag term", ""),
        id="unknown-term-nothing-close",
    ),
    pytest.param(
        # only an English record uses the term: no Kazakh term page
        "[x](/kk/category/independent-media/)",
        finding(
            "/kk/category/independent-media/",
            "unknown category term",
            "did you mean /category/independent-media/?",
        ),
        id="term-used-in-another-language-only",
    ),
    pytest.param(
        "[x](/kk/sources/sources/feminita/)",
        finding(
            "/kk/sources/sources/feminita/",
            "no such page",
            "did you mean /sources/sources/feminita/?",
        ),
        id="language-prefix-without-translation",
    ),
    pytest.param(
        "[x](/sources/sources/feminita/#our-work)",  # {#work} replaced the generated id
        finding("/sources/sources/feminita/#our-work", "no such heading", "did you mean #work?"),
        id="heading-with-explicit-id",
    ),
    pytest.param(
        "[x](/sources/sources/feminita/#reports-2)",
        finding("/sources/sources/feminita/#reports-2", "no such heading", None),
        id="duplicate-heading-third",
    ),
    pytest.param(
        "[x](#local-headin)",
        finding("#local-headin", "no such heading", "did you mean #local-heading?"),
        id="same-page-fragment",
    ),
    pytest.param(
        "[x](/old/feminita/#nope)",
        finding("/old/feminita/#nope", "no such heading", None),
        id="fragment-through-alias",
    ),
    pytest.param(
        "[x](/sources/sources/vlast.kz#nope)",
        finding("/sources/sources/vlast.kz#nope", "no such heading", None),
        id="fragment-page-named-like-a-file",
    ),
    pytest.param(
        "[x](../sources/sources/feminita.md#nope)",
        finding("../sources/sources/feminita.md#nope", "no such heading", None),
        id="fragment-through-md",
    ),
    pytest.param(
        "[x](/sources/sources/feminita/#Work)",
        finding("/sources/sources/feminita/#Work", "case", "write #work", severity="warning"),
        id="fragment-case-only",
    ),
    pytest.param(
        "[x](/sources/sources/feminita/#Қазақша-тақырып-әғқңөұүһі)",
        finding(
            "/sources/sources/feminita/#Қазақша-тақырып-әғқңөұүһі",
            "case",
            "write #қазақша-тақырып-әғқңөұүһі",
            severity="warning",
        ),
        id="fragment-case-only-kazakh",
    ),
    pytest.param(
        "[x](#Local-Heading)",
        finding("#Local-Heading", "case", "write #local-heading", severity="warning"),
        id="same-page-fragment-case-only",
    ),
    pytest.param(
        '{{< ref "nothere.md" >}}',
        ref_finding("nothere.md", "no such page"),
        id="ref-not-found",
    ),
    pytest.param(
        '{{< relref "/sources/sources/feminita.md#nope" >}}',
        finding("/sources/sources/feminita.md#nope", "no such heading", None, column=13, text=""),
        id="relref-anchor-not-found",
    ),
    pytest.param(
        "[text][r]\n\n[r]: /nope/",  # reported where the link is used
        finding("/nope/", "no such page", None, column=1, text="text"),
        id="reference-style",
    ),
    pytest.param(
        'See <a href="/nope/">x</a>.',
        finding("/nope/", "no such page", None, column=14, text=None),
        id="raw-html-href",
    ),
    pytest.param(
        '<img src="/files/missing.png">',
        finding("/files/missing.png", "no such file", None, column=11, text=None),
        id="raw-html-src",
    ),
    pytest.param(
        "![A map](/files/missing.png)",
        finding("/files/missing.png", "no such file", None, column=10, text="A map"),
        id="image",
    ),
    pytest.param(
        "Қазақ тілі [x](/nope/)",  # columns count characters, not bytes
        finding("/nope/", "no such page", None, column=16),
        id="column-after-cyrillic",
    ),
    pytest.param(
        "First paragraph.\n\nSecond [x](/nope/)",
        finding("/nope/", "no such page", None, line=6, column=12),
        id="line-of-a-later-paragraph",
    ),
]


@pytest.mark.parametrize(("body", "expected"), BROKEN)
def test_broken_link_is_reported(check: Check, body: str, expected: dict[str, Any]) -> None:
    found = probe(check, body)
    assert len(found) == 1, found
    got = found[0]
    assert set(got) == FINDING_KEYS
    assert got["file"] == f"kb/{PROBE}"
    for key in ("line", "column", "target", "severity"):
        assert got[key] == expected[key], (key, got)
    if expected["text"] is not None:
        assert got["text"] == expected["text"], got
    assert expected["reason"] in got["reason"], got
    if expected["suggestion"] is not None:
        assert got["suggestion"] == expected["suggestion"], got


def test_each_broken_link_is_reported_where_it_is(check: Check) -> None:
    body = "[a](/nope/) and [b](/nope/)\n\n- [c](/nope/)"
    found = probe(check, body)
    assert [(f["line"], f["column"], f["text"]) for f in found] == [
        (4, 5, "a"),
        (4, 21, "b"),
        (6, 7, "c"),
    ]


def test_lines_count_from_the_top_of_the_file(check: Check) -> None:
    page = "---\ntitle: Long\ndescription: >\n  two\n  lines\n---\n\n\n[x](/nope/)\n"
    found = check({**SITE, PROBE: page}).at(PROBE)
    assert [(f["line"], f["column"]) for f in found] == [(9, 5)]


def test_toml_front_matter(check: Check) -> None:
    page = '+++\ntitle = "Probe"\n+++\n[x](/nope/)\n'
    found = check({**SITE, PROBE: page}).at(PROBE)
    assert [(f["line"], f["column"], f["target"]) for f in found] == [(4, 5, "/nope/")]


def test_relative_link_from_a_kazakh_page_keeps_the_prefix(check: Check) -> None:
    # /kk/guides/media/ + ../kazakhstan/ = /kk/guides/kazakhstan/ (exists);
    # + ../lgbtq/ = /kk/guides/lgbtq/ (no such page)
    body = "[ok](../kazakhstan/) [bad](../lgbtq/)"
    found = probe(check, body, "kk/guides/media.md")
    assert [(f["target"], f["severity"]) for f in found] == [("../lgbtq/", "error")]


# --- warnings: orphan sources -----------------------------------------------------------------

ONE_LANGUAGE = 'title = "one language"\n'


def test_orphan_source_is_a_warning_and_self_links_do_not_count(check: Check) -> None:
    files = {
        "sources/lonely.md": record("Lonely", "[me](/sources/lonely/) [me too](lonely.md)"),
        "sources/linked.md": record("Linked"),
        "guides/g.md": record("G", "[linked](/sources/linked/)"),
        "documents/d.md": record("Unlinked document"),
    }
    result = check(files, config=ONE_LANGUAGE)
    assert result.code == 0  # a warning fails only with --strict
    assert [(f["file"], f["severity"]) for f in result.data["findings"]] == [
        ("kb/sources/lonely.md", "warning")
    ]
    (lonely,) = result.data["findings"]
    assert (lonely["line"], lonely["column"], lonely["target"]) == (1, 1, "/sources/lonely/")
    assert "orphan" in lonely["reason"]
    assert check(files, "--strict", config=ONE_LANGUAGE).code == 1


@pytest.mark.parametrize(
    "link",
    [
        pytest.param("[s](/sources/s/)", id="url"),
        pytest.param("[s](/Sources/S)", id="url-any-case"),
        pytest.param("[s](/sources/s/#history)", id="url-with-fragment"),
        pytest.param("[s](/old-s/)", id="alias"),
        pytest.param("[s](../sources/s.md)", id="md-path"),
        pytest.param('{{< ref "sources/s.md" >}}', id="ref"),
        pytest.param('{{< relref "s" >}}', id="relref-by-name"),
        pytest.param('<a href="/sources/s/">s</a>', id="raw-html"),
    ],
)
def test_a_link_from_another_record_adopts_a_source(check: Check, link: str) -> None:
    files = {
        "sources/s.md": record("S", "## History", aliases="[/old-s/]"),
        "guides/g.md": record("G", link),
    }
    result = check(files, config=ONE_LANGUAGE)
    assert result.data["findings"] == []
    assert result.code == 0


# --- warnings: missing translations ----------------------------------------------------------

THREE_LANGUAGES = 'languages = ["en", "kk", "ru"]\n'


def translation_warnings(result: Checked) -> list[tuple[str, str]]:
    return [
        (f["file"], f["suggestion"])
        for f in result.data["findings"]
        if "translation" in f["reason"]
    ]


def test_guide_lacking_a_language_of_kzkb_toml_is_a_warning(check: Check) -> None:
    files = {
        "guides/a.md": record("A"),
        "guides/a.kk.md": record("А"),
        "sources/s.md": record("S, never translated", "[a](/guides/a/)"),
    }
    result = check(files, config=THREE_LANGUAGES)
    assert result.code == 0
    found = [f for f in result.data["findings"] if "translation" in f["reason"]]
    assert sorted((f["file"], f["severity"], f["line"]) for f in found) == [
        ("kb/guides/a.kk.md", "warning", 1),
        ("kb/guides/a.md", "warning", 1),
    ]
    for f in found:  # the missing language is named, and where to add it
        assert "'ru'" in f["reason"] or " ru " in f["reason"], f
        assert f["suggestion"].endswith("guides/a.ru.md"), f
    assert check(files, "--strict", config=THREE_LANGUAGES).code == 1


def test_translation_in_a_language_folder(check: Check) -> None:
    files = {"guides/a.md": record("A"), "kk/guides/a.md": record("А")}
    assert translation_warnings(check(files)) == []


def test_missing_default_language_of_a_folder_translation(check: Check) -> None:
    result = check({"kk/guides/b.md": record("Б")})
    ((file, suggestion),) = translation_warnings(result)
    assert file == "kb/kk/guides/b.md"
    # the English file goes to the content root, not into kk/
    assert suggestion.split()[-1] == "guides/b.md", suggestion


def test_translation_with_a_slug_of_its_own(check: Check) -> None:
    # Hugo pairs translations by file path, whatever their URLs
    files = {"guides/c.md": record("C"), "guides/c.kk.md": record("В", slug="басшылық")}
    assert translation_warnings(check(files)) == []


def test_one_language_asks_for_no_translation(check: Check) -> None:
    assert translation_warnings(check({"guides/a.md": record("A")}, config=ONE_LANGUAGE)) == []


# --- output ----------------------------------------------------------------------------------

SMALL: dict[str, str | bytes] = {
    "sources/s.md": record("S", "## Part"),
    "guides/g.md": record(
        "G",
        "[s](/sources/s/) [bad](/nope/) [web](https://example.org/) [m](mailto:a@b.c)\n\n"
        "![pdf](/files/x.pdf) [part](/sources/s/#part) [self](#top)",
    ),
    "documents/d.md": record("D"),
}


def test_json_schema(check: Check) -> None:
    result = check(SMALL, config=ONE_LANGUAGE)
    assert result.code == 1
    data = result.data
    assert set(data) == {"findings", "summary"}
    assert set(data["summary"]) == SUMMARY_KEYS
    # 3 records; 5 internal links (not the web or mailto one); 2 broken
    assert data["summary"] == {"records": 3, "links": 5, "external": 0, "errors": 2, "warnings": 0}
    for f in data["findings"]:
        assert set(f) == FINDING_KEYS
        assert all(isinstance(f[k], int) for k in ("line", "column"))
        assert all(isinstance(f[k], str) for k in FINDING_KEYS - {"line", "column"})
    assert [(f["target"], f["text"], f["line"]) for f in data["findings"]] == [
        ("/nope/", "bad", 5),
        ("/files/x.pdf", "pdf", 7),
    ]


def test_summary_counts_warnings(check: Check) -> None:
    data = check({"sources/s.md": record("S")}, config=ONE_LANGUAGE).data
    assert data["summary"]["errors"] == 0
    assert data["summary"]["warnings"] == len(data["findings"]) == 1


GITHUB = re.compile(r"^::(error|warning) file=([^,]*),line=(\d+),col=(\d+),title=([^,:]*)::(.*)$")


def test_github_annotations(check: Check) -> None:
    result = check(SMALL, config=ONE_LANGUAGE, fmt="github")
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert all(GITHUB.match(line) for line in lines), lines
    first = GITHUB.match(lines[0])
    assert first is not None
    kind, file, line, col, title, message = first.groups()
    assert (kind, file, line, col) == ("error", "kb/guides/g.md", "5", "24")
    assert title == "kzkb check-links"
    assert "no such page" in message and "/nope/" in message
    assert len(lines) == 2
    assert "Traceback" not in result.stderr


def test_github_escaping(check: Check) -> None:
    # , and : in a property; % and a line break in a message
    page = record("Odd", '[pct](/50%25-off/) <a href="/line\nbreak/">x</a>')
    result = check({"notes/a,b:c 100%.md": page}, config=ONE_LANGUAGE, fmt="github")
    lines = result.stdout.splitlines()
    assert len(lines) == 2, lines  # one line per finding, whatever it holds
    for line in lines:
        match = GITHUB.match(line)
        assert match is not None, line
        assert match.group(2) == "kb/notes/a%2Cb%3Ac 100%25.md"
    messages = [GITHUB.match(line).group(6) for line in lines]  # type: ignore[union-attr]
    assert "/50%2525-off/" in messages[0]  # the target as written, % escaped
    assert "/line%0Abreak/" in messages[1]
    assert all(": " in m for m in messages)  # : is left alone in a message


def test_table_groups_findings_by_file(check: Check) -> None:
    files = {
        **SMALL,
        "notes/n.md": record("N", "[one](/nope-one/)\n\n[two](/nope-two/)"),
    }
    result = check(files, config=ONE_LANGUAGE, fmt="table")
    assert result.code == 1
    out = result.stdout
    assert out.count("kb/notes/n.md") == 1 and out.count("kb/guides/g.md") == 1
    assert out.index("kb/guides/g.md") < out.index("/nope/") < out.index("kb/notes/n.md")
    assert out.index("kb/notes/n.md") < out.index("/nope-one/") < out.index("/nope-two/")
    assert "5:24" in out and "no such page" in out and "error" in out
    assert "4 errors" in result.stderr


def test_paths_are_relative_to_the_working_directory(check: Check, tmp_path, monkeypatch):
    files = {"notes/n.md": record("N", "[x](/nope/)")}
    assert [f["file"] for f in check(files, config=ONE_LANGUAGE).data["findings"]] == [
        "kb/notes/n.md"
    ]
    inside = tmp_path / "kb" / "notes"
    monkeypatch.chdir(inside)
    assert [f["file"] for f in check(files, config=ONE_LANGUAGE).data["findings"]] == ["n.md"]


def test_paths_outside_the_working_directory_are_absolute(check: Check, tmp_path, monkeypatch):
    files = {"notes/n.md": record("N", "[x](/nope/)")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check(files, config=ONE_LANGUAGE)  # builds the KB
    monkeypatch.chdir(elsewhere)
    result = check(files, config=ONE_LANGUAGE)
    expected = str((tmp_path / "kb" / "notes" / "n.md").resolve())
    assert [f["file"] for f in result.data["findings"]] == [expected]
    github = check(files, config=ONE_LANGUAGE, fmt="github").stdout
    assert github.startswith(f"::error file={expected.replace(':', '%3A')},")


def test_hugo_project_layout(check: Check) -> None:
    # kzkb.toml beside content/ and static/, as in a Hugo site's repository
    files = {
        "content/notes/n.md": record("N", "[ok](/images/Map.png) [bad](/images/map.png)"),
        "static/images/Map.png": b"\x89PNG\r\n",
    }
    result = check(files, config='content_dir = "content"\n')
    assert [(f["file"], f["target"], f["suggestion"]) for f in result.data["findings"]] == [
        ("kb/content/notes/n.md", "/images/map.png", "write /images/Map.png")
    ]


def test_an_edit_is_seen_at_once(cli, make_kb, tmp_path: Path) -> None:
    """The installed kzkb in real processes: a fixed link is no longer reported."""
    root = make_kb({"notes/n.md": record("N", "[x](/nope/)"), "notes/m.md": record("M")})
    index = str(tmp_path / "index.sqlite")
    args = ("check-links", "--kb", str(root), "--index", index, "-f", "json")
    first = cli(*args)
    assert first.returncode == 1, first.stderr
    assert [f["target"] for f in json.loads(first.stdout)["findings"]] == ["/nope/"]
    (root / "notes" / "n.md").write_text(record("N", "[x](/notes/m/)"), encoding="utf-8")
    second = cli(*args)
    assert second.returncode == 0, second.stdout
    assert json.loads(second.stdout)["findings"] == []


# --- exit codes ------------------------------------------------------------------------------


def test_exit_0_when_nothing_is_broken(check: Check) -> None:
    files = {"sources/s.md": record("S"), "guides/g.md": record("G", "[s](/sources/s/)")}
    result = check(files, config=ONE_LANGUAGE, fmt="table")
    assert result.code == 0
    assert "No broken links" in result.stderr
    assert check(files, "--strict", config=ONE_LANGUAGE).code == 0


def test_exit_1_on_an_error_with_or_without_strict(check: Check) -> None:
    files = {"guides/g.md": record("G", "[x](/nope/)")}
    assert check(files, config=ONE_LANGUAGE).code == 1
    assert check(files, "--strict", config=ONE_LANGUAGE).code == 1


def test_case_only_fragment_warning_fails_only_with_strict(check: Check) -> None:
    files = {"guides/g.md": record("G", "## Part\n\n[x](#Part)")}
    result = check(files, config=ONE_LANGUAGE)
    assert result.code == 0 and result.data["summary"]["warnings"] == 1
    assert check(files, "--strict", config=ONE_LANGUAGE).code == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(["--format", "xml"], "xml", id="bad-format"),
        pytest.param(["--exclude", "("], "--exclude", id="bad-exclude-regex"),
        pytest.param(["--timeout", "0"], "--timeout", id="bad-timeout"),
        pytest.param(["--cache-ttl", "-1"], "--cache-ttl", id="bad-cache-ttl"),
    ],
)
def test_usage_errors_exit_2(run, make_kb, tmp_path, options: list[str], message: str) -> None:
    root = make_kb({"guides/g.md": record("G", "[x](/nope/)")})
    index = str(tmp_path / "index.sqlite")
    result = run("check-links", "--kb", str(root), "--index", index, *options)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize(
    "setting", [pytest.param('"x"', id="not-a-list"), pytest.param('["("]', id="bad-regex")]
)
def test_bad_exclude_in_kzkb_toml_exits_2(check: Check, setting: str) -> None:
    config = f"[check-links]\nexclude = {setting}\n"
    result = check({"guides/g.md": record("G")}, config=config)
    assert result.code == 2
    # the message names the file the setting is in, not an --exclude never given
    assert "kzkb.toml" in result.stderr and "[check-links]" in result.stderr
    assert "--exclude" not in result.stderr
    assert "Traceback" not in result.stderr


# --- the bundled KB and the seed guides ----------------------------------------------------


def test_bundled_kb_has_no_broken_link(run, tmp_path: Path) -> None:
    result = run(
        "check-links", "--kb", str(KB), "--index", str(tmp_path / "i.sqlite"), "-f", "json"
    )
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["summary"]["errors"] == 0
    assert [f for f in data["findings"] if f["severity"] == "error"] == []
    assert data["summary"]["records"] >= 30 and data["summary"]["links"] >= 100


def test_every_seed_guide_link_resolves_in_the_bundled_kb(run, tmp_path: Path) -> None:
    seeds = json.loads(SEED_LINKS.read_text(encoding="utf-8"))
    links = sorted({link for guide in seeds.values() for link in guide})
    assert links and all(link.startswith("/") for link in links)
    copy = tmp_path / "kb"
    shutil.copytree(KB, copy)
    body = "\n".join(f"- [seed {i}]({link})" for i, link in enumerate(links))
    (copy / "notes").mkdir()
    (copy / "notes" / "seed-links.md").write_text(record("Seed links", body), encoding="utf-8")

    def check_links(kb: Path, index: str) -> dict[str, Any]:
        result = run("check-links", "--kb", str(kb), "--index", str(tmp_path / index), "-f", "json")
        assert result.exit_code == 0, result.stdout
        return json.loads(result.stdout)

    before = check_links(KB, "before.sqlite")
    after = check_links(copy, "after.sqlite")
    on_seeds = [f for f in after["findings"] if f["file"].endswith("notes/seed-links.md")]
    assert on_seeds == []
    # every seed link was checked as an internal link
    assert after["summary"]["links"] == before["summary"]["links"] + len(links)
    assert after["summary"]["errors"] == 0


# --- the index keeps link state across edits -------------------------------------------------


def test_findings_follow_edits_to_one_persistent_index(
    run, make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index counts each link key's links as records change, instead of
    recounting them all; each check must equal what a fresh index finds."""
    import os
    import sqlite3

    monkeypatch.chdir(tmp_path)
    root = make_kb(
        {
            "sources/s.md": record("S", "[me](/sources/s/)"),
            "sources/t.md": record("T"),
            "guides/g.md": record("G", "[s](/sources/s/) [gone](/sources/missing/)"),
        },
        ONE_LANGUAGE,
    )
    db = tmp_path / "kept.sqlite"

    def findings(index: Path) -> list[tuple[str, str, str]]:
        result = run("check-links", "--kb", str(root), "--index", str(index), "-f", "json")
        data = json.loads(result.stdout)
        return sorted((f["file"], f["target"], f["severity"]) for f in data["findings"])

    def edit(path: str, text: str | None) -> None:
        file = root / path
        if text is None:
            file.unlink()
            return
        file.write_text(text, encoding="utf-8")
        st = file.stat()  # a later mtime, as an edit a moment later has
        os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))

    def same_as_fresh() -> list[tuple[str, str, str]]:
        kept = findings(db)
        fresh = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}.sqlite"
        assert kept == findings(fresh)
        with sqlite3.connect(db) as con:
            counted = con.execute("SELECT key, links, inbound FROM link_keys ORDER BY key")
            recount = con.execute(
                "SELECT key, count(*), count(*) - sum(self) FROM links"
                " WHERE key IS NOT NULL GROUP BY key ORDER BY key"
            )
            assert counted.fetchall() == recount.fetchall()
        return kept

    t_orphan = ("kb/sources/t.md", "/sources/t/", "warning")
    assert same_as_fresh() == [("kb/guides/g.md", "/sources/missing/", "error"), t_orphan]
    # the guide's only link to s goes: s is an orphan (its self-link does not count)
    edit("guides/g.md", record("G", "[t](/sources/t/) [t again](/sources/t/)"))
    assert same_as_fresh() == [("kb/sources/s.md", "/sources/s/", "warning")]
    # one of two links to t goes: t keeps a link
    edit("guides/g.md", record("G", "[t](/sources/t/) [s](../sources/s.md)"))
    assert same_as_fresh() == []
    # a new record links to a page that is missing, then the page appears
    edit("guides/h.md", record("H", "[x](/sources/x/)"))
    assert same_as_fresh() == [("kb/guides/h.md", "/sources/x/", "error")]
    edit("sources/x.md", record("X"))
    assert same_as_fresh() == []
    # the guide goes: s and t lose their only inbound links
    edit("guides/g.md", None)
    assert same_as_fresh() == [
        ("kb/sources/s.md", "/sources/s/", "warning"),
        t_orphan,
    ]
