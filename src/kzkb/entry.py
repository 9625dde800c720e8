"""The `kzkb` executable: start the KB's change scan, then the command line.

The scan (kzkb.listing.prescan) is forked before Typer, Rich and the commands
are imported, so that it runs while they load and while the query is prepared.
"""

from __future__ import annotations

import sys

# what `kzkb --version` is asked as: answered before anything else loads, so
# that it costs Python's start and not the command line's (Typer, the
# commands and the prescan are about 0.1 s of imports)
_VERSION_ARGS = (["--version"], ["-V"])


def main() -> None:
    if sys.argv[1:] in _VERSION_ARGS:
        from kzkb import __version__

        print(f"kzkb {__version__}")
        return
    import gc

    # Python's cyclic collector walks every object the imports make, again
    # and again as they load and once more at exit, and finds no garbage
    # among them: it is off while they load, and what they made is set aside
    # for good (gc.freeze) before the command runs, whose own objects it
    # still collects. 30-45 ms of a 0.2 s command on a 2-core machine.
    gc.disable()
    try:
        from kzkb.listing import prescan

        prescan.start()
        # imported only now: loading Typer, Rich and the commands is what the scan overlaps
        from kzkb.cli import main as cli_main
    finally:
        gc.freeze()
        gc.enable()
    cli_main()
