"""kzkb lint"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kzkb.cli.app import KbOption, app


class LintFormat(StrEnum):
    table = "table"
    tsv = "tsv"
    json = "json"
    github = "github"


@app.command("lint")
def lint_cmd(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to check (default: the whole KB).", show_default=False
        ),
    ] = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair what is safe to repair, in place.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="With --fix: show the repairs as a diff, write nothing."),
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    fmt: Annotated[
        LintFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on a terminal, tsv in a pipe).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    skip_outside: Annotated[
        bool,
        typer.Option(
            "--skip-outside",
            help="Pass over given paths outside the KB instead of failing (for pre-commit).",
        ),
    ] = False,
    kb: KbOption = None,
) -> None:
    """Find the defects hand-edited records collect; --fix repairs the safe ones.

    Escaped or broken front matter, fields of the wrong shape, bad dates and
    web addresses, unknown or inconsistently spelled terms, near-duplicates,
    empty records. Exit 1 on errors (with --strict, on warnings too).

    Examples:

      kzkb lint

      kzkb lint --fix --dry-run kb/sources/

      kzkb lint --format github
    """
    import sys

    from kzkb import views
    from kzkb.lint.findings import LintFinding
    from kzkb.lint.options import LintOptions
    from kzkb.lint.repair import fix as repair
    from kzkb.lint.run import lint, repaired
    from kzkb.listing.scan import scan
    from kzkb.model import KzkbError
    from kzkb.settings.config import open_config

    if dry_run and not fix:
        raise KzkbError("--dry-run shows what --fix would do", "add --fix")
    config = open_config(kb)
    options = LintOptions.from_config(config)
    content = config.content_dir
    every = sorted(scan(content))
    chosen = every
    if paths:
        wanted: list[str] = []
        for given in paths:
            full = given.resolve()
            try:
                rel = full.relative_to(content.resolve()).as_posix()
            except ValueError:
                if skip_outside:
                    continue  # pre-commit hands over every changed Markdown file
                raise KzkbError(
                    f"{given} is not in the KB ({content})",
                    "give paths inside it (or add --skip-outside)",
                ) from None
            if not full.exists():
                raise KzkbError(f"no such file or folder: {given}", "check the path")
            prefix = "" if rel == "." else rel
            wanted += [
                p
                for p in every
                if p == prefix or p.startswith(prefix.rstrip("/") + "/") or not prefix
            ]
        chosen = sorted(set(wanted))
    display = views.path_display(content)
    refused: dict[str, KzkbError] = {}
    keep = set(chosen)  # once: a set per finding cost seconds at 25,000 findings
    changes: dict[str, tuple[str, str, list[str]]] = {}
    before: list[LintFinding] = []
    if fix:
        if not dry_run:
            # what lint says is repairable, to count what the repair made go
            before = [f for f in lint(config, every, options).findings if f.file in keep]
        # terms are spelled alike across the whole KB, so every file informs the repair
        changes = repair(
            config, every, options, write=not dry_run, only=set(chosen), refused=refused
        )
        if dry_run:
            named = patch_names(content, bool(changes))
            views.lint_diff({named(p): c for p, c in changes.items()})
            raise typer.Exit(1 if changes else 0)
    report = lint(config, every, options)
    report.findings = [f for f in report.findings if f.file in keep]
    report.files = len(chosen)
    if fix:
        report.fixed = {path: rules for path, (_, _, rules) in changes.items()}
        report.repaired = repaired(before, report.findings)
        announced = sum(f.fixable for f in before)
        if announced:
            files = len({f.file for f in before if f.fixable} & set(changes))
            note = f"repaired {report.repaired} defect(s) in {files} file(s)"
            if announced > report.repaired:
                why = (
                    "kzkb may not write the files named below"
                    if refused
                    else "their files changed while --fix ran; run it again"
                )
                note += f"; {announced - report.repaired} left: {why}"
            views.note(note)
    views.lint_report(report, views.layout(fmt), display)
    if refused:
        # the others are repaired; each file left as it was says why, in one line
        for err in refused.values():
            views.error(str(err))
        sys.exit(2)
    if report.errors or (strict and report.warnings):
        sys.exit(1)


def patch_names(content: Path, say: bool) -> Any:
    """The names a --dry-run diff gives its files, so that `patch -p1` run
    where the user stands applies it: relative to here when the KB is below
    (a/kb/x.md); else relative to the content folder, which a first comment
    line names (`patch -p1 -d` there). Never a//tmp/x.md: patch refuses an
    absolute name, and one with .. in it."""
    import sys

    root = content.resolve()
    try:
        below = root.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        if say:
            sys.stdout.write(f"# paths below {root}: apply with patch -p1 -d {root}\n")
        return lambda path: path
    return (lambda path: path) if below == "." else (lambda path: f"{below}/{path}")
