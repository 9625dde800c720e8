"""kzkb's own settings: kzkb.toml, else a [tool.kzkb] table in pyproject.toml,
every key checked against the ones kzkb knows."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.settings.formats import read_settings, toml_error
from kzkb.text.suggest import closest_one

CONFIG_NAME = "kzkb.toml"
PYPROJECT = "pyproject.toml"

# Every key kzkb.toml (or [tool.kzkb]) may hold; README documents each.
KEYS: dict[str, tuple[str, ...] | None] = {
    "title": None,
    "description": None,  # what a published catalogue says it is
    "source": None,  # where the KB comes from (its repository or site)
    "license": ("name", "title", "path"),  # an SPDX id or a table (README: Publishing)
    "licence": ("name", "title", "path"),
    "base_url": None,  # Hugo's baseURL: where the site is served
    "base_urls": None,  # language -> its own address (Hugo: languages.<code>.baseURL)
    "languages": None,
    "content_dir": None,
    "content_dirs": None,  # language -> its own folder (Hugo: languages.<code>.contentDir)
    "default_language_in_subdir": None,
    "taxonomies": None,
    "kinds": None,
    "permalinks": None,
    "terms": None,
    "concept": None,  # [[concept]]: the KB's additions to search's thesaurus
    "index": ("watch", "max_file_size"),
    "check-links": ("exclude",),
    "lint": ("required", "types", "severity", "duplicate_threshold"),
}


def tool_table(pyproject: Path) -> dict[str, Any] | None:
    """[tool.kzkb] of a pyproject.toml, None when it has none."""
    try:
        text = pyproject.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if "kzkb" not in text:  # most pyproject.toml files: no parse
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(pyproject, exc, text) from None
    table = data.get("tool", {}).get("kzkb") if isinstance(data.get("tool"), dict) else None
    return table if isinstance(table, dict) else None


def read_own(root: Path) -> tuple[dict[str, Any] | None, Path | None]:
    """The KB's own settings and the file they are in; (None, None) when it
    has neither kzkb.toml nor [tool.kzkb]. Keys are checked by check_keys,
    after Hugo's configuration is read (whose errors come first)."""
    if (root / CONFIG_NAME).is_file():
        file = root / CONFIG_NAME
        own = read_settings(file)
    elif (root / PYPROJECT).is_file():
        own = tool_table(root / PYPROJECT)
        file = root / PYPROJECT
    else:
        return None, None
    return (own, file) if own is not None else (None, None)


def check_keys(data: dict[str, Any], file: Path) -> None:
    """A misspelt key would be ignored in silence: name it and the nearest."""
    where = "[tool.kzkb]" if file.name == PYPROJECT else file.name
    for key, value in data.items():
        if key not in KEYS:
            near = closest_one(key, list(KEYS))
            raise KzkbError(
                f"{file}: unknown setting {key!r} in {where}",
                f"did you mean {near!r}?" if near else f"settings are: {', '.join(KEYS)}",
            )
        allowed = KEYS[key]
        if allowed is not None and isinstance(value, dict):
            for sub in value:
                if sub not in allowed:
                    near = closest_one(sub, allowed)
                    raise KzkbError(
                        f"{file}: unknown setting {sub!r} in [{key}]",
                        f"did you mean {near!r}?"
                        if near
                        else f"[{key}] takes " + ", ".join(allowed),
                    )
