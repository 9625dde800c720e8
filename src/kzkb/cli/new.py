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

    _refuse_outside_kb(kb)
    base = open_kb(kb, index, empty_ok=True)  # a KB's first record is written here
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
    if asking:
        # each taxonomy not given, then the site: each answer checked as lint
        # checks it, and asked again when wrong (a typo never ends the session)
        for singular, plural in config.taxonomies.items():
            if not given.get(singular):
                given[singular] = _ask_terms(config, singular, plural)
        if not url:
            url = _ask_url()
    if url:
        _check_url(url)
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


def _refuse_outside_kb(kb: str | None) -> None:
    """`new` writes into the KB the user names or stands in, never into the
    one bundled with kzkb (in site-packages), which other commands fall back
    to for reading."""
    import os
    from pathlib import Path

    from kzkb.model import KzkbError
    from kzkb.settings.find import is_kb
    from kzkb.settings.own import CONFIG_NAME

    if kb or os.environ.get("KZKB_KB"):
        return
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if is_kb(folder) or (folder / "kb" / CONFIG_NAME).is_file():
            return
    raise KzkbError(
        f"no KB at or above {here}: `kzkb new` writes into your KB, not the one bundled with kzkb",
        "cd into your KB (a folder with kzkb.toml or a Hugo site's config), or give --kb PATH",
    )


def _ask_terms(config: object, singular: str, plural: str) -> list[str]:
    """A taxonomy's terms, asked on a terminal (commas between; none is an
    answer); an unknown term or a misspelt country is said and asked again."""
    from kzkb import new, views
    from kzkb.model import KzkbError

    vocab = config.vocabulary.get(singular)  # type: ignore[attr-defined]
    if vocab and len(vocab) <= 12:
        hint = f" ({', '.join(sorted(vocab))})"
    elif vocab:
        hint = f" (`kzkb terms {plural}` lists them)"
    else:
        hint = ""
    label = plural.replace("_", " ").capitalize()
    while True:
        answer = typer.prompt(
            f"{label}{hint}, commas between, Enter for none", default="", show_default=False
        )
        values = [v.strip() for v in answer.split(",") if v.strip()]
        try:
            new.canonical_terms(config, singular, values)  # type: ignore[arg-type]
            _check_countries(config, plural, values)
        except KzkbError as exc:
            views.error(str(exc))
            continue
        return values


def _check_countries(config: object, plural: str, values: list[str]) -> None:
    """lint's unknown-country: a value that misspells a country (Kazakstan)."""
    from kzkb.lint.countries import code_of, country_field, nearest
    from kzkb.model import KzkbError

    if country_field(config) != plural:  # type: ignore[arg-type]
        return
    for value in values:
        near = nearest(value) if code_of(value) is None else ""
        if near:
            raise KzkbError(f"{value!r} is no country", f"did you mean {near!r}?")


def _check_url(url: str) -> None:
    """lint's url-scheme: the organisation's site is an http(s) address."""
    from kzkb.model import KzkbError

    if not url.lower().startswith(("http://", "https://")):
        raise KzkbError(
            f"{url!r} is not an http(s) address",
            f"write https://{url.split('://')[-1]}"
            if "." in url
            else "give the organisation's web address (https://…)",
        )


def _ask_url() -> str:
    from kzkb import views
    from kzkb.model import KzkbError

    while True:
        url = typer.prompt(
            "Site address (https://…), Enter for none", default="", show_default=False
        ).strip()
        try:
            if url:
                _check_url(url)
        except KzkbError as exc:
            views.error(str(exc))
            continue
        return url
