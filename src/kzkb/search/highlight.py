"""What matched, where, and the passage to show."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kzkb.model import Record
from kzkb.search.columns import fts_columns
from kzkb.search.plan import Alternative, Plan
from kzkb.text.fold import WORD as _WORD
from kzkb.text.fold import fold_word

FIELDS = ("title", "terms", "description", "body")


def matcher(plan_: Plan) -> re.Pattern[str] | None:
    """A regex over folded text finding any alternative of any group."""
    parts = sorted({a.pattern for g in plan_.groups for a in g.alternatives}, key=len, reverse=True)
    if not parts:
        return None
    return re.compile(r"\b(?:" + "|".join(parts) + ")")


def first_found(
    alternatives: Iterable[Alternative], columns: Sequence[str]
) -> tuple[Alternative, tuple[str, ...]] | None:
    """The first of `alternatives` found in the folded `columns` (as
    fts_columns gives them), and the fields it is in."""
    for alt in alternatives:
        pattern = re.compile(r"\b(?:" + alt.pattern + ")")
        where = tuple(n for n, text in zip(FIELDS, columns, strict=True) if pattern.search(text))
        if where:
            return alt, where
    return None


def matched_fields(record: Record, plan_: Plan) -> tuple[str, ...]:
    """The fields where each query word matched, by the best of its forms
    that the record holds (as --explain names it): a word found as itself in
    the terms is not also reported where only a synonym stands."""
    columns = fts_columns(record)
    found: set[str] = set()
    for group in plan_.groups:
        best = first_found(sorted(group.alternatives, key=lambda a: -a.weight), columns)
        if best is not None:
            found.update(best[1])
    return tuple(n for n in FIELDS if n in found)


def snippet(record: Record, plan_: Plan, width: int = 24) -> str:
    """The passage of the description or body with the most matched words,
    matches wrapped in \x02...\x03, in the record's own script."""

    pattern = matcher(plan_)
    best = ("", -1)
    for source in (record.description, record.text):
        tokens = list(_WORD.finditer(source))
        if not tokens:
            continue
        # fold_word's cache: a body repeats most of its words, and the hits
        # shown share theirs
        folded = [fold_word(m.group()) for m in tokens]
        hits = [i for i, f in enumerate(folded) if pattern.match(f)] if pattern is not None else []
        if not hits:
            if best[1] < 0:
                best = (_window(source, tokens, set(), 0, width), 0)
            continue
        # the window of `width` words holding the most distinct matched words
        start, score = 0, -1
        for h in hits:
            first = max(0, h - 3)
            inside = {folded[i] for i in hits if first <= i < first + width}
            if len(inside) > score:
                start, score = first, len(inside)
        if score > best[1]:
            best = (_window(source, tokens, set(hits), start, width), score)
        if source is record.description and score >= len(plan_.groups):
            break  # the description already shows every word
    return best[0]


# a record's own \x02 and \x03 are its text, not a snippet's marks: their pictures
_OWN_MARKS = str.maketrans({"\x02": "\u2402", "\x03": "\u2403"})


def _window(
    source: str, tokens: list[re.Match[str]], hits: set[int], start: int, width: int
) -> str:
    end = min(len(tokens), start + width)
    if end <= start:
        return ""
    out = ["…" if start > 0 else ""]
    pos = tokens[start].start()
    for i in range(start, end):
        m = tokens[i]
        out.append(source[pos : m.start()].translate(_OWN_MARKS))
        out.append(f"\x02{m.group()}\x03" if i in hits else m.group())
        pos = m.end()
    if end < len(tokens):
        out.append("…")
    else:
        out.append(source[pos:].translate(_OWN_MARKS))
    return " ".join("".join(out).split())
