"""The `kzkb` executable: start the KB's change scan, then the command line.

The scan (kzkb.listing.prescan) is forked before Typer, Rich and the commands
are imported, so that it runs while they load and while the query is prepared.
"""

from __future__ import annotations

from kzkb.listing import prescan


def main() -> None:
    prescan.start()
    # imported only now: loading Typer, Rich and the commands is what the scan overlaps
    from kzkb.cli import main as cli_main

    cli_main()
