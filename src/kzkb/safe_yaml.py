"""The hardened YAML loader every reader of YAML in kzkb goes through, and its errors.

Front matter and Hugo's config come from anyone: a YAML document may nest
thousands deep, hold an alias bomb, or a value its tag cannot hold. The
loader refuses those with a YAML error at their line instead of a crash,
and yaml_problem turns any YAML error into the line and text kzkb reports.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Any

# Bounds on what one file may make the loader build. Front matter nests a few
# levels and repeats little; a file past these is an accident or an attack,
# and walking it (normalising it, storing it as JSON) would exhaust the stack,
# the memory or the patience of whoever indexes the KB.
MAX_DEPTH = 100
# values YAML aliases may add to what is written: a "billion laughs" file of
# 300 bytes expands to 10^9 values otherwise
ALIAS_BUDGET = 100_000
# Python turns no int of more digits into text (sys.int_max_str_digits), and
# storing a record does
MAX_INT_DIGITS = 4300
TOO_DEEP = f"front matter nested more than {MAX_DEPTH} levels deep: flatten it"
LONG_NUMBER = f"a number of more than {MAX_INT_DIGITS} digits: quote it to keep it as text"


def yaml_problem(exc: Exception) -> tuple[int | None, str]:
    """(0-based line, problem) of a YAML error, as lint and the index both
    report it: an unclosed quote or bracket where it was opened (the
    context), not where the text ran out."""
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "problem_mark", None)
    if context.startswith(("while scanning a quoted", "while parsing a flow")):
        mark = getattr(exc, "context_mark", None) or mark
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["?"])[0]
    return (mark.line if mark is not None else None), str(problem)


@lru_cache(maxsize=1)
def yaml_loader() -> type:
    """PyYAML's safe loader (the C one, several times faster on large KBs),
    but a date that is no date (2023-13-45) stays the text it is, for lint
    to report, instead of failing the whole file; a value its type cannot
    hold (`!!bool maybe`, `0b_`) is a YAML error at its line, not a crash;
    and a document nested too deeply, holding an alias inside itself, or
    whose aliases multiply what is written (an alias bomb) is refused before
    anything is built from it, with the loader's `Refused`, a YAML error."""
    import yaml
    from yaml.constructor import ConstructorError

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    refused = type("Refused", (ConstructorError,), {})

    class KzkbSafeLoader(base):  # type: ignore[misc, valid-type]
        Refused = refused
        check_nodes = True

        def get_single_data(self) -> Any:
            return self.node_and_data()[1]

        def node_and_data(self) -> tuple[Any, Any]:
            """The document's node and the data built of it, in one parse
            (lint needs both: the data, and where each value is written)."""
            node = self.get_single_node()
            if node is None:
                return None, None
            if self.check_nodes:
                _check_nodes(node, refused)
            try:
                return node, self.construct_document(node)
            except _CONSTRUCT_ERRORS as exc:
                raise ConstructorError(None, None, _bad_value(node, exc), node.start_mark) from None

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except _CONSTRUCT_ERRORS as exc:
                raise ConstructorError(None, None, _bad_value(node, exc), node.start_mark) from None

    KzkbSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    return KzkbSafeLoader


def compose_and_load(text: str) -> tuple[Any, Any]:
    """(node, data) of a YAML document, parsed once by yaml_loader(). Raises
    a YAML error as yaml.load does."""
    loader = yaml_loader()(text)
    try:
        return loader.node_and_data()
    finally:
        loader.dispose()


@lru_cache(maxsize=1)
def yaml_loader_without_anchors() -> type:
    """yaml_loader() for YAML without an `&anchor`, which can hold no alias:
    nothing is shared, nothing repeats, and normalisation bounds the depth,
    so the walk of the nodes (a tenth of the parse) is not needed."""
    return type("KzkbPlainLoader", (yaml_loader(),), {"check_nodes": False})


# what PyYAML's constructors raise, besides YAML errors, on values like

# `!!int x`, `!!int` of nothing (IndexError), `!!bool maybe`, `0b_` or an
# int of 5,000 digits
_CONSTRUCT_ERRORS = (ValueError, TypeError, LookupError, OverflowError, AttributeError)


def _bad_value(node: Any, exc: Exception) -> str:
    if "digits" in str(exc):
        return LONG_NUMBER
    value = node.value if isinstance(node.value, str) else ""
    shown = value if len(value) <= 40 else value[:40] + "…"
    kind = str(node.tag).rsplit(":", 1)[-1]
    return f"{shown!r} is not a valid {kind}: quote it to keep it as text"


def _check_nodes(root: Any, refused: type[Exception]) -> None:
    """Refuse a YAML node graph nothing could walk: nesting deeper than
    MAX_DEPTH, an alias inside the value it names (a cycle), or aliases that
    expand it by more than ALIAS_BUDGET values. Aliases share nodes, so this
    visits each node once and knows each shared node's expanded size."""
    import yaml

    mapping, scalar = yaml.MappingNode, yaml.ScalarNode
    if isinstance(root, scalar):
        return

    def children(node: Any) -> Any:
        return chain.from_iterable(node.value) if isinstance(node, mapping) else iter(node.value)

    def bomb(node: Any) -> Exception:
        return refused(
            None,
            None,
            f"YAML aliases expand too far (alias bomb?): more than {ALIAS_BUDGET:,} values"
            " beyond those written; write the values out instead",
            node.start_mark,
        )

    done: dict[int, int] = {}  # id of a node walked -> its expanded size
    on_path = {id(root)}
    written = 1  # values as written, each node once
    # [node, its children still to visit, its expanded size so far]
    stack: list[list[Any]] = [[root, children(root), 1]]
    while stack:
        frame = stack[-1]
        child = next(frame[1], None)
        if child is None:
            stack.pop()
            key = id(frame[0])
            on_path.discard(key)
            done[key] = frame[2]
            if stack:
                stack[-1][2] += frame[2]
                if stack[-1][2] > written + ALIAS_BUDGET:
                    raise bomb(stack[-1][0])
            continue
        key = id(child)
        size = done.get(key)
        if size is not None:  # an alias of a node walked already
            frame[2] += size
            if frame[2] > written + ALIAS_BUDGET:
                raise bomb(frame[0])
        elif isinstance(child, scalar):
            size = 1 + len(child.value)
            written += size
            done[key] = size
            frame[2] += size
        elif key in on_path:
            raise refused(
                None,
                None,
                "a YAML alias inside the value it names (*a within &a): remove the alias",
                child.start_mark,
            )
        elif len(stack) >= MAX_DEPTH:
            raise refused(None, None, TOO_DEEP, child.start_mark)
        else:
            written += 1
            on_path.add(key)
            stack.append([child, children(child), 1])


def _timestamp_or_text(loader: Any, node: Any) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)
