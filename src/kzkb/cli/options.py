"""Where the command line's options are read, whatever order they come in,
what a typo is answered with, and help shown as text.

Global options work before or after the command's name (arrange); a
mistyped option is answered with the nearest real one by edit distance
(closest); help texts are text, not Rich markup (plain_help).
"""

from __future__ import annotations

from typing import Any

# Options every command takes, before or after the command's name (git's
# --no-pager, gh's --color): the root's, moved in front of the command when
# given after it, and the commands' own (--kb, --index), moved after the
# command's name when given before it. Each: does it take a value?
ROOT_OPTIONS = {"--debug": False, "--no-pager": False, "--color": True, "--content-dir": True}
COMMAND_OPTIONS = {"--kb": True, "--index": True}


def _take(args: list[str], i: int, valued: bool) -> tuple[list[str], int]:
    """The option at args[i] with its value (if it takes one), and where the next starts."""
    if valued and "=" not in args[i] and i + 1 < len(args):
        return args[i : i + 2], i + 2
    return args[i : i + 1], i + 1


def arrange(args: list[str]) -> list[str]:
    """The command line with each global option where Click reads it:
    `kzkb --kb X search q --debug` as `kzkb --debug search --kb X q`.
    Nothing after `--` moves: it is an argument, whatever it looks like."""
    args = _completion_options(args)
    root: list[str] = []
    down: list[str] = []
    i = 0
    while i < len(args):
        name = args[i].partition("=")[0]
        if args[i] == "--" or not args[i].startswith("-"):
            break  # the command's name
        if name in COMMAND_OPTIONS:
            taken, i = _take(args, i, COMMAND_OPTIONS[name])
            down.extend(taken)
        else:
            taken, i = _take(args, i, ROOT_OPTIONS.get(name, False))
            root.extend(taken)
    if i >= len(args) or args[i] == "--":
        return [*root, *down, *args[i:]]
    command, rest = args[i], args[i + 1 :]
    kept: list[str] = []
    j = 0
    while j < len(rest):
        name = rest[j].partition("=")[0]
        if rest[j] == "--":
            kept.extend(rest[j:])
            break
        if name in ROOT_OPTIONS:
            taken, j = _take(rest, j, ROOT_OPTIONS[name])
            root.extend(taken)
        elif name in COMMAND_OPTIONS:
            taken, j = _take(rest, j, COMMAND_OPTIONS[name])
            kept.extend(taken)  # a value that starts with - stays the option's
        else:
            kept.append(rest[j])
            j += 1
    return [*root, command, *down, *kept]


def _completion_options(args: list[str]) -> list[str]:
    """Typer's `--show-completion [SHELL]` and `--install-completion [SHELL]`
    as the `completion` command, which honours the shell it is given (Typer's
    own option takes no value and asks the parent process, which from `sh -c`
    is sh)."""
    for flag, extra in (("--show-completion", []), ("--install-completion", ["--install"])):
        for i, arg in enumerate(args):
            if arg == "--":
                break
            name, eq, value = arg.partition("=")
            if name != flag:
                continue
            shell = [value] if eq else []
            if not eq and i + 1 < len(args) and not args[i + 1].startswith("-"):
                shell = [args[i + 1]]
            return ["completion", *extra, *shell]
    return args


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment): a swapped pair is one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def closest(name: str, names: Any) -> list[str]:
    """The names nearest `name` by edit distance, if near enough to be a typo
    (a third of its letters at most, two at least): --colour is --color,
    not --country, which shares its first letters."""
    bare = name.lstrip("-")
    limit = max(2, len(bare) // 3)
    scored = sorted((edit_distance(bare, n.lstrip("-")), n) for n in set(names))
    best = [n for d, n in scored if d <= limit and d == scored[0][0]] if scored else []
    return best


def suggest(exc: Any, command: Any) -> None:
    """Click's NoSuchOption with suggestions by edit distance among the
    command's real options and the global ones (Click's difflib prefers a
    shared beginning)."""
    ctx = getattr(exc, "ctx", None)
    names = set(ROOT_OPTIONS)
    if command is not None and ctx is not None:
        for param in command.get_params(ctx):
            names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
        if exc.option_name in COMMAND_OPTIONS and command.name:
            # --kb and --index are read anywhere on the line and handed to the
            # command: one that has no use for it says so, rather than
            # suggesting the very option it refused
            exc.message = f"kzkb {command.name} takes no {exc.option_name} option — leave it out"
            exc.possibilities = None
            return
    else:
        names |= set(COMMAND_OPTIONS)
    found = closest(exc.option_name, names - {exc.option_name})
    if found:
        exc.possibilities = found


def plain_help() -> None:
    """Help texts are text, not Rich markup: `[index] watch = false` shows
    as written (Typer's "rich" mode read [index] as a style and dropped it).
    Typer keeps its panels and colours; only the texts are no longer parsed."""
    from typer import rich_utils

    from kzkb.views.console import data_lines

    if getattr(rich_utils, "_kzkb_plain", False):
        return

    def make_text(*, text: str, style: str = "", markup_mode: Any) -> Any:
        import inspect

        # as text (its line breaks kept), never markup nor terminal control
        return rich_utils.highlighter(data_lines(inspect.cleandoc(text), style=style))

    rich_utils._make_rich_text = make_text
    rich_utils._kzkb_plain = True  # type: ignore[attr-defined]
