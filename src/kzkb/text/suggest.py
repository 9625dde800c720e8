"""The one "did you mean": the known values nearest to a mistyped one.

Every hint of the project comes from here, so a slug, a setting and a heading
are matched by one rule. Two scorers cover what the callers need:

- "ratio" (the default): plain edit similarity, 0-100 (rapidfuzz's
  fuzz.ratio, which equals difflib's ratio on these short words; the
  settings keys give the same suggestion under both). For slugs, setting
  names, headings, term slugs.
- "weighted": rapidfuzz's WRatio, which also forgives a value typed as a
  part or in another word order. For what a user types on the command line
  (terms, kinds, titles, taxonomies).

The cut-offs in use: 60 for ratio and weighted alike, except check's
near-miss terms and headings of another page (75), where a weaker match
would more often mislead than help.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

Scorer = Literal["ratio", "weighted"]


def closest(
    word: str,
    choices: Iterable[str],
    *,
    cutoff: float = 60,
    limit: int = 1,
    scorer: Scorer = "ratio",
    unique: Callable[[str], str] | None = None,
) -> list[str]:
    """Up to `limit` of `choices` scoring at least `cutoff` (0-100) against
    `word`, best first; of equal scores, the one given first. With `unique`,
    a choice whose unique(choice) equals a better one's is the same
    suggestion and left out ("Feminita" after "feminita": unique=str.casefold)."""
    from rapidfuzz import fuzz, process

    pool = choices if isinstance(choices, list | tuple) else list(choices)
    score = fuzz.WRatio if scorer == "weighted" else fuzz.ratio
    if unique is None:
        found = process.extract(word, pool, scorer=score, limit=limit, score_cutoff=cutoff)
        return [choice for choice, _, _ in found]
    out: list[str] = []
    seen: set[str] = set()
    for choice, _, _ in process.extract(word, pool, scorer=score, limit=None, score_cutoff=cutoff):
        if unique(choice) not in seen:
            seen.add(unique(choice))
            out.append(choice)
            if len(out) == limit:
                break
    return out


def closest_one(
    word: str, choices: Iterable[str], *, cutoff: float = 60, scorer: Scorer = "ratio"
) -> str:
    """The nearest of `choices`, "" when none scores `cutoff`."""
    found = closest(word, choices, cutoff=cutoff, scorer=scorer)
    return found[0] if found else ""
