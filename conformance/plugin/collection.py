"""Collection: every check names its requirement ids, ``--requirement`` selects, the SDK driver skips wire-only checks.

Also what the other modules ask of an item: is it a check of the suite, which requirements it
declares, its check id (``file.py::name``) and its recorder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalog import BY_ID
from conformance.drivers import SDK
from conformance.plugin.options import SUITE_DIR
from conformance.plugin.state import RECORDER, RunState, state_of
from conformance.recorder import Recorder

WIRE_ONLY_REASON = "needs bytes no SDK sends"


def is_suite_item(item: pytest.Item) -> bool:
    try:
        path = Path(str(item.path)).resolve()
    except OSError:
        return False
    return SUITE_DIR in path.parents


def declared_requirements(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for marker in item.iter_markers("requirements"):
        ids.extend(str(a) for a in marker.args)
    return ids


def check_id(item: pytest.Item) -> str:
    return f"{Path(str(item.path)).name}::{item.name}"


def recorder_of(item: pytest.Item, state: RunState) -> Recorder:
    """The test's recorder (made by the ``case`` fixture), or a fresh one for a test that never got that far."""
    recorder = item.stash.get(RECORDER, None)
    if recorder is None:
        recorder = Recorder(check_id(item), declared_requirements(item), state.settings.strict, state.worker)
    return recorder


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = state_of(config)
    if state is None:
        return
    missing = [item.nodeid for item in items if is_suite_item(item) and not declared_requirements(item)]
    if missing:
        raise pytest.UsageError(f"every conformance check must name its requirement ids; missing on {', '.join(missing)}")
    for item in items:
        for req_id in declared_requirements(item):
            if req_id not in BY_ID:
                raise pytest.UsageError(f"{item.nodeid}: unknown requirement id {req_id}")
    if state.driver == SDK:  # properties that need bytes no SDK sends
        for item in items:
            if item.get_closest_marker("wire_only") is not None:
                item.add_marker(pytest.mark.skip(reason=WIRE_ONLY_REASON))
    if state.requirement_filter:
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            (keep if set(declared_requirements(item)) & set(state.requirement_filter) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    state.tally.total = len(items)
