"""The Typer app and what every command shares: options, KB opening, errors."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from kzkb import __version__
from kzkb.cli.options import arrange, plain_help, suggest
from kzkb.model import KzkbError

T = TypeVar("T")


class Format(StrEnum):
    table = "table"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ColorMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def debug_enabled() -> bool:
    return os.environ.get("KZKB_DEBUG", "") not in ("", "0")


# the commands whose output goes through a pager on a terminal
PAGED = frozenset({"show", "list", "search", "lint", "check-links", "terms", "stats"})


class KzkbGroup(TyperGroup):
    """Turns a KzkbError into one line on stderr and exit code 2; any other
    exception into a one-line internal error (the traceback with --debug).
    Global options are read before or after the command's name (arrange).
    Commands load as they are asked for (kzkb.cli.commands)."""

    def __init__(self, **attrs: Any) -> None:
        from kzkb.cli.commands import LazyCommands

        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands, app)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if "_KZKB_COMPLETE" in os.environ:
            # the shell asks for completions: Typer's classes answer (they are
            # registered with its completion options, which kzkb replaces)
            from typer.completion import completion_init

            completion_init()
        return super().main(*args, **kwargs)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from typer._click import exceptions as click

        args = arrange(list(args))
        if not args or "--help" in args or "-h" in args:
            plain_help()
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            suggest(exc, self)
            raise

    def invoke(self, ctx: Any) -> Any:
        from typer._click import exceptions as click

        try:
            return self._invoke(ctx)
        except click.NoSuchOption as exc:
            command = exc.ctx.command if getattr(exc, "ctx", None) is not None else None
            suggest(exc, command)
            raise

    def _invoke(self, ctx: Any) -> Any:
        from typer._click import exceptions as click

        from kzkb import views
        from kzkb.store.damage import rebuilt_once

        # the command and its arguments, which invoke consumes: kept for a
        # second run on a rebuilt index when the first finds it damaged
        args = (ctx._protected_args, ctx.args)

        def run() -> Any:
            ctx._protected_args, ctx.args = list(args[0]), list(args[1])
            return super(KzkbGroup, self).invoke(ctx)

        try:
            return rebuilt_once(run, views.note)
        except KzkbError as exc:
            views.error(str(exc))
            if debug_enabled():
                import traceback

                traceback.print_exc()
            sys.exit(2)
        except (KeyboardInterrupt, typer.Abort):
            # Ctrl-C (at a prompt, Click's Abort): 128 + SIGINT, as shells
            # report it, never 1, which says "nothing found"
            views.error("interrupted")
            sys.exit(130)
        except BrokenPipeError:
            # `kzkb list | head`: the reader left; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except (SystemExit, typer.Exit, typer.TyperException, click.ClickException):
            raise  # usage errors: Click prints them, with its suggestions, and exits 2
        except OSError as exc:
            message = environment_error(exc)
            if message is None:
                if debug_enabled():
                    raise
                _internal(exc)
            views.error(message)
            if debug_enabled():
                import traceback

                traceback.print_exc()
            sys.exit(2)
        except Exception as exc:
            if debug_enabled():
                raise
            _internal(exc)


def _internal(exc: BaseException) -> NoReturn:
    from kzkb import views

    name = type(exc).__name__
    views.error(f"internal error: {name}: {exc} (run with --debug for the traceback)")
    sys.exit(70)


# What the machine kzkb runs on refuses, whatever kzkb does: each with the fix
_ENVIRONMENT = {
    errno.ENOSPC: "free some space there, or write elsewhere",
    errno.EDQUOT: "free some space within your quota, or write elsewhere",
    errno.EFBIG: "write elsewhere, or raise the file size limit (ulimit -f)",
    errno.EIO: "check the disk (the system could not read or write it)",
    errno.EMFILE: "raise the open-files limit (ulimit -n)",
    errno.ENFILE: "close some programs: the system is out of open files",
    errno.ENAMETOOLONG: "give a shorter name",
    errno.EROFS: "write to a folder on a writable file system",
    errno.EACCES: "check the permissions, or choose another place",
    errno.EPERM: "check the permissions and attributes, or choose another place",
    errno.EBUSY: "try again when the file is no longer in use",
    errno.ETXTBSY: "try again when the file is no longer in use",
    errno.ENXIO: "give a file, or start the reader of that pipe or device first",
}
# these are the machine's whichever file (or none) the system names
_ANY_FILE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.ENFILE})


def environment_error(exc: OSError) -> str | None:
    """The one line for an OSError that the user's machine causes (a full
    disk, a name too long, a read-only or forbidden folder), naming the file;
    None for any other, which is a bug in kzkb (exit 70). Only errors that
    name a file, or that no file could avoid (a full disk), are the machine's."""
    fix = _ENVIRONMENT.get(exc.errno) if exc.errno is not None else None
    if fix is None or (exc.filename is None and exc.errno not in _ANY_FILE):
        return None
    text = exc.strerror or os.strerror(exc.errno or 0)
    if exc.filename is None:
        where = "writing the output"
    elif exc.filename2 is not None:
        where = f"{os.fsdecode(exc.filename)} -> {os.fsdecode(exc.filename2)}"
    else:
        where = os.fsdecode(exc.filename)
    return f"{where}: {text} — {fix}"


app = typer.Typer(
    cls=KzkbGroup,
    name="kzkb",
    help="A command-line knowledge base of sources on gender, civil society and human rights "
    "in Kazakhstan and Central Asia.\n\n"
    "--kb, --index, --debug, --color, --no-pager and --content-dir may come before or after"
    " the command's name.",
    no_args_is_help=True,
    # `kzkb completion SHELL` (and --show-completion SHELL, read as it) instead
    # of Typer's options, which ask the parent process for the shell
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"kzkb {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    color: Annotated[
        ColorMode,
        typer.Option(
            "--color",
            case_sensitive=False,
            metavar="WHEN",
            help="auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR colours a pipe),"
            " always or never.",
        ),
    ] = ColorMode.auto,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Print straight to the terminal (default: show and listings through"
            " $KZKB_PAGER, else $PAGER, else less -FRX).",
        ),
    ] = False,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="SHELL",
            help="Print the completion script for SHELL (as `kzkb completion SHELL`).",
        ),
    ] = None,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="SHELL",
            help="Install completion for SHELL (as `kzkb completion --install SHELL`).",
        ),
    ] = None,
    content_dir: Annotated[
        str | None,
        typer.Option(
            "--content-dir",
            metavar="PATH",
            help="The folder of the records, anywhere (default: $KZKB_CONTENT_DIR, else the"
            " KB's content_dir or Hugo contentDir, which must be inside the KB).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Search, browse and check a Hugo/Docsy knowledge base from the terminal."""
    from kzkb.views import console

    console.set_color(color.value)
    if not no_pager and ctx.invoked_subcommand in PAGED and not ctx.resilient_parsing:
        console.start_pager()
    if debug:
        os.environ["KZKB_DEBUG"] = "1"
    if content_dir:
        # read where the settings are (kzkb.settings.config.open_config), as --debug is
        os.environ["KZKB_CONTENT_DIR"] = content_dir


KbOption = Annotated[
    str | None,
    typer.Option(
        "--kb",
        metavar="PATH",
        help="The KB folder (default: $KZKB_KB, else the nearest kzkb.toml, else the bundled KB).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, tsv in a pipe).",
        case_sensitive=False,
        show_default=False,
    ),
]


def count(lo: int) -> Callable[[Any], int]:
    """The parser of a whole-number option from `lo` up: kzkb.settings.bounds,
    which checks kzkb.toml's numbers too, so none overflows C or SQLite later."""

    def parse(value: Any) -> int:
        from kzkb.settings.bounds import whole_number  # start-up: --version loads no settings

        try:
            return whole_number(str(value), lo)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parse


LimitOption = Annotated[
    int | None,
    typer.Option("--limit", "-n", parser=count(1), metavar="N", help="Show at most N results."),
]


IndexOption = Annotated[
    str | None,
    typer.Option(
        "--index",
        metavar="PATH",
        help="The index database (default: $KZKB_INDEX, else one per KB in the user cache).",
        show_default=False,
    ),
]


class ProgressBar:
    """A Rich progress bar for long work, on a terminal only."""

    def __init__(self, description: str = "Indexing", threshold: int = 2000) -> None:
        self.description = description
        self.threshold = threshold
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < self.threshold or not sys.stderr.isatty():
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            from kzkb import views

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=views.err(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def open_kb(
    kb: str | None,
    index: str | None = None,
    rebuild: bool = False,
    defer: bool = False,
    empty_ok: bool = False,
) -> Any:
    """Find the KB, refresh its index, and report unusable files on stderr.

    With `defer`, the refresh may wait for `fresh()` (see KnowledgeBase.open).
    A KB without a single record, usable or not, is an error (--kb /etc: not
    "no record matches"), unless `empty_ok` (new writes a KB's first record).
    """
    from kzkb.kb import KnowledgeBase

    bar = ProgressBar()
    try:
        base = KnowledgeBase.open(kb, index_path=index, rebuild=rebuild, progress=bar, defer=defer)
    finally:
        bar.close()
    base.empty_ok = empty_ok
    context = typer_context()
    if context is not None:
        # the command's output is written before its context closes
        context.call_on_close(base.close)
    if not defer:
        _warn_skipped(base)
        _refuse_empty(base)
        keep_watching(base)
    return base


def typer_context() -> Any:
    from typer._click.globals import get_current_context

    return get_current_context(silent=True)


def _refuse_empty(base: Any) -> None:
    if getattr(base, "empty_ok", False) or base.index.records.count():
        return
    if base.skipped():
        return  # files it could not read: each was named, and lint says why
    raise KzkbError(
        f"no records in {base.config.content_dir}: it holds no Markdown or HTML file"
        " with front matter",
        "point --kb at a KB folder or a Hugo site (or cd into one), or add a record"
        " with `kzkb new`",
    )


def keep_watching(base: Any) -> None:
    """Start the KB's watcher if it is large enough and none answered this
    refresh (see kzkb.listing.client); the next command then need not scan."""
    stats = base.last_refresh
    if stats.scanned_by == "watcher":
        return
    import contextlib

    from kzkb.listing import client as watch

    # the command's answer stands without it; the next one scans by itself
    with contextlib.suppress(OSError):
        watch.start(base.config, stats.files)


def fresh(base: Any, compute: Callable[[], T]) -> T:
    """`compute()` on a deferred KB, recomputed if the refresh found changes:
    the query runs while the KB is scanned, and an answer is never stale."""
    try:
        result = compute()
    except KzkbError:
        # an unknown term, say, may be new in a file changed since the last refresh
        if _settle(base):
            raise
        return compute()
    return result if _settle(base) else compute()


def _settle(base: Any) -> bool:
    bar = ProgressBar()
    try:
        up_to_date = base.settle(progress=bar)
    finally:
        bar.close()
    _warn_skipped(base)
    _refuse_empty(base)
    keep_watching(base)
    return bool(up_to_date)


def _warn_skipped(base: Any) -> None:
    from kzkb import views

    views.skipped_warnings(base.skipped() if base.last_refresh.skipped else [])
