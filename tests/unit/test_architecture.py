"""The layout README's Design section draws, held to by the code.

Every import between kzkb's packages points down the layers below; none
points up or sideways, so there is no import cycle, whatever the imports'
place in the file. Only the command line and the views touch the terminal
libraries, only the store speaks SQLite, and no module or class grows into
two things.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kzkb"

# lowest first; a unit may import its own modules and any unit of a lower layer
LAYERS: list[set[str]] = [
    {"model", "digest"},
    {"files", "urls", "safe_yaml", "text", "journal"},
    {"settings"},
    {"hugo", "listing"},
    {"parse"},
    {"search"},
    {"store"},
    {"searcher"},
    {"choosing"},  # the filters a command is given, checked: the facade's helper
    {"kb"},
    {"check", "lint", "export", "new"},
    {"move"},  # kzkb mv: check's link resolution and lint's gate
    {"views"},
    {"lsp"},  # the language server: every core unit below, run by one command
    {"cli"},
    {"entry"},
    {"__main__"},
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
TERMINAL = {"typer", "rich", "click", "shellingham"}
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append((".".join(parts), path))
    return out


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "kzkb"


def imports(path: Path) -> list[tuple[str, int]]:
    """Every module `path` imports, at the top or inside a function: a cycle
    hidden in a function is still a cycle."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kzkb":  # from kzkb import views
                found += [(f"kzkb.{a.name}", node.lineno) for a in node.names]
            else:
                found.append((node.module, node.lineno))
    return found


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(name) for name, _ in modules()} - {"kzkb"}
    assert units == set(RANK), "add the new unit to LAYERS and to README's Design section"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for name, path in modules():
        here = unit_of(name)
        for target, line in imports(path):
            if not target.startswith("kzkb.") or target == "kzkb.__version__":
                continue
            there = unit_of(target)
            if there != here and here in RANK and RANK[there] >= RANK[here]:
                wrong.append(f"{path.relative_to(SRC.parent)}:{line}: {here} -> {there}")
    assert wrong == []


def test_no_import_cycle_between_modules() -> None:
    graph = {name: set() for name, _ in modules()}
    for name, path in modules():
        for target, _ in imports(path):
            if target in graph and target != name:
                graph[name].add(target)
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            pytest.fail("import cycle: " + " -> ".join([*trail[trail.index(node) :], node]))
        if node in done:
            return
        for nxt in sorted(graph[node]):
            # a package's __init__ is imported by its own submodules' import
            # machinery, not by their code: only code imports count
            visit(nxt, [*trail, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_only_the_command_line_and_views_touch_the_terminal() -> None:
    wrong = [
        f"{path.relative_to(SRC.parent)}:{line}: {target}"
        for name, path in modules()
        if unit_of(name) not in ("cli", "views")
        for target, line in imports(path)
        if target.split(".")[0] in TERMINAL
    ]
    assert wrong == []


def test_only_the_store_speaks_sqlite() -> None:
    wrong = [
        f"{path.relative_to(SRC.parent)}:{line}"
        for name, path in modules()
        if unit_of(name) != "store"
        for target, line in imports(path)
        if target.split(".")[0] == "sqlite3"
    ]
    assert wrong == []


def test_no_module_or_class_is_two_things() -> None:
    big = []
    for _, path in modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            big.append(f"{path.relative_to(SRC.parent)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > MAX_CLASS_LINES:
                    big.append(f"{path.relative_to(SRC.parent)}: class {node.name}, {length} lines")
    assert big == []
