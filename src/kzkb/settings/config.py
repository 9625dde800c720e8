"""The settings of a KB, read once into a Config.

A KB is a folder of Markdown records. Its settings come from, in order of
precedence: kzkb.toml in the folder, else a [tool.kzkb] table in its
pyproject.toml; and beneath either, the folder's Hugo site configuration
(hugo.toml, config.toml, their YAML and JSON forms, or config/_default/),
from which kzkb takes what Hugo itself uses to build the site: contentDir,
the languages with their own contentDir, the default language and whether it
lives in a subfolder, the taxonomies and the permalinks. So a Hugo or Docsy
site is read as it is, and kzkb.toml adds only what Hugo has no word for
(the vocabulary, kinds, and the typed sections: index, lint, check-links).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.digest import blake2b
from kzkb.model import KzkbError
from kzkb.settings.find import find_kb
from kzkb.settings.formats import locate
from kzkb.settings.hugo import hugo_settings, hugo_site, read_hugo_config
from kzkb.settings.own import check_keys, read_own
from kzkb.settings.sections import (
    DEFAULT_MAX_FILE_SIZE,
    CheckLinksSettings,
    IndexSettings,
    LintSettings,
    PublishSettings,
    WatchSettings,
    check_links_settings,
    index_settings,
    lint_settings,
    publish_settings,
    want,
)
from kzkb.settings.terms import TermDef, concepts, name_key, singular_of, vocabulary
from kzkb.urls import normalize_url, urlize

DEFAULT_TAXONOMIES = {"category": "category", "country": "countries", "tag": "tags"}
DEFAULT_KINDS = {"guides": "guide", "sources": "source", "documents": "document"}
PERMALINK_KINDS = ("page", "section", "taxonomy", "term")


@dataclass(slots=True)
class Config:
    root: Path  # the KB folder (where kzkb.toml or the Hugo configuration is)
    content_dir: Path  # where the records are: the folder every command scans
    title: str = ""
    # Hugo's baseURL ("https://example.org/"; "" when none is set), and a
    # language's own where Hugo serves it from another host (multihost)
    base_url: str = ""
    base_urls: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: ["en"])
    # singular taxonomy name -> front-matter field (Hugo: category = "category")
    taxonomies: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TAXONOMIES))
    kinds: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    vocabulary: dict[str, dict[str, TermDef]] = field(default_factory=dict)
    # [[concept]]: {"id": ..., language code: [labels]}, added to search's thesaurus
    concepts: list[dict[str, Any]] = field(default_factory=list)
    config_file: Path | None = None
    # folder below content_dir -> the language of the records in it; "" is
    # every other folder. None: kzkb's own rule, a folder named after each
    # language but the first (kk/guides/a.md), the rest in the first language
    lang_dirs: dict[str, str] | None = None
    default_in_subdir: bool = False  # Hugo's defaultContentLanguageInSubdir
    # content_dir's path below the site's content folder when the KB named is
    # a folder inside a site's content ("en/sources"), "" for the whole site:
    # the site's settings hold, and only the records under it are the KB's
    scope: str = ""
    # Hugo's permalinks by kind (page, section, taxonomy, term): section -> pattern
    permalinks: dict[str, dict[str, str]] = field(default_factory=dict)
    index: IndexSettings = field(default_factory=IndexSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    lint: LintSettings = field(default_factory=LintSettings)
    check_links: CheckLinksSettings = field(default_factory=CheckLinksSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)  # licence, description

    def base_url_for(self, lang: str) -> str:
        """The address `lang`'s pages are served under: its own baseURL, else
        the site's; "" when the settings name none."""
        return self.base_urls.get(lang) or self.base_url

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def taxonomy_for(self, name: str) -> str | None:
        """The taxonomy (its key in [taxonomies]) `name` means: any of its
        names (taxonomy_names), in any case, - and _ alike."""
        if name in self.taxonomies:
            return name
        wanted = name_key(name)
        for key, names in self.taxonomy_names().items():
            if wanted in (name_key(n) for n in names):
                return key
        return None

    def taxonomy_names(self) -> dict[str, list[str]]:
        """Each taxonomy's key -> the names a user may call it by, the
        singular first: its key and its front-matter field (Hugo's singular
        and plural), and the singular of either when the site gives none
        (`countries = "countries"` is also `country`). A derived name another
        taxonomy has is that one's alone."""
        given = {name_key(n) for pair in self.taxonomies.items() for n in pair}
        out: dict[str, list[str]] = {}
        for key, plural in self.taxonomies.items():
            names: list[str] = []
            for name in (singular_of(key), key, singular_of(plural), plural):
                derived = name not in (key, plural)
                if name in names or (derived and name_key(name) in given):
                    continue
                names.append(name)
            out[key] = names
        return out

    def language_dirs(self) -> dict[str, str]:
        """Folder (relative to content_dir, "" for the rest) -> language."""
        dirs = self._site_dirs()
        if not self.scope:
            return dirs
        # the site's language folders seen from the narrowed folder: the one
        # holding it is its "", the ones inside it keep their rest
        lang, _ = _split(dirs, self.scope + "/")
        out = {} if lang is None else {"": lang}
        for folder, code in dirs.items():
            if folder.startswith(self.scope + "/"):
                out[folder[len(self.scope) + 1 :]] = code
        return out

    def _site_dirs(self) -> dict[str, str]:
        if self.lang_dirs is not None:
            return self.lang_dirs
        dirs = {lang: lang for lang in self.languages[1:]}
        dirs[""] = self.default_language
        return dirs

    def home_language(self) -> str:
        """The language a new record is in by default: the narrowed folder's
        when it is inside one language's folder, else the default language."""
        dirs = self.language_dirs()
        return dirs[""] if self.scope and "" in dirs else self.default_language

    def url_prefix(self, lang: str) -> str:
        """What Hugo puts before a language's URLs: "" or "/kk"."""
        if lang == self.default_language and not self.default_in_subdir:
            return ""
        return f"/{lang}"

    def split_path(self, relpath: str) -> tuple[str | None, str]:
        """(language, path within that language's folder) of a content path;
        language None when no language's folder holds it. Below a narrowed
        folder, the path within the language's folder is the site's
        (en/sources narrowed: fes.md is sources/fes.md), as its URL is."""
        if self.scope:
            return _split(self._site_dirs(), f"{self.scope}/{relpath}")
        return _split(self.language_dirs(), relpath)

    def split_local(self, relpath: str) -> tuple[str | None, str]:
        """split_path within content_dir: the path below the language's
        folder, or below content_dir when that is inside one."""
        return _split(self.language_dirs(), relpath)

    def taxonomy_url(self, plural: str) -> str:
        """The path of a taxonomy's list page, less the language prefix."""

        pattern = self.permalinks.get("taxonomy", {}).get(plural)
        return normalize_url(pattern if pattern else f"/{urlize(plural)}/")

    def term_base(self, plural: str) -> str:
        """The path its terms' pages start with ("/category/"): Hugo's term
        permalink less its last :slug or :title, else the taxonomy's own."""

        pattern = self.permalinks.get("term", {}).get(plural, "")
        match = re.fullmatch(r"(/?[^:]*?)/?:(?:slug|title)/?", pattern)
        if match:
            return normalize_url(match.group(1) or "/")
        return f"/{urlize(plural)}/"

    def parse_key(self) -> str:
        """What the index must be rebuilt for when it changes: the folder,
        and every setting that changes what a file parses into."""
        size = self.index.max_file_size
        settings = [
            self.languages, self.language_dirs(), self.default_in_subdir,
            # a narrowed folder's paths mean other pages; "" keeps old keys as they were
            *([self.scope] if self.scope else []),
            self.taxonomies, self.kinds, self.permalinks,
            # None for the default: the key of a KB without the setting stays as it was
            None if size == DEFAULT_MAX_FILE_SIZE else size,
            *([self.base_url] if self.base_url else []),  # what links are internal
        ]  # fmt: skip
        digest = blake2b(
            json.dumps(settings, sort_keys=True, default=str).encode(), digest_size=8
        ).hexdigest()
        # resolved: --kb kb and --kb /home/me/kb are one KB, one index
        return f"{self.content_dir.resolve()}\0{digest}"


def _split(dirs: dict[str, str], relpath: str) -> tuple[str | None, str]:
    """(language, rest) of `relpath` by the deepest of `dirs` holding it."""
    best = None
    for folder, lang in dirs.items():
        if (folder == "" or relpath.startswith(folder + "/")) and (
            best is None or len(folder) > len(best[0])
        ):
            best = (folder, lang)
    if best is None:
        return None, relpath
    folder, lang = best
    return lang, relpath[len(folder) + 1 :] if folder else relpath


CONTENT_DIR_VAR = "KZKB_CONTENT_DIR"


def load_config(root: Path, content_dir: str | os.PathLike[str] | None = None) -> Config:
    """The settings of the KB at `root` (see the module doc); a folder with
    none of the files gets the defaults. `content_dir`: the folder of the
    records as the user named it (kzkb --content-dir, $KZKB_CONTENT_DIR),
    anywhere; the settings' own content folders must be inside the KB."""
    explicit = _explicit_folder(content_dir)
    own, file = read_own(root)
    hugo_files: list[Path] = []
    data: dict[str, Any] = {}
    if hugo_site(root):
        hugo, hugo_files = read_hugo_config(root)
        data = hugo_settings(hugo, hugo_files)
    if own is None and not hugo_files:
        if explicit is None:
            site = _enclosing(root)
            if site is not None:
                return site
        return Config(root=root, content_dir=explicit or root)
    sources = hugo_files
    if own is not None:
        assert file is not None
        check_keys(own, file)
        if "content_dir" in own or "content_dirs" in own:
            sources = [file]
        data.update(own)  # kzkb's own settings win over what Hugo's imply
    cfg = parse_config(root, data, file or hugo_files[0], explicit=explicit, sources=sources)
    cfg.config_file = file
    if hugo_files and cfg.lang_dirs is None:
        # Hugo reads a kk/ folder as a section of the default language;
        # only a language's own contentDir gives its records its language
        cfg.lang_dirs = {"": cfg.default_language}
    return cfg


def _enclosing(folder: Path) -> Config | None:
    """The settings of the KB whose content holds `folder` (a Hugo site's
    content/en, a KB's sources/), narrowed to it: a folder of records is
    read as its site reads it, with the site's taxonomies, languages and
    URLs, not as a bare folder. None when no KB above holds it."""
    from kzkb.settings.find import is_kb

    real = folder.resolve()
    for above in real.parents:
        if not is_kb(above):
            continue
        site = load_config(above)
        content = site.content_dir.resolve()
        if real == content:
            return site
        if content not in real.parents:
            return None  # in a KB, outside its records (its layouts/, static/)
        site.scope = real.relative_to(content).as_posix()
        site.content_dir = real
        return site
    return None


def open_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """The settings of the KB `explicit` names (see find_kb), its records in
    $KZKB_CONTENT_DIR when that is set (kzkb --content-dir sets it)."""
    return load_config(find_kb(explicit), os.environ.get(CONTENT_DIR_VAR) or None)


def _explicit_folder(given: str | os.PathLike[str] | None) -> Path | None:
    if given is None or str(given) == "":
        return None
    path = Path(given).expanduser().resolve()
    if not path.is_dir():
        raise KzkbError(
            f"no such folder: {given} (from --content-dir or {CONTENT_DIR_VAR})",
            "name the folder holding the records",
        )
    return path


def _folder(root: Path, name: str, what: str, where: str, explicit: Path | None = None) -> Path:
    """The folder `name` (relative to the KB's root) as a real path. One that
    leads out of the KB, by `..`, an absolute path or a symbolic link, is
    refused: a KB's settings travel with it (a clone, a download), and must
    not point kzkb, and `kzkb new`, anywhere on the machine. Under the
    user's own --content-dir (`explicit`, anywhere), a language's folder
    must be inside that one instead, or the records' common folder would
    be one above both."""
    path = (root / name).resolve()
    if not path.is_dir():
        raise KzkbError(
            f"{where}: {what} {name!r} is not a folder",
            f"point {what} at the folder holding the records",
        )
    top = explicit or root.resolve()
    if path != top and top not in path.parents:
        if explicit is not None:
            raise KzkbError(
                f"{where}: {what} {name!r} is outside --content-dir {explicit} (it is {path})",
                "keep each language's folder inside it, or leave --content-dir out",
            )
        raise KzkbError(
            f"{where}: {what} {name!r} is outside the KB folder {top} (it is {path})",
            f"keep the records inside the KB, or name that folder yourself:"
            f" kzkb --content-dir {path} … (or {CONTENT_DIR_VAR}={path})",
        )
    return path


def _permalinks(value: Any, file: Path) -> dict[str, dict[str, str]]:
    """Hugo's two shapes: [permalinks] section = pattern (pages and terms),
    or [permalinks.page] / .section / .taxonomy / .term tables."""
    out: dict[str, dict[str, str]] = {}
    for key, pattern in (value or {}).items():
        key = str(key).lower()
        if isinstance(pattern, str):
            for kind in ("page", "term"):
                out.setdefault(kind, {})[key.strip(" /")] = pattern
        elif isinstance(pattern, dict) and key in PERMALINK_KINDS:
            for section, p in pattern.items():
                if not isinstance(p, str):
                    raise KzkbError(f"{file}: permalinks.{key}.{section} must be a string", "")
                out.setdefault(key, {})[str(section).lower().strip(" /")] = p
        else:
            raise KzkbError(
                f"{file}: permalinks.{key} is neither a pattern nor a table of "
                + "/".join(PERMALINK_KINDS),
                'write sources = "/:sections/:slug/" or [permalinks.page]',
            )
    return out


def _content_dirs(
    cfg: Config, data: dict[str, Any], file: Path, explicit: Path | None, sources: list[Path]
) -> None:
    """content_dir, and each language's own folder below their common one;
    `explicit`, the user's --content-dir, instead of content_dir."""
    content = want(data, "content_dir", str, file)
    if explicit is not None:
        base = explicit
    elif content:
        where = locate(sources, ("content_dir", "contentdir"), content)
        base = _folder(cfg.root, content, "content_dir", where)
    else:
        base = cfg.root
    dirs = want(data, "content_dirs", dict, file)
    if not dirs:
        cfg.content_dir = base
        return
    folders: dict[str, Path] = {}
    for lang, name in dirs.items():
        if lang not in cfg.languages:
            raise KzkbError(
                f"{file}: content_dirs names {lang!r}, not one of the languages",
                f"use one of {', '.join(cfg.languages)}",
            )
        where = locate(sources, (lang, "contentdir"), str(name))
        folders[lang] = _folder(cfg.root, str(name), f"the {lang} contentDir", where, explicit)
    for lang in cfg.languages:
        folders.setdefault(lang, base)
    common = Path(os.path.commonpath([str(p) for p in folders.values()]))
    cfg.content_dir = common
    cfg.lang_dirs = {}
    for lang, path in folders.items():
        rel = path.relative_to(common).as_posix()
        rel = "" if rel == "." else rel
        if rel in cfg.lang_dirs:
            raise KzkbError(
                f"{file}: {lang} and {cfg.lang_dirs[rel]} share the folder {path}",
                "give each language its own contentDir",
            )
        cfg.lang_dirs[rel] = lang


def parse_config(
    root: Path,
    data: dict[str, Any],
    file: Path,
    *,
    explicit: Path | None = None,
    sources: list[Path] | None = None,
) -> Config:
    """A Config from the merged settings `data`, each checked; errors name
    `file`, or the line of `sources` (the files the content folders came
    from) that sets a content folder. `explicit`: the user's --content-dir."""
    cfg = Config(root=root, content_dir=root, config_file=file)
    cfg.title = str(data.get("title", ""))
    cfg.base_url = want(data, "base_url", str, file) or ""
    base_urls = want(data, "base_urls", dict, file) or {}
    for lang, url in base_urls.items():
        if not isinstance(url, str):
            raise KzkbError(f"{file}: base_urls.{lang} must be a string", 'write en = "https://…/"')
    cfg.base_urls = {str(k): v for k, v in base_urls.items() if v}
    languages = want(data, "languages", list, file)
    if languages:
        cfg.languages = [str(code) for code in languages]
    _content_dirs(cfg, data, file, explicit, sources or [file])
    cfg.default_in_subdir = bool(data.get("default_language_in_subdir", False))
    taxonomies = want(data, "taxonomies", dict, file)
    if taxonomies is not None:
        cfg.taxonomies = {str(k): str(v) for k, v in taxonomies.items()}
    kinds = want(data, "kinds", dict, file)
    if kinds is not None:
        cfg.kinds = {str(k): str(v) for k, v in kinds.items()}
    cfg.permalinks = _permalinks(want(data, "permalinks", dict, file), file)
    cfg.index, cfg.watch = index_settings(data, file)
    cfg.vocabulary = vocabulary(data, file, cfg.taxonomy_for, list(cfg.taxonomies))
    cfg.concepts = concepts(data, file)
    cfg.lint = lint_settings(data, file)
    cfg.check_links = check_links_settings(data, file)
    cfg.publish = publish_settings(data, file)
    return cfg
