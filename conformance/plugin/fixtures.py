"""The fixtures: the run's state, the target (set up once per process, always cleaned up), and ``case``.

``ossv_target`` is the endpoint under test (the bundled emulator, started here, unless an endpoint
is configured). ``ossv_throttled_target`` is where the ``throttling`` checks run: against the
bundled emulator a second embedded one with a QPS limit, against a configured endpoint that
endpoint. At the end of a process its target checks the canary vectors and removes everything
it created; what could not be removed, or a changed canary, is recorded as a check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from conformance.errors import HarnessError
from conformance.plugin.collection import recorder_of
from conformance.plugin.state import RECORDER, RunState, state_of
from conformance.records import CheckResult, Level, Outcome

if TYPE_CHECKING:
    from conformance.arenas import Keeper
    from conformance.authoring import Case
    from conformance.target import Target

THROTTLED_QPS = 10.0  # the embedded throttling emulator: a burst of ten parallel deletes meets it


@pytest.fixture(scope="session")
def ossv_state(request: pytest.FixtureRequest) -> RunState:
    state = state_of(request.config)
    if state is None:
        pytest.skip("the conformance suite is not active in this pytest run (run it with `ossv-conformance run`)")
    return state


@pytest.fixture(scope="session")
def ossv_target(ossv_state: RunState) -> Iterator[Target]:
    """The endpoint under test, set up once per process and always cleaned up."""
    yield from _serve_target(ossv_state, qps_limit=None, role="")


@pytest.fixture(scope="session")
def ossv_throttled_target(ossv_state: RunState, ossv_target: Target) -> Iterator[Target]:
    """Where throttling is judged: against the bundled emulator, a second embedded one with a QPS limit (so
    DV-THROTTLE-* are judged out of the box); against a configured endpoint, that endpoint itself."""
    if not ossv_state.settings.uses_emulator:
        yield ossv_target
        return
    yield from _serve_target(ossv_state, qps_limit=THROTTLED_QPS, role="q")


@pytest.fixture
def case(request: pytest.FixtureRequest, ossv_state: RunState, ossv_target: Target) -> Case:
    """One test's recorder and harness, shared by all of that test's Hypothesis examples; the indexes they use
    are the target's held worlds (``ossv_state.keepers``), removed when the target is finished."""
    from conformance.authoring import Case

    item = request.node
    recorder = recorder_of(item, ossv_state)
    item.stash[RECORDER] = recorder
    target: Target = request.getfixturevalue("ossv_throttled_target") if item.get_closest_marker("throttling") else ossv_target
    return Case(target, recorder, target.settings, ossv_state.keepers.get(id(target)))


def _serve_target(state: RunState, *, qps_limit: float | None, role: str) -> Iterator[Target]:
    from conformance.client import RawClient
    from conformance.drivers import make_driver  # who sends the DeleteVectors under test
    from conformance.naming import Names
    from conformance.ratelimit import RateBudget
    from conformance.target import Target

    settings = state.settings
    embedded = None
    if settings.uses_emulator:
        from conformance import launcher

        embedded = launcher.start(settings, qps_limit=qps_limit)
        settings = embedded.settings
    budget = RateBudget(settings.max_rps, state.shared.budget_path)
    client = RawClient(settings, budget, tally=state.requests)
    driver = make_driver(state.driver, settings, client)
    ledger = state.run_dir / "ledger" / f"{state.worker}{role}.json"
    target = Target(settings, client, Names(state.run_id, state.worker + role), ledger, driver=driver)
    from conformance.arenas import Keeper

    state.keepers[id(target)] = Keeper(target)
    try:
        try:
            target.setup()
        except HarnessError as err:
            # unreachable endpoint, refused credentials, missing OSSV_BUCKET: nothing can be judged
            pytest.exit(f"ossv-conformance: cannot set up the target: {err}", returncode=2)
        yield target
    finally:
        _finish_target(state, target, state.keepers.pop(id(target)))
        driver.close()
        client.close()
        if embedded is not None:
            embedded.stop()


def _finish_target(state: RunState, target: Target, keeper: Keeper) -> None:
    """Check the canaries, remove everything, and report what could not be removed."""
    problems: list[str] = []
    if not target.ledger.items():
        return  # nothing was created (setup failed at its first step): nothing to check or remove
    try:
        keeper.close()  # the held indexes and witness keys the tests shared (the sweep below is the backstop)
    except HarnessError as err:
        problems.append(f"cleanup: {err}")
    try:
        changed = target.check_canary()
    except HarnessError as err:
        changed = None
        problems.append(f"could not read the canary vectors: {err}")
    if changed:
        state.emit(
            CheckResult(
                test_id="harness::canary[DV-NO-COLLATERAL]",
                requirements=["DV-NO-COLLATERAL"],
                level=Level.MUST,
                outcome=Outcome.FAIL,
                duration_s=0.0,
                message=changed,
                expected="the canary index, never named in any request, is untouched at the end",
                observed=changed,
            )
        )
    problems += target.teardown()
    if problems:
        state.emit(
            CheckResult(
                test_id="harness::cleanup",
                requirements=[],
                level=Level.MUST,
                outcome=Outcome.ERROR,
                duration_s=0.0,
                message="; ".join(problems),
            )
        )
