"""A record by any name a user has for it: what `show` takes."""

from __future__ import annotations

import os
from pathlib import Path

from kzkb.files import CONTENT_SUFFIXES
from kzkb.hugo.links import is_web, own_site
from kzkb.model import KzkbError, Record
from kzkb.settings.config import Config
from kzkb.store.index import Index
from kzkb.text.suggest import closest
from kzkb.urls import normalize_url


def find_record(index: Index, config: Config, ref: str, cwd: Path | None = None) -> Record:
    """One record by any name a user has for it, tried in this order: a full
    URL under the site's baseURL (pasted from a browser); a file, by a path
    relative to `cwd` (what lint and check-links print), absolute, or
    relative to the content folder (what search and list print); a site URL
    or alias (/sources/x/); a slug; a title (exact, letter case aside).

    A reference several records answer to is an error listing them, each
    named as it can be given back."""
    ref = ref.strip()
    if not ref:
        raise KzkbError("empty reference", "give a path, URL, slug or title")
    here = cwd if cwd is not None else Path.cwd()
    candidates: list[Record] = []
    url = ""
    if is_web(ref):
        url = _site_path(config, ref)
    else:
        path = _content_path(config, ref, here)
        if path is not None:
            candidates = index.records.by_path(path)
            if not candidates:
                _unindexed(index, config, path, here)
        if ref.startswith("/") and not candidates:
            url = ref
        elif "/" in ref and not candidates and not ref.startswith("."):
            url = "/" + ref  # sources/sources/x: the site URL without its first slash
    if url and not candidates:
        site = normalize_url(url)
        candidates = index.records.by_url(site)
        if not candidates and not site.endswith("/"):
            # /sources/sources/vlast.kz may name the page vlast.kz.md
            candidates = index.records.by_url(site + "/")
    if not candidates and "/" not in ref:
        candidates = index.records.by_slug(ref)
    if not candidates:
        candidates = index.records.by_title(ref)
    if not candidates:
        _outside(config, ref, here)
        raise _no_match(index, ref)
    if len(candidates) > 1:
        # a translation pair shares a slug: the default language wins
        default = [r for r in candidates if r.lang == config.default_language]
        if len(default) == 1:
            return default[0]
        shown = ", ".join(_shown(config, r.path, here) for r in candidates[:5])
        more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        raise KzkbError(
            f"{_quoted(ref)} matches {len(candidates)} records: {shown}{more}",
            "give one of their paths",
        )
    return candidates[0]


def _site_path(config: Config, ref: str) -> str:
    """The site URL of a full URL under the KB's baseURL; an error naming
    the baseURL for any other."""
    site = own_site(config.base_url)
    inside = site.within(ref) if site is not None else None
    if inside is not None:
        return inside
    if site is None:
        raise KzkbError(
            f"{_quoted(ref)} is a full URL, and the KB names no baseURL to read it by",
            "give the page's path on the site (/sources/…), or set baseURL in hugo.toml"
            " (base_url in kzkb.toml)",
        )
    raise KzkbError(
        f"{_quoted(ref)} is not a page of this site ({config.base_url})",
        f"give a URL under {config.base_url}, or the page's path on the site (/sources/…)",
    )


def _content_path(config: Config, ref: str, here: Path) -> str | None:
    """The content path of the file `ref` names, relative to `here` or
    absolute, else as a path in the content folder; None when it names
    no file of the content folder."""
    full = _full(ref, here)
    content = config.content_dir
    for folder, candidate in (
        (os.path.abspath(content), os.path.abspath(full)),
        (os.path.realpath(content), os.path.abspath(full)),
        # through a symbolic link to the site, or to a folder of it
        (os.path.realpath(content), os.path.realpath(full)),
    ):
        if candidate.startswith(folder + os.sep) and os.path.isfile(candidate):
            return Path(os.path.relpath(candidate, folder)).as_posix()
    inner = ref.removeprefix("./")
    if not os.path.isabs(os.path.expanduser(ref)) and os.path.isfile(content / inner):
        return Path(os.path.normpath(inner)).as_posix()
    return None


def _full(ref: str, here: Path) -> str:
    """The file a path names from `here` (~ for the home folder). Only
    os.path, which answers False rather than raising for a name the system
    refuses (too long, a NUL byte)."""
    return os.path.join(here, os.path.expanduser(ref))


def _unindexed(index: Index, config: Config, path: str, here: Path) -> None:
    """The reason a file of the content folder is no record, as an error."""
    unusable = [s for s in index.records.skipped() if s.path == path]
    if unusable:
        raise KzkbError(
            f"{_shown(config, path, here)} is not indexed:"
            f" line {unusable[0].line}: {unusable[0].reason}",
            "fix the file; `kzkb lint` says more",
        )


def _outside(config: Config, ref: str, here: Path) -> None:
    """An error for a content file that exists outside the content folder."""
    if not ref.lower().endswith(CONTENT_SUFFIXES):
        return
    if os.path.isfile(_full(ref, here)):
        raise KzkbError(
            f"{ref} is not in the KB's content folder ({config.content_dir})",
            "give a record of this KB, or name its KB with --kb",
        )


def _no_match(index: Index, ref: str) -> KzkbError:
    choices = index.records.titles_and_urls()
    names = sorted(
        {t for t, _, _ in choices} | {u.rstrip("/").rsplit("/", 1)[-1] for _, u, _ in choices}
    )
    # a reference far longer than any name is no misspelling of one
    near = _suggest(ref, names) if len(ref) <= 2 * max(map(len, names), default=0) else []
    hint = (
        f"did you mean {' or '.join(repr(n) for n in near)}?"
        if near
        else ("try `kzkb search` to find it")
    )
    return KzkbError(f"no record matches {_quoted(ref)}", hint)


def _quoted(ref: str) -> str:
    return repr(ref) if len(ref) <= 80 else f"{ref[:60]!r}… ({len(ref):,} characters)"


def _shown(config: Config, path: str, here: Path) -> str:
    """A record's file as every command names it: relative to where the
    user stands when below it, else absolute (see views.lines)."""
    full = config.content_dir / path
    try:
        rel = os.path.relpath(full, here)
    except ValueError:  # another drive on Windows
        return str(full)
    return str(full) if rel.startswith("..") else rel


def _suggest(word: str, choices: list[str]) -> list[str]:
    # as kzkb.kb.suggest: "feminita" and "Feminita" are one suggestion
    return closest(word, choices, limit=3, scorer="weighted", unique=str.casefold)
