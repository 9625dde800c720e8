"""kzkb lint (findings, severities, formats, --fix), kzkb new and kzkb stats.

Every test builds a small KB in a tmp folder (make_kb) and runs the CLI
in-process from that folder, so a finding's file reads "kb/<path in the KB>".
Expected findings, repaired files (byte for byte), new records and counts are
written out by hand from README.md's promises; no kzkb code computes an
expected value. The bundled kb/ is only read (lint) or copied (new).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzkb.lint.findings import FIXABLE, RULES
from kzkb.lint.repair import fix
from kzkb.lint.run import lint
from kzkb.settings.config import load_config
from tests.conftest import KB

CONFIG = """\
languages = ["en", "kk"]

[taxonomies]
category = "category"
country = "countries"
tag = "tags"

[[terms.category]]
slug = "local-ngo"
label = "Local NGO"

[[terms.category]]
slug = "government"
label = "Government"
"""

S = "sources/sources/"  # where the sources live, as in kb/

FINDING_KEYS = {"file", "line", "rule", "severity", "message", "fix"}
SUMMARY_KEYS = {"files", "errors", "warnings", "fixed"}


def page(*front: str, body: str = "Body text.\n") -> str:
    """A record: front-matter lines between --- lines, a blank line, the body."""
    return "---\n" + "".join(line + "\n" for line in front) + "---\n\n" + body


Build = Callable[..., Path]


@pytest.fixture
def kb(make_kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Build:
    """kb(files, config=CONFIG): the KB at tmp/kb, the working directory tmp."""
    monkeypatch.chdir(tmp_path)

    def build(files: dict[str, str | bytes], config: str = CONFIG) -> Path:
        return make_kb(files, config)

    return build


def lint_json(run, root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run("lint", "--kb", str(root), "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout)


def found(data: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    return sorted((f["file"], f["line"], f["rule"], f["severity"]) for f in data["findings"])


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kzkb: error: ")
    return lines[0]


# --- 1. one file per defect ------------------------------------------------------------------

ESCAPED_DEFECT = r"""\-\--\
title: \"Esc\"
category: \[\"local-ngo\"\]
\-\--\

Body.
"""

DEFECTS: dict[str, str | bytes] = {
    # line numbers are those of the file as written (1 = the opening ---)
    S + "clean.md": page(
        'title: "Tidy record"',
        'description: "A record with nothing wrong."',
        'category: ["local-ngo"]',
    ),
    S + "bom.md": "\ufeff" + page('title: "Bom record"', 'description: "D."'),
    S + "escaped.md": ESCAPED_DEFECT,
    S + "broken.md": page('description: "D."', "title: Broken: yes"),
    S + "curly.md": page('title: "Curly"', "description: \u201cCurly quotes\u201d"),
    S + "title-list.md": page('title: ["Listed"]', 'description: "D."'),
    S + "date-list.md": page('title: "Dated list"', 'description: "D."', "date: [2020-01-02]"),
    S + "bad-date.md": page(
        'title: "Invalid date record"', 'description: "D."', "created: 2020-13-01"
    ),
    S + "no-scheme.md": page('title: "No scheme"', 'description: "D."', "url: feminita.kz"),
    S + "untitled.md": page('description: "D."'),
    S + "unknown-term.md": page(
        'title: "Unknown term"', 'description: "D."', 'category: ["locl-ngo"]'
    ),
    S + "spelled-upper.md": page('title: "Kazfem"', 'description: "D."', 'category: ["Local NGO"]'),
    S + "spelled-lower.md": page('title: "Nemolchi"', 'description: "D."', "category: [local ngo]"),
    S + "spelled-slug.md": page(
        'title: "Sana Sezim"', 'description: "D."', 'category: ["local-ngo"]'
    ),
    S + "site-one.md": page(
        'title: "Example office"', 'description: "D."', 'url: "https://www.example.org/kz/"'
    ),
    S + "site-two.md": page(
        'title: "Regional programme"', 'description: "D."', 'url: "http://example.org/kz"'
    ),
    S + "crisis-centre.md": page('title: "Almaty Crisis Centre"', 'description: "D."'),
    S + "crisis-center.md": page('title: "Almaty Crisis Center"', 'description: "D."'),
    S + "hollow.md": page('title: "Hollow"', 'description: "D."', body="\n"),
    S + "quiet.md": page('title: "Quiet"', 'description: ""'),
    S + "silent.md": page('title: "Silent"'),
    S + "Other Name.md": page('title: "Other Name"', 'description: "D."'),
}

K = "kb/" + S
EXPECTED = sorted(
    [
        (K + "bom.md", 1, "bom", "warning"),
        (K + "escaped.md", 1, "escaped-front-matter", "error"),
        (K + "broken.md", 3, "front-matter-syntax", "error"),
        (K + "curly.md", 3, "curly-quotes", "warning"),
        (K + "title-list.md", 2, "field-type", "error"),
        (K + "date-list.md", 4, "field-type", "error"),
        (K + "bad-date.md", 4, "invalid-date", "error"),
        (K + "no-scheme.md", 4, "url-scheme", "error"),
        (K + "untitled.md", 3, "required-field", "error"),
        (K + "unknown-term.md", 4, "unknown-term", "error"),
        (K + "spelled-upper.md", 4, "term-spelling", "warning"),
        (K + "spelled-lower.md", 4, "term-spelling", "warning"),
        (K + "site-one.md", 2, "near-duplicate", "warning"),
        (K + "crisis-center.md", 2, "near-duplicate", "warning"),
        (K + "hollow.md", 5, "empty-body", "warning"),
        (K + "quiet.md", 3, "empty-description", "warning"),
        (K + "silent.md", 3, "empty-description", "warning"),
        (K + "Other Name.md", 1, "file-name", "warning"),
    ]
)


def test_each_defect_is_found_where_it_is(run, kb):
    root = kb(DEFECTS)
    code, data = lint_json(run, root)
    assert code == 1
    assert found(data) == EXPECTED
    assert data["summary"] == {"files": len(DEFECTS), "errors": 8, "warnings": 10, "fixed": 0}


def test_findings_say_what_to_do(run, kb):
    root = kb(DEFECTS)
    _, data = lint_json(run, root)
    by = {(f["file"].removeprefix(K), f["rule"]): f for f in data["findings"]}
    assert by["unknown-term.md", "unknown-term"]["fix"] == "did you mean 'local-ngo'?"
    assert by["no-scheme.md", "url-scheme"]["message"] == (
        "url 'feminita.kz' is not an http(s) address"
    )
    assert by["no-scheme.md", "url-scheme"]["fix"] == "write url: https://feminita.kz"
    assert by["bad-date.md", "invalid-date"]["message"] == "created '2020-13-01' is not a date"
    assert by["title-list.md", "field-type"]["fix"] == 'write title: "Listed" (--fix)'
    assert by["untitled.md", "required-field"]["message"] == "title is missing"
    assert by["spelled-upper.md", "term-spelling"]["fix"] == "write 'local-ngo' everywhere (--fix)"
    assert by["spelled-lower.md", "term-spelling"]["fix"] == "write 'local-ngo' everywhere (--fix)"
    assert by["Other Name.md", "file-name"]["fix"].startswith("rename it 'other-name.md'")
    assert S + "site-two.md" in by["site-one.md", "near-duplicate"]["message"]
    assert "example.org/kz" in by["site-one.md", "near-duplicate"]["message"]
    assert S + "crisis-centre.md" in by["crisis-center.md", "near-duplicate"]["message"]
    assert "95%" in by["crisis-center.md", "near-duplicate"]["message"]


def test_a_dotted_file_name_is_no_translation_for_near_duplicates(run, kb):
    # "kz" is not a language of this KB: vlast.kz.md is a record of its own
    # (as the loader sees it), at the same site as vlast.md
    root = kb(
        {
            S + "vlast.kz.md": page(
                'title: "Vlast.kz"', 'description: "D."', 'url: "https://vlast.kz/"'
            ),
            S + "vlast.md": page('title: "Vlast"', 'description: "D."', 'url: "https://vlast.kz"'),
        }
    )
    _, data = lint_json(run, root)
    assert found(data) == [(K + "vlast.kz.md", 2, "near-duplicate", "warning")]


def test_a_clean_record_has_no_finding(run, kb):
    root = kb({S + "clean.md": DEFECTS[S + "clean.md"]})
    code, data = lint_json(run, root, "--strict")
    assert (code, data["findings"]) == (0, [])
    assert data["summary"] == {"files": 1, "errors": 0, "warnings": 0, "fixed": 0}


def test_bundled_kb_lints_clean_with_strict(run):
    result = run("lint", "--kb", str(KB), "--strict")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_invalid_date_breaks_neither_index_nor_list(run, kb, tmp_path):
    root = kb(DEFECTS)
    index = str(tmp_path / "index.sqlite")
    result = run("index", "--kb", str(root), "--index", index, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    result = run("list", "--kb", str(root), "--index", index, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    titles = {r["path"]: r["title"] for r in json.loads(result.stdout)}
    assert titles[S + "bad-date.md"] == "Invalid date record"


# --- 2. kzkb.toml [lint] -----------------------------------------------------------------------

QUIET = {S + "quiet.md": DEFECTS[S + "quiet.md"], S + "silent.md": DEFECTS[S + "silent.md"]}


def test_severity_off_removes_the_findings(run, kb):
    root = kb(QUIET, CONFIG + '\n[lint.severity]\nempty-description = "off"\n')
    code, data = lint_json(run, root, "--strict")
    assert (code, data["findings"]) == (0, [])


def test_severity_error_fails(run, kb):
    root = kb(QUIET, CONFIG + '\n[lint.severity]\nempty-description = "error"\n')
    code, data = lint_json(run, root)
    assert code == 1
    assert found(data) == [
        (K + "quiet.md", 3, "empty-description", "error"),
        (K + "silent.md", 3, "empty-description", "error"),
    ]


@pytest.mark.parametrize(
    "setting, named",
    [
        ('no-such-rule = "off"', "no-such-rule"),
        ('empty-description = "fatal"', "fatal"),
        ("empty-description = 1", "empty-description"),
    ],
)
def test_bad_severity_setting_is_a_one_line_error(run, kb, setting, named):
    root = kb(QUIET, CONFIG + f"\n[lint.severity]\n{setting}\n")
    line = one_line_error(run("lint", "--kb", str(root)))
    assert named in line
    assert "[lint.severity]" in line


def test_required_fields_from_config(run, kb):
    files = {
        S + "no-category.md": page('title: "No category"', 'description: "D."'),
        S + "empty-category.md": page(
            'title: "Empty category"', 'description: "D."', "category: []"
        ),
        S + "with-category.md": page(
            'title: "With category"', 'description: "D."', 'category: ["government"]'
        ),
    }
    root = kb(files, CONFIG + '\n[lint]\nrequired = ["title", "category"]\n')
    code, data = lint_json(run, root)
    assert code == 1
    assert found(data) == [
        (K + "empty-category.md", 4, "required-field", "error"),
        (K + "no-category.md", 4, "required-field", "error"),
    ]
    messages = {f["file"]: f["message"] for f in data["findings"]}
    assert messages[K + "no-category.md"] == "category is missing"
    assert messages[K + "empty-category.md"] == "category is empty"


def test_required_must_be_a_list(run, kb):
    root = kb(QUIET, CONFIG + '\n[lint]\nrequired = "title"\n')
    assert "required" in one_line_error(run("lint", "--kb", str(root)))


def test_custom_field_type_is_checked(run, kb):
    files = {
        S + "report.md": page('title: "Report"', 'description: "D."', 'source: "eurasia_lab"'),
        S + "other.md": page(
            'title: "Other"', 'description: "D."', 'source: "https://eurasialab.org/"'
        ),
    }
    root = kb(files, CONFIG + '\n[lint.types]\nsource = "url"\n')
    code, data = lint_json(run, root)
    assert code == 1
    assert found(data) == [(K + "report.md", 4, "url-scheme", "error")]
    [finding] = data["findings"]
    assert finding["message"] == "source 'eurasia_lab' is not an http(s) address"
    assert finding["fix"] == "give source the organisation's web address (https://…)"


def test_unknown_field_type_is_a_one_line_error(run, kb):
    root = kb(QUIET, CONFIG + '\n[lint.types]\nsource = "uri"\n')
    assert "[lint.types]" in one_line_error(run("lint", "--kb", str(root)))


TWINS = {
    S + "crisis-centre.md": DEFECTS[S + "crisis-centre.md"],
    S + "crisis-center.md": DEFECTS[S + "crisis-center.md"],
}  # titles 95% alike (token_sort_ratio of "almaty center crisis" and "almaty centre crisis")


@pytest.mark.parametrize(
    "threshold, duplicate",
    [(None, True), (50, True), (94, True), (96, False), (100, False)],
)
def test_duplicate_threshold(run, kb, threshold, duplicate):
    extra = "" if threshold is None else f"\n[lint]\nduplicate_threshold = {threshold}\n"
    root = kb(TWINS, CONFIG + extra)
    code, data = lint_json(run, root)
    expected = [(K + "crisis-center.md", 2, "near-duplicate", "warning")] if duplicate else []
    assert found(data) == expected
    assert code == 0


@pytest.mark.parametrize("value", ["0", "101", "-5", '"90"', "true", "90.5"])
def test_invalid_duplicate_threshold_is_a_one_line_error(run, kb, value):
    root = kb(TWINS, CONFIG + f"\n[lint]\nduplicate_threshold = {value}\n")
    assert "duplicate_threshold" in one_line_error(run("lint", "--kb", str(root)))


# --- 3. output formats and exit codes --------------------------------------------------------

TWO = {S + "no-scheme.md": DEFECTS[S + "no-scheme.md"], S + "quiet.md": DEFECTS[S + "quiet.md"]}


def test_json_schema(run, kb):
    root = kb(TWO)
    code, data = lint_json(run, root)
    assert code == 1
    assert set(data) == {"findings", "summary"}
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    assert set(data["summary"]) == SUMMARY_KEYS
    assert data["summary"] == {"files": 2, "errors": 1, "warnings": 1, "fixed": 0}
    assert data["findings"] == [
        {
            "file": K + "no-scheme.md",
            "line": 4,
            "rule": "url-scheme",
            "severity": "error",
            "message": "url 'feminita.kz' is not an http(s) address",
            "fix": "write url: https://feminita.kz",
        },
        {
            "file": K + "quiet.md",
            "line": 3,
            "rule": "empty-description",
            "severity": "warning",
            "message": "the record has no description",
            "fix": "add description: one or two sentences on what the source holds",
        },
    ]


def test_github_annotations(run, kb):
    root = kb(TWO)
    result = run("lint", "--kb", str(root), "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == (
        f"::error file={K}no-scheme.md,line=4,title=kzkb lint url-scheme::"
        "url 'feminita.kz' is not an http(s) address (write url: https://feminita.kz)\n"
        f"::warning file={K}quiet.md,line=3,title=kzkb lint empty-description::"
        "the record has no description"
        " (add description: one or two sentences on what the source holds)\n"
    )


def test_table_output(run, kb):
    root = kb(TWO)
    result = run("lint", "--kb", str(root))
    assert result.exit_code == 1
    for text in (K + "no-scheme.md", "url-scheme", K + "quiet.md", "empty-description"):
        assert text in result.stdout
    assert "1 error, 1 warning: 2 files checked." in result.stderr


def test_exit_codes_and_strict(run, kb):
    warnings_only = kb({S + "quiet.md": DEFECTS[S + "quiet.md"]})
    assert run("lint", "--kb", str(warnings_only)).exit_code == 0
    assert run("lint", "--kb", str(warnings_only), "--strict").exit_code == 1


def test_errors_exit_1(run, kb):
    root = kb({S + "no-scheme.md": DEFECTS[S + "no-scheme.md"]})
    assert run("lint", "--kb", str(root)).exit_code == 1


def test_dry_run_without_fix_is_a_usage_error(run, kb):
    root = kb(TWO)
    assert "--fix" in one_line_error(run("lint", "--kb", str(root), "--dry-run"))


def test_paths_narrow_the_report(run, kb):
    root = kb(TWO)
    code, data = lint_json(run, root, str(root / S / "quiet.md"))
    assert code == 0
    assert found(data) == [(K + "quiet.md", 3, "empty-description", "warning")]
    assert data["summary"]["files"] == 1


# --- 4. --fix, byte for byte -----------------------------------------------------------------

OTHER_SLUG = {
    S + "other.md": page('title: "Other"', 'description: "D."', 'category: ["local-ngo"]')
}

ESCAPED_BEFORE = r"""\-\--\
title: \"Esc\"
category: \[\"local-ngo\"\]
data\_type: \[\"Reports\"\]
description: \"Escaped record.\"
\-\--\

Body with \[brackets\] and a rule:

---

Қазақша мәтін \* here.
"""
ESCAPED_AFTER = r"""---
title: "Esc"
category: ["local-ngo"]
data_type: ["Reports"]
description: "Escaped record."
---

Body with \[brackets\] and a rule:

---

Қазақша мәтін \* here.
"""

CURLY_BEFORE = (
    "---\n"
    "title: \u201cCurly\u201d  # typed on a phone\n"
    "description: \u2018Single quoted\u2019\n"
    "tags: [\u201calpha\u201d, \u201cbeta\u201d]\n"
    "---\n"
    "\n"
    "Body \u201cquotes\u201d stay,   \n"
    "and so -- does \\[this\\].\n"
)
CURLY_AFTER = (
    "---\n"
    'title: "Curly"  # typed on a phone\n'
    'description: "Single quoted"\n'
    'tags: ["alpha", "beta"]\n'
    "---\n"
    "\n"
    "Body \u201cquotes\u201d stay,   \n"
    "and so -- does \\[this\\].\n"
)

TRICKY_BODY = 'Line with trailing spaces   \n---\nА ещё \\[не ссылка\\] и `title: ["X"]`\n\n'

FIXES = [
    pytest.param(
        {
            S + "bom.md": '\ufeff---\r\ntitle: "Bom record"\r\ndescription: "D."\r\n---\r\n'
            "\r\nBody with trailing spaces   \r\nЖаңа жол.\r\n"
        },
        S + "bom.md",
        '---\r\ntitle: "Bom record"\r\ndescription: "D."\r\n---\r\n'
        "\r\nBody with trailing spaces   \r\nЖаңа жол.\r\n",
        id="bom-crlf",
    ),
    pytest.param(
        {S + "escaped.md": ESCAPED_BEFORE},
        S + "escaped.md",
        ESCAPED_AFTER,
        id="escaped-front-matter",
    ),
    pytest.param({S + "curly.md": CURLY_BEFORE}, S + "curly.md", CURLY_AFTER, id="curly-quotes"),
    pytest.param(
        {
            S + "listed.md": page(
                'title: ["Listed"]  # note',
                'description: "D."',
                'category: ["government"]',
                body=TRICKY_BODY,
            )
        },
        S + "listed.md",
        page(
            'title: "Listed"  # note',
            'description: "D."',
            'category: ["government"]',
            body=TRICKY_BODY,
        ),
        id="title-flow-list",
    ),
    pytest.param(
        {S + "block.md": page("title:", "  - Block title", 'description: "D."', body=TRICKY_BODY)},
        S + "block.md",
        page("title: Block title", 'description: "D."', body=TRICKY_BODY),
        id="title-block-list",
    ),
    pytest.param(
        {S + "dated.md": page('title: "Dated"', "date: [2020-01-02]", 'description: "D."')},
        S + "dated.md",
        page('title: "Dated"', "date: 2020-01-02", 'description: "D."'),
        id="date-list",
    ),
    pytest.param(
        {
            S + "crlf.md": '---\r\ntitle: ["Crlf"]\r\ndescription: "D."\r\n---\r\n\r\n'
            "Тело   \r\n---\r\n\\[x\\]\r\n"
        },
        S + "crlf.md",
        '---\r\ntitle: "Crlf"\r\ndescription: "D."\r\n---\r\n\r\nТело   \r\n---\r\n\\[x\\]\r\n',
        id="title-list-crlf",
    ),
    pytest.param(
        {
            S + "target.md": page(
                'title: "Target"', "category: Local NGO  # as typed", 'description: "D."'
            ),
            **OTHER_SLUG,
        },
        S + "target.md",
        page('title: "Target"', 'category: ["local-ngo"]  # as typed', 'description: "D."'),
        id="category-one-value-to-vocabulary-slug",
    ),
    pytest.param(
        {
            S + "target.md": page(
                'title: "Target"', 'category: ["local ngo", "government"]', 'description: "D."'
            ),
            **OTHER_SLUG,
        },
        S + "target.md",
        page('title: "Target"', 'category: ["local-ngo", "government"]', 'description: "D."'),
        id="term-spelling-to-vocabulary-slug",
    ),
    pytest.param(
        {
            S + "target.md": page(
                'title: "Target"', "category:", "  - Local NGO", 'description: "D."'
            ),
            **OTHER_SLUG,
        },
        S + "target.md",
        page('title: "Target"', "category:", '  - "local-ngo"', 'description: "D."'),
        id="term-spelling-block-list",
    ),
    pytest.param(
        {
            S + "target.md": page('title: "Target"', "category: [local ngo]"),
            S + "a.md": page('title: "A one"', "category: [Local NGO]"),
            S + "b.md": page('title: "B two"', 'category: ["Local NGO"]'),
        },
        S + "target.md",
        page('title: "Target"', 'category: ["Local NGO"]'),
        id="term-spelling-to-commonest",
    ),
    pytest.param(
        {S + "target.md": page('title: "Target"', "category: Local NGO")},
        S + "target.md",
        page('title: "Target"', "category: [Local NGO]"),
        id="category-one-value-alone",
    ),
]


@pytest.mark.parametrize("files, rel, expected", FIXES)
def test_fix_byte_exact(run, kb, files, rel, expected):
    root = kb(files)
    others = {p: (root / p).read_bytes() for p in files if p != rel}
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code in (0, 1), result.stderr
    assert (root / rel).read_bytes() == expected.encode("utf-8")
    # a second --fix has nothing to do
    again = run("lint", "--kb", str(root), "--fix", "--dry-run")
    assert (again.exit_code, again.stdout) == (0, "")
    # the files spelled as wanted are not touched
    for path, data in others.items():
        assert (root / path).read_bytes() == data, path


def test_fix_then_lint_is_clean(run, kb):
    root = kb({rel: text for param in FIXES[:7] for rel, text in param.values[0].items()})
    result = run("lint", "--kb", str(root), "--fix", "--format", "json")
    data = json.loads(result.stdout)
    assert [f for f in data["findings"] if f["rule"] in FIXABLE] == []


def test_fix_reports_what_it_fixed_in_the_summary(run, kb):
    # README/brief: summary {"files", "errors", "warnings", "fixed"}; after --fix,
    # "fixed" counts the repairs made
    root = kb(
        {
            S + "bom.md": DEFECTS[S + "bom.md"],
            S + "listed.md": page('title: ["L"]', 'description: "D."'),
        }
    )
    code, data = lint_json(run, root, "--fix")
    assert (code, data["findings"]) == (0, [])
    assert data["summary"] == {"files": 2, "errors": 0, "warnings": 0, "fixed": 2}


def test_fix_keeps_mixed_line_endings_of_the_body(run, kb):
    # "--fix edits front-matter lines only: the body stays as it is"
    before = '\ufeff---\r\ntitle: "Mixed"\r\ndescription: "D."\r\n---\r\n\r\nlf line\ncrlf line\r\n'
    root = kb({S + "mixed.md": before.encode("utf-8")})
    run("lint", "--kb", str(root), "--fix")
    assert (root / S / "mixed.md").read_bytes() == before.removeprefix("\ufeff").encode("utf-8")


def test_fix_does_not_touch_a_clean_file_with_mixed_line_endings(run, kb):
    text = page('title: "Mixed"', 'description: "D."', body="crlf line\r\nlf line\n")
    root = kb({S + "mixed.md": text.encode("utf-8")})
    result = run("lint", "--kb", str(root), "--fix", "--dry-run")
    assert (result.exit_code, result.stdout) == (0, "")
    run("lint", "--kb", str(root), "--fix")
    assert (root / S / "mixed.md").read_bytes() == text.encode("utf-8")


def test_fix_keeps_the_comment_of_a_block_list_key(run, kb):
    # "every comment stays as it is"
    root = kb(
        {
            S + "block.md": page(
                "title:  # the official name", "  - Block title", 'description: "D."'
            )
        }
    )
    run("lint", "--kb", str(root), "--fix")
    text = (root / S / "block.md").read_text(encoding="utf-8")
    assert "# the official name" in text
    assert yaml.safe_load(text.split("---\n")[1])["title"] == "Block title"


def test_fix_respells_the_term_not_the_comment(run, kb):
    files = {
        S + "target.md": page(
            'title: "Target"', 'category: ["Local NGO"]  # "Local NGO" until 2023'
        ),
        **OTHER_SLUG,
    }
    root = kb(files)
    run("lint", "--kb", str(root), "--fix")
    assert (root / S / "target.md").read_text(encoding="utf-8") == page(
        'title: "Target"', 'category: ["local-ngo"]  # "Local NGO" until 2023'
    )


def test_fixing_curly_quotes_keeps_backslashes_and_valid_yaml(run, kb):
    # a repair is made "only when its outcome is certain": straightening the
    # quotes of a value holding backslashes must not make the YAML invalid
    root = kb(
        {
            S + "win.md": page(
                'title: "Paths"', "description: \u201cFiles in C:\\Users\\Public\u201d"
            )
        }
    )
    run("lint", "--kb", str(root), "--fix")
    _, data = lint_json(run, root)
    assert [f for f in data["findings"] if f["rule"] == "front-matter-syntax"] == []
    text = (root / S / "win.md").read_text(encoding="utf-8")
    assert yaml.safe_load(text.split("---\n")[1])["description"] == "Files in C:\\Users\\Public"


def test_fix_with_paths_writes_only_those_files(run, kb):
    # README: "Paths narrow the report to files or folders"
    files = {S + "a.md": DEFECTS[S + "bom.md"], S + "b.md": DEFECTS[S + "bom.md"]}
    root = kb(files)
    result = run("lint", "--kb", str(root), "--fix", str(root / S / "a.md"))
    assert result.exit_code == 0, result.stderr
    assert not (root / S / "a.md").read_bytes().startswith("\ufeff".encode())
    assert (root / S / "b.md").read_bytes() == DEFECTS[S + "bom.md"].encode("utf-8")


def test_fix_repairs_a_linked_record_under_its_own_name_only(run, kb):
    # nothing is written through a symbolic link: the link stays a link, and
    # the record it points to is repaired where it is
    root = kb({S + "a.md": DEFECTS[S + "bom.md"]})
    (root / S / "alias.md").symlink_to("a.md")
    result = run("lint", "--kb", str(root), "--fix")
    assert "Traceback" not in result.stderr
    assert result.exit_code == 0, result.stderr
    assert (root / S / "alias.md").is_symlink()
    assert os.readlink(root / S / "alias.md") == "a.md"
    assert not (root / S / "a.md").read_bytes().startswith("\ufeff".encode())


def test_multiline_flow_list_marked_fixable_is_fixed(run, kb):
    # a finding that says "(--fix)" is repaired by --fix
    root = kb({S + "flow.md": page("title: [", '  "Flow title"', "]", 'description: "D."')})
    _, data = lint_json(run, root)
    [finding] = data["findings"]
    assert finding["rule"] == "field-type"
    if finding["fix"].endswith("(--fix)"):
        run("lint", "--kb", str(root), "--fix")
        _, data = lint_json(run, root)
        assert data["findings"] == []


# --- 5. idempotence and --dry-run ------------------------------------------------------------


def test_fix_is_idempotent(run, kb):
    files = {rel: text for param in FIXES for rel, text in param.values[0].items()}
    files[S + "target.md"] = page('title: "Target"', "category: Local NGO")
    root = kb(files)
    run("lint", "--kb", str(root), "--fix")
    first = {p: (root / p).read_bytes() for p in files}
    dry = run("lint", "--kb", str(root), "--fix", "--dry-run")
    assert (dry.exit_code, dry.stdout) == (0, "")
    run("lint", "--kb", str(root), "--fix")
    assert {p: (root / p).read_bytes() for p in files} == first


def test_dry_run_writes_nothing_and_prints_a_diff(run, kb):
    files = {
        S + "bom.md": DEFECTS[S + "bom.md"],
        S + "listed.md": page('title: ["Listed"]  # note', 'description: "D."'),
    }
    root = kb(files)
    before = {p: ((root / p).read_bytes(), (root / p).stat().st_mtime_ns) for p in files}
    result = run("lint", "--kb", str(root), "--fix", "--dry-run")
    assert result.exit_code == 1
    assert {p: ((root / p).read_bytes(), (root / p).stat().st_mtime_ns) for p in files} == before
    out = result.stdout.splitlines()
    for name in ("bom.md", "listed.md"):
        assert f"--- a/{K}{name}" in out
        assert f"+++ b/{K}{name}" in out
    assert "-\ufeff---" in out
    assert '-title: ["Listed"]  # note' in out
    assert '+title: "Listed"  # note' in out
    assert not any(line.startswith(("-description", "+description")) for line in out)


# --- 6. what --fix cannot know is left alone -------------------------------------------------


def test_unfixable_defects_are_left_alone(run, kb):
    files = {
        S + "bad-date.md": DEFECTS[S + "bad-date.md"],
        S + "no-scheme.md": DEFECTS[S + "no-scheme.md"],
        S + "unknown-term.md": DEFECTS[S + "unknown-term.md"],
        S + "two-titles.md": page('title: ["A record", "Another"]', 'description: "D."'),
    }
    root = kb(files)
    dry = run("lint", "--kb", str(root), "--fix", "--dry-run")
    assert (dry.exit_code, dry.stdout) == (0, "")
    code, data = lint_json(run, root, "--fix")
    assert code == 1
    for rel, text in files.items():
        assert (root / rel).read_text(encoding="utf-8") == text, rel
    assert found(data) == [
        (K + "bad-date.md", 4, "invalid-date", "error"),
        (K + "no-scheme.md", 4, "url-scheme", "error"),
        (K + "two-titles.md", 2, "field-type", "error"),
        (K + "unknown-term.md", 4, "unknown-term", "error"),
    ]
    two = next(f for f in data["findings"] if f["file"].endswith("two-titles.md"))
    assert "(--fix)" not in two["fix"]


# --- 7. no text makes lint or --fix fail -----------------------------------------------------

FRAGMENTS = [
    "---\n",
    "---",
    "...\n",
    "title: ",
    "description: ",
    "category: ",
    "tags: ",
    "date: ",
    "url: ",
    "created: ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "\u201c",
    "\u201d",
    "\u2018",
    "\u2019",
    "\u201e",
    '"',
    "'",
    "\\",
    "\\-\\--\\\n",
    "\\[",
    '\\"',
    "\ufeff",
    "\r\n",
    "\n",
    "\r",
    ": ",
    "- ",
    "  - ",
    "#",
    " # note",
    "Local NGO",
    "local ngo",
    "local-ngo",
    "2020-13-01",
    "2020-01-02",
    "feminita.kz",
    "|\n",
    ">\n",
    "  ",
    "Қазақ",
    "\u2028",
    "\x85",
]

TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=30).map(
    "".join
)

PROBE = S + "probe.md"
NEIGHBOUR = S + "neighbour.md"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_lint_and_fix_never_fail_and_fix_is_idempotent(text):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "kzkb.toml").write_text(CONFIG, encoding="utf-8")
        (root / S).mkdir(parents=True)
        (root / NEIGHBOUR).write_text(page('title: "N"', "category: [Local NGO]"), "utf-8")
        (root / PROBE).write_bytes(text.encode("utf-8"))
        config = load_config(root)
        paths = [NEIGHBOUR, PROBE]
        report = lint(config, paths)
        assert all(f.rule in RULES for f in report.findings)
        assert all(f.line >= 1 for f in report.findings)
        changes = fix(config, paths, write=True)
        if PROBE in changes:
            assert (root / PROBE).read_bytes() == changes[PROBE][1].encode("utf-8")
        else:
            assert (root / PROBE).read_bytes() == text.encode("utf-8")
        assert fix(config, paths, write=False) == {}
        lint(config, paths)


def test_fix_survives_line_breaks_yaml_sees_and_lines_do_not(run, kb):
    # U+2028 (pasted from a web page) is a line break to YAML, not to a text
    # editor's lines: fields after it must not send --fix past the file's end
    text = (
        '---\ndescription: "a\u2028b\u2028c\u2028d\u2028e\u2028f"\n'
        'title: ["Pasted"]\n---\n\nBody.\n'
    )
    root = kb({S + "pasted.md": text})
    _, data = lint_json(run, root)
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code in (0, 1), result.stderr
    assert "internal error" not in result.stderr
    # and the finding is at the title's line, as the file's lines count
    assert found(data) == [(K + "pasted.md", 3, "field-type", "error")]


def test_fix_survives_a_lone_carriage_return(run, kb):
    root = kb({S + "cr.md": b'---\na: 1\rb: 2\rc: 3\rd: 4\rtitle: ["X"]\n---'})
    lint_json(run, root)
    result = run("lint", "--kb", str(root), "--fix")
    assert result.exit_code in (0, 1), result.stderr
    assert "internal error" not in result.stderr


# --- 8. kzkb new -----------------------------------------------------------------------------


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A copy of kb/ at tmp/kb (never the real one), and an index of its own."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "kb"
    shutil.copytree(KB, root)
    return root, str(tmp_path / "index.sqlite")


def new(run, root: Path, index: str, *args: str) -> Any:
    return run("new", *args, "--kb", str(root), "--index", index)


def findings_of(run, root: Path, rel: str) -> list[tuple[int, str, str]]:
    _, data = lint_json(run, root)
    return sorted(
        (f["line"], f["rule"], f["severity"]) for f in data["findings"] if f["file"] == "kb/" + rel
    )


def test_new_source_is_written_where_sources_live(run, bundled):
    root, index = bundled
    assert run("index", "--kb", str(root), "--index", index).exit_code == 0  # a warm index
    result = new(
        run,
        root,
        index,
        "--title",
        "Steppe Rights Watch",
        "--category",
        "Local NGO",
        "--country",
        "Kazakhstan",
        "--url",
        "https://steppe.example.org/",
    )
    assert result.exit_code == 0, result.stderr
    rel = S + "steppe_rights_watch.md"
    target = root / rel
    assert Path(result.stdout.strip()).resolve() == target.resolve()
    assert f"created {rel}" in result.stderr
    today = dt.date.today().isoformat()
    text = target.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    assert front + "\n---\n" == (
        "---\n"
        'title: "Steppe Rights Watch"\n'
        'description: ""\n'
        'category: ["local-ngo"]\n'
        'countries: ["Kazakhstan"]\n'
        'url: "https://steppe.example.org/"\n'
        f"created: {today}\n"
        f"date: {today}\n"
        "---\n"
    )
    assert body == "\nWrite here what the source is, who runs it and why researchers cite it.\n"
    # lints clean but for the description it was not given; the KB stays clean
    _, data = lint_json(run, root)
    assert found(data) == [("kb/" + rel, 3, "empty-description", "warning")]
    # found at once
    shown = run("show", "steppe_rights_watch", "--kb", str(root), "--index", index, "-f", "json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["path"] == rel
    hits = run("search", "Steppe Rights Watch", "--kb", str(root), "--index", index, "-f", "json")
    assert hits.exit_code == 0, hits.stderr
    assert json.loads(hits.stdout)[0]["path"] == rel


def test_new_with_description_lints_clean(run, bundled):
    root, index = bundled
    result = new(
        run,
        root,
        index,
        "--title",
        "Steppe Rights Watch",
        "--description",
        "Monitors rights in the steppe.",
        "--category",
        "local-ngo",
    )
    assert result.exit_code == 0, result.stderr
    assert run("lint", "--kb", str(root), "--strict").exit_code == 0


def test_new_unknown_category_suggests_the_nearest(run, bundled):
    root, index = bundled
    before = sorted(p.name for p in (root / S).iterdir())
    line = one_line_error(new(run, root, index, "--title", "X y z", "--category", "locl-ngo"))
    assert "did you mean 'local-ngo'?" in line
    assert sorted(p.name for p in (root / S).iterdir()) == before


def test_new_never_overwrites(run, bundled):
    root, index = bundled
    target = root / S / "feminita.md"
    data = target.read_bytes()
    one_line_error(new(run, root, index, "--title", "Feminita", "--description", "Other."))
    assert target.read_bytes() == data


def test_new_translation_gets_the_language_suffix(run, bundled):
    root, index = bundled
    result = new(
        run,
        root,
        index,
        "--title",
        "Steppe Rights Watch",
        "--lang",
        "kk",
        "--description",
        "Дала құқықтары.",
    )
    assert result.exit_code == 0, result.stderr
    target = root / S / "steppe_rights_watch.kk.md"
    assert Path(result.stdout.strip()).resolve() == target.resolve()
    assert not (root / S / "steppe_rights_watch.md").exists()


def test_new_guide_goes_to_the_guides_folder(run, bundled):
    root, index = bundled
    result = new(
        run,
        root,
        index,
        "--kind",
        "guide",
        "--title",
        "Health Guide",
        "--description",
        "Where to find health data.",
    )
    assert result.exit_code == 0, result.stderr
    target = root / "guides" / "health-guide.md"  # its neighbours: kazakhstan.md, media.md
    assert Path(result.stdout.strip()).resolve() == target.resolve()
    assert findings_of(run, root, "guides/health-guide.md") == []


def test_new_readme_example_kazakh_guide_lints_clean(run, bundled):
    # README: kzkb new --kind guide --title "Денсаулық" --lang kk
    root, index = bundled
    result = new(
        run,
        root,
        index,
        "--kind",
        "guide",
        "--title",
        "Денсаулық",
        "--lang",
        "kk",
        "--description",
        "Денсаулық туралы нұсқаулық.",
    )
    assert result.exit_code == 0, result.stderr
    created = Path(result.stdout.strip()).resolve()
    assert created.parent == (root / "guides").resolve()
    assert created.name.endswith(".kk.md")
    rel = "guides/" + created.name
    assert findings_of(run, root, rel) == []


def test_new_without_title_and_no_terminal_is_a_usage_error(run, bundled):
    root, index = bundled
    before = sorted(p.name for p in (root / S).iterdir())
    line = one_line_error(new(run, root, index, "--category", "local-ngo"))
    assert "title" in line
    assert sorted(p.name for p in (root / S).iterdir()) == before


# --- 9. kzkb stats ---------------------------------------------------------------------------

STATS_KB = {
    "sources/a.md": page(
        'title: "Alpha"',
        'category: ["local-ngo"]',
        'countries: ["Kazakhstan"]',
        'tags: ["gender"]',
        "created: 2021-03-04",
    ),
    "sources/b.md": page(
        'title: "Beta"',
        'category: ["Local NGO"]',
        'countries: ["Kazakhstan", "Uzbekistan"]',
        "created: 2022-01-01",
    ),
    "sources/c.md": page(
        'title: "Gamma"',
        'category: ["government"]',
        'tags: ["gender", "law"]',
        "created: 2022-06-30",
    ),
    "guides/g.md": page('title: "Guide"', 'countries: ["Kazakhstan"]'),
    "guides/g.kk.md": page(
        'title: "Нұсқаулық"', 'countries: ["Kazakhstan"]', "created: 2020-13-01"
    ),
}


def test_stats_json_counts(run, kb, tmp_path):
    root = kb(STATS_KB)
    index = str(tmp_path / "index.sqlite")
    result = run("stats", "--kb", str(root), "--index", index, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "records": 5,
        "taxonomies": {
            "category": {"Local NGO": 2, "Government": 1},
            "countries": {"Kazakhstan": 4, "Uzbekistan": 1},
            "tags": {"gender": 2, "law": 1},
        },
        "kind": {"source": 3, "guide": 2},
        "lang": {"en": 4, "kk": 1},
        "created": {"2021": 1, "2022": 2},
        "created_unknown": 2,
    }


def test_stats_table_has_every_chart(run, kb, tmp_path):
    root = kb(STATS_KB)
    result = run(
        "stats", "--kb", str(root), "--index", str(tmp_path / "index.sqlite"), "-f", "table"
    )
    assert result.exit_code == 0, result.stderr
    for text in (
        "5 records",
        "category",
        "countries",
        "tags",
        "kind",
        "lang",
        "added per year (created)",
        "Local NGO",
        "Uzbekistan",
        "█",
    ):
        assert text in result.stdout, text


def test_toml_and_json_front_matter_are_checked_as_the_index_reads_them(run, kb):
    """Hugo reads +++ TOML and { JSON } front matter too: valid ones are not
    "no front matter"; broken ones are a syntax error at their line; a
    missing required field is still one."""
    root = kb(
        {
            f"{S}toml.md": "+++\ntitle = 'KazFem'\ndescription = 'd'\n+++\n\nBody.\n",
            f"{S}json.md": '{\n"title": "Feminita",\n"description": "d"\n}\n\nBody.\n',
            f"{S}untitled.md": "+++\ndescription = 'd'\n+++\n\nBody.\n",
            f"{S}broken.md": "+++\ntitle = 'x'\ndate = \n+++\n\nBody.\n",
        }
    )
    _, data = lint_json(run, root)
    got = {(f["file"].split("/")[-1], f["line"], f["rule"]) for f in data["findings"]}
    assert got == {("untitled.md", 1, "required-field"), ("broken.md", 3, "front-matter-syntax")}
