"""The entry's start-up shortcut (kzkb.entry.main): the cyclic garbage
collector is off while the command line loads and what the imports made is
frozen, but the command itself runs with the collector on, so that a long
command (a cold index, an export) still frees the cycles it makes."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

import kzkb.cli
from kzkb import entry


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_the_command_runs_with_the_collector_on_and_collecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[bool, int, bool]] = []

    def command() -> None:
        node = _Node()
        gone = weakref.ref(node)
        del node
        gc.collect()
        seen.append((gc.isenabled(), gc.get_freeze_count(), gone() is None))

    monkeypatch.setattr(sys, "argv", ["kzkb", "no-such-command"])  # nothing is prescanned
    monkeypatch.setattr(kzkb.cli, "main", command)
    was_enabled = gc.isenabled()
    try:
        entry.main()
    finally:
        gc.unfreeze()
        (gc.enable if was_enabled else gc.disable)()
    assert len(seen) == 1
    enabled, frozen, collected = seen[0]
    assert enabled and collected
    assert frozen > 0  # what was loaded before the command is set aside


def test_version_is_answered_before_anything_is_frozen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["kzkb", "--version"])
    before = gc.get_freeze_count()
    entry.main()
    assert capsys.readouterr().out.startswith("kzkb ")
    assert gc.get_freeze_count() == before and gc.isenabled()
