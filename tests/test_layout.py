"""How the project's own tests and benchmarks are laid out (issue 9): helpers live in ``tests/helpers`` and
are imported absolutely (``from tests.helpers.x import y``); nothing imports a conftest; conftest files
hold fixtures (and hooks) only; a class of the tests or benchmarks does not share its name with another
class anywhere in the project."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

from tests.helpers.imports import PACKAGES, modules, parse_imports
from tests.helpers.paths import REPO

OWN = ("tests", "benchmarks")

FILES = modules(OWN)
ALL = modules((*PACKAGES, *OWN))
SCRIPT_NAMES = {path.stem for path in FILES.values()}  # what a bare ``import x`` of a test or bench file would name


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@cache
def _imports(name: str) -> list[tuple[str, int, str]]:
    """(target, line, how it was written) for every import statement of a test or benchmark module."""
    path = FILES[name]
    source = path.read_text(encoding="utf-8")
    out = [(i.target, i.line, "") for i in parse_imports(name, source, is_package=path.name == "__init__.py", known=ALL)]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.module or "", node.lineno, "relative"))
    return out


def test_the_layout_mirrors_the_packages() -> None:
    for folder in ("tests/conformance", "tests/conformance/reporting", "tests/conformance/drivers", "tests/strategies",
                   "tests/e2e", "tests/helpers"):
        assert (REPO / folder / "__init__.py").is_file(), folder
    for gone in ("tests/client", "tests/faults", "tests/sdk", "tests/replay", "tests/reporting", "tests/cli_runs.py"):
        assert not (REPO / gone).exists(), f"{gone} moved (see tests/helpers, tests/conformance, tests/e2e)"


def test_nothing_imports_a_conftest() -> None:
    offending = [f"{FILES[n]}:{line}" for n in FILES for target, line, _ in _imports(n) if target.split(".")[-1] == "conftest"]
    assert not offending


def test_one_import_style_absolute_through_the_tests_package() -> None:
    offending = []
    for name in FILES:
        for target, line, how in _imports(name):
            if how == "relative":
                offending.append(f"{FILES[name]}:{line}: relative import")
            elif target.split(".")[0] in SCRIPT_NAMES:
                offending.append(f"{FILES[name]}:{line}: imports {target} as a top-level module (write tests.…/benchmarks.…)")
    assert not offending


def test_conftest_files_hold_fixtures_only() -> None:
    offending = []
    for path in FILES.values():
        if path.name != "conftest.py":
            continue
        for node in _tree(path).body:
            if isinstance(node, ast.ClassDef):
                offending.append(f"{path}:{node.lineno}: class {node.name}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                fixture = any("fixture" in ast.unparse(d) for d in node.decorator_list)
                if not fixture and not node.name.startswith("pytest_"):
                    offending.append(f"{path}:{node.lineno}: {node.name} is no fixture (helpers go to tests/helpers)")
    assert not offending


def test_no_two_classes_share_a_name() -> None:
    where: dict[str, set[str]] = defaultdict(set)
    for path in ALL.values():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                where[node.name].add(str(path.relative_to(REPO)))
    clashes = {
        cls: sorted(paths)
        for cls, paths in where.items()
        if len(paths) > 1 and any(p.split("/")[0] in OWN for p in paths)
    }
    assert not clashes


def test_helpers_are_plain_modules() -> None:
    helpers = Path(REPO / "tests" / "helpers")
    assert not list(helpers.glob("test_*.py")) and not (helpers / "conftest.py").exists()
