"""The layout DESIGN.md promises: no import cycle inside ``layers/``; libraries below the edges."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: str) -> set[str]:
    """Modules of ``package`` that ``path`` imports anywhere (a lazy import inside a function counts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == package or m.startswith(package + ".")}


def import_graph(package: str) -> dict[str, set[str]]:
    files = sorted((ROOT / package).rglob("*.py"))
    names = {_module_name(p): p for p in files}
    graph = {}
    for name, path in names.items():
        deps = set()
        for mod in _imports(path, package):
            # ``from layers.exports import x`` depends on the package's __init__
            deps.add(mod if mod in names else mod.rsplit(".", 1)[0])
        graph[name] = {d for d in deps if d in names and d != name}
    # importing a.b.c runs a/__init__ and a/b/__init__ first
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in names and parent != name:
                graph[name].add(parent)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep):], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's __init__ re-exporting its modules is not a cycle of modules: drop child → parent edges."""
    return {n: {d for d in deps if not n.startswith(d + ".")} for n, deps in graph.items()}


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_layers_has_no_import_cycle():
    graph = _without_package_inits(import_graph("layers"))
    assert len(graph) > 15
    assert find_cycle(graph) is None


def test_libraries_never_import_the_edges():
    for package in ("layers", "riskmodel"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import streamlit" not in text and "from streamlit" not in text, path
            assert not _imports(path, "riskmap"), f"{path} imports riskmap"
