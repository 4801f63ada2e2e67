"""The package's layout is its architecture: dependencies point one way, and no module or function sprawls."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "communique"

# Lowest first. A module may import from its own package and from lower layers only.
LAYERS = [
    {"errors"},
    {"base"},
    {"inference", "corpus"},
    {"models"},
    {"documents"},
    {"evaluation"},
    {"outputs"},
    {"training", "batch"},
    {"labelling", "integrations"},
    {"api"},
    {"cli"},
    {"__init__", "__main__", "dask", "segmentation"},
]
LAYER = {name: level for level, names in enumerate(LAYERS) for name in names}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 100


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def part_of(path: Path) -> str:
    """The top-level part of the package a file belongs to: ``models`` for models/model.py, ``api`` for api.py."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_parts(path: Path) -> set[str]:
    """The parts of communique that ``path`` imports (relative or absolute), at any depth in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_depth = len(path.relative_to(PACKAGE).parts) - 1
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(path.relative_to(PACKAGE).parts[:-1])[: package_depth - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
                if target:
                    found.add(target[0])
                else:
                    found.update(alias.name for alias in node.names)
            elif node.module and node.module.split(".")[0] == "communique":
                parts = node.module.split(".")
                found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "communique" and len(parts) > 1:
                    found.add(parts[1])
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    here = part_of(path)
    assert here in LAYER, f"{here} is in no layer of this test; place it"
    for other in imported_parts(path) - {here}:
        assert other in LAYER, f"{path.name} imports communique.{other}, which is in no layer"
        assert LAYER[other] < LAYER[here], (
            f"{path.relative_to(PACKAGE)} ({here}) imports {other}, a layer above or beside it"
        )


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    for path in modules():
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in tree.body:  # imports at module level only: function-level imports are deferred on purpose
            if isinstance(node, ast.ImportFrom) and node.level:
                base = list(path.relative_to(PACKAGE).parts[:-1])[: len(path.relative_to(PACKAGE).parts) - node.level]
                target = ".".join(base + (node.module.split(".") if node.module else []))
                targets.add(target)
        graph[name] = targets
    names = set(graph)

    def resolve(target: str) -> str | None:
        if target in names:
            return target
        return f"{target}.__init__" if f"{target}.__init__" in names else None

    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in graph[node]:
            nxt = resolve(target)
            if nxt is None or nxt == node:
                continue
            assert state.get(nxt) != 1, f"import cycle: {' -> '.join(trail + [node, nxt])}"
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in sorted(names):
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_short(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{path.name} has {len(source.splitlines())} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}: {node.name} has {length} lines"
