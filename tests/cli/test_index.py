"""`kzkb index` as programs call it: the JSON summary costs none of the
table's imports (start-up is most of a nothing-changed refresh: see
bench/), and says the same as the table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import record, write_kb

PROBE = """
import contextlib, io, json, sys
sys.argv = ["kzkb", *sys.argv[1:]]
from kzkb.entry import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps({"output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _kb(tmp_path: Path) -> Path:
    return write_kb(
        tmp_path / "kb",
        {
            "content/a.md": record("A", "alpha"),
            "content/b.md": record("B", "beta"),
            "content/broken.md": "---\ntitle: [unclosed\n---\n",
        },
    )


def _index(kb: Path, index: Path, *args: str) -> dict[str, object]:
    env = {**os.environ, "KZKB_WATCH": "off"}
    env.pop("KZKB_KB", None)
    argv = ["index", "--kb", str(kb), "--index", str(index), *args]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_the_json_summary_loads_no_rich(tmp_path: Path) -> None:
    kb, index = _kb(tmp_path), tmp_path / "index.sqlite"
    _index(kb, index, "--format", "json")  # the first fill
    probe = _index(kb, index, "--format", "json")  # nothing changed
    summary = json.loads(str(probe["output"]))
    assert summary["records"] == 2
    assert summary["by_lang"] == {"en": 2}
    assert summary["refresh"]["unchanged"] == 3
    assert [s["path"] for s in summary["skipped"]] == ["content/broken.md"]
    modules = set(probe["modules"])  # type: ignore[arg-type]
    assert not {m for m in modules if m == "rich" or m.startswith("rich.")}
    table = _index(kb, index)  # the table does load it, and says the same
    assert "rich.table" in table["modules"]  # type: ignore[operator]
    text = str(table["output"])
    assert "Indexed 2 records" in text and "broken.md" in text
