"""Outcome capture: each suite test's pytest report becomes its recorder's ``CheckResult`` events.

The test's outcome is pass, skip, fail (a non-conformance, or a failure its recorder holds that
the harness did not cause) or error (the harness broke). Every event gets the reproduction record
(seed, ``@reproduce_failure`` blob, rerun and replay commands) and the target's expectations; a
failure every binding check of which the expectations list is reported to pytest as xfail. The
report also carries what the progress feed adds up (requests, binding failures, examples).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.drivers import SDK
from conformance.errors import HarnessError, NonConformance
from conformance.plugin.collection import check_id, is_suite_item, recorder_of
from conformance.plugin.progress import EXAMPLES, FAILED, REQUESTS, counted
from conformance.plugin.state import RunState, state_of
from conformance.recorder import Recorder
from conformance.records import Outcome

DURATION_DECIMALS = 3  # a check's duration in the reports: milliseconds
_BLOB = re.compile(r"@reproduce_failure\((.*?)\)")


def _contains(exc: BaseException | None, kind: type[BaseException]) -> bool:
    if exc is None:
        return False
    if isinstance(exc, kind):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_contains(e, kind) for e in exc.exceptions)
    return _contains(exc.__cause__, kind) or _contains(exc.__context__, kind)


def reproduction(item: pytest.Item, state: RunState, report_text: str) -> dict[str, Any]:
    """How to get this failure back: the seed and blob, a rerun of the test, a replay of its requests."""
    blob = _BLOB.search(report_text)
    return {
        "seed": state.seed,
        "blob": blob.group(0) if blob else None,
        "rerun": f"ossv-conformance run --seed {state.seed} -k {item.name}"
        + (f" --target {state.settings.target}" if state.settings.target != "emulator" else "")
        + (f" --driver {SDK}" if state.driver == SDK else ""),
        "replay": f"ossv-conformance replay {state.run_dir} --check '{check_id(item)}'",
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    state = state_of(item.config)
    if state is not None and state.interrupted:
        item.session.shouldstop = "interrupted"  # the KeyboardInterrupt was swallowed: stop here all the same
    if state is None or not is_suite_item(item) or not counted(report):
        return
    recorder = recorder_of(item, state)
    exc = call.excinfo.value if call.excinfo else None
    message = ""
    if report.passed:
        test_outcome = Outcome.PASS
    elif report.skipped:
        test_outcome = Outcome.SKIP
        message = str(exc) if exc else "skipped"
        if isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2])
    elif recorder.failures and (_contains(exc, NonConformance) or not _contains(exc, HarnessError)):
        test_outcome = Outcome.FAIL
    else:
        test_outcome = Outcome.ERROR
        message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}" if exc else "error"
    text = report.longreprtext if report.failed else ""
    duration = round(report.duration, DURATION_DECIMALS)
    results = recorder.results(test_outcome, duration, reproduction(item, state, text), message)
    for result in results:
        state.expectations.apply(result)
        state.emit(result)
    still_failing = [r for r in results if r.outcome is Outcome.FAIL and recorder.binding(r.level)]
    if test_outcome is Outcome.FAIL and not still_failing:
        report.outcome = "skipped"
        report.wasxfail = "; ".join(r.message for r in results if r.outcome is Outcome.XFAIL)
    report.user_properties.append((REQUESTS, _account(item, state, recorder)))
    report.user_properties.append((FAILED, len(still_failing)))
    report.user_properties.append((EXAMPLES, recorder.examples_run))


def _account(item: pytest.Item, state: RunState, recorder: Recorder) -> int:
    """Every request the test made (setup and read-back included) when it had a ``case``, kept for the
    run's request accounting with the examples it judged; else what its recorder saw."""
    from conformance.authoring import Case

    funcargs = getattr(item, "funcargs", {})
    case = funcargs.get("case") if isinstance(funcargs, dict) else None
    if not isinstance(case, Case):
        return recorder.requests
    sent = case.requests_sent()
    earlier, judged = state.test_requests.get(item.nodeid, (Counter(), 0))
    state.test_requests[item.nodeid] = (earlier + sent, judged + recorder.judged_examples)
    return sum(sent.values())
