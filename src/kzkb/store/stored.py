"""The records a query chose, read back by id: what export writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kzkb.model import KzkbError, Record
from kzkb.store.codec import record_from_json


class Stored:
    """Records by id in an index, in order: iterated one at a time, or read
    by worker processes (each with its own connection) for a large export."""

    def __init__(self, index: Any, ids: list[int], command: str = "export") -> None:
        # command: export or search, as the error names it ("while exporting")
        self.index = index
        self.ids = ids
        self.command = command  # what the error says to run again

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Record]:
        count = 0
        for start in range(0, len(self.ids), 256):
            for data in self.index.records.data_of(self.ids[start : start + 256]):
                count += 1
                yield record_from_json(data)
        if count != len(self.ids):
            raise changed_meanwhile(self.command)


def changed_meanwhile(command: str = "export") -> KzkbError:
    """Records chosen, then gone: another kzkb refreshed the index meanwhile.
    Better no answer than one that silently lacks them."""
    return KzkbError(
        f"the index changed while {command}ing (another kzkb command refreshed it)",
        f"run the {command} again",
    )
