"""Everything kzkb prints, by output: consoles and messages, record tables,
findings, KB summaries, and rows for programs."""

from kzkb.views.console import (  # noqa: F401
    err,
    error,
    note,
    out,
    plain_note,
    reset,
    skipped_warnings,
    warn,
)
from kzkb.views.detail import record_detail, record_text  # noqa: F401
from kzkb.views.findings import link_report, lint_diff, lint_report  # noqa: F401
from kzkb.views.lines import layout, path_display  # noqa: F401
from kzkb.views.machine import hit_dict, record_dict, record_json, term_dict, write_rows  # noqa: F401
from kzkb.views.records import (  # noqa: F401
    records_lines,
    records_table,
    search_lines,
    search_table,
    terms_lines,
    terms_table,
)
from kzkb.views.search import explanation_dict, explanations, search_count  # noqa: F401
from kzkb.views.summary import index_summary, stats, watcher_status  # noqa: F401
