"""A move as a git-style unified diff: what `--dry-run` prints, and what
`git apply` or GNU `patch -p1` applies."""

from __future__ import annotations


def unified(old: str, new: str, before: str | None, after: str | None, renamed: bool) -> str:
    """One file's part: a `diff --git` header, `rename from`/`rename to`
    when the file is renamed, and the hunks of its text when that changes.
    Names are relative to where the diff is applied, quoted as git quotes
    them when they hold a quote, a backslash, a control character or
    non-ASCII."""
    import difflib

    a, b = quoted("a/" + old), quoted("b/" + new)
    out = [f"diff --git {a} {b}\n"]
    if renamed:
        out.append("similarity index 100%\n" if after is None else "")
        out += [f"rename from {quoted(old, bare=True)}\n", f"rename to {quoted(new, bare=True)}\n"]
    if before is None or after is None or before == after:
        return "".join(out)
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    for line in difflib.unified_diff(old_lines, new_lines, fromfile=a, tofile=b):
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\a": "\\a",
            "\b": "\\b", "\f": "\\f", "\v": "\\v"}  # fmt: skip


def quoted(name: str, bare: bool = False) -> str:
    """`name` as git writes it in a diff header: as is, or in double quotes
    with C escapes and each non-ASCII byte in octal."""
    if all(32 < ord(c) < 127 and c not in '"\\' for c in name) or (
        bare and all(31 < ord(c) < 127 and c not in '"\\' for c in name)
    ):
        return name
    out = []
    for ch in name:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out += [f"\\{byte:03o}" for byte in ch.encode("utf-8", "surrogateescape")]
    return '"' + "".join(out) + '"'
