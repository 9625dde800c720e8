"""kzkb check-links"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from kzkb.cli.app import IndexOption, KbOption, ProgressBar, app, fresh, open_kb

# The whole run's time in CI unless --deadline says otherwise: a KB with
# thousands of links to slow or rate-limiting hosts cannot hold a CI job for
# hours (1,000 URLs answering 503 with Retry-After took 94 minutes).
CI_DEADLINE = 600


def default_deadline(env: Mapping[str, str]) -> float | None:
    """The deadline when --deadline is not given: CI_DEADLINE where $CI is
    set as CI services set it (true, 1, yes), none elsewhere."""
    return CI_DEADLINE if env.get("CI", "").strip().lower() in ("true", "1", "yes") else None


class FixMode(StrEnum):
    link = "link"
    alias = "alias"


class CheckFormat(StrEnum):
    table = "table"
    tsv = "tsv"
    json = "json"
    github = "github"


class _FixCommand(TyperCommand):
    """--fix alone means --fix=link: Typer has no option whose value may be left out."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args = list(args)
        end = args.index("--") if "--" in args else len(args)
        args[:end] = ["--fix=link" if a == "--fix" else a for a in args[:end]]
        return super().parse_args(ctx, args)


@app.command("check-links", cls=_FixCommand)
def check_links_cmd(
    external: Annotated[
        bool, typer.Option("--external", help="Also fetch http(s) links (network).")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Warnings fail too: orphan sources, missing translations, unreachable hosts.",
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="SECONDS", help="Per external request (0.1 to 3600)."),
    ] = 10.0,
    cache_ttl: Annotated[
        float,
        typer.Option(
            "--cache-ttl",
            metavar="SECONDS",
            help="Reuse external results younger than this (0: fetch all again).",
        ),
    ] = 86400.0,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline",
            metavar="SECONDS",
            help="Stop checking external links after this long; links left are warnings "
            f"'not checked: deadline' (0: no deadline; default {CI_DEADLINE} when $CI is "
            "true, else none).",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", metavar="REGEX", help="Skip external URLs matching this (repeatable)."
        ),
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Fetch private, loopback and link-local addresses too.",
        ),
    ] = False,
    fmt: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on a terminal, tsv in a pipe).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    fix: Annotated[
        FixMode | None,
        typer.Option(
            "--fix",
            metavar="[=alias]",
            help="Repair links to pages git history says were renamed: rewrite the link, "
            "or with --fix=alias add the old URL to the page's aliases.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="With --fix: show the repairs as a diff, write nothing."),
    ] = False,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Find every broken link, resolved as Hugo serves the site.

    Pages, files, headings and terms offline; with --external, web links too.
    Exit 1 if any is broken (or, with --strict, on any warning).

    Examples:

      kzkb check-links

      kzkb check-links --format github

      kzkb check-links --external --exclude 'facebook\\.com' --timeout 5

      kzkb check-links --external --deadline 300

      kzkb check-links --fix --dry-run
    """
    from kzkb import views
    from kzkb.check.internal import check_links
    from kzkb.check.report import CheckOptions
    from kzkb.settings.sections import seconds

    timeout = seconds(timeout, "timeout")
    cache_ttl = seconds(cache_ttl, "cache-ttl")
    if deadline is None:
        deadline = default_deadline(os.environ) or 0.0
    deadline = seconds(deadline, "deadline")
    patterns = list(exclude or [])
    _validate(patterns)
    base = open_kb(kb, index, defer=True)
    narrowed = base.config.scope
    if narrowed:
        # a folder of a site links into the rest of it, and its orphans and
        # translations are the site's to judge: check the whole site, keep the
        # folder's findings
        base = open_kb(str(_site_content(base.config)), None, defer=True)
    settings = base.config.check_links
    where = ["--exclude"] * len(patterns)
    where += [
        f"{settings.file}:{line}: [check-links] exclude" if line else f"{settings.file}: exclude"
        for line in settings.exclude_lines
    ]
    patterns += settings.exclude
    options = CheckOptions(
        strict=strict,
        timeout=timeout,
        cache_ttl=cache_ttl,
        exclude=patterns,
        exclude_where=where,
        allow_private=allow_private,
        deadline=deadline,
    )
    report = fresh(base, lambda: check_links(base, options))
    if fix is not None:
        from kzkb.cli.check_fix import repair

        if repair(base, report, fix.value, dry_run, narrowed):
            # read again: what is left after the repairs
            again = str(base.config.content_dir) if narrowed else kb
            base = open_kb(again, None if narrowed else index, defer=True)
            report = fresh(base, lambda: check_links(base, options))
    elif dry_run:
        from kzkb.model import KzkbError

        raise KzkbError("--dry-run shows what --fix would do", "add --fix")
    if external:
        from kzkb.check.weblinks import check_external
        from kzkb.files import cache_folder

        options.cache_path = cache_folder() / "links.json"
        bar = ProgressBar("Checking", threshold=1)
        try:
            check_external(base, report, options, progress=bar)
        finally:
            bar.close()
    if narrowed:
        report.findings = [f for f in report.findings if f.file.startswith(narrowed + "/")]
    display = views.path_display(base.config.content_dir)
    views.link_report(report, views.layout(fmt), display)
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


def _site_content(config: Any) -> Path:
    """The site's content folder, which a narrowed reading's scope is below."""
    folder = Path(config.content_dir).resolve()
    for _ in config.scope.split("/"):
        folder = folder.parent
    return folder


def _validate(patterns: list[str]) -> None:
    from kzkb.model import KzkbError
    from kzkb.settings.sections import exclude_problem

    for pattern in patterns:
        problem = exclude_problem(pattern)
        if problem is not None:
            raise KzkbError(
                f"--exclude {pattern!r}: {problem}",
                "give a Python regular expression without a repeat of a repeat, "
                "e.g. 'facebook\\.com'",
            )
