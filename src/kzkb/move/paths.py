"""Which files a move renames, and the paths a user gives read as files of
the KB: a record and its translations (a.md, a.kk.md, kk/a.md), a bundle or
a section folder in every language's content folder."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from kzkb.files import CONTENT_SUFFIXES
from kzkb.model import KzkbError

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase
    from kzkb.settings.config import Config


def content_path(
    config: Config, given: str, here: Path, must_exist: bool, base: Path | None = None
) -> tuple[str, Path]:
    """(content-relative POSIX path, the folder it was read from) of a path
    given absolute, relative to `here`, the KB root or the content folder."""
    content = config.content_dir.resolve()
    raw = Path(given)
    if raw.is_absolute():
        bases = [Path("/")]
    elif base is not None:
        bases = [base]
    else:
        bases = [here, config.root, config.content_dir]
    chosen = None
    for folder in bases:
        full = Path(os.path.normpath(folder.resolve() / raw))
        if not must_exist or os.path.lexists(full):
            inside = full == content or content in full.parents
            if chosen is None or inside:
                chosen = (full, folder)  # the first that exists, one in the KB first
            if inside:
                break
    if chosen is None:
        raise KzkbError(f"no such file or folder: {given}", "give a path to a record or a folder")
    full, folder = chosen
    parent = full.parent.resolve() if full.parent.exists() else full.parent
    full = parent / full.name
    try:
        rel = full.relative_to(content).as_posix()
    except ValueError:
        raise KzkbError(
            f"{given} is outside the KB's content folder ({config.content_dir})",
            "give a path inside it",
        ) from None
    if rel in ("", "."):
        raise KzkbError("cannot move the content folder itself", "give a record or a folder in it")
    return rel, folder


def renames(kb: KnowledgeBase, src: str, dst: str) -> list[tuple[str, str]]:
    """Every file to rename: the record and its translations, or each file of
    the folder in every language's content folder."""
    config = kb.config
    content = config.content_dir
    full = content / src
    name = posixpath.basename(src)
    stem = name.split(".", 1)[0]
    if full.is_file() and stem in ("index", "_index"):
        # a bundle's or a section's page: the folder moves with it
        if posixpath.basename(dst).split(".", 1)[0] != stem:
            raise KzkbError(
                f"{src} is the page of its folder", "move the folder: kzkb mv FOLDER NEW-FOLDER"
            )
        src, dst = posixpath.dirname(src), posixpath.dirname(dst)
        if not src or not dst:
            raise KzkbError("cannot move the content folder's own page", "move a record instead")
        full = content / src
    if posixpath.commonpath([src, dst]) == src or posixpath.commonpath([src, dst]) == dst:
        raise KzkbError(f"cannot move {src} into {dst}", "choose a path outside the folder moved")
    folder_of = language_folder(config, src)
    if folder_of != language_folder(config, dst):
        raise KzkbError(
            f"{dst} is in another language's content folder than {src}",
            "move it within its language's folder; its translations move with it",
        )
    inner_src = src[len(folder_of) :].lstrip("/")
    inner_dst = dst[len(folder_of) :].lstrip("/")
    if not inner_src or not inner_dst:
        raise KzkbError(f"cannot move a language's content folder ({src})", "move what is in it")
    dirs = sorted(config.language_dirs(), key=len, reverse=True)
    out: list[tuple[str, str]] = []
    if full.is_dir() and not full.is_symlink():
        for folder in sorted(config.language_dirs()):
            here = _join(folder, inner_src)
            if not (content / here).is_dir():
                continue
            for dirpath, _dirs, names in os.walk(content / here):
                for n in sorted(names):
                    rel = (Path(dirpath) / n).relative_to(content).as_posix()
                    if _owner(dirs, rel) != folder:
                        continue  # a language folder inside another's: its own
                    out.append((rel, _join(folder, inner_dst) + rel[len(here) :]))
        return sorted(out)
    if not full.is_file() or not src.lower().endswith(CONTENT_SUFFIXES):
        raise KzkbError(
            f"{src} is not a record (nor a folder of records)",
            "give a record's file, a page bundle's folder or a section folder",
        )
    old_stem, old_rest = _stem(config, inner_src)
    new_stem, new_rest = _stem(config, inner_dst)
    if old_rest != new_rest:
        raise KzkbError(
            f"{dst} changes the file's extension or language ({old_rest} to {new_rest})",
            f"keep {old_rest} at the end of the new name",
        )
    parent = posixpath.dirname(old_stem)
    base = posixpath.basename(old_stem)
    for folder in sorted(config.language_dirs()):
        where = content / _join(folder, parent)
        if not where.is_dir():
            continue
        for n in sorted(os.listdir(where)):
            rel = _join(_join(folder, parent), n)
            if _owner(dirs, rel) != folder or not (content / rel).is_file():
                continue
            s, rest = _stem(config, _join(parent, n))
            if posixpath.basename(s) == base and rest.lower().endswith(CONTENT_SUFFIXES):
                out.append((rel, _join(folder, new_stem + rest)))
    return sorted(out)


def _stem(config: Config, inner: str) -> tuple[str, str]:
    """("guides/a", ".kk.md") of "guides/a.kk.md"."""
    folder, _, name = inner.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return inner, ""
    rest = dot + ext
    lang_stem, ldot, lang = stem.rpartition(".")
    if ldot and lang in config.languages:
        stem, rest = lang_stem, f".{lang}{rest}"
    return _join(folder, stem), rest


def language_folder(config: Config, path: str) -> str:
    return _owner(sorted(config.language_dirs(), key=len, reverse=True), path) or ""


def _owner(dirs: list[str], path: str) -> str | None:
    for folder in dirs:
        if not folder or path == folder or path.startswith(folder + "/"):
            return folder
    return None


def _join(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder and path else folder or path
