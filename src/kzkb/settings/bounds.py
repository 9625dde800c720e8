"""The bounds of the whole numbers kzkb takes, from the command line
(--limit, --top) and from kzkb.toml ([index] max_file_size ...): one check
for both, so that a number C or SQLite cannot hold is refused where it is
given, with the bounds, and never overflows later as an internal error."""

from __future__ import annotations

import re
from typing import Any

# SQLite's and C's largest integer: every count and size kzkb keeps fits in it
INT_MAX = 2**63 - 1

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)b\s*", re.IGNORECASE)


def out_of_bounds(value: Any, lo: int, hi: int = INT_MAX) -> str | None:
    """None if `value` is a whole number from lo to hi, else what is wrong,
    in Click's words ("… is not in the range 1<=x<=…")."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value!r} is not a whole number"
    if not lo <= value <= hi:
        return f"{value} is not in the range {lo}<=x<={hi}"
    return None


def whole_number(text: str, lo: int, hi: int = INT_MAX) -> int:
    """A command-line whole number within lo..hi; ValueError saying what is
    wrong (Typer shows it as a usage error, exit 2)."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    problem = out_of_bounds(value, lo, hi)
    if problem:
        raise ValueError(problem)
    return value


def size_in_bytes(value: Any) -> int | None:
    """A size as kzkb.toml writes it, 10485760 or "10 MB" (KB, MB, GB are
    powers of 1024), in bytes; None when it is neither. Exact: "1.5 GB" is
    computed in decimal, so a size of hundreds of digits is a number out of
    bounds, never a float overflow."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = isinstance(value, str) and _SIZE.fullmatch(value)
    if not match:
        return None
    from decimal import Decimal  # start-up: only a size written with a unit needs it

    number = Decimal(match[1])
    return int(number * 1024 ** " kmg".index(match[2].lower() or " "))
