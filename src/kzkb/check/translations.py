"""Guides without a translation into each of the site's other languages (warnings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzkb.check.report import WARNING, LinkFinding
from kzkb.hugo.paths import new_translation_path, translation_paths
from kzkb.urls import normalize_url

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase


def missing_translations(kb: KnowledgeBase) -> list[LinkFinding]:
    config = kb.config
    if len(config.languages) < 2:
        return []

    # (path, url, lang, language, translation URL)
    wanted: list[tuple[str, str, str, str, str]] = []
    prefixes = {lang: config.url_prefix(lang) for lang in config.languages}
    for path, url, lang in kb.index.records.of_kind("guide"):
        prefix = prefixes[lang] if lang in prefixes else config.url_prefix(lang)
        own = url[len(prefix) :] if prefix and url.startswith(prefix + "/") else url
        for other in config.languages:
            if other != lang:
                wanted.append((path, url, lang, other, normalize_url(prefixes[other] + own)))
    # two queries for the whole KB rather than two a guide; the paths a
    # translation may have are worked out only where its URL is not there
    have_urls = kb.index.links.existing("url", [w[4] for w in wanted])
    unsure = [(w, translation_paths(w[0], config, w[3])) for w in wanted if w[4] not in have_urls]
    have_paths = kb.index.links.existing("path", [p for _, paths in unsure for p in paths])
    out = []
    for (path, url, lang, other, _), paths in unsure:
        if any(p in have_paths for p in paths):
            continue
        out.append(
            LinkFinding(
                path,
                1,
                1,
                "",
                url,
                WARNING,
                f"guide has no {other!r} translation",
                f"add {new_translation_path(path, lang, other, config)}",
            )
        )
    return out
