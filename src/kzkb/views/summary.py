"""Summaries of the KB as a whole: index, watcher status and stats charts."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from kzkb.model import Skipped
from kzkb.views.console import data, out
from kzkb.views.machine import json_text


def index_summary(
    root: str,
    summary: dict[str, dict[str, int]],
    skipped: Iterable[Skipped],
    fmt: str,
    refresh: dict[str, Any] | None = None,
    index_path: str = "",
) -> None:
    skipped = list(skipped)
    refresh = refresh or {}
    if fmt != "table":
        document = {
            "kb": root,
            "index": index_path,
            "records": sum(summary["kind"].values()),
            "by_kind": summary["kind"],
            "by_lang": summary["lang"],
            "refresh": refresh,
            "skipped": [{"path": s.path, "line": s.line, "reason": s.reason} for s in skipped],
        }
        sys.stdout.write(json_text(document, indent=2 if fmt == "json" else None))
        sys.stdout.write("\n")
        return
    # here, not at the top: JSON needs none of rich (about 25 ms of imports)
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = out()
    total = sum(summary["kind"].values())
    console.print(data(f"Indexed {total} records from {root}", style="bold"))
    if refresh:
        did = "rebuilt" if refresh.get("rebuilt") else "refreshed"
        counts = ", ".join(
            f"{refresh.get(key, 0)} {key}" for key in ("added", "changed", "removed", "unchanged")
        )
        line = f"Index {did} in {refresh.get('seconds', 0):.2f} s: {counts} ({index_path})"
        console.print(data(line, style="dim"))
    for title, counts in (("Kind", summary["kind"]), ("Lang", summary["lang"])):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(title)
        table.add_column("Records", justify="right")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(data(name), str(n))
        console.print(table)
    if skipped:
        console.print(Text(f"Skipped {len(skipped)} file(s):", style="bold yellow"))
        for s in skipped:
            console.print(data(f"  {s}"))
    else:
        console.print(Text("No files skipped.", style="dim"))


def watcher_status(status: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json_text(status, indent=2))
        sys.stdout.write("\n")
        return
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    state = "running" if status.get("running") else "not running"
    table.add_row("watcher", state)
    for key in ("kb", "setting", "pid", "files", "folders", "since", "questions", "events",
                "rescans", "refused", "socket"):  # fmt: skip
        if key in status:
            table.add_row(key, data(str(status[key])))
    out().print(table)


def stats(data: dict[str, Any], fmt: str, top: int = 15) -> None:
    if fmt == "json":
        sys.stdout.write(json_text(data, indent=2))
        sys.stdout.write("\n")
        return
    charts: list[tuple[str, dict[str, int]]] = [
        *data["taxonomies"].items(),
        ("kind", data["kind"]),
        ("lang", data["lang"]),
    ]
    years = dict(data["created"])
    if data.get("created_unknown"):
        years["unknown"] = data["created_unknown"]
    if fmt == "tsv":  # a pipe: every count, one a line (chart, name, records)
        from kzkb.views.lines import write_tsv

        rows = [(title, name or "—", n) for title, counts in charts for name, n in counts.items()]
        write_tsv([*rows, *(("created", year, n) for year, n in years.items())])
        return
    from rich.text import Text

    console = out()
    console.print(Text(f"{data['records']} records", style="bold"))
    for title, counts in charts:
        _bar_chart(title, dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), top)
    _bar_chart("added per year (created)", years, len(years) or 1)


def _bar_chart(title: str, counts: dict[str, int], top: int, keep_order: bool = False) -> None:
    """Counts as a table of bars, the largest `top` of them, the rest summed."""
    from rich import box
    from rich.table import Table

    items = list(counts.items())
    shown, rest = items[:top], items[top:]
    # the title names a taxonomy of kzkb.toml, each name is a term of a record: data
    table = Table(title=data(title), title_justify="left", title_style="bold", box=box.SIMPLE_HEAD)
    # a taxonomy's key as words: data_type is "Data type"
    heading = title.split(" ")[0].replace("_", " ").capitalize()
    table.add_column(data(heading), overflow="fold", max_width=40)
    table.add_column("Records", justify="right")
    table.add_column("", no_wrap=True)
    most = max((n for _, n in shown), default=0) or 1
    for name, n in shown:
        bar = "█" * max(1, round(30 * n / most)) if n else ""
        table.add_row(data(name or "—"), str(n), data(bar, style="cyan"))
    if not shown:
        table.add_row("—", "0", "")
    out().print(table)
    if rest:
        # what is left out is said, not drawn: a sum of many is no bar among single counts
        count, records = len(rest), sum(n for _, n in rest)
        line = f"…and {count} more {_plural(title, count)}, {records} record" + "s" * (records != 1)
        out().print(data(line, style="dim"))


def _plural(title: str, count: int) -> str:
    """'terms' for a taxonomy's chart, 'kinds' or 'languages' for the others;
    'term', 'kind', 'language' for one."""
    word = {"kind": "kind", "lang": "language"}.get(title, "term")
    return word if count == 1 else word + "s"
