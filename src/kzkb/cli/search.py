"""kzkb search QUERY"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kzkb.cli.app import FormatOption, IndexOption, KbOption, app, count, fresh, open_kb
from kzkb.cli.filters import KindOption, LangOption, TermOption, build_filters
from kzkb.cli.taxonomies import TaxonomyCommand, taxonomy_terms

if TYPE_CHECKING:
    from kzkb.search.results import Results

DEFAULT_LIMIT = 20

SearchLimitOption = Annotated[
    int,
    typer.Option(
        "--limit",
        "-n",
        parser=count(0),
        metavar="N",
        help=f"Show at most N results; 0 shows all. [default: {DEFAULT_LIMIT}]",
    ),
]


class SearchCommand(TaxonomyCommand):
    """`search`: its words need no quotes, and a -word is the exclusion it
    reads as in the query, not a cluster of short options (-feminist is not
    -f eminist)."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, exclusions_as_words(self, args))


def exclusions_as_words(command: typer.core.TyperCommand, args: list[str]) -> list[str]:
    """The arguments with each -word moved after `--`, where Click reads it as
    a word of the query. An option is a known flag, or a short option alone
    (-n 5) or with a value it takes (-n5, -fjson); its value stays with it."""
    flags = {o for p in command.params if getattr(p, "is_flag", False) for o in p.opts}
    flags |= {"--help", "-h"}
    formats = {"table", "tsv", "json", "jsonl", "csv"}
    words: list[str] = []
    kept: list[str] = []
    value_next = False
    for i, arg in enumerate(args):
        if arg == "--":
            return [*kept, "--", *words, *args[i + 1 :]]
        if value_next:
            kept.append(arg)
            value_next = False
        elif arg.startswith("--") or arg in flags or (len(arg) == 2 and arg.startswith("-")):
            kept.append(arg)
            value_next = arg not in flags and "=" not in arg
        elif arg.startswith("-") and len(arg) > 2 and not _short_with_value(arg, formats):
            words.append(arg)  # -feminist, -"state media"
        else:
            kept.append(arg)
    return [*kept, "--", *words] if words else kept


def _short_with_value(arg: str, formats: set[str]) -> bool:
    """-n5, -fjson: a short option with its value joined (only these two,
    whose values no word is: a number, a format name)."""
    return (arg[1] == "n" and arg[2:].isdigit()) or (arg[1] == "f" and arg[2:] in formats)


def query_text(words: list[str]) -> str:
    """The query from its arguments: `kzkb search gender statistics` is the
    query "gender statistics"; an argument the shell kept whole is whole
    (category:"Local NGO" typed unquoted reaches us as `category:Local NGO`)."""
    parts = []
    for word in words:
        name, colon, value = word.partition(":")
        if colon and any(c.isspace() for c in value) and '"' not in word and " " not in name:
            word = f'{name}:"{value}"'
        parts.append(word)
    return " ".join(parts)


@app.command(cls=SearchCommand)
def search(
    ctx: typer.Context,
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY...",
            help='Words (quotes optional), "phrases", -excluded, field:value, title:word,'
            " a site's address.",
            show_default=False,
        ),
    ],
    kind: KindOption = None,
    lang: LangOption = None,
    term: TermOption = None,
    limit: SearchLimitOption = DEFAULT_LIMIT,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Say, for each result, which words, stems, concepts and places"
            " matched and how they scored.",
        ),
    ] = False,
    fmt: FormatOption = None,
    kb: KbOption = None,
    index: IndexOption = None,
) -> None:
    """Ranked search, in any of the region's languages and scripts.

    Every word counts, with its other forms, the concepts of the thesaurus
    and the places of the gazetteer it names; records matching the most of
    the query come first.

    Examples:

      kzkb search "права женщин"

      kzkb search "organisations helping women who left violent homes"

      kzkb search "statelessness" --country kazakhstan --format json

      kzkb search 'media category:independent-media -state'

      kzkb search "Tselinograd akimat" --explain

      kzkb search gender statistics -kyrgyzstan

      kzkb search title:feminita

      kzkb search feminita.kz
    """
    from kzkb import views

    query = query_text(words)
    base = open_kb(kb, index, defer=True)

    def run() -> Results:
        filters = build_filters(base, taxonomy_terms(ctx), kind, lang, term)
        return base.query(query, filters, limit=limit or None, explain_hits=explain)

    results = fresh(base, run)
    config = base.config
    hits = results.hits
    how = views.layout(fmt)
    if how == "table":
        if hits:
            views.search_table(hits, config)
            if explain:
                views.explanations(results)
        else:
            views.note(f"No record matches {query!r}.")
        views.search_count(results, limit)
    else:
        if how == "tsv":
            views.search_lines(hits, config)
            if not hits:
                views.plain_note(f"No record matches {query!r}.")
        else:
            rows = [views.hit_dict(i, h, config) for i, h in enumerate(hits, 1)]
            views.write_rows(rows, how)
        if len(hits) < results.total:
            views.plain_note(f"{len(hits)} of {results.total} results; --limit 0 shows all")
    if not hits:
        raise typer.Exit(1)
