"""No import cycles inside slacalc, not even through an import inside a function.

Every ``import`` and ``from ... import`` of a slacalc module counts wherever it is written
(module level, function body, class body), except inside ``if TYPE_CHECKING:`` blocks,
which never run. The package's ``__init__`` (which gathers the public names) is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import slacalc

PACKAGE = Path(slacalc.__file__).parent
SKIP = {"__init__", "__main__"}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, modules: set[str]) -> set[str]:
    """The slacalc modules a module's code imports (``TYPE_CHECKING`` blocks excluded)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("slacalc."):
                found.add(node.module.split(".")[1])
            elif node.module == "slacalc":
                found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("slacalc."):
                    found.add(alias.name.split(".")[1])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found & modules


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports (function-level imports included)."""
    files = {p.stem: p for p in PACKAGE.glob("*.py")}
    modules = set(files) - SKIP
    edges = {m: imports_of(files[m].read_text(encoding="utf-8"), modules) - {m} for m in modules}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return found


def test_the_walker_sees_function_level_imports_and_skips_type_checking():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from .a import x\n"
        "if TYPE_CHECKING:\n    from .b import y\n"
        "def f():\n    from . import c\n    import slacalc.d\n"
    )
    assert imports_of(source, {"a", "b", "c", "d"}) == {"a", "c", "d"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_policy_model_imports_no_engine():
    engine = {"evaluation", "frame", "availability", "facade", "report", "cli", "checks"}
    assert graph()["policy"] & engine == set()


def test_calendar_reads_yaml_without_the_policy_loader():
    assert "loading" not in graph()["calendar"]
