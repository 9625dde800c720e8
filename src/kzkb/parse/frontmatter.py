"""Front matter: which format a file opens with, and its fields as parsed.

Hugo reads YAML (---), TOML (+++) and JSON ({ }). Every failure is a
FrontMatterError with the file line and the reason to report.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from typing import Any

from kzkb.safe_yaml import (
    LONG_NUMBER,
    TOO_DEEP,
    yaml_loader,
    yaml_loader_without_anchors,
    yaml_problem,
)


@lru_cache(maxsize=1)
def _handlers() -> dict[str, Any]:
    """Front-matter formats Hugo reads: YAML (---), TOML (+++), JSON ({ }).
    Made on first use: search, which reads only the index, never loads them."""
    from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

    return {
        "yaml": YAMLHandler(),
        # python-frontmatter's TOML handler needs the old `toml` package; its
        # splitter with Hugo's +++ boundary is all we need (tomllib parses).
        "toml": BaseHandler(re.compile(r"^\+{3,}\s*$", re.MULTILINE)),
        "json": JSONHandler(),
    }


def _detect(text: str) -> tuple[str, Any] | None:
    first = text.split("\n", 1)[0].rstrip()
    if re.fullmatch(r"-{3,}", first):
        return "yaml", _handlers()["yaml"]
    if re.fullmatch(r"\+{3,}", first):
        return "toml", _handlers()["toml"]
    if first == "{":
        return "json", _handlers()["json"]
    return None


class FrontMatterError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line where the body starts). Raises FrontMatterError."""
    detected = _detect(text)
    if detected is None:
        return {}, text, 1
    fmt, handler = detected
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        raise FrontMatterError(1, f"{fmt.upper()} front matter is never closed") from None
    body_line = text[: len(text) - len(body)].count("\n") + 1
    # Lines of fm_text counted from 0 are file lines counted from 1, shifted
    # by the newlines the opening boundary swallowed (its \s* eats blank lines).
    opening = handler.FM_BOUNDARY.match(text)
    shift = text[: opening.end()].count("\n") if opening else 0
    if fmt == "toml" and (long_key := _long_toml_key(fm_text)):
        raise FrontMatterError(long_key + shift, TOO_DEEP)
    import yaml

    try:
        if fmt == "yaml":
            loader = yaml_loader() if "&" in fm_text else yaml_loader_without_anchors()
            data = yaml.load(fm_text, Loader=loader)
        elif fmt == "toml":
            data = tomllib.loads(fm_text)
        else:
            data = json.loads(fm_text)
    except yaml.YAMLError as exc:
        row, problem = yaml_problem(exc)
        line = row + 1 + shift if row is not None else 1
        if isinstance(exc, yaml_loader().Refused):
            raise FrontMatterError(line, problem) from None  # valid YAML, but refused
        if "maximum nesting depth" in problem:  # libyaml's own bound, deeper than ours
            raise FrontMatterError(line, TOO_DEEP) from None
        raise FrontMatterError(line, f"invalid YAML front matter: {problem}") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        line = int(m.group(1)) + shift if m else 1
        raise FrontMatterError(line, f"invalid TOML front matter: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FrontMatterError(exc.lineno, f"invalid JSON front matter: {exc.msg}") from None
    except ValueError as exc:  # tomllib and json: an int of too many digits
        reason = (
            LONG_NUMBER if "digits" in str(exc) else f"invalid {fmt.upper()} front matter: {exc}"
        )
        raise FrontMatterError(1, reason) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            2, f"front matter is a {type(data).__name__}, not a mapping of fields"
        )
    return data, body, body_line


# tomllib takes time quadratic in the parts of one dotted key (a.b.c = 1):
# 30,000 of them, 60 KB, take 25 s. A key of more parts than this nests
# deeper than MAX_DEPTH anyway.
_KEY_PARTS = 1000
_KEY_DOT = re.compile(r"\.[\t ]*[\w\"'-]")


def _long_toml_key(text: str) -> int:
    """The line (from 1) of a dotted key of more than _KEY_PARTS parts, else 0.
    Counted by dots followed by a key, line by line, only in text with
    that many dots at all."""
    if text.count(".") <= _KEY_PARTS:
        return 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.count(".") > _KEY_PARTS and len(_KEY_DOT.findall(line)) > _KEY_PARTS:
            return number
    return 0
