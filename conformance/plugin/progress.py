"""The progress feed: on the controller, every finished test's report moves the progress line on.

Each test's report carries what its worker counted (``user_properties``: requests sent, binding
failures, examples run; written by ``outcomes``); the controller, which sees every worker's
reports, adds them up in ``RunState.tally``. The feed is a plugin object registered on the
controller's plugin manager (``install_progress``), so no module keeps a run's state. With the
progress line on, pytest's own progress letters stay silent.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pytest

from conformance.plugin.state import RunState

REQUESTS, FAILED, EXAMPLES = "ossv_requests", "ossv_failed", "ossv_examples"  # the user_properties a report carries
FEED_NAME = "ossv-progress-feed"


def counted(report: pytest.TestReport) -> bool:
    """The reports a test's outcome is taken from: its call, or a setup that did not pass."""
    return report.when == "call" or (report.when == "setup" and not report.passed)


class ProgressFeed:
    """The controller's hooks that keep the tally and draw the progress line."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Controller side: progress from every worker's reports."""
        if not counted(report):
            return
        props = {str(k): v for k, v in report.user_properties}
        if REQUESTS not in props:
            return
        tally = self.state.tally
        tally.done += 1
        tally.requests += int(str(props.get(REQUESTS, 0)))
        tally.failures += int(str(props.get(FAILED, 0)))
        tally.examples += int(str(props.get(EXAMPLES, 0)))
        if self.state.progress is not None:
            self.state.progress.update(
                tally.done, tally.requests, total=tally.total, examples=tally.examples, failures=tally.failures
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
        """With the progress line on, pytest's own progress letters stay silent (same categories, no letter)."""
        if self.state.progress is None or hasattr(report, "wasxfail"):
            return None
        outcome: str = report.outcome
        if report.when in ("collect", "setup", "teardown"):
            if outcome == "passed":
                return "", "", ""
            if outcome == "failed":
                outcome = "error"
        return outcome, "", outcome.upper()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: Sequence[str]) -> None:
        """xdist controller: the progress bar's total is what the workers collected."""
        self.state.tally.total = len(ids)


def install_progress(config: pytest.Config, state: RunState, *, show: bool) -> None:
    """Register the feed on the controller; with ``show``, draw the progress line on stderr."""
    if show:
        from conformance.reporting.terminal import Progress

        state.progress = Progress(sys.stderr)
    config.pluginmanager.register(ProgressFeed(state), FEED_NAME)
