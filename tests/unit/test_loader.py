"""The loader against the defects real Hugo/Docsy content folders have.

Every fixture is a file written into tmp_path; expected values come from the
file's own content and from Hugo's rules (URLs, languages, heading anchors),
not from kzkb's code.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from pathlib import Path

import pytest

from kzkb.model import Record, Skipped
from kzkb.parse.frontmatter import split_front_matter
from kzkb.parse.markdown import scan_markdown
from kzkb.parse.record import build_record, load_file, load_kb
from kzkb.settings.config import Config
from tests.helpers import write_kb

TAXONOMIES = {
    "category": "category",
    "country": "countries",
    "tag": "tags",
    "language": "language",
    "data_type": "data_type",
}


def make_config(root: Path) -> Config:
    return Config(root=root, content_dir=root, languages=["en", "kk"], taxonomies=TAXONOMIES)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def write(root: Path, rel: str, content: str | bytes) -> Path:
    return write_kb(root, {rel: content}) / rel


def load(config: Config, rel: str, content: str | bytes) -> Record | Skipped:
    path = write(config.content_dir, rel, content)
    return load_file(path, rel, config)


def load_ok(config: Config, rel: str, content: str | bytes) -> Record:
    result = load(config, rel, content)
    assert isinstance(result, Record), f"expected a record, got {result}"
    return result


def load_skipped(config: Config, rel: str, content: str | bytes) -> Skipped:
    result = load(config, rel, content)
    assert isinstance(result, Skipped), f"expected the file to be skipped, got {result!r}"
    assert result.path == rel
    return result


FEMINITA = """\
---
title: "Feminita"
category: ["local-ngo"]
countries: ["Kazakhstan"]
date: 2023-12-06
---

Feminita is a queer feminist initiative in Almaty.
"""


# --- 1. byte-order mark ------------------------------------------------------------


def test_utf8_bom_before_front_matter_keeps_front_matter(config: Config) -> None:
    record = load_ok(config, "sources/sources/feminita.md", b"\xef\xbb\xbf" + FEMINITA.encode())
    assert record.title == "Feminita"
    assert record.terms["category"] == ["local-ngo"]
    assert record.terms["country"] == ["kazakhstan"]
    assert "\ufeff" not in record.body
    assert "title:" not in record.body


# --- 2. one-element list for a scalar field ----------------------------------------


def test_title_written_as_one_element_list(config: Config) -> None:
    text = '---\ntitle: ["Feminita"]\ndescription: ["A queer feminist initiative."]\n---\nBody\n'
    record = load_ok(config, "sources/sources/feminita.md", text)
    assert record.title == "Feminita"
    assert record.description == "A queer feminist initiative."


# --- 3. taxonomy written as a scalar, in several spellings -------------------------


def test_scalar_category_becomes_one_term(config: Config) -> None:
    record = load_ok(
        config, "sources/sources/unhcr.md", '---\ntitle: UNHCR\ncategory: "INGO"\n---\n'
    )
    assert record.terms["category"] == ["ingo"]
    assert record.term_labels["category"] == ["INGO"]


@pytest.mark.parametrize(
    "value",
    ['"Local NGO"', '["local ngo"]', '["Local-NGO"]', "Local NGO", "[Local NGO]"],
)
def test_spellings_of_a_term_share_one_slug(config: Config, value: str) -> None:
    record = load_ok(config, "sources/sources/x.md", f"---\ntitle: X\ncategory: {value}\n---\n")
    assert record.terms["category"] == ["local-ngo"]
    spelled = value.strip('"[]')
    assert record.term_labels["category"] == [spelled]


def test_scalar_country_uses_plural_field(config: Config) -> None:
    record = load_ok(config, "sources/sources/x.md", "---\ntitle: X\ncountries: Kazakhstan\n---\n")
    assert record.terms["country"] == ["kazakhstan"]
    assert record.term_labels["country"] == ["Kazakhstan"]


# --- 4. curly quotes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["“Sana Sezim”", "‘Sana Sezim’", "„Sana Sezim“", "”Sana Sezim”"],
)
def test_curly_quotes_around_a_value_are_removed(config: Config, raw: str) -> None:
    record = load_ok(config, "sources/sources/sana_sezim.md", f"---\ntitle: {raw}\n---\n")
    assert record.title == "Sana Sezim"


@pytest.mark.parametrize(
    "raw",
    [
        "Public Foundation «Sana Sezim»",
        "«Sana Sezim»",
        "Қоғамдық қор «Сана Сезім»",
        "Report on “Sana Sezim” work",
        # two quoted names: the outer quotes belong to different names
        "“Sana Sezim” and “Feminita”",
    ],
)
def test_inner_quotes_are_left_alone(config: Config, raw: str) -> None:
    record = load_ok(config, "sources/sources/sana_sezim.md", f"---\ntitle: {raw}\n---\n")
    assert record.title == raw


# --- 5, 6. file names ----------------------------------------------------------------


def test_cyrillic_file_name(config: Config) -> None:
    rel = "sources/sources/феминита.md"
    write(config.content_dir, rel, FEMINITA)
    records, skipped = load_kb(config)
    assert skipped == []
    [record] = records
    assert record.path == rel
    assert record.url == "/sources/sources/феминита/"
    assert record.slug == "феминита"
    assert record.lang == "en"


def test_decomposed_file_name_gives_composed_url(config: Config) -> None:
    name = unicodedata.normalize("NFD", "әйелдер")  # й decomposes (macOS writes NFD)
    write(config.content_dir, f"sources/sources/{name}.md", FEMINITA)
    [record], _ = load_kb(config)
    assert record.url == "/sources/sources/әйелдер/"


def test_file_name_with_spaces_urlized_with_hyphens(config: Config) -> None:
    record = load_ok(config, "sources/sources/my source.md", FEMINITA)
    assert record.url == "/sources/sources/my-source/"


# --- 7. empty files ------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"   \n\n\t\n", b"\r\n\r\n", b"\xef\xbb\xbf"],
    ids=["zero-bytes", "whitespace", "crlf-only", "bom-only"],
)
def test_empty_file_is_skipped(config: Config, content: bytes) -> None:
    skipped = load_skipped(config, "sources/sources/empty.md", content)
    assert skipped.line == 1
    assert "empty" in skipped.reason.lower()


# --- 8. no front matter --------------------------------------------------------------


def test_no_front_matter_title_from_first_h1(config: Config) -> None:
    text = "Intro line.\n\n# Feminita\n\nSome text.\n\n# Second\n"
    record = load_ok(config, "sources/sources/notes.md", text)
    assert record.title == "Feminita"
    assert record.body == text
    assert record.fields == {}


def test_no_front_matter_and_no_h1_title_from_file_name(config: Config) -> None:
    text = "Just a paragraph about Feminita.\n\n## Only a subheading\n"
    record = load_ok(config, "sources/sources/feminita.md", text)
    assert record.title == "feminita"
    assert record.body == text


# --- 9. invalid YAML: the line to open --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        (
            '---\ntitle: Feminita\ndescription: "unclosed\ncategory: ["local-ngo"]\n'
            "tags: [feminism]\ndate: 2023-12-06\n---\nBody\n",
            3,
        ),
        ('---\ntitle: "unclosed\n---\nBody\n', 2),
        ("---\ntitle: Feminita\ncategory: [a, b\ntags: c\n---\nBody\n", 3),
        ("---\ntitle: Feminita\ncategory: [a, b\n---\nBody\n", 3),
    ],
    ids=["unclosed-quote-then-fields", "unclosed-quote-last", "open-list-then-field", "open-list"],
)
def test_invalid_yaml_points_near_the_bad_line(config: Config, text: str, bad_line: int) -> None:
    skipped = load_skipped(config, "sources/sources/feminita.md", text)
    assert "yaml" in skipped.reason.lower()
    # the user opens this line in the editor: the bad line, at worst the next
    assert bad_line <= skipped.line <= bad_line + 1, skipped


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        ("---\ntitle: Feminita\nurl: https: feminita.kz\ndate: 2023-12-06\n---\n", 3),
        ("---\ntitle: Feminita\n\tdate: 2023-12-06\n---\n", 3),
        ("---\n\ntitle: Feminita\n  bad: indent\ndate: 2023-12-06\n---\n", 4),
    ],
    ids=["mapping-in-value", "tab-indent", "bad-indent-after-blank"],
)
def test_invalid_yaml_on_one_line_reports_that_line(
    config: Config, text: str, bad_line: int
) -> None:
    # PyYAML pinpoints these errors on the line itself.
    skipped = load_skipped(config, "sources/sources/feminita.md", text)
    assert "yaml" in skipped.reason.lower()
    assert skipped.line == bad_line, skipped


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        ('+++\ntitle = "Feminita"\ndate = 2023-12-06\nbad = \n+++\nBody\n', 4),
        ('+++\n\ntitle = "Feminita"\nbad = \n+++\nBody\n', 4),
    ],
    ids=["plain", "blank-line-after-opening"],
)
def test_invalid_toml_reports_the_bad_line(config: Config, text: str, bad_line: int) -> None:
    skipped = load_skipped(config, "sources/sources/feminita.md", text)
    assert "toml" in skipped.reason.lower()
    assert skipped.line == bad_line, skipped


def test_invalid_json_reports_the_bad_line(config: Config) -> None:
    text = '{\n  "title": "Feminita",\n  "date": "2023-12-06",\n  "bad": ,\n}\nBody\n'
    skipped = load_skipped(config, "sources/sources/feminita.md", text)
    assert "json" in skipped.reason.lower()
    assert skipped.line == 4, skipped


# --- 10. TOML and JSON front matter ---------------------------------------------------


def test_toml_front_matter(config: Config) -> None:
    text = (
        "+++\n"
        'title = "Feminita"\n'
        "date = 2023-12-06\n"
        'category = ["Local NGO"]\n'
        "+++\n"
        "\n"
        "Body [link](/guides/lgbtq/).\n"
    )
    record = load_ok(config, "sources/sources/feminita.md", text)
    assert record.title == "Feminita"
    assert record.date == dt.date(2023, 12, 6)
    assert type(record.date) is dt.date
    assert record.terms["category"] == ["local-ngo"]
    assert "+++" not in record.body
    assert [(link.target, link.line) for link in record.links] == [("/guides/lgbtq/", 7)]


def test_json_front_matter(config: Config) -> None:
    text = (
        "{\n"
        '  "title": "Feminita",\n'
        '  "date": "2023-12-06",\n'
        '  "category": ["local-ngo"]\n'
        "}\n"
        "\n"
        "Body [link](/guides/lgbtq/).\n"
    )
    record = load_ok(config, "sources/sources/feminita.md", text)
    assert record.title == "Feminita"
    assert record.date == dt.date(2023, 12, 6)
    assert record.terms["category"] == ["local-ngo"]
    assert '"title"' not in record.body
    assert [(link.target, link.line) for link in record.links] == [("/guides/lgbtq/", 7)]


def test_split_front_matter_reads_each_format() -> None:
    for text in (
        '---\ntitle: "Feminita"\n---\nBody\n',
        '+++\ntitle = "Feminita"\n+++\nBody\n',
        '{\n"title": "Feminita"\n}\nBody\n',
    ):
        data, body, _ = split_front_matter(text)
        assert data == {"title": "Feminita"}
        assert body.strip() == "Body"


# --- 11. encodings ---------------------------------------------------------------------


def test_latin1_byte_is_skipped_at_its_line(config: Config) -> None:
    content = b"---\ntitle: Cafe\n---\nWe met at the caf\xe9.\n"
    skipped = load_skipped(config, "sources/sources/cafe.md", content)
    assert skipped.line == 4
    assert "utf-8" in skipped.reason.lower()


def test_nul_byte_is_skipped(config: Config) -> None:
    content = b"---\ntitle: X\n---\nsome\x00binary\n"
    skipped = load_skipped(config, "sources/sources/x.md", content)
    assert skipped.line == 4


def test_utf16_file_is_skipped(config: Config) -> None:
    content = FEMINITA.encode("utf-16")  # Windows Notepad's "Unicode"
    load_skipped(config, "sources/sources/feminita.md", content)


# --- 12, 13. front matter of the wrong shape ---------------------------------------------


def test_front_matter_that_is_a_list_is_skipped(config: Config) -> None:
    skipped = load_skipped(config, "sources/sources/x.md", "---\n- title\n- Feminita\n---\nBody\n")
    assert 1 <= skipped.line <= 4


@pytest.mark.parametrize(
    "text",
    [
        '---\ntitle: "Feminita"\ndate: 2023-12-06\n\nBody without a closing line.\n',
        '+++\ntitle = "Feminita"\n\nBody without a closing line.\n',
    ],
    ids=["yaml", "toml"],
)
def test_never_closed_front_matter_is_skipped(config: Config, text: str) -> None:
    skipped = load_skipped(config, "sources/sources/feminita.md", text)
    assert skipped.line == 1
    assert "close" in skipped.reason.lower()


# --- 14. Unicode normalisation -------------------------------------------------------------


@pytest.mark.parametrize("title", ["Café Feminita", "Әйелдер құқығы", "Ёлка"])
def test_decomposed_title_is_composed(config: Config, title: str) -> None:
    nfd = unicodedata.normalize("NFD", title)
    assert nfd != title
    text = f"---\ntitle: {nfd}\ntags: [{nfd}]\n---\n# {nfd}\n"
    record = load_ok(config, "sources/sources/x.md", text)
    assert record.title == title
    assert record.term_labels["tag"] == [title]
    assert record.headings[0].text == title


# --- 15. dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("date", "2023-12-06"),
        ("date", '["2023-12-06"]'),
        ("date", '"2023-12-06"'),
        ("date", "2023-12-06T02:00:00+06:00"),
        ("date", "2023-12-06 10:30:00"),
        ("created", '"2023-12-06"'),
        ("created", "2023-12-06"),
    ],
)
def test_dates_become_dates(config: Config, field: str, raw: str) -> None:
    record = load_ok(config, "sources/sources/x.md", f"---\ntitle: X\n{field}: {raw}\n---\n")
    value = getattr(record, field)
    assert value == dt.date(2023, 12, 6)
    assert type(value) is dt.date


# --- 16. languages -----------------------------------------------------------------------


def test_translation_pair_by_file_suffix(config: Config) -> None:
    en = load_ok(config, "guides/kazakhstan.md", "---\ntitle: Kazakhstan\n---\n")
    kk = load_ok(config, "guides/kazakhstan.kk.md", "---\ntitle: Қазақстан\n---\n")
    assert (en.lang, en.url) == ("en", "/guides/kazakhstan/")
    assert (kk.lang, kk.url) == ("kk", "/kk/guides/kazakhstan/")
    assert en.kind == kk.kind == "guide"


def test_default_language_suffix_is_the_default_page(config: Config) -> None:
    record = load_ok(config, "guides/kazakhstan.en.md", "---\ntitle: Kazakhstan\n---\n")
    assert (record.lang, record.url) == ("en", "/guides/kazakhstan/")


def test_language_folder(config: Config) -> None:
    record = load_ok(config, "kk/guides/x.md", "---\ntitle: X\n---\n")
    assert record.lang == "kk"
    assert record.url == "/kk/guides/x/"
    assert record.kind == "guide"


# --- 17. kinds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "url"),
    [
        ("guides/_index.md", "/guides/"),
        ("sources/sources/_index.md", "/sources/sources/"),
        ("_index.md", "/"),
        ("kk/guides/_index.md", "/kk/guides/"),
        ("guides/_index.kk.md", "/kk/guides/"),
    ],
)
def test_index_file_is_its_folders_section(config: Config, rel: str, url: str) -> None:
    record = load_ok(config, rel, "---\ntitle: Section\n---\n")
    assert record.kind == "section"
    assert record.url == url


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("guides/x.md", "guide"),
        ("sources/sources/x.md", "source"),
        ("documents/x.md", "document"),
        ("kk/sources/sources/x.md", "source"),
    ],
)
def test_kind_from_top_folder(config: Config, rel: str, kind: str) -> None:
    assert load_ok(config, rel, "---\ntitle: X\n---\n").kind == kind


def test_kind_in_front_matter_overrides_folder(config: Config) -> None:
    record = load_ok(config, "sources/sources/x.md", "---\ntitle: X\nkind: document\n---\n")
    assert record.kind == "document"


def test_page_bundle_index_is_the_folders_page(config: Config) -> None:
    record = load_ok(config, "guides/kazakhstan/index.md", "---\ntitle: Kazakhstan\n---\n")
    assert record.url == "/guides/kazakhstan/"
    assert record.kind == "guide"


# --- 18. slug and url ----------------------------------------------------------------


def test_slug_replaces_last_url_segment(config: Config) -> None:
    record = load_ok(config, "sources/sources/feminita.md", "---\ntitle: F\nslug: other\n---\n")
    assert record.url == "/sources/sources/other/"
    assert record.slug == "other"


def test_site_relative_url_replaces_the_url(config: Config) -> None:
    record = load_ok(
        config, "sources/sources/feminita.md", "---\ntitle: F\nurl: /custom/path/\n---\n"
    )
    assert record.url == "/custom/path/"
    assert record.website == ""


def test_absolute_url_is_the_website_not_the_page(config: Config) -> None:
    record = load_ok(
        config, "sources/sources/feminita.md", '---\ntitle: F\nurl: "https://example.org/"\n---\n'
    )
    assert record.url == "/sources/sources/feminita/"
    assert record.website == "https://example.org/"


# --- 19. aliases --------------------------------------------------------------------


def test_alias_without_trailing_slash_is_normalised(config: Config) -> None:
    text = (
        "---\ntitle: Akimat\naliases:\n"
        "  - /sources/sources/akimat_of_the_city_of_nur_sultan\n"
        "  - /sources/sources/Akimat_Astana/\n---\n"
    )
    record = load_ok(config, "sources/sources/akimat_of_the_city_of_astana.md", text)
    assert record.aliases == [
        "/sources/sources/akimat_of_the_city_of_nur_sultan/",
        "/sources/sources/akimat_astana/",
    ]


def test_single_alias_as_scalar(config: Config) -> None:
    text = "---\ntitle: Akimat\naliases: /old/akimat\n---\n"
    record = load_ok(config, "sources/sources/akimat.md", text)
    assert record.aliases == ["/old/akimat/"]


# --- 20. links ----------------------------------------------------------------------

LINKS_FILE = """\
---
title: "Links"
category: ["local-ngo"]
countries: ["Kazakhstan"]
tags: ["guides"]
date: 2023-12-06
---
# Links

Intro paragraph.

See [Feminita](/sources/sources/feminita/) and ![map](/images/map.png).
This is a paragraph whose second line has [KazFem](../kazfem/) in it.

Code `[not](/code/span/)` here.

```
[not](/code/fence/)
```

    [not](/code/indented/)

A [reference][r] link and <a href="/html/x">raw</a> HTML.

[r]: /target/

<div>
<a href="/html/block/">block</a>
</div>
"""


def file_line(text: str, line: int) -> str:
    return text.split("\n")[line - 1]


def test_links_found_with_file_lines_and_columns(config: Config) -> None:
    record = load_ok(config, "guides/links.md", LINKS_FILE)
    found = {(link.target, link.kind): link for link in record.links}
    assert set(found) == {
        ("/sources/sources/feminita/", "link"),
        ("/images/map.png", "image"),
        ("../kazfem/", "link"),
        ("/target/", "link"),
        ("/html/x", "html"),
        ("/html/block/", "html"),
    }
    expected_lines = {
        "/sources/sources/feminita/": 12,
        "/images/map.png": 12,
        "../kazfem/": 13,
        "/target/": 23,
        "/html/x": 23,
        "/html/block/": 28,
    }
    for link in record.links:
        assert link.line == expected_lines[link.target], link
    for target in ("/sources/sources/feminita/", "/images/map.png", "../kazfem/", "/html/x"):
        link = next(lk for lk in record.links if lk.target == target)
        assert file_line(LINKS_FILE, link.line)[link.column - 1 :].startswith(target), link
    assert found[("/sources/sources/feminita/", "link")].text == "Feminita"
    assert found[("/images/map.png", "image")].text == "map"


def test_heading_on_first_body_line_has_its_file_line(config: Config) -> None:
    record = load_ok(config, "guides/links.md", LINKS_FILE)
    assert [(h.text, h.line) for h in record.headings] == [("Links", 8)]


def test_no_links_from_code(config: Config) -> None:
    record = load_ok(config, "guides/links.md", LINKS_FILE)
    assert not [link for link in record.links if link.target.startswith("/code/")]


def test_scan_markdown_counts_from_first_line() -> None:
    body = "one\n\ntwo [a](/a/)\n"
    links, _, _, _ = scan_markdown(body, 10)
    assert [(link.target, link.line, link.column) for link in links] == [("/a/", 12, 9)]


def test_same_target_twice_on_a_line_gets_two_columns() -> None:
    line = "[a](/x/) and [b](/x/)"
    links, _, _, _ = scan_markdown(line + "\n")
    assert [link.column for link in links] == [5, 18]
    for link in links:
        assert line[link.column - 1 :].startswith("/x/")


def test_link_target_on_the_wrapped_line(config: Config) -> None:
    # Hard-wrapped prose often breaks inside the link text: the target is then
    # on the second line, and that is where the user must look.
    text = "---\ntitle: X\n---\nRead the [annual\nreport](/documents/report/) now.\n"
    record = load_ok(config, "guides/x.md", text)
    [link] = record.links
    assert link.target == "/documents/report/"
    assert file_line(text, link.line)[link.column - 1 :].startswith(link.target), link


# --- 21. headings ----------------------------------------------------------------------


def test_heading_ids_like_hugo(config: Config) -> None:
    text = (
        "---\ntitle: Guide\n---\n"
        "## Local non-governmental organizations (Local NGOs)\n\n"
        "## Жергілікті ақпарат\n\n"
        "## Title {#custom}\n\n"
        "## Sources\n\n"
        "### Sources\n\n"
        "## The *new* law\n"
    )
    record = load_ok(config, "guides/kazakhstan.md", text)
    assert [(h.level, h.text, h.id) for h in record.headings] == [
        (
            2,
            "Local non-governmental organizations (Local NGOs)",
            "local-non-governmental-organizations-local-ngos",
        ),
        (2, "Жергілікті ақпарат", "жергілікті-ақпарат"),
        (2, "Title", "custom"),
        (2, "Sources", "sources"),
        (3, "Sources", "sources-1"),
        (2, "The new law", "the-new-law"),
    ]
    assert [h.line for h in record.headings] == [4, 6, 8, 10, 12, 14]


def test_headings_in_code_are_not_headings() -> None:
    _, heads, _, _ = scan_markdown("```\n# not a heading\n```\n\n# Real\n")
    assert [h.text for h in heads] == ["Real"]


# --- 22. whole folder ----------------------------------------------------------------


def test_load_kb_mixed_folder(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    outside = tmp_path / "outside"
    write(outside, "secret.md", "---\ntitle: Secret\n---\n")
    write(outside, "folder/other.md", "---\ntitle: Other secret\n---\n")
    write(kb, "sources/sources/feminita.md", FEMINITA)
    write(kb, "guides/kazakhstan.md", "---\ntitle: Kazakhstan\n---\n")
    write(kb, "guides/kazakhstan.kk.md", "---\ntitle: Қазақстан\n---\n")
    write(kb, "sources/sources/empty.md", b"")
    write(kb, "sources/sources/broken.md", '---\ntitle: "unclosed\n---\n')
    write(kb, "sources/sources/latin1.md", b"---\ntitle: caf\xe9\n---\n")
    write(kb, ".git/info.md", "---\ntitle: Git\n---\n")
    write(kb, "sources/.hidden/x.md", "---\ntitle: Hidden\n---\n")
    write(kb, "sources/sources/notes.txt", "not markdown")
    os.symlink(outside / "secret.md", kb / "sources" / "sources" / "secret.md")
    os.symlink(outside / "folder", kb / "sources" / "linked")
    config = make_config(kb)

    records, skipped = load_kb(config)

    assert sorted(r.path for r in records) == [
        "guides/kazakhstan.kk.md",
        "guides/kazakhstan.md",
        "sources/sources/feminita.md",
    ]
    assert sorted(s.path for s in skipped) == [
        "sources/sources/broken.md",
        "sources/sources/empty.md",
        "sources/sources/latin1.md",
    ]
    titles = {r.title for r in records}
    assert not titles & {"Secret", "Other secret", "Git", "Hidden"}


def test_load_file_records_size_and_mtime(config: Config) -> None:
    path = write(config.content_dir, "sources/sources/feminita.md", FEMINITA)
    record = load_file(path, "sources/sources/feminita.md", config)
    assert isinstance(record, Record)
    assert record.size == len(FEMINITA.encode())
    assert record.mtime_ns == path.stat().st_mtime_ns


# --- 23. Windows line endings -------------------------------------------------------------


def test_crlf_loads_like_lf(config: Config) -> None:
    lf = load_ok(config, "guides/lf.md", LINKS_FILE)
    crlf = load_ok(config, "guides/crlf.md", LINKS_FILE.replace("\n", "\r\n").encode())
    assert crlf.title == lf.title == "Links"
    assert crlf.fields == lf.fields
    assert crlf.terms == lf.terms
    assert crlf.body == lf.body
    assert "\r" not in crlf.body
    assert crlf.links == lf.links
    assert crlf.headings == lf.headings


def test_build_record_is_pure(tmp_path: Path) -> None:
    # No file on disk: build_record works from text alone.
    config = make_config(tmp_path / "nowhere")
    record = build_record("guides/kazakhstan.kk.md", "---\ntitle: Қазақстан\n---\n", config)
    assert isinstance(record, Record)
    assert (record.url, record.lang, record.title) == ("/kk/guides/kazakhstan/", "kk", "Қазақстан")
