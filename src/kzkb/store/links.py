"""Queries of links, anchors, URLs and terms: what check-links asks.

Rows are named (LinkRow and the like); as tuples they still unpack by
position, in the column order below.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

_COLUMNS = "r.path, r.url, l.key, l.fragment, l.target, l.text, l.line, l.col, l.kind"
_FROM = "FROM links l JOIN records r ON r.id = l.record_id"


class LinkRow(NamedTuple):
    """One link, where it is and what it points at."""

    path: str  # the linking record's
    url: str  # the linking record's
    key: str | None  # what the target resolves by (see kzkb.hugo.links.link_key); None: external
    fragment: str
    target: str  # as written
    text: str
    line: int
    col: int
    kind: str


class MissingAnchor(NamedTuple):
    """A link whose #fragment its target record has no heading or id for."""

    path: str
    url: str
    key: str | None
    fragment: str
    target: str
    text: str
    line: int
    col: int
    kind: str
    target_id: int


class Website(NamedTuple):
    path: str
    url: str  # the page's
    website: str  # its front-matter `url`


class Unlinked(NamedTuple):
    id: int
    path: str
    url: str


class Links:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def link_count(self) -> int:
        return self.db.execute("SELECT coalesce(sum(links), 0) FROM link_keys").fetchone()[0]

    def unresolved_keys(self) -> list[str]:
        """Distinct keys of internal links that are no record's URL, alias or
        Markdown path: the candidates for a broken link (or a page Hugo makes
        by itself, or a file). Keys are looked up, not links: links share them."""
        rows = self.db.execute(
            "SELECT k.key FROM link_keys k"
            " WHERE NOT EXISTS (SELECT 1 FROM urls u WHERE u.url = k.key)"
            " AND NOT (k.key LIKE 'path:%'"
            "  AND EXISTS (SELECT 1 FROM records t WHERE t.path = substr(k.key, 6)))"
        )
        return [row[0] for row in rows]

    def links_with_keys(self, keys: Sequence[str]) -> list[LinkRow]:
        out: list[LinkRow] = []
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE l.key IN ({marks})", chunk)
            out += map(LinkRow._make, rows)
        return out

    def web_links(self) -> list[LinkRow]:
        """http(s) links, in file order."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} {_FROM}"
            " WHERE l.key IS NULL AND (l.target LIKE 'http://%' OR l.target LIKE 'https://%'"
            " OR l.target LIKE '//%') ORDER BY r.path, l.line, l.col"
        )
        return [LinkRow._make(row) for row in rows]

    def missing_anchors(self) -> list[MissingAnchor]:
        rows = self.db.execute(
            f"SELECT {_COLUMNS}, t.id FROM links l INDEXED BY links_with_fragment"
            " JOIN records r ON r.id = l.record_id"
            " JOIN records t ON t.id = coalesce("
            "  (SELECT u.record_id FROM urls u WHERE u.url = l.key LIMIT 1),"
            "  (SELECT p.id FROM records p"
            "   WHERE l.key LIKE 'path:%' AND p.path = substr(l.key, 6)))"
            " WHERE l.fragment <> ''"
            " AND NOT EXISTS (SELECT 1 FROM anchors a WHERE a.record_id = t.id"
            "  AND a.anchor = l.fragment)"
        )
        return [MissingAnchor._make(row) for row in rows]

    def anchors_of(self, record_id: int) -> list[str]:
        rows = self.db.execute("SELECT anchor FROM anchors WHERE record_id = ?", (record_id,))
        return [row[0] for row in rows]

    def has_anchor(self, record_id: int, anchor: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM anchors WHERE record_id = ? AND anchor = ?", (record_id, anchor)
        ).fetchone()
        return row is not None

    def websites(self) -> list[Website]:
        """Records whose front-matter `url` is an http(s) address: the
        organisation's site, which the portal links to."""
        field = "json_extract(d.data, '$.fields.url')"
        rows = self.db.execute(
            f"SELECT r.path, r.url, {field} FROM records r JOIN record_data d ON d.id = r.id"
            f" WHERE {field} LIKE 'http://%' OR {field} LIKE 'https://%' ORDER BY r.path"
        )
        return [Website._make(row) for row in rows]

    def unlinked(self, kind: str) -> list[Unlinked]:
        """Records of this kind no other record links to (by URL, alias or
        Markdown path; refs are the caller's to add)."""
        rows = self.db.execute(
            "SELECT r.id, r.path, r.url FROM records r WHERE r.kind = ?"
            " AND NOT EXISTS (SELECT 1 FROM urls u JOIN link_keys k ON k.key = u.url"
            "  WHERE u.record_id = r.id AND k.inbound > 0)"
            " AND NOT EXISTS (SELECT 1 FROM link_keys k WHERE k.key = 'path:' || r.path"
            "  AND k.inbound > 0)"
            " ORDER BY r.path",
            (kind,),
        )
        return [Unlinked._make(row) for row in rows]

    # --- URLs and paths ---------------------------------------------------------------------

    def existing(self, column: str, values: Sequence[str]) -> set[str]:
        """Which of these paths (column "path") or URLs ("url") the KB has."""
        table = {"path": "records", "url": "urls"}[column]
        found: set[str] = set()
        for i in range(0, len(values), 500):
            chunk = list(values[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE {column} IN ({marks})", chunk
            )
            found.update(row[0] for row in rows)
        return found

    def urls_under(self, folder: str) -> list[str]:
        """URLs and aliases that start with `folder` (which ends with "/")."""
        rows = self.db.execute(
            "SELECT DISTINCT url FROM urls WHERE url >= ? AND url < ?",
            (folder, folder + "\U0010ffff"),
        )
        return [row[0] for row in rows]

    def all_urls(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT url FROM urls")]

    # --- terms ------------------------------------------------------------------------------

    def term_langs(self, taxonomy: str, slug: str) -> list[str]:
        """Languages of the records that use a term, default order."""
        rows = self.db.execute(
            "SELECT DISTINCT lang FROM record_terms WHERE taxonomy = ? AND slug = ? ORDER BY lang",
            (taxonomy, slug),
        )
        return [row[0] for row in rows]

    def has_term(self, taxonomy: str, slug: str, lang: str) -> bool:
        """Whether a record in this language uses the term."""
        row = self.db.execute(
            "SELECT 1 FROM record_terms WHERE taxonomy = ? AND slug = ? AND lang = ? LIMIT 1",
            (taxonomy, slug, lang),
        ).fetchone()
        return row is not None

    def used_slugs(self, taxonomy: str) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT slug FROM record_terms WHERE taxonomy = ? ORDER BY slug", (taxonomy,)
        )
        return [row[0] for row in rows]
