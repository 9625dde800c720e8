"""Which records a move concerns, found in the index rather than by reading
every file: the records linking to a moved page or file (by the key the
index stores for each link, so relative, baseURL and Markdown-path links
are all found), the files that may hold a ref to one (refs name paths the
index cannot key without the other records), and who serves a URL."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kzkb.urls import normalize_url

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase

_CHUNK = 500  # keys asked at once: well below SQLite's limit of variables


def linking(kb: KnowledgeBase, keys: Iterable[str]) -> set[str]:
    """Paths of the records with a link whose key is one of `keys`."""
    wanted = sorted(set(keys))
    out: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        out |= {r.path for r in kb.index.records.linking_to(wanted[i : i + _CHUNK])}
    return out


def ref_holders(content: Path, paths: Iterable[str], moved: Iterable[str]) -> set[str]:
    """Paths of the records whose text has a ref or relref shortcode that may
    name a moved file: one mentioning its name (or its folder's, for an
    index or _index page), in any letter case."""
    needles: set[bytes] = set()
    for path in moved:
        name = posixpath.basename(path).split(".", 1)[0]
        if name in ("index", "_index"):
            name = posixpath.basename(posixpath.dirname(path))
        if name:
            needles.add(name.lower().encode("utf-8"))
    out: set[str] = set()
    for path in paths:
        try:
            data = (content / path).read_bytes()
        except OSError:
            continue
        if b"{{" not in data or b"ref" not in data:
            continue
        lowered = data.lower()
        if any(n in lowered for n in needles):
            out.add(path)
    return out


def holders(kb: KnowledgeBase, url: str, ignore: set[str]) -> list[str]:
    """Paths of the records (not in `ignore`) Hugo serves `url` for: as
    their page, or as an alias (published below the record's language's
    prefix: an alias /x/ of a kk page is /kk/x/)."""
    config = kb.config
    out = []
    for lang in config.languages:
        prefix = config.url_prefix(lang)
        if prefix and not url.startswith(prefix + "/"):
            continue
        alias = normalize_url(url[len(prefix) :]) if prefix else url
        for record in kb.index.records.by_url(alias):
            if record.path not in ignore and record.lang == lang and alias in record.aliases:
                out.append(record.path)
    for record in kb.index.records.by_url(url):
        if record.path not in ignore and record.url == url:
            out.append(record.path)
    return sorted(set(out))
