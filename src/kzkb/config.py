"""Find the knowledge base and read its kzkb.toml."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.urls import term_slug

CONFIG_NAME = "kzkb.toml"

DEFAULT_TAXONOMIES = {"category": "category", "country": "countries", "tag": "tags"}
DEFAULT_KINDS = {"guides": "guide", "sources": "source", "documents": "document"}


@dataclass(frozen=True, slots=True)
class TermDef:
    """A term of the KB's controlled vocabulary (kzkb.toml [[terms.<taxonomy>]])."""

    slug: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> label
    description: str = ""


@dataclass(slots=True)
class Config:
    root: Path  # the KB folder (where kzkb.toml is, if any)
    content_dir: Path  # where the records are
    title: str = ""
    languages: list[str] = field(default_factory=lambda: ["en"])
    # singular taxonomy name -> front-matter field (Hugo: category = "category")
    taxonomies: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TAXONOMIES))
    kinds: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    vocabulary: dict[str, dict[str, TermDef]] = field(default_factory=dict)
    config_file: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def taxonomy_for(self, name: str) -> str | None:
        """The singular taxonomy name for `name`, given singular or plural."""
        if name in self.taxonomies:
            return name
        for singular, plural in self.taxonomies.items():
            if plural == name:
                return singular
        return None


def bundled_kb() -> Path | None:
    """The KB shipped with kzkb: inside the wheel, else in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_kb", here.parent.parent / "kb"):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return None


def find_kb(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """Where the KB is: --kb, else $KZKB_KB, else the nearest kzkb.toml at or
    above the working directory (or in its kb/ folder), else the bundled KB."""
    given = explicit if explicit not in (None, "") else os.environ.get("KZKB_KB") or None
    if given is not None:
        path = Path(given).expanduser()
        if path.is_file() and path.name == CONFIG_NAME:
            return path.parent
        if not path.exists():
            source = "--kb" if explicit not in (None, "") else "KZKB_KB"
            raise KzkbError(
                f"no such knowledge base: {path} (from {source})",
                "give --kb a folder of Markdown records",
            )
        if not path.is_dir():
            raise KzkbError(f"not a folder: {path}", "give --kb a folder of Markdown records")
        return path
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
        if (folder / "kb" / CONFIG_NAME).is_file():
            return folder / "kb"
    bundled = bundled_kb()
    if bundled is None:
        raise KzkbError(
            "no knowledge base found here and none bundled",
            "pass --kb PATH or set KZKB_KB",
        )
    return bundled


_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_config(root: Path) -> Config:
    """Read root/kzkb.toml if there is one; a folder without it gets defaults."""
    file = root / CONFIG_NAME
    if not file.is_file():
        return Config(root=root, content_dir=root)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = match.group(1) if match else "1"
        reason = _TOML_LINE.sub("", str(exc)).strip()
        raise KzkbError(f"{file}:{line}: invalid TOML: {reason}", "fix the syntax there") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KzkbError(f"{file}: cannot read: {exc}", "check the file's permissions") from None
    return parse_config(root, data, file)


def _want(data: dict[str, Any], key: str, kind: type, file: Path) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise KzkbError(
            f"{file}: `{key}` must be a {kind.__name__}, not {type(value).__name__}",
            f"write {key} as a TOML {kind.__name__}",
        )
    return value


def parse_config(root: Path, data: dict[str, Any], file: Path) -> Config:
    cfg = Config(root=root, content_dir=root, config_file=file, raw=data)
    cfg.title = str(data.get("title", ""))
    languages = _want(data, "languages", list, file)
    if languages:
        cfg.languages = [str(code) for code in languages]
    content = _want(data, "content_dir", str, file)
    if content:
        cfg.content_dir = (root / content).resolve()
        if not cfg.content_dir.is_dir():
            raise KzkbError(
                f"{file}: content_dir {content!r} is not a folder",
                "point content_dir at the folder holding the records",
            )
    taxonomies = _want(data, "taxonomies", dict, file)
    if taxonomies is not None:
        cfg.taxonomies = {str(k): str(v) for k, v in taxonomies.items()}
    kinds = _want(data, "kinds", dict, file)
    if kinds is not None:
        cfg.kinds = {str(k): str(v) for k, v in kinds.items()}
    index = _want(data, "index", dict, file) or {}
    watch = index.get("watch", "auto")
    if not isinstance(watch, bool) and watch not in ("auto", "on", "off"):
        raise KzkbError(
            f"{file}: [index] watch = {watch!r} is not a setting",
            'write watch = true, false or "auto"',
        )
    terms = _want(data, "terms", dict, file) or {}
    for taxonomy, entries in terms.items():
        singular = cfg.taxonomy_for(taxonomy)
        if singular is None:
            raise KzkbError(
                f"{file}: [[terms.{taxonomy}]] names no taxonomy",
                f"add it to [taxonomies] or use one of {', '.join(cfg.taxonomies)}",
            )
        vocab: dict[str, TermDef] = {}
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not entry.get("slug"):
                raise KzkbError(
                    f"{file}: a [[terms.{taxonomy}]] entry has no slug",
                    'give every term a slug = "..."',
                )
            slug = term_slug(str(entry["slug"]))
            labels = {
                key.removeprefix("label_"): str(value)
                for key, value in entry.items()
                if key.startswith("label_")
            }
            vocab[slug] = TermDef(
                slug=slug,
                label=str(entry.get("label", slug)),
                labels=labels,
                description=str(entry.get("description", "")),
            )
        cfg.vocabulary[singular] = vocab
    return cfg


def open_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    return load_config(find_kb(explicit))
