#!/usr/bin/env python3
"""Benchmark kzkb: `python bench/run.py [options]`; see bench/README.md and --help.

The thin entry of the bench package (bench/cli.py), kept so that the command
a user runs from the repository's root stays the same.
"""

import sys
from pathlib import Path

# Run as a script, this folder is sys.path[0], where its modules could shadow
# others; the package is imported from the repository's root instead.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
