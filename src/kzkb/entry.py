"""The `kzkb` executable: start the KB's change scan, then the command line.

The scan (kzkb.prescan) is forked before Typer, Rich and the commands are
imported, so that it runs while they load and while the query is prepared.
"""

from __future__ import annotations


def main() -> None:
    from kzkb import prescan

    prescan.start()
    from kzkb.cli import main as cli_main

    cli_main()
