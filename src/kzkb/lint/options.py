"""What a KB's kzkb.toml changes about lint ([lint], see README): a rule's
severity, the fields required, each field's type, the near-duplicate
threshold. settings/sections.py reads and validates the table; this joins it
with the rules lint knows."""

from __future__ import annotations

from dataclasses import dataclass

from kzkb.lint.findings import RULES
from kzkb.settings.config import Config


@dataclass(slots=True)
class LintOptions:
    severity: dict[str, str]
    required: tuple[str, ...]
    types: dict[str, str]
    duplicate_threshold: int

    @classmethod
    def from_config(cls, config: Config) -> LintOptions:
        # the [lint] table is validated by settings; only the rule names are
        # lint's to know
        section = config.lint
        defaults = {rule: default for rule, (default, _) in RULES.items()}
        return cls(
            section.severities(defaults),
            section.required,
            section.field_types(config.taxonomies.values()),
            section.duplicate_threshold,
        )
