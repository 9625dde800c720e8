"""Everything kzkb prints, by output: consoles and messages, record tables,
findings, KB summaries, and rows for programs.

`views.name` loads only the module that holds `name`: a search printing JSON
does not import the tables, findings and summaries it never prints (start-up
is most of a command's time).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "console": ("err", "error", "note", "out", "plain_note", "reset", "skipped_warnings", "warn"),
    "detail": ("record_detail", "record_text"),
    "findings": ("link_report", "lint_diff", "lint_report"),
    "lines": ("layout", "path_display"),
    "machine": ("hit_dict", "record_dict", "record_json", "term_dict", "write_rows"),
    "records": (
        "records_lines",
        "records_table",
        "search_lines",
        "search_table",
        "terms_lines",
        "terms_table",
    ),
    "search": ("explanation_dict", "explanations", "search_count"),
    "summary": ("index_summary", "stats", "watcher_status"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'kzkb.views' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"kzkb.views.{module}"), name)
    globals()[name] = value  # found once; later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
