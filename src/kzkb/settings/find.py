"""Where the KB is: --kb, else $KZKB_KB, else the nearest KB folder at or
above the working directory, else the KB bundled with kzkb."""

from __future__ import annotations

import os
from pathlib import Path

from kzkb.model import KzkbError
from kzkb.settings.hugo import HUGO_FILES, hugo_site
from kzkb.settings.own import CONFIG_NAME, PYPROJECT, tool_table


def bundled_kb() -> Path | None:
    """The KB shipped with kzkb: inside the wheel, else in a source checkout."""
    package = Path(__file__).resolve().parent.parent  # src/kzkb, or kzkb in the wheel
    for candidate in (package / "_kb", package.parent.parent / "kb"):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return None


def is_kb(folder: Path) -> bool:
    """Whether `folder` holds a KB's settings: kzkb.toml, [tool.kzkb] or a Hugo site's."""
    if (folder / CONFIG_NAME).is_file():
        return True
    pyproject = folder / PYPROJECT
    if pyproject.is_file() and tool_table(pyproject) is not None:
        return True
    return hugo_site(folder, strict=True)


def find_kb(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """Where the KB is: --kb, else $KZKB_KB, else the nearest folder at or
    above the working directory with a kzkb.toml, a pyproject.toml with
    [tool.kzkb] or a Hugo configuration (or a kb/ folder with a kzkb.toml),
    else the bundled KB."""
    given = explicit if explicit not in (None, "") else os.environ.get("KZKB_KB") or None
    if given is not None:
        path = Path(given).expanduser()
        if path.is_file() and (path.name in (CONFIG_NAME, PYPROJECT) or path.name in HUGO_FILES):
            return path.parent
        if not path.exists():
            source = "--kb" if explicit not in (None, "") else "KZKB_KB"
            raise KzkbError(
                f"no such knowledge base: {path} (from {source})",
                "give --kb a folder of Markdown records",
            )
        if not path.is_dir():
            raise KzkbError(f"not a folder: {path}", "give --kb a folder of Markdown records")
        return path
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if is_kb(folder):
            return folder
        if (folder / "kb" / CONFIG_NAME).is_file():
            return folder / "kb"
    bundled = bundled_kb()
    if bundled is None:
        raise KzkbError(
            "no knowledge base found here and none bundled",
            "pass --kb PATH or set KZKB_KB",
        )
    return bundled
