"""Configuration: the markers, the run's state, the secret-redaction hook, the Hypothesis seed and profile.

Inert unless the suite is collected (``options.is_active``). The controller decides the shared
facts (``SharedRun.decide``) and hands them to every xdist worker (``pytest_configure_node``);
every process then loads its expectations, checks the driver, installs the log redaction and
fixes Hypothesis' seed and profile. The controller also registers the progress feed.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__, profiles
from conformance.catalog import BY_ID
from conformance.config import ConfigError
from conformance.drivers import SDK
from conformance.expectations import ExpectationsError, default_path, load
from conformance.plugin.options import is_active, settings_from, shared_input, worker_of
from conformance.plugin.progress import install_progress
from conformance.plugin.state import STATE, WORKERINPUT_KEY, RunState, SharedRun, state_of

MARKERS = (
    "requirements(*ids): the requirement ids a conformance check judges",
    "wire_only: needs bytes no SDK sends; skipped under --ossv-driver sdk",
    "throttling: judges throttling; against the bundled emulator it runs on a second, throttling one",
)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    if not is_active(config):
        return
    try:
        settings = settings_from(config)
    except ConfigError as err:
        raise pytest.UsageError(str(err)) from None
    given = shared_input(config)
    if given is not None:
        shared = SharedRun.from_json(given)
    else:
        shared = SharedRun.decide(config, settings)
        if not config.option.xmlpath:
            config.option.xmlpath = str(shared.run_dir / "junit.xml")
    try:
        exp_path = config.getoption("ossv_expectations")
        expectations = load(Path(exp_path) if exp_path else default_path(settings.target))
    except ExpectationsError as err:
        raise pytest.UsageError(str(err)) from None
    requirement_filter = [str(r) for r in config.getoption("ossv_requirement") or []]
    for req_id in requirement_filter:
        if req_id not in BY_ID:
            raise pytest.UsageError(f"--requirement {req_id}: unknown requirement id (see `ossv-conformance requirements`)")
    baseline = config.getoption("ossv_baseline")
    state = RunState(
        settings=settings,
        shared=shared,
        worker=worker_of(config),
        expectations=expectations,
        requirement_filter=requirement_filter,
        filtered=bool(requirement_filter or config.getoption("keyword") or config.getoption("markexpr")),
        driver=str(config.getoption("ossv_driver")),
        baseline=Path(baseline) if baseline else None,
    )
    if state.driver == SDK:  # the SDK must be importable before anything starts
        from conformance.drivers import sdk_available

        problem = sdk_available()
        if problem:
            raise pytest.UsageError(f"--ossv-driver sdk: {problem}")
    if state.is_controller:
        _reference_options(config, state)
    config.stash[STATE] = state
    if given is None:
        _catch_interrupts(state)
    from conformance.logsafety import install_log_redaction  # no log handler or report shows a secret

    install_log_redaction(config, settings)
    from hypothesis import core

    setattr(core, "global_force_seed", state.seed)  # noqa: B010 - Hypothesis' own --hypothesis-seed does the same
    # Hypothesis' example database in the working directory, as Hypothesis itself keeps it: a failure
    # found last night is tried first tonight.
    profiles.activate(settings.profile, str(Path(".hypothesis") / "examples"))
    if state.is_controller:
        install_progress(config, state, show=bool(config.getoption("ossv_progress")))


def _reference_options(config: pytest.Config, state: RunState) -> None:
    """Load ``--ossv-reference`` now: a missing or malformed file stops the run before it starts."""
    from conformance.reporting.reference import ReferenceError, load_reference

    spec = config.getoption("ossv_reference")
    state.fail_on_reference_diff = bool(config.getoption("ossv_fail_on_reference_diff"))
    if state.fail_on_reference_diff and not spec:
        raise pytest.UsageError("--ossv-fail-on-reference-diff needs --ossv-reference")
    if spec:
        try:
            state.reference = load_reference(str(spec))
        except ReferenceError as err:
            raise pytest.UsageError(str(err)) from None
    record = config.getoption("ossv_record_reference")
    state.record_reference = Path(record).resolve() if record else None


def _catch_interrupts(state: RunState) -> None:
    """Ctrl-C and SIGTERM interrupt the run, and are remembered: an interrupt that lands where it is swallowed
    (Hypothesis runs garbage-collection callbacks whose exceptions are only printed) still stops the run at
    the next test and makes it "could not judge", never a verdict on a partial run."""

    def interrupt(signum: int, frame: object) -> None:
        state.interrupted = True
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread (pytest run from a thread, in a test)
    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            number = getattr(signal, name)
            state.previous_handlers[number] = signal.signal(number, interrupt)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the process its own signal handlers back (pytest may be run more than once in one process)."""
    state = state_of(config)
    if state is not None:
        for number, handler in state.previous_handlers.items():
            signal.signal(number, handler)
        state.previous_handlers.clear()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand every worker the controller's run id, results directory and seed."""
    state = state_of(node.config)
    if state is not None:
        node.workerinput[WORKERINPUT_KEY] = state.shared.to_json()


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = state_of(config)
    if state is None:
        return []
    endpoint = state.settings.endpoint or "bundled emulator on 127.0.0.1"
    return [
        f"ossv-conformance {__version__}: target {state.settings.target} ({endpoint}), profile {state.settings.profile}, "
        f"seed {state.seed}, strict {state.settings.strict}",
        f"results: {state.run_dir}",
    ]
