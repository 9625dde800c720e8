"""One option per taxonomy of the KB the command line names.

Taxonomies are the KB's to choose (Hugo's [taxonomies], kzkb.toml's), so the
options `list`, `search`, `export` and `new` take for them cannot be declared
once: a command made with TaxonomyCommand builds them when it parses its
arguments, from the KB its --kb, $KZKB_KB or the working directory names,
found as the command itself will find it (kzkb.settings.config.open_config). Only a
command that parses pays for it: `kzkb --version` and `kzkb --help` never
read a configuration.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperOption
from typer.main import get_param_completion

from kzkb.cli import complete

# when no KB is found (or its configuration does not parse: the command
# then says why), the bundled KB's four, so that --help still reads well
FALLBACK = {"category": "category", "country": "countries", "tag": "tags", "language": "language"}
SHORT = {"category": "-c", "tag": "-t"}  # the short flags these always had
FILTER_HELP = {
    "category": "Only records in this category.",
    "country": "Only this country.",
    "tag": "Only records with this tag.",
    "language": "Only sources published in this language (the `language` field).",
}
_FLAG = re.compile(r"--[A-Za-z][\w-]*")
_OPTIONS = "kzkb.taxonomy_options"
_CHOSEN = "kzkb.taxonomy_terms"


def kb_argument(args: Sequence[str]) -> str | None:
    """The --kb value among a command's raw arguments, as Click will read it."""
    kb = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--kb" and i + 1 < len(args):
            kb = args[i + 1]
        elif arg.startswith("--kb="):
            kb = arg[len("--kb=") :]
    return kb


def configured(kb: str | None) -> dict[str, tuple[list[str], str]]:
    """Each taxonomy of the KB: its key -> (the names it answers to, the
    singular first; its front-matter field)."""
    from kzkb.settings.config import Config

    try:
        from kzkb.settings.config import open_config

        config = open_config(kb)
    except Exception:  # the command reports a missing KB or a broken configuration
        config = Config(root=Path(), content_dir=Path(), taxonomies=dict(FALLBACK))
    names = config.taxonomy_names()
    return {key: (names[key], field) for key, field in config.taxonomies.items()}


def taxonomy_terms(ctx: typer.Context) -> dict[str, list[str]]:
    """Singular taxonomy name -> the terms its option was given."""
    return {name: list(values) for name, values in ctx.meta.get(_CHOSEN, {}).items()}


def _keep(singular: str) -> Any:
    def keep(ctx: typer.Context, param: Any, value: Any) -> Any:
        if value:
            ctx.meta.setdefault(_CHOSEN, {}).setdefault(singular, []).extend(value)
        return value

    return keep


class TaxonomyCommand(TyperCommand):
    """A command taking one option per taxonomy of its KB, placed before the
    parameter `before`, by every name the taxonomy answers to
    (Config.taxonomy_names: `country = "countries"` and `countries =
    "countries"` alike give --country and --countries), less any name one of
    the command's own options already has."""

    before = "kind"
    short_flags = True

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        ctx.meta[_OPTIONS] = self.taxonomy_options(configured(kb_argument(args)))
        return super().parse_args(ctx, args)

    def get_params(self, ctx: typer.Context) -> list[Any]:
        params = super().get_params(ctx)
        extra = ctx.meta.get(_OPTIONS)
        if extra is None:  # help or completion without a parse: the KB found from here
            extra = ctx.meta[_OPTIONS] = self.taxonomy_options(configured(None))
        at = next((i for i, p in enumerate(params) if p.name == self.before), 0)
        return [*params[:at], *extra, *params[at:]]

    def taxonomy_options(self, taxonomies: dict[str, tuple[list[str], str]]) -> list[Any]:
        taken = {flag for p in self.params for flag in (*p.opts, *p.secondary_opts)}
        taken.update(("--help", "-h"))  # the app's help option, which every command has
        options: list[Any] = []
        for number, (key, (names, field)) in enumerate(taxonomies.items()):
            flags: list[str] = []
            for name in names:
                flag = f"--{name.replace('_', '-')}"  # Click's spelling: --data-type
                if _FLAG.fullmatch(flag) and flag not in taken and flag not in flags:
                    flags.append(flag)
            if not flags:
                continue  # its names are other options': --term still reaches it
            singular = names[0]
            short = SHORT.get(singular) if self.short_flags else None
            if short and short not in taken:
                flags.append(short)
            taken.update(flags)
            options.append(
                TyperOption(
                    param_decls=[f"taxonomy_{number}", *flags],
                    multiple=True,
                    metavar="TERM",
                    expose_value=False,
                    callback=_keep(key),
                    help=self.help_for(singular, field),
                    autocompletion=get_param_completion(complete.terms_of(key)),
                )
            )
        return options

    def help_for(self, singular: str, field: str) -> str:
        return (
            FILTER_HELP.get(singular) or f"Only records with this {_words(singular)} (`{field}`)."
        )


class NewCommand(TaxonomyCommand):
    """`new`: the terms of each taxonomy, written to the field it uses."""

    before = "description"
    short_flags = False

    def help_for(self, singular: str, field: str) -> str:
        words = _words(singular)
        article = "An" if words[:1].lower() in "aeiou" else "A"
        return f"{article} {words} (written as `{field}`); repeatable."


def _words(name: str) -> str:
    """A taxonomy's name as words: organisation_type -> organisation type."""
    return name.replace("_", " ").replace("-", " ")
