"""Exclude patterns, matched under a time limit.

[check-links] exclude comes from kzkb.toml, which comes with the KB: a
pattern may be hostile. Python's re cannot be interrupted, not even by a
signal, and some patterns take exponential ((a|aa)+$) or high polynomial
(a*a*a*b) time on a long URL; no rule on the pattern's form catches them
all. So the matching runs in a child Python (stdlib re, the same engine and
results), given LIMIT seconds; a pattern that does not finish in time is
refused with one line naming it and where it is written. Patterns with a
repeat inside a repeat are refused before any of this, when the settings are
read (settings.sections.exclude_problem).
"""

from __future__ import annotations

from kzkb.model import KzkbError

# Ample for any honest pattern: 20 patterns over 100,000 URLs take about a second.
LIMIT = 5.0

# The child: prints each pattern's number before matching it, so that the
# parent can name the one that ran out of time, then the matching URLs' numbers.
_CHILD = """
import json, re, sys
data = json.load(sys.stdin)
hits = set()
for number, pattern in enumerate(data["patterns"]):
    print(number, flush=True)
    search = re.compile(pattern).search
    hits.update(i for i, url in enumerate(data["urls"]) if search(url))
print(json.dumps(sorted(hits)), flush=True)
"""


def excluded(urls: list[str], patterns: list[tuple[str, str]], limit: float = LIMIT) -> set[int]:
    """The indexes of `urls` that one of `patterns` finds: (pattern, where it
    is written) pairs, where as errors name it ("--exclude", "kzkb.toml:4:
    [check-links] exclude"); KzkbError when the matching takes over `limit` s."""
    if not patterns or not urls:
        return set()
    import json
    import subprocess
    import sys

    given = json.dumps({"patterns": [p for p, _ in patterns], "urls": urls})
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _CHILD],
            input=given,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ""
        if isinstance(out, bytes):
            out = out.decode("utf-8", "replace")
        started = [int(line) for line in out.split() if line.isdigit()]
        pattern, where = patterns[started[-1] if started else 0]
        raise KzkbError(
            f"{where} {pattern!r} took over {limit:g} s to match the KB's "
            "web links (a pattern can take exponential time on a long URL)",
            "simplify it: no repeat of something that can match the same text in two ways, "
            "like (a|aa)+ or a*a*",
        ) from None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines:
        raise KzkbError(f"exclude patterns could not be matched: {done.stderr.strip()[-200:]}")
    return set(json.loads(lines[-1]))
