"""One settings file (TOML, YAML or JSON) as a table, or a one-line error
naming the file and line."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from kzkb.model import KzkbError
from kzkb.safe_yaml import yaml_problem

_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def toml_error(file: Path, exc: tomllib.TOMLDecodeError, text: str = "") -> KzkbError:
    match = _TOML_LINE.search(str(exc))
    line = match.group(1) if match else "1"
    if match is None and "end of document" in str(exc):
        line = str(text.count("\n") + 1)  # where the text ran out
    reason = _TOML_LINE.sub("", str(exc)).strip()
    return KzkbError(f"{file}:{line}: invalid TOML: {reason}", "fix the syntax there")


def read_settings(file: Path) -> dict[str, Any]:
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
            raise toml_error(file, exc, text) from None
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


def locate(files: list[Path], keys: tuple[str, ...], value: str | None = None) -> str:
    """`file:line` of the first line that sets one of `keys` (TOML `key =`,
    YAML `key:`, JSON `"key":`, any case, as Hugo reads its keys), preferring
    one that also holds `value`; the first file alone when no line does. For
    an error about a value once the file has parsed: its parser gave no line."""
    names = "|".join(re.escape(key) for key in keys)
    pattern = re.compile(rf"""^\s*[{{,]?\s*["']?(?:{names})["']?\s*[=:]""", re.IGNORECASE)
    first = None
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if pattern.match(line):
                if value is None or value in line:
                    return f"{file}:{number}"
                first = first or f"{file}:{number}"
    return first or (str(files[0]) if files else "")
