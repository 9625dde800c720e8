"""Where Hugo puts a content file: its language, its kind, its URL, its translations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kzkb.settings.config import Config
from kzkb.urls import expand_permalink, page_url, permalink_pattern


def locate(relpath: str, config: Config) -> tuple[list[str], str | None]:
    """(URL segments, lang) of a content path, per Hugo's multilingual rules:
    the language of the folder it is in (a language's contentDir), unless its
    name says another (a.kk.md); lang None when no language's folder holds
    it, which Hugo does not build."""
    lang, inner = config.split_path(relpath)
    parts = inner.split("/")
    parts[-1] = parts[-1].rsplit(".", 1)[0]
    stem, dot, suffix = parts[-1].rpartition(".")
    if dot and suffix in config.languages:
        parts[-1] = stem
        if lang is not None:
            lang = suffix
    return parts, lang


def translation_paths(relpath: str, config: Config, other: str) -> list[str]:
    """The content paths a record's translation into `other` may have: Hugo
    pairs translations by their path less the language (guides/a.md,
    guides/a.kk.md, kk/guides/a.md), whatever their URLs."""
    logical = "/".join(locate(relpath, config)[0])
    ext = relpath.rpartition(".")[2]
    dirs = config.language_dirs()
    paths = [_join(folder, f"{logical}.{other}.{ext}") for folder in dirs]
    paths += [_join(folder, f"{logical}.{ext}") for folder, code in dirs.items() if code == other]
    return paths


def new_translation_path(relpath: str, lang: str, other: str, config: Config) -> str:
    """Where the `other` translation of a record goes: in that language's
    folder when the record is in its own language's (kk/guides/a.md ->
    guides/a.md), else beside it with the language in its name (a.kk.md)."""
    home, inner = config.split_path(relpath)
    folders, _, name = inner.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if stem.endswith(f".{lang}"):
        stem = stem[: -len(lang) - 1]
    bare = _join(folders, f"{stem}{dot}{ext}")
    if len(inner) < len(relpath):  # the record lives in a language's own folder
        for folder, code in config.language_dirs().items():
            if code == other:
                return _join(folder, bare)
    beside = relpath[: len(relpath) - len(inner)] + folders
    new = f"{stem}{dot}{ext}" if home == other else f"{stem}.{other}{dot}{ext}"
    return _join(beside.strip("/"), new)


def _join(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder else path


def record_url(
    config: Config, segments: list[str], lang: str, fields: dict[str, Any], title: str
) -> str:
    """The URL Hugo serves a record at: front matter `url`, else the KB's
    permalink pattern for its section, else its path (with `slug`)."""
    slug = fields.get("slug") if isinstance(fields.get("slug"), str) else None
    url_field = fields.get("url") if isinstance(fields.get("url"), str) else None
    permalink = None
    if config.permalinks and url_field is None:
        section = segments[-1] == "_index"
        bundle = segments[-1] == "index" and len(segments) > 1
        folders = segments[:-2] if bundle else segments[:-1]
        pattern = permalink_pattern(
            config.permalinks.get("section" if section else "page", {}), folders
        )
        if pattern is not None:
            date = fields.get("date")
            permalink = expand_permalink(
                pattern,
                sections=folders,
                filename="" if section else segments[-2 if bundle else -1],
                title=title,
                slug=slug,
                date=date if isinstance(date, dt.date) else None,
            )
    return page_url(
        segments,
        lang=lang,
        default_lang=config.default_language,
        slug=slug,
        url=url_field,
        prefix=config.url_prefix(lang),
        permalink=permalink,
    )


def record_kind(fields: dict[str, Any], segments: list[str], config: Config) -> str:
    explicit = fields.get("kind")
    if isinstance(explicit, str) and explicit:
        return explicit
    if segments and segments[-1] == "_index":
        return "section"
    if len(segments) > 1:
        return config.kinds.get(segments[0], "page")
    return "page"
