#!/usr/bin/env python3
"""Generate a synthetic kzkb knowledge base shaped like the bundled kb/.

    python bench/generate.py OUT_DIR N [--seed S] [--body-scale K] [--force]

writes N Markdown files (four of them section pages, `_index.md`) under OUT_DIR
plus a copy of kb/kzkb.toml: source records in sources/sources/, document
summaries in documents/, guides in guides/ (some as English/Kazakh translation
pairs, name.md + name.kk.md). Every record has YAML front matter like the real
records (title, description, category, countries, tags, language, data_type,
url, created, date) and a 1-4 KB body (K times that with --body-scale K) of
English, Russian and Kazakh paragraphs with headings and 3-10 root-relative
internal links, about 1% of them broken.

The output is a pure function of (N, seed, body scale, GENERATOR_VERSION). A
marker file, OUT_DIR/.kzkb-bench.json, is written last: its presence means the KB is
complete (hidden files are ignored by kzkb and by `rg`).

Standard library only, one process (plus two writer threads), plain file
writes: 100,000 files (about 300 MB) take about 20 s on two cores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tomllib
from dataclasses import asdict
from pathlib import Path

GENERATOR_VERSION = 1
MARKER = ".kzkb-bench.json"
DEFAULT_SEED = 20240308
DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "kb" / "kzkb.toml"

# Run as a script (`python bench/generate.py`) or imported from its file (the
# tests), the bench package may not be importable yet: the repository's root is.
if __package__ != "bench":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import MIN_FILES, Generator, Stats  # noqa: E402

# --- API for run.py -----------------------------------------------------------------


def categories_of(template: Path) -> list[str]:
    with open(template, "rb") as fh:
        config = tomllib.load(fh)
    terms = config.get("terms", {}).get("category", [])
    slugs = [str(t["slug"]) for t in terms if isinstance(t, dict) and t.get("slug")]
    if not slugs:
        raise ValueError(f"{template}: no [[terms.category]] with a slug")
    return slugs


def read_marker(out: Path) -> dict[str, object] | None:
    try:
        data = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(out: Path, n: int, seed: int, body_scale: int = 1) -> bool:
    """Whether `out` holds a complete KB of this generator for (n, seed, body_scale)."""
    marker = read_marker(out)
    return (
        marker is not None
        and marker.get("generator_version") == GENERATOR_VERSION
        and marker.get("n") == n
        and marker.get("seed") == seed
        and marker.get("body_scale", 1) == body_scale
    )


def generate(
    out: Path,
    n: int,
    seed: int = DEFAULT_SEED,
    template: Path = DEFAULT_TEMPLATE,
    body_scale: int = 1,
) -> Stats:
    """Write the KB into `out`, which must be missing or empty."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    stats = Generator(n, seed, categories_of(template), body_scale).write(out, template)
    marker = {"generator_version": GENERATOR_VERSION, "n": n, "seed": seed, **asdict(stats)}
    if body_scale != 1:  # markers of the usual KBs stay as they were
        marker["body_scale"] = body_scale
    del marker["seconds"]  # the marker, like the records, is a function of (n, seed)
    (out / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("n", type=int, metavar="N", help=f"number of files (>= {MIN_FILES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--template",
        type=Path,
        default=DEFAULT_TEMPLATE,
        help="kzkb.toml to copy and take categories from (default: kb/kzkb.toml)",
    )
    parser.add_argument(
        "--body-scale",
        type=int,
        default=1,
        help="bodies this many times longer, 1-4 KB times it (default: 1)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace OUT_DIR if it holds a KB made by this script (never any other folder)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out_dir
    if args.n < MIN_FILES:
        parser.error(f"N must be at least {MIN_FILES}")
    if not args.template.is_file():
        parser.error(f"no such template: {args.template}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not args.force:
            parser.error(f"{out} exists and is not empty (--force replaces a generated KB)")
        if read_marker(out) is None:
            parser.error(f"{out} was not made by this script ({MARKER} missing); not replacing it")
        shutil.rmtree(out)
    if args.body_scale < 1:
        parser.error("--body-scale must be at least 1")
    stats = generate(out, args.n, args.seed, args.template, args.body_scale)
    print(
        f"wrote {stats.files} files ({stats.bytes / 1e6:.1f} MB; "
        + ", ".join(f"{v} {k}" for k, v in stats.records.items())
        + f") to {out} in {stats.seconds:.1f} s; {stats.links} internal links, "
        f"{stats.broken_links} broken, {stats.external_links} external",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
