"""Everything kzkb prints: Rich tables on a terminal, JSON/JSONL/CSV for programs.

Rich leaves out colour when stdout is not a terminal and honours NO_COLOR,
so a pipe gets plain text. Rich is imported where it is used: a command
writing JSON or CSV never loads it (50 ms of start-up).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kzkb.config import Config
from kzkb.kb import Hit
from kzkb.model import Record, Skipped, Term

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from kzkb.check import LinkFinding, LinkReport

_out: Console | None = None
_err: Console | None = None


def out() -> Console:
    from rich.console import Console

    global _out
    if _out is None:
        # A pipe has no width: keep rows whole rather than wrap at 80 columns.
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        _out = Console(highlight=False, width=width, soft_wrap=False)
    return _out


def err() -> Console:
    from rich.console import Console

    global _err
    if _err is None:
        # soft_wrap: an error is one line, whatever the terminal's width
        _err = Console(stderr=True, highlight=False, soft_wrap=True)
    return _err


def reset() -> None:
    """Forget the consoles (tests swap stdout between commands)."""
    global _out, _err
    _out = _err = None


def error(message: str) -> None:
    from rich.text import Text

    err().print(Text("kzkb: error: ", style="bold red") + Text(message))


def warn(message: str) -> None:
    from rich.text import Text

    err().print(Text("kzkb: warning: ", style="yellow") + Text(message))


def note(message: str) -> None:
    from rich.text import Text

    err().print(Text(message, style="dim"))


# --- data shapes ---------------------------------------------------------------


def record_dict(record: Record, config: Config) -> dict[str, Any]:
    """A record as programs see it (README: "JSON output")."""
    from kzkb.export import record_dict as as_dict

    return as_dict(record, config)


def _jsonable(value: Any) -> Any:
    from kzkb.export import jsonable

    return jsonable(value)


def hit_dict(rank: int, hit: Hit, config: Config) -> dict[str, Any]:
    data = {"rank": rank, "score": round(hit.score, 4), **record_dict(hit.record, config)}
    data["snippet"] = hit.snippet.replace("\x02", "").replace("\x03", "")
    data["matched"] = list(hit.matched)
    return data


def term_dict(term: Term) -> dict[str, Any]:
    return {"taxonomy": term.taxonomy, "slug": term.slug, "label": term.label, "count": term.count}


def write_rows(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    """json: one array; jsonl: an object a line; csv: a header and a row each."""
    stream = sys.stdout
    if fmt == "json":
        json.dump([_jsonable(r) for r in rows], stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(_jsonable(row), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        columns = list(rows[0]) if rows else []
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    else:  # pragma: no cover - the CLI validates formats
        raise ValueError(fmt)
    stream.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(_jsonable(value))


# --- tables --------------------------------------------------------------------


def _terms(record: Record, taxonomy: str) -> str:
    return ", ".join(record.term_labels.get(taxonomy, []))


def highlight(snippet: str) -> Text:
    """A snippet with \x02...\x03 marks as Rich text with the matches in bold."""
    from rich.text import Text

    text = Text()
    parts = snippet.replace("\n", " ").split("\x02")
    text.append(parts[0])
    for part in parts[1:]:
        match, _, rest = part.partition("\x03")
        text.append(match, style="bold yellow")
        text.append(rest)
    return text


def _width(values: Sequence[str], cap: int) -> int:
    return min(max((len(v) for v in values), default=4), cap)


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _title_width(console_width: int, fixed: Sequence[int], ideal: int) -> int:
    """What the title column may take once the fixed columns (and the
    two-space gaps between columns) have theirs."""
    left = console_width - sum(fixed) - 3 * (len(fixed) + 1)
    return max(10, min(ideal, left))


def search_table(hits: Sequence[Hit]) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    records = [h.record for h in hits]
    cats = [_terms(r, "category") for r in records]
    countries = [_terms(r, "country") for r in records]
    paths = [r.path for r in records]
    wide = console.width >= 120
    roomy = console.width >= 100  # below that, the category gives way to the path
    fixed = [3, _width(paths, 60), 24]
    if roomy:
        fixed.append(_width(cats, 22))
    if wide:
        fixed.append(_width(countries, 14))
    title_width = _title_width(console.width, fixed, 30)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Title", style="bold", max_width=title_width)
    if roomy:
        table.add_column("Category", min_width=_width(cats, 22), max_width=26)
    if wide:
        table.add_column("Countries", min_width=_width(countries, 14), max_width=20)
    table.add_column("Snippet", ratio=1, min_width=20)
    # a path is what one copies to `kzkb show`: fold it, never cut it
    table.add_column("Path", style="cyan", overflow="fold", min_width=_width(paths, 60))
    for rank, (hit, cat, country) in enumerate(zip(hits, cats, countries, strict=True), 1):
        cells = [str(rank), hit.record.title]
        if roomy:
            cells.append(cat)
        if wide:
            cells.append(country)
        table.add_row(*cells, highlight(hit.snippet), hit.record.path)
    console.print(table)


def records_table(records: Sequence[Record]) -> None:
    from rich import box
    from rich.table import Table

    console = out()
    cats = [_terms(r, "category") for r in records]
    countries = [_terms(r, "country") for r in records]
    paths = [r.path for r in records]
    wide = console.width >= 140
    fixed = [6, 4, _width(cats, 22), _width(countries, 14), _width(paths, 60)]
    if wide:
        fixed.append(40)
    title_width = _title_width(console.width, fixed, 36)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Title", style="bold", max_width=title_width)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Lang", no_wrap=True)
    table.add_column("Category", min_width=_width(cats, 22), max_width=26)
    table.add_column("Countries", min_width=_width(countries, 14), max_width=20)
    if wide:
        table.add_column("Description", ratio=1, min_width=24)
    table.add_column("Path", style="cyan", overflow="fold", min_width=_width(paths, 60))
    for r, cat, country in zip(records, cats, countries, strict=True):
        cells = [r.title, r.kind, r.lang, cat, country]
        if wide:
            cells.append(_shorten(r.description))
        table.add_row(*cells, r.path)
    console.print(table)


def terms_table(terms: Sequence[Term], taxonomy: str) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=f"{taxonomy} terms")
    table.add_column("Slug", style="cyan", no_wrap=True)
    table.add_column("Label")
    table.add_column("Count", justify="right")
    table.add_column("Description", ratio=1)
    for term in terms:
        table.add_row(term.slug, term.label, str(term.count), term.description)
    out().print(table)


def record_detail(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = out()
    console.print(Text(record.title, style="bold"))
    fields = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    fields.add_column("Field", style="dim", no_wrap=True)
    fields.add_column("Value", ratio=1)
    fields.add_row("path", record.path)
    fields.add_row("url", record.url)
    fields.add_row("kind", record.kind)
    fields.add_row("lang", record.lang)
    shown = {"title", "url", "aliases", *config.taxonomies.values()}
    for key, value in record.fields.items():
        if key in shown or value in (None, "", []):
            continue
        fields.add_row(key, _cell(value) if key != "description" else str(value).strip())
    for singular, plural in config.taxonomies.items():
        if record.term_labels.get(singular):
            fields.add_row(plural, _terms(record, singular))
    if record.website:
        fields.add_row("website", record.website)
    if record.aliases:
        fields.add_row("aliases", ", ".join(record.aliases))
    if translations:
        fields.add_row("translations", ", ".join(f"{t.lang}: {t.path}" for t in translations))
    console.print(fields)
    if record.body.strip():
        from rich.markdown import Markdown  # markdown-it under it: only `show` pays for it

        console.rule(style="dim")
        console.print(Markdown(record.body))
    console.rule(style="dim")
    if backlinks:
        console.print(Text(f"Linked from {len(backlinks)} record(s):", style="bold"))
        for r in backlinks:
            console.print(Text("  ") + Text(r.title) + Text(f"  {r.path}", style="cyan"))
    else:
        console.print(Text("No record links here.", style="dim"))


def record_json(
    record: Record, config: Config, backlinks: Sequence[Record], translations: Sequence[Record]
) -> None:
    data = record_dict(record, config)
    data["aliases"] = record.aliases
    data["fields"] = _jsonable(record.fields)
    data["body"] = record.body
    data["links"] = [
        {"target": x.target, "text": x.text, "line": x.line, "column": x.column, "kind": x.kind}
        for x in record.links
    ]
    data["headings"] = [{"level": h.level, "text": h.text, "id": h.id} for h in record.headings]
    data["backlinks"] = [r.path for r in backlinks]
    data["translations"] = [r.path for r in translations]
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def index_summary(
    root: str,
    summary: dict[str, dict[str, int]],
    skipped: Iterable[Skipped],
    fmt: str,
    refresh: dict[str, Any] | None = None,
    index_path: str = "",
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    skipped = list(skipped)
    refresh = refresh or {}
    if fmt != "table":
        data = {
            "kb": root,
            "index": index_path,
            "records": sum(summary["kind"].values()),
            "by_kind": summary["kind"],
            "by_lang": summary["lang"],
            "refresh": refresh,
            "skipped": [{"path": s.path, "line": s.line, "reason": s.reason} for s in skipped],
        }
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2 if fmt == "json" else None)
        sys.stdout.write("\n")
        return
    console = out()
    total = sum(summary["kind"].values())
    console.print(Text(f"Indexed {total} records from {root}", style="bold"))
    if refresh:
        did = "rebuilt" if refresh.get("rebuilt") else "refreshed"
        counts = ", ".join(
            f"{refresh.get(key, 0)} {key}" for key in ("added", "changed", "removed", "unchanged")
        )
        line = f"Index {did} in {refresh.get('seconds', 0):.2f} s: {counts} ({index_path})"
        console.print(Text(line, style="dim"))
    for title, counts in (("Kind", summary["kind"]), ("Lang", summary["lang"])):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(title)
        table.add_column("Records", justify="right")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(name, str(n))
        console.print(table)
    if skipped:
        console.print(Text(f"Skipped {len(skipped)} file(s):", style="bold yellow"))
        for s in skipped:
            console.print(Text(f"  {s}"))
    else:
        console.print(Text("No files skipped.", style="dim"))


def watcher_status(status: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        json.dump(status, sys.stdout, ensure_ascii=False, indent=2)
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
            table.add_row(key, str(status[key]))
    out().print(table)


def stats(data: dict[str, Any], fmt: str, top: int = 15) -> None:
    if fmt == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    from rich.text import Text

    console = out()
    console.print(Text(f"{data['records']} records", style="bold"))
    charts: list[tuple[str, dict[str, int]]] = [
        *data["taxonomies"].items(),
        ("kind", data["kind"]),
        ("lang", data["lang"]),
    ]
    years = dict(data["created"])
    for title, counts in charts:
        _bar_chart(title, dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), top)
    if data.get("created_unknown"):
        years["unknown"] = data["created_unknown"]
    _bar_chart("added per year (created)", years, len(years) or 1)


def _bar_chart(title: str, counts: dict[str, int], top: int, keep_order: bool = False) -> None:
    """Counts as a table of bars, the largest `top` of them, the rest summed."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    items = list(counts.items())
    shown, rest = items[:top], items[top:]
    if rest:
        shown.append((f"{len(rest)} more", sum(n for _, n in rest)))
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD)
    table.add_column(title.split(" ")[0].capitalize(), overflow="fold", max_width=40)
    table.add_column("Records", justify="right")
    table.add_column("", no_wrap=True)
    most = max((n for _, n in shown), default=0) or 1
    for name, n in shown:
        bar = "█" * max(1, round(30 * n / most)) if n else ""
        table.add_row(name or "—", str(n), Text(bar, style="cyan"))
    if not shown:
        table.add_row("—", "0", "")
    out().print(table)


def skipped_warnings(skipped: Iterable[Skipped]) -> None:
    """Each unusable file once, on stderr, so stdout stays clean for pipes."""
    for s in skipped:
        warn(f"skipped {s}")


# --- check-links ----------------------------------------------------------------------------


def _annotate(severity: str, where: tuple[str, int, int | None], title: str, message: str) -> None:
    """One GitHub Actions workflow annotation: ::error file=…,line=…::message."""
    file, line, column = where
    props = f"file={_github_escape(file, prop=True)},line={line}"
    if column is not None:
        props += f",col={column}"
    props += f",title={_github_escape(title, prop=True)}"
    sys.stdout.write(f"::{severity} {props}::{_github_escape(message)}\n")


def _github_escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow commands: % and line breaks always, : and , in properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
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
        what = Text(f.reason)
        if f.target:
            what += Text(": ") + Text(f.target, style="cyan")
        if f.text:
            what += Text(f"  [{_shorten(f.text, 60)}]", style="dim")
        if f.suggestion:
            what += Text(f"\n  → {f.suggestion}", style="green")
        return [f"{f.line}:{f.column}", _severity(f.severity), what]

    columns = [("where", {"style": "dim"}), ("severity", {})]
    _findings_by_file(findings, display, columns, row)
    err().print(Text(_link_summary(report), style="bold" if report.errors else ""))


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
        what = Text(f.message)
        if f.fix:
            what += Text(f"\n  → {f.fix}", style="green")
        return [str(f.line), _severity(f.severity), f.rule, what]

    columns = [
        ("line", {"style": "dim", "justify": "right"}),
        ("severity", {}),
        ("rule", {"style": "cyan"}),
    ]
    _findings_by_file(findings, display, columns, row)
    err().print(Text(_lint_summary(report), style="bold" if report.errors else ""))


def _findings_json(findings: Any, summary: dict[str, Any], display: Callable[[str], str]) -> None:
    """{"findings": [...], "summary": {...}}, one finding a line: readable, and
    each line goes through json's C encoder (indent= would switch to the
    pure-Python one: seconds at 10,000 findings)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    rows = ["    " + encode({**f.as_dict(), "file": display(f.file)}) for f in findings]
    body = "[\n" + ",\n".join(rows) + "\n  ]" if rows else "[]"
    sys.stdout.write(f'{{\n  "findings": {body},\n  "summary": {json.dumps(summary)}\n}}\n')


def _severity(severity: str) -> Any:
    from rich.text import Text

    return Text(severity, style="bold red" if severity == "error" else "yellow")


def _findings_by_file(
    findings: Any,
    display: Callable[[str], str],
    columns: list[tuple[str, dict[str, Any]]],
    row: Callable[[Any], list[Any]],
) -> None:
    """A heading per file, then a borderless table of its findings: the
    given columns (no wrapping), then the message, which folds."""
    from rich.table import Table
    from rich.text import Text

    console = out()
    current = None
    table: Table | None = None
    for f in findings:
        if f.file != current:
            if table is not None:
                console.print(table)
            current = f.file
            console.print(Text(display(f.file), style="bold magenta"))
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
    """What --fix would change, as a unified diff."""
    import difflib

    for path, (old, new, rules) in sorted(changes.items()):
        sys.stdout.write(f"# {path}: {', '.join(rules)}\n")
        sys.stdout.writelines(
            difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=f"a/{path}", tofile=f"b/{path}",
            )
        )  # fmt: skip


def _link_summary(report: LinkReport) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}" + ("" if count == 1 else "s")

    checked = f"{n(report.links, 'internal link')} in {n(report.records, 'record')}"
    if report.external:
        checked += f", {n(report.external, 'external URL')}"
    if not report.findings:
        return f"No broken links: {checked} checked."
    return f"{n(report.errors, 'error')}, {n(report.warnings, 'warning')}: {checked} checked."
