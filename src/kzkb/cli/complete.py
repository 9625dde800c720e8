"""Shell completion of values from the KB itself: taxonomy terms, taxonomies,
kinds, languages and record slugs, for the KB the command line names.

Typer calls these while the shell waits: they read the index (refreshed as
any command refreshes it, which a watcher makes cheap on a large KB) and
never print, so a failure completes nothing rather than garbling the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Choices = list[tuple[str, str]]


def _open(ctx: Any) -> Any:
    """The KB the line being completed names (--kb, --index), its index
    brought up to date as the command would: the values offered are those
    the command then accepts."""
    from kzkb.kb import KnowledgeBase

    params = ctx.params if ctx is not None else {}
    return KnowledgeBase.open(params.get("kb"), index_path=params.get("index"))


def _matching(choices: Choices, incomplete: str) -> Choices:
    from kzkb.views.console import visible

    wanted = incomplete.casefold()
    return [
        (value, visible(label))  # the shell shows a help as it is: a title, a label
        for value, label in choices
        if value.casefold().startswith(wanted) or label.casefold().startswith(wanted)
    ]


def terms_of(taxonomy: str) -> Callable[[Any, str], Choices]:
    """Completion of a taxonomy's term slugs, with label and count as help."""

    def complete(ctx: Any, incomplete: str) -> Choices:
        try:
            base = _open(ctx)
            found = [(t.slug, f"{t.label} ({t.count})") for t in base.terms(taxonomy)]
        except Exception:
            return []
        return _matching(found, incomplete)

    return complete


def any_term(ctx: Any, incomplete: str) -> Choices:
    """--term TAXONOMY:TERM: the taxonomies first, then that one's terms."""
    name, colon, rest = incomplete.partition(":")
    if not colon:
        return [(f"{plural}:", singular) for plural, singular in taxonomies(ctx, name)]
    found = terms_of(name)(ctx, rest)
    return [(f"{name}:{slug}", label) for slug, label in found]


def taxonomies(ctx: Any, incomplete: str) -> Choices:
    try:
        from kzkb.settings.config import open_config

        config = open_config((ctx.params if ctx is not None else {}).get("kb"))
    except Exception:
        return []
    found = [(plural, singular) for singular, plural in config.taxonomies.items()]
    return _matching(found, incomplete)


def languages(ctx: Any, incomplete: str) -> Choices:
    try:
        from kzkb.settings.config import open_config

        config = open_config((ctx.params if ctx is not None else {}).get("kb"))
    except Exception:
        return []
    return _matching([(lang, "") for lang in config.languages], incomplete)


def kinds(ctx: Any, incomplete: str) -> Choices:
    try:
        base = _open(ctx)
        found = [(kind, f"{n} records") for kind, n in base.index.records.counts("kind").items()]
    except Exception:
        return []
    return _matching(found, incomplete)


def records(ctx: Any, incomplete: str) -> Choices:
    """Record slugs and paths for `show`: at most 200, the shell's list."""
    try:
        base = _open(ctx)
        rows = base.index.records.titles_and_urls()
    except Exception:
        return []
    from kzkb.views.console import visible

    out: Choices = []
    seen: set[str] = set()
    for title, url, path in rows:
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        for value in (slug, path):
            if value and value not in seen and value.startswith(incomplete):
                seen.add(value)
                out.append((value, visible(title)))
        if len(out) >= 200:
            break
    return out
