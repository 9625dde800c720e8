"""The gate every repair of --fix goes through: a repaired text is written
only when it reads, as every command reads it (kzkb.parse.record.read_front),
exactly as intended. The field repaired must hold the value meant; every
other field, as parsed and as normalised, and the body must be as they
were; and the file must still be a record. What a line edit cannot write
exactly is not written."""

from __future__ import annotations

import math
import re
from typing import Any

from kzkb.model import Skipped
from kzkb.parse.record import Front, read_front
from kzkb.parse.source import as_loaded
from kzkb.settings.config import Config

_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


class Gate:
    """Checks the repairs of one file."""

    # expected for a key whose writing changes but whose value must not
    SAME: Any = object()

    def __init__(self, rel: str, config: Config) -> None:
        self.rel = rel
        self.config = config

    def _read(self, text: str) -> Front | None:
        front = read_front(self.rel, as_loaded(text), self.config)
        return None if isinstance(front, Skipped) else front

    def allows(self, old_text: str, new_text: str, expect: dict[str, Any]) -> bool:
        """Whether `new_text` reads as `old_text` does, except that each key
        of `expect` holds its value there (normalised, as records hold it;
        Gate.SAME: the value it holds now)."""
        old, new = self._read(old_text), self._read(new_text)
        if old is None or new is None or old.split.fmt != new.split.fmt:
            return False
        if new.split.body != old.split.body or old.raw.keys() != new.raw.keys():
            return False
        if old.fields.keys() != new.fields.keys() or not set(expect) <= new.fields.keys():
            return False
        for key, value in old.raw.items():
            if str(key) not in expect and not same(value, new.raw[key]):
                return False
        for key, value in old.fields.items():
            want = expect.get(key, Gate.SAME)
            if not same(value if want is Gate.SAME else want, new.fields[key]):
                return False
        return True

    def allows_unescaped(self, old_text: str, new_text: str, lines: int) -> bool:
        """Whether escaped front matter was unescaped completely: the new
        text is a record whose YAML front matter holds one field for each
        `key:` line unescaped, and whose body is the old text's after its
        first `lines` lines, untouched."""
        old, new = self._read(old_text), self._read(new_text)
        if old is None or new is None or new.split.fmt != "yaml":
            return False
        rest = "\n".join(old_text.removeprefix("\ufeff").split("\n")[lines:])
        if new.split.body != as_loaded(rest):
            return False
        front = new.split.front.split("\n")
        keys = {m["key"] for line in front if (m := _KEY_LINE.match(line))}
        return keys == {str(key) for key in new.raw}


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (True is no 1, "1" no 1);
    NaN is the same as NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def flow_list(items: list[Any]) -> str | None:
    """`items` as a YAML flow list on one line, as YAML's emitter writes it
    (each item quoted when YAML needs it: [Local NGO, 'a]b']), or with every
    item double-quoted when a plain or single-quoted one would not fit one
    line; None if neither does."""
    import yaml

    for style in (None, '"'):
        out = yaml.safe_dump(
            list(items),
            default_flow_style=True,
            default_style=style,
            allow_unicode=True,
            width=math.inf,
        ).rstrip("\n")
        if "\n" not in out:
            return out
    return None
