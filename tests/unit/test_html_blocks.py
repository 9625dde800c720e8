"""Raw HTML blocks are read whole, as the browser reads the page Hugo builds.

pulldown-cmark reports an HTML block one line at a time; a tag whose
attributes run over several lines must still give its link, its id and its
position, and a comment over several lines must still hide what it holds.
"""

from __future__ import annotations

import json
from pathlib import Path

from kzkb.model import Link
from kzkb.parse.markdown import scan_markdown

DIV = '<div>\n<a class="x"\n   href="/missing/">the text</a>\n</div>\n'


def test_a_tag_over_several_lines_of_a_block_gives_its_link() -> None:
    links, _, _, _ = scan_markdown("Intro.\n\n" + DIV, 5)
    # the body starts on line 5: the block on 7, the href on 9, its value at column 10
    assert links == [Link("/missing/", "", 9, 10, "html")]


def test_a_block_in_a_blockquote_keeps_file_columns() -> None:
    body = '> <div>\n> <img alt="m"\n>      src="/files/map.png">\n> </div>\n'
    links, _, _, _ = scan_markdown(body, 1)
    assert links == [Link("/files/map.png", "", 3, 13, "image")]


def test_columns_of_a_block_count_characters() -> None:
    body = '<div title="Қазақ тілі">\n<a class="x"\n   title="Тіл" href="/nope/">x</a></div>\n'
    links, _, _, _ = scan_markdown(body, 1)
    assert links == [Link("/nope/", "", 3, 22, "html")]


def test_several_links_of_one_block_each_where_it_is() -> None:
    body = '<p>\n<a href="/a/">a</a> <a\nhref="/a/">again</a>\n<a href="/b/"\n>b</a></p>\n'
    links, _, _, _ = scan_markdown(body, 1)
    assert links == [
        Link("/a/", "", 2, 10, "html"),
        Link("/a/", "", 3, 7, "html"),
        Link("/b/", "", 4, 10, "html"),
    ]


def test_ids_of_a_tag_over_several_lines() -> None:
    _, _, _, ids = scan_markdown('<div class="box"\n     id="spread">\nx\n</div>\n', 1)
    assert ids == ["spread"]


def test_a_comment_over_several_lines_hides_its_links() -> None:
    body = '<!-- old menu\n<a href="/gone/">gone</a>\n-->\n\n<a href="/kept/">k</a>\n'
    links, _, _, ids = scan_markdown(body, 1)
    assert links == [Link("/kept/", "", 5, 10, "html")]
    assert ids == []


def test_check_links_reports_the_link_of_a_tag_over_several_lines(
    run, make_kb, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    page = "---\ntitle: Page\n---\n\nIntro.\n\n" + DIV
    root = make_kb({"notes/page.md": page})
    result = run(
        "check-links", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"), "-f", "json"
    )
    assert result.exit_code == 1, result.stdout + result.stderr
    findings = [f for f in json.loads(result.stdout)["findings"] if f["target"] == "/missing/"]
    assert [(f["file"], f["line"], f["column"], f["severity"]) for f in findings] == [
        ("kb/notes/page.md", 9, 10, "error")
    ]
