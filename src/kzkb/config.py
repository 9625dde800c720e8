"""Find the knowledge base and read its settings.

A KB is a folder of Markdown records. Its settings come from, in order of
precedence: kzkb.toml in the folder, else a [tool.kzkb] table in its
pyproject.toml; and beneath either, the folder's Hugo site configuration
(hugo.toml, config.toml, their YAML and JSON forms, or config/_default/),
from which kzkb takes what Hugo itself uses to build the site: contentDir,
the languages with their own contentDir, the default language and whether it
lives in a subfolder, the taxonomies and the permalinks. So a Hugo or Docsy
site is read as it is, and kzkb.toml adds only what Hugo has no word for
(the vocabulary, kinds, lint and index settings).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.urls import term_slug

CONFIG_NAME = "kzkb.toml"
PYPROJECT = "pyproject.toml"
# Hugo's own names for its configuration file, in the order it looks for them
HUGO_FILES = (
    "hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json",
    "config.toml", "config.yaml", "config.yml", "config.json",
)  # fmt: skip
HUGO_DIR = Path("config") / "_default"

DEFAULT_TAXONOMIES = {"category": "category", "country": "countries", "tag": "tags"}
# what Hugo builds when a site's configuration names no taxonomies
HUGO_TAXONOMIES = {"category": "categories", "tag": "tags"}
DEFAULT_KINDS = {"guides": "guide", "sources": "source", "documents": "document"}
# a Markdown record is kilobytes; one of more megabytes is a mistake (or an
# attack), and is not read into memory
DEFAULT_MAX_FILE_SIZE = 10 * 2**20
PERMALINK_KINDS = ("page", "section", "taxonomy", "term")

# Every key kzkb.toml (or [tool.kzkb]) may hold; README documents each.
KEYS: dict[str, tuple[str, ...] | None] = {
    "title": None,
    "languages": None,
    "content_dir": None,
    "content_dirs": None,  # language -> its own folder (Hugo: languages.<code>.contentDir)
    "default_language_in_subdir": None,
    "taxonomies": None,
    "kinds": None,
    "permalinks": None,
    "terms": None,
    "index": ("watch", "max_file_size"),
    "check-links": ("exclude",),
    "lint": ("required", "types", "severity", "duplicate_threshold"),
}


@dataclass(frozen=True, slots=True)
class TermDef:
    """A term of the KB's controlled vocabulary (kzkb.toml [[terms.<taxonomy>]])."""

    slug: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> label
    description: str = ""


@dataclass(slots=True)
class Config:
    root: Path  # the KB folder (where kzkb.toml or the Hugo configuration is)
    content_dir: Path  # where the records are: the folder every command scans
    title: str = ""
    languages: list[str] = field(default_factory=lambda: ["en"])
    # singular taxonomy name -> front-matter field (Hugo: category = "category")
    taxonomies: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TAXONOMIES))
    kinds: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes: [index] max_file_size
    vocabulary: dict[str, dict[str, TermDef]] = field(default_factory=dict)
    config_file: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # folder below content_dir -> the language of the records in it; "" is
    # every other folder. None: kzkb's own rule, a folder named after each
    # language but the first (kk/guides/a.md), the rest in the first language
    lang_dirs: dict[str, str] | None = None
    default_in_subdir: bool = False  # Hugo's defaultContentLanguageInSubdir
    # Hugo's permalinks by kind (page, section, taxonomy, term): section -> pattern
    permalinks: dict[str, dict[str, str]] = field(default_factory=dict)

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

    def language_dirs(self) -> dict[str, str]:
        """Folder (relative to content_dir, "" for the rest) -> language."""
        if self.lang_dirs is not None:
            return self.lang_dirs
        dirs = {lang: lang for lang in self.languages[1:]}
        dirs[""] = self.default_language
        return dirs

    def url_prefix(self, lang: str) -> str:
        """What Hugo puts before a language's URLs: "" or "/kk"."""
        if lang == self.default_language and not self.default_in_subdir:
            return ""
        return f"/{lang}"

    def split_path(self, relpath: str) -> tuple[str | None, str]:
        """(language, path within that language's folder) of a content path;
        language None when no language's folder holds it."""
        best = None
        for folder, lang in self.language_dirs().items():
            if (folder == "" or relpath.startswith(folder + "/")) and (
                best is None or len(folder) > len(best[0])
            ):
                best = (folder, lang)
        if best is None:
            return None, relpath
        folder, lang = best
        return lang, relpath[len(folder) + 1 :] if folder else relpath

    def taxonomy_url(self, plural: str) -> str:
        """The path of a taxonomy's list page, less the language prefix."""
        from kzkb.urls import normalize_url, urlize

        pattern = self.permalinks.get("taxonomy", {}).get(plural)
        return normalize_url(pattern if pattern else f"/{urlize(plural)}/")

    def term_base(self, plural: str) -> str:
        """The path its terms' pages start with ("/category/"): Hugo's term
        permalink less its last :slug or :title, else the taxonomy's own."""
        from kzkb.urls import normalize_url, urlize

        pattern = self.permalinks.get("term", {}).get(plural, "")
        match = re.fullmatch(r"(/?[^:]*?)/?:(?:slug|title)/?", pattern)
        if match:
            return normalize_url(match.group(1) or "/")
        return f"/{urlize(plural)}/"

    def parse_key(self) -> str:
        """What the index must be rebuilt for when it changes: the folder,
        and every setting that changes what a file parses into."""
        settings = [
            self.languages, self.language_dirs(), self.default_in_subdir,
            self.taxonomies, self.kinds, self.permalinks,
            (self.raw.get("index") or {}).get("max_file_size"),
        ]  # fmt: skip
        digest = hashlib.blake2b(
            json.dumps(settings, sort_keys=True, default=str).encode(), digest_size=8
        ).hexdigest()
        return f"{self.content_dir}\0{digest}"


def bundled_kb() -> Path | None:
    """The KB shipped with kzkb: inside the wheel, else in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_kb", here.parent.parent / "kb"):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return None


def _tool_table(pyproject: Path) -> dict[str, Any] | None:
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
        raise _toml_error(pyproject, exc, text) from None
    table = data.get("tool", {}).get("kzkb") if isinstance(data.get("tool"), dict) else None
    return table if isinstance(table, dict) else None


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
                keys = {str(k).lower() for k in _read_settings(file)}
            except KzkbError:
                continue  # not ours to report: it may be no Hugo file at all
            if keys & _HUGO_KEYS:
                return True
    return False


def _is_kb(folder: Path) -> bool:
    if (folder / CONFIG_NAME).is_file():
        return True
    pyproject = folder / PYPROJECT
    if pyproject.is_file() and _tool_table(pyproject) is not None:
        return True
    return hugo_site(folder, strict=True)


def find_kb(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """Where the KB is: --kb, else $KZKB_KB, else the nearest folder at or
    above the working directory with a kzkb.toml, a pyproject.toml with
    [tool.kzkb] or a Hugo configuration (or a kb/ folder with a kzkb.toml),
    else the bundled KB."""
    given = explicit if explicit not in (None, "") else os.environ.get("KZKB_KB") or None
    if given is not None:
        path = Path(given).expanduser()
        if path.is_file() and (path.name in (CONFIG_NAME, PYPROJECT) or path.name in HUGO_FILES):
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
        if _is_kb(folder):
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


def _toml_error(file: Path, exc: tomllib.TOMLDecodeError, text: str = "") -> KzkbError:
    match = _TOML_LINE.search(str(exc))
    line = match.group(1) if match else "1"
    if match is None and "end of document" in str(exc):
        line = str(text.count("\n") + 1)  # where the text ran out
    reason = _TOML_LINE.sub("", str(exc)).strip()
    return KzkbError(f"{file}:{line}: invalid TOML: {reason}", "fix the syntax there")


def _read_settings(file: Path) -> dict[str, Any]:
    """A TOML, YAML or JSON settings file as a table; a one-line error with
    file:line when it does not parse."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KzkbError(f"{file}: cannot read: {exc}", "check the file's permissions") from None
    suffix = file.suffix.lower()
    if suffix == ".toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _toml_error(file, exc, text) from None
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KzkbError(
                f"{file}:{exc.lineno}: invalid JSON: {exc.msg}", "fix the syntax there"
            ) from None
    else:
        import yaml

        try:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            from kzkb.loader import yaml_problem  # loaded only for a broken file

            row, problem = yaml_problem(exc)
            line = row + 1 if row is not None else 1
            raise KzkbError(
                f"{file}:{line}: invalid YAML: {problem}", "fix the syntax there"
            ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KzkbError(f"{file}: holds a {type(data).__name__}, not a table of settings", "")
    return data


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
            data = _lower_keys(_read_settings(file))
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
            table = _lower_keys(_read_settings(file))
            data = _merge(data, table if stem in ("hugo", "config") else {stem: table})
            files.append(file)
    return data, files


def _hugo_settings(hugo: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    """The kzkb settings a Hugo configuration implies (keys as in kzkb.toml)."""
    where = files[0]
    out: dict[str, Any] = {}
    if isinstance(hugo.get("title"), str):
        out["title"] = hugo["title"]
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


def load_config(root: Path) -> Config:
    """The settings of the KB at `root` (see the module doc); a folder with
    none of the files gets the defaults."""
    own: dict[str, Any] | None = None
    file: Path | None = None
    if (root / CONFIG_NAME).is_file():
        file = root / CONFIG_NAME
        own = _read_settings(file)
    elif (root / PYPROJECT).is_file():
        own = _tool_table(root / PYPROJECT)
        file = root / PYPROJECT if own is not None else None
    hugo_files: list[Path] = []
    data: dict[str, Any] = {}
    if hugo_site(root):
        hugo, hugo_files = read_hugo_config(root)
        data = _hugo_settings(hugo, hugo_files)
    if own is None and not hugo_files:
        return Config(root=root, content_dir=root)
    if own is not None:
        assert file is not None
        _check_keys(own, file)
        data.update(own)  # kzkb's own settings win over what Hugo's imply
    cfg = parse_config(root, data, file or hugo_files[0])
    cfg.config_file = file
    if hugo_files and cfg.lang_dirs is None:
        # Hugo reads a kk/ folder as a section of the default language;
        # only a language's own contentDir gives its records its language
        cfg.lang_dirs = {"": cfg.default_language}
    return cfg


def _check_keys(data: dict[str, Any], file: Path) -> None:
    """A misspelt key would be ignored in silence: name it and the nearest."""
    from difflib import get_close_matches

    where = "[tool.kzkb]" if file.name == PYPROJECT else file.name
    for key, value in data.items():
        if key not in KEYS:
            near = get_close_matches(key, list(KEYS), n=1)
            raise KzkbError(
                f"{file}: unknown setting {key!r} in {where}",
                f"did you mean {near[0]!r}?" if near else f"settings are: {', '.join(KEYS)}",
            )
        allowed = KEYS[key]
        if allowed is not None and isinstance(value, dict):
            for sub in value:
                if sub not in allowed:
                    near = get_close_matches(sub, list(allowed), n=1)
                    raise KzkbError(
                        f"{file}: unknown setting {sub!r} in [{key}]",
                        f"did you mean {near[0]!r}?"
                        if near
                        else f"[{key}] takes " + ", ".join(allowed),
                    )


def _want(data: dict[str, Any], key: str, kind: type, file: Path) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise KzkbError(
            f"{file}: `{key}` must be a {kind.__name__}, not {type(value).__name__}",
            f"write {key} as a TOML {kind.__name__}",
        )
    return value


def _folder(root: Path, name: str, what: str, file: Path) -> Path:
    path = (root / name).resolve()
    if not path.is_dir():
        raise KzkbError(
            f"{file}: {what} {name!r} is not a folder",
            f"point {what} at the folder holding the records",
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


def parse_config(root: Path, data: dict[str, Any], file: Path) -> Config:
    cfg = Config(root=root, content_dir=root, config_file=file, raw=data)
    cfg.title = str(data.get("title", ""))
    languages = _want(data, "languages", list, file)
    if languages:
        cfg.languages = [str(code) for code in languages]
    content = _want(data, "content_dir", str, file)
    base = _folder(root, content, "content_dir", file) if content else root
    dirs = _want(data, "content_dirs", dict, file)
    if dirs:
        folders: dict[str, Path] = {}
        for lang, name in dirs.items():
            if lang not in cfg.languages:
                raise KzkbError(
                    f"{file}: content_dirs names {lang!r}, not one of the languages",
                    f"use one of {', '.join(cfg.languages)}",
                )
            folders[lang] = _folder(root, str(name), f"the {lang} contentDir", file)
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
    else:
        cfg.content_dir = base
    cfg.default_in_subdir = bool(data.get("default_language_in_subdir", False))
    taxonomies = _want(data, "taxonomies", dict, file)
    if taxonomies is not None:
        cfg.taxonomies = {str(k): str(v) for k, v in taxonomies.items()}
    kinds = _want(data, "kinds", dict, file)
    if kinds is not None:
        cfg.kinds = {str(k): str(v) for k, v in kinds.items()}
    cfg.permalinks = _permalinks(_want(data, "permalinks", dict, file), file)
    index = _want(data, "index", dict, file) or {}
    watch = index.get("watch", "auto")
    if not isinstance(watch, bool) and watch not in ("auto", "on", "off"):
        raise KzkbError(
            f"{file}: [index] watch = {watch!r} is not a setting",
            'write watch = true, false or "auto"',
        )
    size = index.get("max_file_size", DEFAULT_MAX_FILE_SIZE)
    unit = isinstance(size, str) and re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)b\s*", size, re.I)
    if unit:
        size = int(float(unit[1]) * 1024 ** " kmg".index(unit[2].lower() or " "))
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise KzkbError(
            f"{file}: [index] max_file_size = {size!r} is not a size",
            'write it in bytes (10485760) or as "10 MB"',
        )
    cfg.max_file_size = size
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
