"""Findings of lint and check-links: tables grouped by file, JSON, GitHub annotations."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kzkb.views.console import data, err, lines, out, shorten, visible
from kzkb.views.machine import json_text

if TYPE_CHECKING:
    from kzkb.check.report import LinkFinding, LinkReport


def _annotate(severity: str, where: tuple[str, int, int | None], title: str, message: str) -> None:
    """One GitHub Actions workflow annotation: ::error file=…,line=…::message."""
    file, line, column = where
    props = f"file={_github_escape(file, prop=True)},line={line}"
    if column is not None:
        props += f",col={column}"
    props += f",title={_github_escape(title, prop=True)}"
    sys.stdout.write(f"::{severity} {props}::{_github_escape(message)}\n")


def _github_escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow commands: % and line breaks always, : and , in properties;
    the log shows them to people, so the other controls visible (see visible)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    text = visible(text)
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _finding_message(f: LinkFinding) -> str:
    message = f"{f.reason}: {f.target}" if f.target else f.reason
    return f"{message} ({f.suggestion})" if f.suggestion else message


def link_report(report: LinkReport, fmt: str, display: Callable[[str], str]) -> None:
    """Findings as a table grouped by file, JSON, or GitHub annotations;
    `display` turns a record's KB path into the path to show."""
    findings = report.findings
    if fmt == "json":
        _findings_json(findings, report.summary(), display)
        return
    if fmt == "github":
        for f in findings:
            where = (display(f.file), f.line, f.column)
            _annotate(f.severity, where, "kzkb check-links", _finding_message(f))
        err().print(_link_summary(report))
        return
    from rich.text import Text

    def row(f: LinkFinding) -> list[Any]:
        what = data(f.reason)
        if f.target:
            what += Text(": ") + data(f.target, style="cyan")
        if f.text:
            what += data(f"  [{shorten(f.text, 60)}]", style="dim")
        if f.suggestion:
            what += Text("\n") + data(f"  → {f.suggestion}", style="green")
        return [f"{f.line}:{f.column}", _severity(f.severity), what]

    columns = [("where", {"style": "dim"}), ("severity", {})]
    _findings_by_file(findings, display, columns, row)
    err().print(data(_link_summary(report), style="bold" if report.errors else ""))


def lint_report(report: Any, fmt: str, display: Callable[[str], str]) -> None:
    """lint findings as a table grouped by file, JSON, or GitHub annotations."""
    findings = report.findings
    if fmt == "json":
        _findings_json(findings, report.summary(), display)
        return
    if fmt == "github":
        for f in findings:
            message = f"{f.message} ({f.fix})" if f.fix else f.message
            _annotate(f.severity, (display(f.file), f.line, None), f"kzkb lint {f.rule}", message)
        err().print(_lint_summary(report))
        return
    from rich.text import Text

    def row(f: Any) -> list[Any]:
        what = data(f.message)
        if f.fix:
            what += Text("\n") + data(f"  → {f.fix}", style="green")
        return [str(f.line), _severity(f.severity), data(f.rule), what]

    columns = [
        ("line", {"style": "dim", "justify": "right"}),
        ("severity", {}),
        ("rule", {"style": "cyan"}),
    ]
    _findings_by_file(findings, display, columns, row)
    err().print(data(_lint_summary(report), style="bold" if report.errors else ""))


def _findings_json(findings: Any, summary: dict[str, Any], display: Callable[[str], str]) -> None:
    """{"findings": [...], "summary": {...}}, one finding a line: readable, and
    each line goes through json's C encoder (indent= would switch to the
    pure-Python one: seconds at 10,000 findings)."""
    rows = ["    " + json_text({**f.as_dict(), "file": display(f.file)}) for f in findings]
    body = "[\n" + ",\n".join(rows) + "\n  ]" if rows else "[]"
    sys.stdout.write(f'{{\n  "findings": {body},\n  "summary": {json.dumps(summary)}\n}}\n')


def _severity(severity: str) -> Any:

    return data(severity, style="bold red" if severity == "error" else "yellow")


def _findings_by_file(
    findings: Any,
    display: Callable[[str], str],
    columns: list[tuple[str, dict[str, Any]]],
    row: Callable[[Any], list[Any]],
) -> None:
    """A heading per file, then a borderless table of its findings: the
    given columns (no wrapping), then the message, which folds."""
    from rich.table import Table

    console = out()
    current = None
    table: Table | None = None
    for f in findings:
        if f.file != current:
            if table is not None:
                console.print(table)
            current = f.file
            console.print(data(display(f.file), style="bold magenta"))
            table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
            for name, style in columns:
                table.add_column(name, no_wrap=True, **style)
            table.add_column("what", overflow="fold")
        assert table is not None
        table.add_row(*row(f))
    if table is not None:
        console.print(table)
        console.print()


def _lint_summary(report: Any) -> str:
    files = f"{report.files} file" + ("" if report.files == 1 else "s")
    if not report.findings:
        return f"No defects: {files} checked."
    errors = f"{report.errors} error" + ("" if report.errors == 1 else "s")
    warnings = f"{report.warnings} warning" + ("" if report.warnings == 1 else "s")
    fixable = sum(f.fixable for f in report.findings)
    tail = f"; {fixable} repairable with --fix" if fixable else ""
    return f"{errors}, {warnings}: {files} checked{tail}."


def lint_diff(changes: dict[str, tuple[str, str, list[str]]]) -> None:
    """What --fix would change, as a unified diff: byte for byte to a pipe
    (for patch), with the records' controls made visible on a terminal."""
    import difflib

    shown = lines if sys.stdout.isatty() else str
    for path, (old, new, rules) in sorted(changes.items()):
        sys.stdout.write(shown(f"# {path}: {', '.join(rules)}\n"))
        diff = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"a/{path}", tofile=f"b/{path}",
        )  # fmt: skip
        sys.stdout.writelines(map(shown, diff))


def _link_summary(report: LinkReport) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}" + ("" if count == 1 else "s")

    checked = f"{n(report.links, 'internal link')} in {n(report.records, 'record')}"
    if report.external:
        checked += f", {n(report.external, 'external URL')}"
    if not report.findings:
        return f"No broken links: {checked} checked."
    return f"{n(report.errors, 'error')}, {n(report.warnings, 'warning')}: {checked} checked."
