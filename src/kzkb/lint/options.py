"""What a KB's kzkb.toml changes about lint ([lint], see README): a rule's
severity, the fields required, each field's type, the near-duplicate
threshold."""

from __future__ import annotations

from dataclasses import dataclass

from kzkb.config import Config
from kzkb.lint.findings import ERROR, OFF, RULES, WARNING
from kzkb.model import KzkbError

FIELD_TYPES = ("string", "list", "date", "url")
DEFAULT_TYPES = {
    "title": "string",
    "linkTitle": "string",
    "description": "string",
    "date": "date",
    "created": "date",
    "lastmod": "date",
    "url": "url",
    "aliases": "list",
}
DEFAULT_REQUIRED = ("title",)
DEFAULT_DUPLICATE_THRESHOLD = 90


@dataclass(slots=True)
class LintOptions:
    severity: dict[str, str]
    required: tuple[str, ...]
    types: dict[str, str]
    duplicate_threshold: int

    @classmethod
    def from_config(cls, config: Config) -> LintOptions:
        where = config.config_file or "kzkb.toml"
        section = config.raw.get("lint", {})
        if not isinstance(section, dict):
            raise KzkbError(f"{where}: [lint] must be a table", "write it as [lint]")
        severity = {rule: default for rule, (default, _) in RULES.items()}
        for rule, value in (section.get("severity") or {}).items():
            if rule not in RULES:
                raise KzkbError(
                    f"{where}: [lint.severity] names no rule {rule!r}",
                    f"rules are: {', '.join(RULES)}",
                )
            if value not in (ERROR, WARNING, OFF):
                raise KzkbError(
                    f"{where}: [lint.severity] {rule} = {value!r}",
                    'write "error", "warning" or "off"',
                )
            severity[rule] = value
        types = dict(DEFAULT_TYPES)
        for plural in config.taxonomies.values():
            types[plural] = "list"
        for name, kind in (section.get("types") or {}).items():
            if kind not in FIELD_TYPES:
                raise KzkbError(
                    f"{where}: [lint.types] {name} = {kind!r}",
                    f"a field's type is one of {', '.join(FIELD_TYPES)}",
                )
            types[str(name)] = kind
        required = section.get("required", list(DEFAULT_REQUIRED))
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise KzkbError(
                f"{where}: [lint] required must be a list of field names",
                'write required = ["title", "category"]',
            )
        threshold = section.get("duplicate_threshold", DEFAULT_DUPLICATE_THRESHOLD)
        if (
            not isinstance(threshold, int)
            or isinstance(threshold, bool)
            or not 0 < threshold <= 100
        ):
            raise KzkbError(
                f"{where}: [lint] duplicate_threshold = {threshold!r}",
                "give a whole number from 1 to 100 (the rapidfuzz score two titles must reach)",
            )
        return cls(severity, tuple(required), types, threshold)
