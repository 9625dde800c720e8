"""What a check finds: findings, the report, the options, one URL's verdict.

UrlResult lives here rather than in external.py because client, guard,
cache and plan all make one, and external.py imports them: a verdict type
of its own keeps those arrows pointing one way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.model import Tally
from kzkb.store.links import LinkRow, MissingAnchor

OK, WARNING, ERROR = "ok", "warning", "error"


@dataclass(frozen=True, slots=True)
class LinkFinding:
    file: str  # the record's path in the KB
    line: int
    column: int
    text: str
    target: str
    severity: str  # error | warning
    reason: str
    suggestion: str = ""
    # why the target is gone, for JSON: {"history": {...}} or {"other_name": {...}}
    explained: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # the index's key of the link (kzkb.hugo.links.link_key), kept so that
    # explain need not work it out again; never shown
    key: str | None = field(default=None, compare=False, hash=False, repr=False)

    @classmethod
    def at(
        cls, row: LinkRow | MissingAnchor, severity: str, reason: str, suggestion: str = ""
    ) -> LinkFinding:
        """The finding for the link of `row`, placed where the link is written."""
        return cls(
            row.path, row.line, row.col, row.text, row.target, severity, reason, suggestion,
            key=row.key,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "text": self.text,
            "target": self.target,
            "severity": self.severity,
            "reason": self.reason,
            "suggestion": self.suggestion,
            **(self.explained or {}),
        }


@dataclass(slots=True)
class LinkReport(Tally):
    findings: list[LinkFinding] = field(default_factory=list)
    records: int = 0
    links: int = 0  # internal links checked
    external: int = 0  # distinct external URLs checked

    def summary(self) -> dict[str, int]:
        return {
            "records": self.records,
            "links": self.links,
            "external": self.external,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.file, f.line, f.column, f.target))


@dataclass(slots=True)
class CheckOptions:
    external: bool = False
    strict: bool = False  # unreachable hosts are errors, not warnings
    timeout: float = 10.0
    cache_ttl: float = 86400.0
    cache_path: Path | None = None
    exclude: list[str] = field(default_factory=list)  # regular expressions
    # where each exclude pattern is written, as errors name it:
    # "--exclude", "kzkb.toml:4: [check-links] exclude"
    exclude_where: list[str] = field(default_factory=list)
    allow_private: bool = False
    deadline: float = 0.0  # seconds for all external checks; 0: none


@dataclass(frozen=True, slots=True)
class UrlResult:
    """The verdict on one URL, as the caller passed it."""

    url: str
    severity: str  # ok | warning | error
    reason: str  # one line for people: "404 Not Found", "timed out after 2 s"
    status: int | None = None  # final HTTP status, if there was an answer
    redirect: str | None = None  # the new address after a 301/308 in the chain
    cached: bool = False
