"""What lint reports: the rules with their default severities, one finding,
and the report of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kzkb.model import Tally

ERROR, WARNING, OFF = "error", "warning", "off"


# rule id -> (default severity, what it finds)
RULES: dict[str, tuple[str, str]] = {
    "bom": (WARNING, "a byte-order mark before the front matter"),
    "escaped-front-matter": (ERROR, "front matter escaped by a Markdown converter"),
    "front-matter-syntax": (ERROR, "front matter that does not parse: not a record"),
    "unreadable": (
        ERROR,
        "a file no command reads as a record: too large, not a file, its name, no access,"
        " empty, in no language's folder",
    ),
    "duplicate-key": (ERROR, "a front-matter key written twice: YAML and JSON keep the last"),
    "curly-quotes": (WARNING, "curly quotes where YAML wants straight ones"),
    "field-type": (ERROR, "a field of the wrong shape (a list for one value, or the reverse)"),
    "invalid-date": (ERROR, "a date that is not YYYY-MM-DD"),
    "url-scheme": (ERROR, "a url field that is not an http(s) address"),
    "required-field": (ERROR, "a required field missing or empty"),
    "unknown-term": (ERROR, "a taxonomy term not in kzkb.toml's vocabulary"),
    "term-spelling": (WARNING, "one term spelled several ways across the KB"),
    "unknown-country": (WARNING, "a country taxonomy value that misspells a country's name"),
    "near-duplicate": (WARNING, "two records that look like the same organisation"),
    "empty-body": (WARNING, "a record with no text below its front matter"),
    "empty-description": (WARNING, "a record without a description"),
    "file-name": (WARNING, "a file name that is not a slug"),
}


# the rules whose errors say the file is not a record: every command skips
# it (the loader's verdict, kzkb.parse.record.read_front), and only these do
NOT_A_RECORD = frozenset({"front-matter-syntax", "unreadable"})

# the rules whose findings --fix repairs (when their outcome is certain)
FIXABLE = frozenset({"bom", "escaped-front-matter", "curly-quotes", "field-type", "term-spelling"})


@dataclass(frozen=True, slots=True)
class LintFinding:
    file: str  # the record's path in the KB
    line: int
    rule: str
    severity: str
    message: str
    fix: str
    fixable: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(slots=True)
class LintReport(Tally):
    files: int = 0
    findings: list[LintFinding] = field(default_factory=list)
    fixed: dict[str, list[str]] = field(default_factory=dict)  # path -> rules repaired
    repaired: int = 0  # findings --fix made go: the count it announced before

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "fixed": self.repaired,
        }
