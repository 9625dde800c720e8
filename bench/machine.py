"""The machine the bench ran on, for the report's Machine section."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from pathlib import Path

import psutil

from bench.core import Settings


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine(settings: Settings) -> dict[str, str]:
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    probe = subprocess.run(
        [
            settings.python,
            "-c",
            "import json, platform, sqlite3; c = sqlite3.connect(':memory:'); "
            "fts5 = c.execute(\"select sqlite_compileoption_used('ENABLE_FTS5')\").fetchone()[0]; "
            "print(json.dumps([platform.python_version(), sqlite3.sqlite_version, fts5]))",
        ],
        capture_output=True,
        text=True,
    )
    try:
        python, sqlite, fts5 = json.loads(probe.stdout)
        sqlite_text = f"{sqlite}{' (FTS5 compiled in)' if fts5 else ''}"
    except ValueError:
        python = sqlite_text = f"unknown ({probe.stderr.strip()[:100]})"
    rg = "not found"
    if settings.rg:
        rg_out = subprocess.run([settings.rg, "--version"], capture_output=True, text=True)
        rg = rg_out.stdout.splitlines()[0] if rg_out.stdout else "unknown"
    version = subprocess.run([settings.kzkb, "--version"], capture_output=True, text=True)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    nproc = f"{os.cpu_count()}" + (f" ({affinity} usable)" if affinity != os.cpu_count() else "")
    return {
        "nproc": nproc,
        "CPU": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python (kzkb's)": f"{python} ({settings.python})",
        "SQLite (kzkb's Python)": sqlite_text,
        "ripgrep": rg,
        "kzkb": (version.stdout.strip() or version.stderr.strip()[:100]) + f" ({settings.kzkb})",
    }
