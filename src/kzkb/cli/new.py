"""kzkb new"""

from __future__ import annotations

from typing import Annotated

import typer

from kzkb.cli.app import IndexOption, KbOption, app, open_kb
from kzkb.cli.taxonomies import NewCommand, taxonomy_terms


@app.command("new", cls=NewCommand)
def new_cmd(
    ctx: typer.Context,
    title: Annotated[str | None, typer.Option("--title", help="The record's title.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="source, guide, document ...")] = "source",
    description: Annotated[
        str | None, typer.Option("--description", help="One or two sentences.")
    ] = None,
    url: Annotated[str, typer.Option("--url", help="The organisation's web address.")] = "",
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of the text (default: the KB's first).")
    ] = None,
    slug: Annotated[
        str | None, typer.Option("--slug", help="File name (default: from the title).")
    ] = None,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Write a new record where records of its kind live; never overwrites one.

    A slug file name, named as its neighbours are; terms are checked against
    kzkb.toml. Missing values are asked for on a terminal.

    Examples:

      kzkb new --title "Kazakhstan Feminist Initiative" --category local-ngo --country Kazakhstan

      kzkb new --kind guide --title "Денсаулық" --lang kk
    """
    import sys

    from kzkb import new, views
    from kzkb.model import KzkbError

    base = open_kb(kb, index)
    config = base.config
    asking = sys.stdin.isatty()
    given = taxonomy_terms(ctx)
    new.check_text(
        {
            "--title": title or "",
            "--description": description or "",
            "--url": url,
            "--slug": slug or "",
            "--lang": lang or "",
            "--kind": kind,
            **{f"--{name}": "".join(values) for name, values in given.items()},
        }
    )
    # the loader reads a value without the spaces around it: so does new
    title, url = (title or "").strip(), url.strip()
    description = description.strip() if description is not None else None
    if not title:
        if not asking:
            raise KzkbError("no title", 'give --title "…"')
        title = typer.prompt("Title").strip()
    if description is None:
        description = typer.prompt("Description", default="").strip() if asking else ""
    # on a terminal, the KB's first taxonomy is asked for when it has a vocabulary
    first = next(iter(config.taxonomies), None)
    if first and not given.get(first) and asking and config.vocabulary.get(first):
        choices = ", ".join(sorted(config.vocabulary[first]))
        answer = typer.prompt(f"{first.replace('_', ' ').capitalize()} ({choices})", default="")
        given[first] = [answer.strip()] if answer.strip() else []
    # as answered on a terminal
    new.check_text(
        {"title": title, "description": description}
        | {name: "".join(values) for name, values in given.items()}
    )
    lang = lang or config.home_language()
    if lang not in config.languages:
        raise KzkbError(
            f"{lang!r} is not a language of this KB", f"use {', '.join(config.languages)}"
        )
    if config.scope and lang not in config.language_dirs().values():
        raise KzkbError(
            f"{config.content_dir} holds no {lang!r} records (its site keeps them elsewhere)",
            "give --kb the site, or the folder of that language",
        )
    terms: dict[str, list[str]] = {}
    for name, values in given.items():
        taxonomy = config.taxonomy_for(name)
        if taxonomy is None:
            # never "created" without what was asked for (the options were
            # another KB's: a term given is written, or the record is not)
            raise KzkbError(
                f"--{name}: this KB has no such taxonomy",
                f"its taxonomies are {', '.join(config.taxonomies)}; check --kb",
            )
        terms.setdefault(taxonomy, []).extend(new.canonical_terms(config, taxonomy, values))
    paths = [p for p, _, _ in base.index.records.of_kind(kind)]
    folder = new.folder_for(config, kind, paths, lang)
    # named as its neighbours are (feminita_kz.md or feminita-kz.md); a
    # translation sits beside the original, with .<lang> before .md (Hugo)
    sep = new.separator([p.rsplit("/", 1)[-1] for p in paths if p.startswith(folder + "/")])
    rel = f"{folder}/{new.file_name(title, lang, config, slug, sep)}"
    text = new.render(config, title, description=description, terms=terms, url=url)
    new.write_new(config.content_dir / rel, text, config.content_dir)
    # the loader must read what was asked for, or the record is no record
    new.read_back(
        config, rel, kind=kind, lang=lang, title=title, description=description,
        terms=terms, url=url,
    )  # fmt: skip
    views.note(f"created {rel}")
    print(config.content_dir / rel)
