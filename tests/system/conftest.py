"""Everything under tests/system is marked slow: `pytest -m "not slow"` runs the
unit and CLI layers alone; plain `pytest` still runs it all."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # a conftest's collection hook sees every item of the session, not only its folder's
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.slow)
