"""A long fuzzing campaign of the loader and the link extractor.

Not collected by pytest (its name is not test_*). It checks the properties of
tests/unit/test_fuzz_loader.py for as long as it is given, with one of two engines:

  python tests/system/fuzz_campaign.py hypothesis --examples 20000
      each property with that many generated examples (no example database);

  python tests/system/fuzz_campaign.py atheris --seconds 900
      coverage-guided (libFuzzer through atheris, `pip install atheris`: it is
      no dependency of kzkb) on the bytes of one file, with the syntax of
      tests/unit/test_fuzz_loader.SYNTAX as its dictionary. A failed property, an
      exception or an input that takes over a second is written to
      fuzz-findings/ and the run goes on.

Either prints how many examples ran and what it found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # `tests` as a package, from any directory


def run_hypothesis(examples: int) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.unit import test_fuzz_loader as t

    big = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    counts: dict[str, int] = {}

    def counted(name: str, check: Callable[..., None]) -> Callable[[tuple[Any, ...]], None]:
        def run(args: tuple[Any, ...]) -> None:
            counts[name] = counts.get(name, 0) + 1
            check(*args)

        return run

    def load(text: str) -> None:
        t.check_loaded(t.load_bytes(text.encode("utf-8", "surrogatepass"), "x.md", t.CONFIG))

    def inner(test: Any) -> Callable[..., None]:
        return test.hypothesis.inner_test  # the test's own body, without its @given

    # name -> (strategies, check); a tenth of the examples for the costly ones
    properties = {
        "any bytes": (
            (st.binary(max_size=2000),),
            lambda b: t.check_loaded(t.load_bytes(b, "x.md", t.CONFIG)),
        ),
        "syntax soup": ((st.lists(t.soup, max_size=8).map("".join),), load),
        "front matter": ((t.front_matter_files(),), load),
        "valid front matter": (
            (st.sampled_from(["yaml", "toml", "json"]), t.front),
            inner(t.test_valid_front_matter_always_loads),
        ),
        "link positions": (
            (st.lists(t.markdown, max_size=6).map("".join), st.integers(1, 50)),
            inner(t.test_links_are_where_the_body_holds_them),
        ),
        "columns": (
            (st.text(max_size=300), st.data()),
            inner(t.test_columns_counted_on_agree_with_counting_from_the_line_start),
        ),
        "refs": (
            (st.lists(t.ref_bodies, max_size=3).map("".join),),
            inner(t.test_refs_are_found_as_before),
        ),
        "indexed read back": (
            (st.sampled_from(["yaml", "toml", "json"]), t.front, t.markdown),
            inner(t.test_an_indexed_record_reads_back_as_it_was_loaded),
        ),
    }
    failures = 0
    for name, (strategies, check) in properties.items():
        n = examples // 10 if name == "indexed read back" else examples
        prop = settings(big, max_examples=n)(given(st.tuples(*strategies))(counted(name, check)))
        started = time.process_time()
        try:
            prop()
            status = "ok"
        except Exception:  # a falsified property: hypothesis printed the example
            failures += 1
            status = "FAILED\n" + traceback.format_exc(limit=3)
        cpu = time.process_time() - started
        print(f"{name}: {counts.get(name, 0)} examples, {cpu:.0f} s CPU: {status}", flush=True)
    return failures


def run_atheris(seconds: int, out: Path) -> int:
    import atheris

    with atheris.instrument_imports(include=["kzkb"]):
        from kzkb.parse.record import load_bytes

    from tests.unit import test_fuzz_loader as t

    out.mkdir(exist_ok=True)
    seen: set[str] = set()
    stats = {"examples": 0, "findings": 0}

    def finding(kind: str, data: bytes, detail: str) -> None:
        key = hashlib.sha1(
            f"{kind}{detail.splitlines()[-1] if detail else ''}".encode()
        ).hexdigest()
        if key in seen:
            return
        seen.add(key)
        stats["findings"] += 1
        (out / f"{kind}-{key[:12]}.bin").write_bytes(data)
        (out / f"{kind}-{key[:12]}.txt").write_text(detail, "utf-8")
        print(f"\nFINDING {kind}: {detail.splitlines()[-1] if detail else ''}", flush=True)

    progress = out / "progress.json"
    cpu0 = time.process_time()

    def one(data: bytes) -> None:
        stats["examples"] += 1
        if stats["examples"] % 5000 == 0:  # libFuzzer ends the process itself, unannounced
            cpu = round(time.process_time() - cpu0)
            progress.write_text(json.dumps({**stats, "cpu_seconds": cpu}), "utf-8")
        started = time.perf_counter()
        try:
            t.check_loaded(load_bytes(data, "x.md", t.CONFIG))
        except Exception:
            finding("crash", data, traceback.format_exc())
        took = time.perf_counter() - started
        if took > 1.0:
            finding("slow", data, f"{len(data)} bytes took {took:.1f} s")

    with tempfile.NamedTemporaryFile("w", suffix=".dict", delete=False) as handle:
        for token in t.SYNTAX:
            raw = token.encode("utf-8", "surrogatepass")
            handle.write('"' + "".join(f"\\x{b:02x}" for b in raw) + '"\n')
        dictionary = handle.name
    started = time.process_time()
    argv = [
        sys.argv[0],
        f"-max_total_time={seconds}",
        "-max_len=8192",
        "-rss_limit_mb=3072",
        "-timeout=30",
        f"-dict={dictionary}",
        "-print_final_stats=1",
    ]
    atheris.Setup(argv, one)
    try:
        atheris.Fuzz()
    except SystemExit:
        pass
    finally:
        os.unlink(dictionary)
        print(
            json.dumps({**stats, "cpu_seconds": round(time.process_time() - started)}),
            flush=True,
        )
    return stats["findings"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["hypothesis", "atheris"])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=900)
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()
    if args.engine == "hypothesis":
        found = run_hypothesis(args.examples)
    else:
        found = run_atheris(args.seconds, args.out)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
