"""A KB's taxonomy names and terms: the names a taxonomy answers to, the
controlled vocabulary ([[terms.<taxonomy>]]) and the concepts ([[concept]])
the settings add to search's thesaurus."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.settings.sections import want
from kzkb.urls import term_slug


@dataclass(frozen=True, slots=True)
class TermDef:
    """A term of the KB's controlled vocabulary (kzkb.toml [[terms.<taxonomy>]])."""

    slug: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> label
    description: str = ""


def name_key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


# plurals whose singular is not the word less its ending
_SAME_IN_PLURAL = frozenset({"news", "series", "species", "status", "analysis", "bias"})


def singular_of(name: str) -> str:
    """The English singular of a taxonomy's name, its last word only
    (data_types -> data_type, countries -> country); the name itself when
    it does not read as a plural. Names only a user types: nothing is
    stored under them."""
    head, sep, word = name.rpartition("_") if "_" in name else name.rpartition("-")
    low = word.lower()
    if len(low) < 4 or low in _SAME_IN_PLURAL or low.endswith(("ss", "us", "is")):
        single = word
    elif low.endswith("ies"):
        single = word[:-3] + ("Y" if word[-1].isupper() else "y")
    elif low.endswith(("sses", "shes", "ches", "xes", "zes")):
        single = word[:-2]
    elif low.endswith("s"):
        single = word[:-1]
    else:
        single = word
    return f"{head}{sep}{single}"


def vocabulary(
    data: dict[str, Any], file: Path, taxonomy_for: Callable[[str], str | None], keys: list[str]
) -> dict[str, dict[str, TermDef]]:
    """[[terms.<taxonomy>]]: the controlled vocabulary, by taxonomy key
    (`taxonomy_for` finds it by any of its names; `keys`, for the fix)."""
    out: dict[str, dict[str, TermDef]] = {}
    terms = want(data, "terms", dict, file) or {}
    for taxonomy, entries in terms.items():
        singular = taxonomy_for(taxonomy)
        if singular is None:
            raise KzkbError(
                f"{file}: [[terms.{taxonomy}]] names no taxonomy",
                f"add it to [taxonomies] or use one of {', '.join(keys)}",
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
        out[singular] = vocab
    return out


_LABEL_KEY = re.compile(r"[a-z]{2,3}(?:_[a-z]{4})?")


def concepts(data: dict[str, Any], file: Path) -> list[dict[str, Any]]:
    """[[concept]]: an id and labels by language code (en, ru, kk, kk_latn,
    uz, uz_cyrl ...), each a list of strings."""
    entries = data.get("concept", [])
    if not isinstance(entries, list):
        raise KzkbError(
            f"{file}: 'concept' must be a [[concept]] table", 'write [[concept]] id = "..."'
        )
    out: list[dict[str, Any]] = []
    for n, entry in enumerate(entries, 1):
        where = f"{file}: [[concept]] number {n}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise KzkbError(
                f"{where} has no id", 'give it an id = "..." (a shipped id adds labels to it)'
            )
        concept: dict[str, Any] = {"id": entry["id"]}
        for key, value in entry.items():
            if key in ("id", "covers"):  # covers: the curator's note of what it stands for
                continue
            if not _LABEL_KEY.fullmatch(key):
                raise KzkbError(
                    f"{where} ({entry['id']}): {key!r} is not a language code",
                    "use en, ru, kk, kk_latn, uz, uz_cyrl, ky, tg ... for label lists",
                )
            labels = [value] if isinstance(value, str) else value
            if not isinstance(labels, list) or not all(
                isinstance(x, str) and x.strip() for x in labels
            ):
                raise KzkbError(
                    f"{where} ({entry['id']}): {key} must be a list of labels",
                    f'write {key} = ["label", "another label"]',
                )
            concept[key] = labels
        out.append(concept)
    return out
