"""The package's shape: imports go one way (no cycle among civicnlp's modules), no module reaches into
another's private names, and every public module says what it exports.

``python tests/test_structure.py`` prints the module graph."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "civicnlp"


def module_graph() -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """{module: modules it imports} over civicnlp's modules, and (importer, module, name) of every private
    name imported from another module."""
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    private = []
    for module in modules:
        for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "civicnlp":
                parts = node.module.split(".")
                targets = [parts[1]] if len(parts) > 1 else [a.name for a in node.names if a.name in modules]
                edges[module].update(t for t in targets if t != module)
                if len(parts) > 1 and parts[1] != module:
                    private += [(module, parts[1], a.name) for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.Import):
                edges[module].update(
                    a.name.split(".")[1] for a in node.names if a.name.startswith("civicnlp.")
                )
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, as the path that closes it."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycle_among_civicnlp_modules():
    edges, _ = module_graph()
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_no_module_imports_another_modules_private_names():
    _, private = module_graph()
    assert private == []


def test_every_public_module_declares_what_it_exports():
    missing = [
        p.name
        for p in sorted(PACKAGE.glob("*.py"))
        if p.stem not in ("__init__", "cli") and "__all__" not in p.read_text(encoding="utf-8")
    ]
    assert missing == []


if __name__ == "__main__":
    graph, _ = module_graph()
    for name in sorted(graph):
        print(f"{name:12} -> {', '.join(sorted(graph[name])) or '-'}")
