"""Start-up: `kzkb --version`, beside the bare interpreter's start."""

from __future__ import annotations

import statistics

from bench.core import Harness, Measure, MeasureFailed, Target, log

VERSION_TARGET = Target("≤ 0.06 s", 0.06)  # issue 20


def version(h: Harness, n: int) -> Measure:
    m = Measure("`kzkb --version`, end to end", VERSION_TARGET)

    def once(i: int) -> float:
        r = h.kzkb("--version")
        if not r.ok:
            raise MeasureFailed(r.failure())
        return r.seconds

    log(f"[{n}] kzkb --version")
    h.repeated(m, h.s.repeat, once, "kzkb --version")
    floor = [h.run([h.s.python, "-I", "-c", "pass"]).seconds for _ in range(4)][1:]
    m.notes.append(f"the interpreter alone (`python -I -c pass`): {statistics.median(floor):.3f} s")
    return m
