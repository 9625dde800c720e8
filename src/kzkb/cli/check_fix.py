"""check-links --fix and --dry-run: the repairs history is sure of, shown or written."""

from __future__ import annotations

import sys
from typing import Any

import typer


def repair(base: Any, report: Any, mode: str, dry_run: bool, narrowed: str) -> bool:
    """Plan the repairs of `report`'s findings (those under `narrowed`, if
    given) and print them as a diff (dry run: then exit, 1 if any) or write
    them; True when files were written, so the caller checks again."""
    from kzkb import views
    from kzkb.check.fix import Editors, plan, write
    from kzkb.cli.lint import patch_names
    from kzkb.move.alias import add_alias
    from kzkb.move.rewrite import TargetEdit, respell, rewrite_targets, target_spots

    findings = report.findings
    if narrowed:
        findings = [f for f in findings if f.file.startswith(narrowed + "/")]
    editors = Editors(respell, target_spots, rewrite_targets, TargetEdit, add_alias)
    repairs = plan(base, findings, editors, mode)
    if dry_run:
        named = patch_names(base.config.content_dir, bool(repairs.changes))
        views.lint_diff({named(p): c for p, c in repairs.changes.items()})
        sys.stdout.flush()
        views.note(repairs.summary(written=False))
        _refused(repairs)
        raise typer.Exit(1 if repairs.changes else 0)
    write(base, repairs)
    views.note(repairs.summary(written=True))
    _refused(repairs)
    return bool(repairs.changes)


def _refused(repairs: Any) -> None:
    from kzkb import views

    for rel, why in sorted(repairs.refused.items()):
        views.note(f"{rel}: not repaired: {why}")
