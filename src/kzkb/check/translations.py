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

    # (path, url, lang, translation paths, language, translation URL)
    wanted: list[tuple[str, str, str, list[str], str, str]] = []
    for path, url, lang in kb.index.records.of_kind("guide"):
        prefix = config.url_prefix(lang)
        own = url[len(prefix) :] if prefix and url.startswith(prefix + "/") else url
        for other in config.languages:
            if other == lang:
                continue
            paths = translation_paths(path, config, other)
            translated = normalize_url(config.url_prefix(other) + own)
            wanted.append((path, url, lang, paths, other, translated))
    # two queries for the whole KB rather than two a guide
    have_paths = kb.index.links.existing("path", [p for w in wanted for p in w[3]])
    have_urls = kb.index.links.existing("url", [w[5] for w in wanted])
    out = []
    for path, url, lang, paths, other, translated in wanted:
        if translated in have_urls or any(p in have_paths for p in paths):
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
