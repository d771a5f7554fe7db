"""The house's layers (docs/architecture.md), checked on the source: which
package may import which, no import cycle between packages, and the engine
never importing the service."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What each package may import, besides itself, the engine (``payroll``) and
#: the shared modules listed in SHARED.  A package is ``payroll`` or the first
#: two levels of a module under ``api`` (``api.reads``, ``api.graphql`` …).
ALLOWED = {
    "payroll": set(),
    "api.access": {"api.db"},
    "api.db": set(),
    "api.fastpath": {"api.access", "api.db"},
    "api.reads": {"api.access", "api.db", "api.fastpath"},
    # api.files.headings: the import files' columns, which the imports read and the workers file writes.
    "api.services": {"api.access", "api.db", "api.files.headings", "api.reads"},
    "api.files": {"api.access", "api.db", "api.reads"},
    "api.graphql": {"api.access", "api.db.threads", "api.fastpath", "api.files.urls", "api.reads", "api.services"},
    "api.http": {"api.access", "api.db", "api.files", "api.graphql", "api.reads", "api.services"},
    "api.cli": {"api.access", "api.db", "api.files", "api.http", "api.reads", "api.services"},
    "api.schema": {"api.graphql"},
    "api.settings": {"api.db"},
    "api.errors": set(),
}
#: Modules every package of the service may import.
SHARED = {"api.errors", "api.settings"}


def modules() -> dict[str, Path]:
    found = {}
    for top in ("api", "payroll"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """The nodes that run: everything but ``if TYPE_CHECKING:`` blocks (names
    for type checkers only; strawberry resolves those types lazily)."""
    out = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports when it runs, at the top or inside functions."""
    is_package = path.name == "__init__.py"
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(parent + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in out if m.split(".")[0] in ("api", "payroll")}


def package(module: str) -> str:
    parts = module.split(".")
    return "payroll" if parts[0] == "payroll" else ".".join(parts[:2])


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        for target in imports_of(name, path):
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]  # ``from pkg import name`` of a non-module
            if target in known and target != name:
                edges[name].add(target)
    return edges


def test_the_engine_never_imports_the_service():
    assert [(a, b) for a, targets in graph().items() for b in targets
            if package(a) == "payroll" and b.startswith("api")] == []


def test_each_package_imports_only_what_its_layer_may():
    wrong = []
    for source, targets in graph().items():
        allowed = ALLOWED[package(source)]
        for target in targets:
            if package(target) in (package(source), "payroll") or target in SHARED:
                continue
            if not any(target == a or target.startswith(a + ".") for a in allowed):
                wrong.append(f"{source} → {target}")
    assert wrong == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return out


def _packages_of(edges: dict[str, set[str]], level: int) -> dict[str, set[str]]:
    def name(module: str) -> str:
        return ".".join(module.split(".")[:level])

    out: dict[str, set[str]] = defaultdict(set)
    for source, targets in edges.items():
        for target in targets:
            if name(source) != name(target):
                out[name(source)].add(name(target))
    return out


@pytest.mark.parametrize("level", [2, 3])
def test_no_import_cycle_between_packages(level):
    # level 2: api.reads, api.graphql …; level 3: the GraphQL domains api.graphql.records …
    assert _cycles(_packages_of(graph(), level)) == []


def test_the_checks_see_a_cycle_and_a_forbidden_import():
    # The checks themselves: a planted cycle and an engine importing the service are found.
    edges = {"api.a.x": {"api.b.y"}, "api.b.y": {"api.a.z"}, "api.a.z": set()}
    assert _cycles(_packages_of(edges, 2)) == [["api.a", "api.b"]]
    assert package("payroll.engine") == "payroll" and package("api.reads.months") == "api.reads"
