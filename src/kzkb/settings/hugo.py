"""Hugo's site configuration, read as Hugo reads it, and the kzkb settings it
implies: baseURL, contentDir, the languages with their own contentDir (and
baseURL), the default language and whether it lives in a subfolder, the
taxonomies and the permalinks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.settings.formats import read_settings

# Hugo's own names for its configuration file, in the order it looks for them
HUGO_FILES = (
    "hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json",
    "config.toml", "config.yaml", "config.yml", "config.json",
)  # fmt: skip
HUGO_DIR = Path("config") / "_default"
# what Hugo builds when a site's configuration names no taxonomies
HUGO_TAXONOMIES = {"category": "categories", "tag": "tags"}

# top-level keys only Hugo's configuration has
_HUGO_KEYS = frozenset(
    {"baseurl", "contentdir", "languagecode", "defaultcontentlanguage", "theme", "module"}
)


def hugo_site(folder: Path, strict: bool = False) -> bool:
    """Whether `folder` is a Hugo site's root. `strict`, for folders found
    by walking up: a config.* file counts only if it holds a Hugo key, since
    config.toml is a common name for other things too."""
    if any((folder / name).is_file() for name in HUGO_FILES[:4]):
        return True
    if (folder / HUGO_DIR).is_dir():
        return True
    for name in HUGO_FILES[4:]:
        file = folder / name
        if file.is_file():
            if not strict:
                return True
            try:
                keys = {str(k).lower() for k in read_settings(file)}
            except KzkbError:
                continue  # not ours to report: it may be no Hugo file at all
            if keys & _HUGO_KEYS:
                return True
    return False


def _lower_keys(value: Any) -> Any:
    """Hugo's configuration keys are case-insensitive (contentDir, contentdir)."""
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    return value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def read_hugo_config(root: Path) -> tuple[dict[str, Any], list[Path]]:
    """A Hugo site's configuration, keys lower-cased, and the files it came
    from: the first of hugo.toml … config.json at the root, then
    config/_default/, where hugo.* or config.* hold root keys and any other
    file the key it is named after (languages.toml holds [languages])."""
    files: list[Path] = []
    data: dict[str, Any] = {}
    for name in HUGO_FILES:
        file = root / name
        if file.is_file():
            data = _lower_keys(read_settings(file))
            files.append(file)
            break
    folder = root / HUGO_DIR
    if folder.is_dir():
        entries = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in (".toml", ".yaml", ".yml", ".json")
        )
        # root files first, so that a languages.toml beside them wins for its key
        entries.sort(key=lambda p: p.stem.lower() not in ("hugo", "config"))
        for file in entries:
            stem = file.stem.lower()
            if "." in stem:
                continue  # params.kk.toml, menus.en.toml: per-language, not kzkb's concern
            table = _lower_keys(read_settings(file))
            data = _merge(data, table if stem in ("hugo", "config") else {stem: table})
            files.append(file)
    return data, files


def hugo_settings(hugo: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    """The kzkb settings a Hugo configuration implies (keys as in kzkb.toml)."""
    where = files[0]
    out: dict[str, Any] = {}
    if isinstance(hugo.get("title"), str):
        out["title"] = hugo["title"]
    if isinstance(hugo.get("baseurl"), str):
        out["base_url"] = hugo["baseurl"]
    out["content_dir"] = str(hugo.get("contentdir") or "content")
    default = str(hugo.get("defaultcontentlanguage") or "en").lower()
    languages = hugo.get("languages")
    disabled = {str(x).lower() for x in hugo.get("disablelanguages") or []}
    codes = [default]
    dirs: dict[str, str] = {}
    if languages is not None:
        if not isinstance(languages, dict):
            raise KzkbError(f"{where}: languages must be a table of languages", "")
        ranked = []
        for code, settings in languages.items():
            settings = settings if isinstance(settings, dict) else {}
            if settings.get("disabled") or code in disabled:
                continue
            weight = settings.get("weight", 0)
            ranked.append((weight if isinstance(weight, int) and weight > 0 else 1 << 30, code))
            if settings.get("contentdir"):
                dirs[code] = str(settings["contentdir"])
            if isinstance(settings.get("baseurl"), str) and settings["baseurl"]:
                # Hugo's multihost: a language served from its own address
                out.setdefault("base_urls", {})[str(code)] = settings["baseurl"]
            if code == default and isinstance(settings.get("title"), str) and "title" not in out:
                out["title"] = settings["title"]
        codes += [code for _, code in sorted(ranked) if code != default]
        if default not in languages:
            raise KzkbError(
                f"{where}: defaultContentLanguage {default!r} is not one of the languages",
                f"add [languages.{default}] or set defaultContentLanguage to one of "
                + ", ".join(languages),
            )
    out["languages"] = codes
    if dirs:
        out["content_dirs"] = dirs
    out["default_language_in_subdir"] = bool(hugo.get("defaultcontentlanguageinsubdir", False))
    taxonomies = hugo.get("taxonomies")
    if isinstance(taxonomies, dict):
        out["taxonomies"] = {str(k): str(v) for k, v in taxonomies.items()}
    elif taxonomies is None:
        out["taxonomies"] = dict(HUGO_TAXONOMIES)
    if isinstance(hugo.get("permalinks"), dict):
        out["permalinks"] = hugo["permalinks"]
    return out
