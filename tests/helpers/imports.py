"""The project's imports as data, read with ``ast`` (nothing is imported): every ``import`` and
``from ... import`` statement of a module, at module level, inside functions and classes, and under
``if TYPE_CHECKING:``, with relative imports resolved.

An edge goes to the module a statement names: ``from a.b import c`` is an edge to ``a.b.c`` when that
is a module of the project, else to ``a.b`` (``c`` is a name in it). Importing ``a.b.c`` also runs the
``__init__`` of ``a`` and ``a.b``; those implied edges to parent packages are left out, so a package
whose ``__init__`` re-exports its submodules is not a cycle by itself.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.helpers.paths import REPO

PACKAGES = ("conformance", "strategies", "emulator")
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True)
class Import:
    importer: str  # the module holding the statement
    target: str  # the module it names, fully qualified
    line: int
    function_level: bool  # inside a function (runs when the function is called)
    type_checking: bool  # under ``if TYPE_CHECKING:`` (never runs)

    @property
    def top(self) -> str:
        return self.target.partition(".")[0]

    def __str__(self) -> str:
        where = " (in a function)" if self.function_level else " (TYPE_CHECKING)" if self.type_checking else ""
        return f"{self.importer}:{self.line} imports {self.target}{where}"


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules(packages: tuple[str, ...] = PACKAGES, root: Path = REPO) -> Mapping[str, Path]:
    """Every module of the given packages (directories under ``root``), by dotted name."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportCollector(ast.NodeVisitor):
    def __init__(self, name: str, is_package: bool, known: Iterable[str]) -> None:
        self.name = name
        self.package = name if is_package else name.rpartition(".")[0]
        self.known = frozenset(known)
        self.found: list[Import] = []
        self._functions = 0
        self._type_checking = 0

    def _add(self, target: str, node: ast.stmt) -> None:
        found = Import(self.name, target, node.lineno, self._functions > 0, self._type_checking > 0)
        if found not in self.found:  # ``from a import b, c``: one edge to ``a``
            self.found.append(found)

    def _known_prefix(self, dotted: str) -> str:
        """``a.b.c`` if it is a project module, else its longest prefix that is one (else ``dotted``)."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.known:
                return candidate
        return dotted

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(self._known_prefix(alias.name), node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            self._add(submodule if submodule in self.known else self._known_prefix(module), node)

    def _in_function(self, node: ast.AST) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _in_function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._type_checking += 1
            for child in node.body:
                self.visit(child)
            self._type_checking -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)


def parse_imports(name: str, source: str, *, is_package: bool = False, known: Iterable[str] = ()) -> list[Import]:
    collector = _ImportCollector(name, is_package, known)
    collector.visit(ast.parse(source))
    return collector.found


def imports_of(name: str, known: Mapping[str, Path] | None = None) -> list[Import]:
    """Every import statement of the project module ``name``."""
    if known is None:
        return list(_project_imports(name))
    path = known[name]
    return parse_imports(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py", known=known)


@cache
def _project_imports(name: str) -> tuple[Import, ...]:
    return tuple(imports_of(name, modules()))


def graph(names: Iterable[str], known: Mapping[str, Path] | None = None) -> dict[str, set[str]]:
    """Module -> the modules among ``names`` it imports (any statement, any level)."""
    members = set(names)
    return {n: {i.target for i in imports_of(n, known) if i.target in members and i.target != n} for n in members}


def closure(start: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges.get(name, ()))
    return seen


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)
