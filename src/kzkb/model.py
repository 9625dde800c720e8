"""Plain data of a knowledge base: records, their links and headings, terms.

Nothing here reads files or prints; loaders build these, views show them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Link(NamedTuple):
    """A link found in a record's body (or raw HTML in it).

    Named tuples, not dataclasses: an export or a search reads back hundreds of
    thousands of them, and a tuple is made four times faster."""

    target: str
    text: str
    line: int  # 1-based line in the file, front matter included
    column: int  # 1-based column of the target in that line
    kind: str = "link"  # link | image | html | ref (Hugo's ref and relref shortcodes)


class Heading(NamedTuple):
    level: int
    text: str
    id: str  # the anchor Hugo gives it (or its explicit {#id})
    line: int


@dataclass(slots=True)
class Record:
    """One Markdown file of the KB, normalised.

    `fields` holds every front-matter key after normalisation; the attributes
    are the ones every command needs, derived once by the loader.
    """

    path: str  # POSIX path relative to the content root
    url: str  # the page URL Hugo would serve, e.g. /sources/sources/feminita/
    lang: str  # language of the record's own text (en, kk ...)
    kind: str  # guide | source | document | section | page
    title: str
    description: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    # taxonomy name (singular, e.g. "category") -> term slugs, in file order
    terms: dict[str, list[str]] = field(default_factory=dict)
    # the same terms as the file spells them, for display
    term_labels: dict[str, list[str]] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    body: str = ""
    body_line: int = 1  # line of the file where the body starts
    # the body as plain text: what search indexes and quotes. Records read back
    # from the index leave it empty (it would double what the index stores);
    # loader.plain_text() makes it again, as search does for its hits
    text: str = ""
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # ids given in raw HTML
    mtime_ns: int = 0
    size: int = 0

    @property
    def slug(self) -> str:
        """The last URL segment: what `kzkb show feminita` matches."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def website(self) -> str:
        """The organisation's own site: an absolute `url` in front matter."""
        value = self.fields.get("url")
        return value if isinstance(value, str) and "://" in value else ""

    @property
    def date(self) -> _dt.date | None:
        value = self.fields.get("date")
        return value if isinstance(value, _dt.date) else None

    @property
    def created(self) -> _dt.date | None:
        value = self.fields.get("created")
        return value if isinstance(value, _dt.date) else None


@dataclass(frozen=True, slots=True)
class Term:
    taxonomy: str
    slug: str
    label: str
    count: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file the loader could not use, and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class Tally:
    """errors and warnings of a report whose `findings` each have a severity
    ("error", "warning"): what lint and check-links both count and exit by."""

    __slots__ = ()
    findings: list[Any]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


class KzkbError(Exception):
    """An error the user can fix: one line naming the problem and the fix."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message
