"""Findings of lint and check-links: tables grouped by file, JSON, GitHub annotations."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kzkb.views.console import data, err, lines, out, shorten, visible
from kzkb.views.lines import shown
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
    if fmt == "tsv":
        from kzkb.views.lines import write_tsv

        write_tsv(
            [display(f.file), f.line, f.column or "", f.severity, f.reason, f.target or "",
             f.suggestion or ""]
            for f in findings
        )  # fmt: skip
        err().print(_link_summary(report))
        return

    def row(f: LinkFinding) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]], str]:
        what = [(f.reason, "")]
        if f.target:
            what += [(": ", ""), (f.target, "cyan")]
        if f.text:
            what.append((f"  [{shorten(f.text, 60)}]", "dim"))
        where = f"{f.line}:{f.column}" if f.column is not None else str(f.line)
        return where, [(f.severity, _SEVERITY.get(f.severity, ""))], what, f.suggestion

    _findings_by_file(findings, display, row)
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
    if fmt == "tsv":
        from kzkb.views.lines import write_tsv

        write_tsv(
            [display(f.file), f.line, f.severity, f.rule, f.message, f.fix or ""] for f in findings
        )
        err().print(_lint_summary(report))
        return

    def row(f: Any) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]], str]:
        sev = [(f.severity, _SEVERITY.get(f.severity, "")), (f.rule, "cyan")]
        return str(f.line), sev, [(f.message, "")], f.fix

    _findings_by_file(findings, display, row)
    err().print(data(_lint_summary(report), style="bold" if report.errors else ""))


def _findings_json(findings: Any, summary: dict[str, Any], display: Callable[[str], str]) -> None:
    """{"findings": [...], "summary": {...}}, one finding a line: readable, and
    each line goes through json's C encoder (indent= would switch to the
    pure-Python one: seconds at 10,000 findings)."""
    rows = ["    " + json_text({**f.as_dict(), "file": display(f.file)}) for f in findings]
    body = "[\n" + ",\n".join(rows) + "\n  ]" if rows else "[]"
    sys.stdout.write(f'{{\n  "findings": {body},\n  "summary": {json.dumps(summary)}\n}}\n')


_SEVERITY = {"error": "bold red", "warning": "yellow"}


def _styler(console: Any) -> Callable[[str, str], str]:
    """Text in a style as the terminal's escape codes, or as it is when the
    console has no colour (a pipe, NO_COLOR): Rich's own styles, without a
    Rich render per finding (31,000 findings took 37 s through Tables)."""
    from rich.console import COLOR_SYSTEMS
    from rich.style import Style

    system = COLOR_SYSTEMS.get(console.color_system or "")
    if system is None or console.no_color:
        return lambda text, style: text
    # each style's codes worked out once: Style.render per finding costs a second at 30,000
    codes: dict[str, tuple[str, str]] = {}

    def styled(text: str, style: str) -> str:
        if not style or not text:
            return text
        if style not in codes:
            start, _, end = Style.parse(style).render("\0", color_system=system).partition("\0")
            codes[style] = (start, end)
        start, end = codes[style]
        return start + text + end

    return styled


def _findings_by_file(
    findings: Any,
    display: Callable[[str], str],
    row: Callable[[Any], tuple[str, list[tuple[str, str]], list[tuple[str, str]], str | None]],
) -> None:
    """A heading per file (its path whole, on a line of its own), then a line
    per finding: where, the aligned columns, and the message, wrapped under
    itself; a suggested fix on the line under it. Written as lines, not as
    Rich tables, so 30,000 findings print in a second or two."""
    import textwrap

    console = out()
    styled = _styler(console)
    width = console.width
    rows = [(f.file, *row(f)) for f in findings]
    if not rows:
        return
    where_w = max(len(r[1]) for r in rows)
    widths = [max(len(r[2][i][0]) for r in rows) for i in range(len(rows[0][2]))]
    left = 2 + where_w + sum(w + 1 for w in widths) + 1
    if width - left < 30:  # too narrow to put the message beside: under it
        left = 6
        beside = False
    else:
        beside = True
    indent = " " * left
    text: list[str] = []
    current = None
    for file, where, columns, what, fix in rows:
        if file != current:
            if current is not None:
                text.append("")
            current = file
            text.append(styled(shown(display(file)), "bold magenta"))
        head = "  " + styled(where.rjust(where_w), "dim")
        for (value, style), w in zip(columns, widths, strict=True):
            if w:
                head += " " + styled(shown(value), style) + " " * (w - len(value))
        message = "".join(shown(part) for part, _ in what)
        room = max(width - left, 20)
        wrapped = (
            [message]
            if len(message) <= room
            else textwrap.wrap(message, room, break_long_words=False, break_on_hyphens=False)
        ) or [""]
        body = [styled(line, what[0][1]) for line in wrapped]
        if len(what) > 1 and len(wrapped) == 1:  # one line: each part in its style
            body = ["".join(styled(shown(part), style) for part, style in what)]
        if beside:
            # the last column's padding kept: every message starts at one column
            text.append(head + " " + body[0])
            text += [indent + line for line in body[1:]]
        else:
            text.append(head.rstrip())
            text += [indent + line for line in body]
        if fix:
            fix = "→ " + shown(fix)
            lines_ = (
                [fix]
                if len(fix) <= room
                else textwrap.wrap(fix, room, break_long_words=False, break_on_hyphens=False)
            )
            text += [indent + styled(line, "green") for line in lines_]
    text.append("")
    console.file.write("\n".join(text) + "\n")
    console.file.flush()


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
