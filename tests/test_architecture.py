"""The import rules ARCHITECTURE.md states, checked on the source with ``ast`` (every import statement:
module level, inside functions, under ``TYPE_CHECKING``; see ``tests.helpers.imports``).

* Nothing that generates, sends or judges requests imports the emulator: no module of ``conformance``
  but ``conformance/launcher.py``, and no module of ``strategies``, imports ``emulator``; the launcher
  starts it through its public entry point, ``emulator.server``.
* The emulator depends on the signing module only: of the suite, ``emulator`` imports
  ``conformance.signing`` and nothing else (no ``strategies`` either).
* Strategies produce data only: of the suite they import the shared vocabulary (``conformance.records``),
  the documented facts (``conformance.limits``) and the one definition of malformed JSON
  (``conformance.jsonparse``).
* Report writers consume only events: every import of ``conformance/reporting/*`` is the standard
  library, ``conformance.records``, ``conformance.catalog`` or another ``conformance.reporting`` module,
  and so is everything those import in turn (no writer reaches the oracle, judge, client or harness).
* No import cycles among the modules of ``conformance``.
"""

from __future__ import annotations

import textwrap

from tests.helpers.imports import STDLIB, Import, closure, cycles, graph, imports_of, modules, parse_imports

MODULES = modules()
SUITE = sorted(m for m in MODULES if m.split(".")[0] == "conformance")
STRATEGIES = sorted(m for m in MODULES if m.split(".")[0] == "strategies")
EMULATOR = sorted(m for m in MODULES if m.split(".")[0] == "emulator")
REPORTING = sorted(m for m in SUITE if m == "conformance.reporting" or m.startswith("conformance.reporting."))
LAUNCHER = "conformance.launcher"
EVENTS = {"conformance.records", "conformance.catalog", *REPORTING}



def _imports(names: list[str]) -> list[Import]:
    return [i for name in names for i in imports_of(name)]


def test_the_parser_sees_every_kind_of_import() -> None:
    source = textwrap.dedent(
        """
        import os, emulator.server as srv
        from typing import TYPE_CHECKING
        from . import sibling
        from .sibling import thing
        from .. import records
        if TYPE_CHECKING:
            from emulator.app import EmulatorApp
        else:
            import json
        def later():
            from emulator import faults
        class K:
            def method(self):
                import conformance.catalog
        """
    )
    known = {"pkg", "pkg.sub", "pkg.sub.mod", "pkg.sub.sibling", "pkg.records", "emulator.server", "emulator.faults"}
    found = {(i.target, i.function_level, i.type_checking) for i in parse_imports("pkg.sub.mod", source, known=known)}
    assert found == {
        ("os", False, False),
        ("emulator.server", False, False),
        ("typing", False, False),
        ("pkg.sub.sibling", False, False),
        ("pkg.records", False, False),
        ("emulator.app", False, True),
        ("json", False, False),
        ("emulator.faults", True, False),
        ("conformance.catalog", True, False),
    }
    package = parse_imports("pkg.sub", "from . import mod\nfrom .mod import x\n", is_package=True, known=known)
    assert {i.target for i in package} == {"pkg.sub.mod"}


def test_the_packages_are_where_the_rules_expect_them() -> None:
    assert LAUNCHER in MODULES and {"conformance.records", "conformance.catalog", "conformance.reporting.html"} <= set(MODULES)
    assert len(SUITE) > 30 and STRATEGIES and EMULATOR and len(REPORTING) > 5


def test_nothing_that_generates_sends_or_judges_requests_imports_the_emulator() -> None:
    offending = [str(i) for i in _imports([m for m in SUITE + STRATEGIES if m != LAUNCHER]) if i.top == "emulator"]
    assert not offending


def test_the_launcher_starts_the_emulator_through_its_public_entry_point() -> None:
    assert {i.target for i in imports_of(LAUNCHER) if i.top == "emulator"} == {"emulator.server"}


def test_the_emulator_depends_on_the_signing_module_only() -> None:
    suite = [i for i in _imports(EMULATOR) if i.top in ("conformance", "strategies")]
    offending = [str(i) for i in suite if i.target != "conformance.signing"]
    assert not offending


def test_strategies_import_only_the_vocabulary_the_facts_and_the_json_definition() -> None:
    allowed = {"conformance.records", "conformance.limits", "conformance.jsonparse"}
    offending = [str(i) for i in _imports(STRATEGIES) if i.top in ("conformance", "emulator") and i.target not in allowed]
    assert not offending


def test_report_writers_import_only_records_the_catalog_and_each_other() -> None:
    offending = [str(i) for i in _imports(REPORTING) if i.top not in STDLIB and i.target not in EVENTS]
    assert not offending
    reached = closure(REPORTING, graph(MODULES))
    assert reached <= EVENTS, f"reached through records or the catalog: {sorted(reached - EVENTS)}"
    beneath = _imports(["conformance.records", "conformance.catalog"])
    assert not [str(i) for i in beneath if i.top not in STDLIB and i.target not in EVENTS]


def test_no_import_cycles_among_conformance_modules() -> None:
    found = cycles(graph(SUITE))
    edges = [str(i) for c in found for m in c for i in imports_of(m) if i.target in c and i.target != m]
    assert found == [], "\n".join(edges)


def test_cycles_finds_every_strongly_connected_component() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}, "g": {"g"}}
    assert cycles(edges) == [["a", "b", "c"], ["e", "f"]]
    chain = {str(i): {str(i + 1)} for i in range(5000)} | {"5000": {"0"}}  # deep: no recursion
    assert len(cycles(chain)) == 1 and len(cycles(chain)[0]) == 5001
