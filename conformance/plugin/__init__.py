"""pytest plugin: the DeleteVectors conformance suite's runner inside pytest (entry point ``ossv_conformance``).

Inert unless the suite itself is collected (``pytest --pyargs conformance.suite`` or the
``ossv-conformance run`` command): the project's own tests load it too and must not start
emulators or write reports. When active it loads the settings (the config object is the only
reader of the environment), picks the Hypothesis profile and seed, gives every worker the same
run id and results directory, turns each test's verdicts into CheckResult events, applies the
target's expectations, and at the end writes the results directory and sets the exit status:
0 conformant, 1 not conformant, 2 could not judge.

This module only re-exports, for pytest to find, the hooks and fixtures of its modules:

* ``options``: the ``--ossv-...`` options and whether the suite is active;
* ``state``: the typed run state (``SharedRun``, ``Tally``, ``RunState``) in ``config.stash``;
* ``configure``: markers, the run state, log redaction, Hypothesis seed and profile, xdist hand-over;
* ``collection``: requirement ids on every check, ``--requirement``, wire-only checks under the SDK;
* ``fixtures``: ``ossv_state``, ``ossv_target``, ``ossv_throttled_target``, ``case``;
* ``outcomes``: each test's report into ``CheckResult`` events;
* ``progress``: the controller's progress feed;
* ``finish``: the results directory, the exit status, the baseline, the summary table.
"""

from conformance.plugin.collection import WIRE_ONLY_REASON, declared_requirements, pytest_collection_modifyitems
from conformance.plugin.configure import pytest_configure, pytest_configure_node, pytest_report_header, pytest_unconfigure
from conformance.plugin.finish import EXIT_BY_VERDICT, pytest_sessionfinish, pytest_terminal_summary
from conformance.plugin.fixtures import THROTTLED_QPS, case, ossv_state, ossv_target, ossv_throttled_target
from conformance.plugin.options import SUITE_DIR, pytest_addoption
from conformance.plugin.outcomes import pytest_runtest_makereport
from conformance.plugin.state import RECORDER, STATE, RunState

__all__ = [
    "EXIT_BY_VERDICT",
    "RECORDER",
    "STATE",
    "SUITE_DIR",
    "THROTTLED_QPS",
    "WIRE_ONLY_REASON",
    "RunState",
    "case",
    "declared_requirements",
    "ossv_state",
    "ossv_target",
    "ossv_throttled_target",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]
