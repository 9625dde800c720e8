"""kzkb mv OLD NEW"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from kzkb.cli.app import IndexOption, KbOption, app, open_kb


class MvFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def mv(
    old: Annotated[
        str,
        typer.Argument(
            help="A record's file, a page bundle's folder or a section folder (relative to"
            " here, absolute, or in the KB or its content folder).",
        ),
    ],
    new: Annotated[str, typer.Argument(help="Its new path, which must not exist.")],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the move as a diff (git apply or patch -p1 in the KB root apply it);"
            " write nothing.",
        ),
    ] = False,
    fmt: Annotated[
        MvFormat,
        typer.Option(
            "--format", "-f", help="The summary as text or JSON (with --dry-run, the diff in it)."
        ),
    ] = MvFormat.text,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Move or rename a record with its translations, a bundle or a section,
    rewriting every link to it; the old URL becomes an alias.

    All or nothing: a kill leaves the KB as it was or as it should be. In a
    git work tree the renames are staged as git mv stages them.

    Examples:

      kzkb mv guides/media.md guides/media-freedom.md

      kzkb mv sources/sources/feminita.md sources/ngo/feminita.md --dry-run

      kzkb mv guides/ handbooks/
    """
    import sys

    from kzkb.move.apply import apply_move
    from kzkb.move.plan import plan_move

    base = open_kb(kb, index)
    plan = plan_move(base, old, new)
    if dry_run and fmt == MvFormat.json:
        pass  # the diff is a field of the JSON
    elif dry_run:
        diff = plan.diff()
        if sys.stdout.isatty():
            from kzkb.views.console import lines

            diff = lines(diff)
        sys.stdout.write(diff)
    else:
        apply_move(plan)
    _summary(plan, dry_run, fmt, sys.stdout.isatty())


def _summary(plan: Any, dry_run: bool, fmt: MvFormat, tty: bool) -> None:
    import json
    import sys

    from kzkb.views.console import visible

    if fmt == MvFormat.json:
        data = {
            "dry_run": dry_run,
            "records": [
                {"from": m.old_path, "to": m.new_path, "old_url": m.old_url, "url": m.new_url}
                for m in plan.records
            ],
            "renames": [{"from": a, "to": b} for a, b in plan.renames],
            "links": plan.links,
            "files": plan.files,
        }
        if dry_run:
            data["diff"] = plan.diff()
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return

    def n(count: int, word: str) -> str:
        return f"{count} {word}" + ("" if count == 1 else "s")

    verb = "would move" if dry_run else "moved"
    head = (
        f"kzkb mv {verb} {n(len(plan.records), 'record')} ({n(len(plan.renames), 'file')}); "
        f"{n(plan.links, 'link')} rewritten in {n(plan.files, 'file')}.\n"
    )
    body = [f"  {m.old_url} -> {m.new_url}\n" for m in plan.records if m.old_url != m.new_url]
    # with --dry-run the diff owns stdout (for patch); the summary goes beside it
    stream = sys.stderr if dry_run else sys.stdout
    stream.write(head + "".join(visible(line[:-1]) + "\n" for line in body))
