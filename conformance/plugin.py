"""pytest plugin: the DeleteVectors conformance suite's runner inside pytest.

Inert unless the suite itself is collected (``pytest --pyargs conformance.suite`` or the
``ossv-conformance run`` command): the project's own tests load it too and must not start
emulators or write reports. When active it loads the settings (the config object is the
only reader of the environment), picks the Hypothesis profile and seed, gives every worker
the same run id and results directory, turns each test's verdicts into CheckResult events,
applies the target's expectations, and at the end writes the results directory and sets the
exit status: 0 conformant, 1 not conformant, 2 could not judge.
"""

from __future__ import annotations

import json
import random
import re
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__, profiles
from conformance.catalog import BY_ID, CATALOG
from conformance.config import SETTINGS, ConfigError, Settings, load_settings
from conformance.errors import HarnessError, NonConformance
from conformance.expectations import Expectations, ExpectationsError, default_path, load
from conformance.naming import new_run_id
from conformance.recorder import Recorder
from conformance.records import CheckResult, Level, Outcome

SUITE_DIR = Path(__file__).resolve().parent / "suite"
EXIT_BY_VERDICT = {"conformant": 0, "not-conformant": 1, "inconclusive": 2}
WIRE_ONLY_REASON = "needs bytes no SDK sends"


@dataclass
class RunState:
    """What every process of one run shares (the controller makes it, workers receive it)."""

    settings: Settings
    run_id: str
    run_dir: Path
    seed: int
    worker: str
    started_at: str
    expectations: Expectations
    requirement_filter: list[str]
    budget_path: str | None
    argv: list[str]
    filtered: bool
    requests: int = 0
    done: int = 0
    failures: int = 0
    progress: Any = None
    sink: Any = None
    baseline: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def emit(self, result: CheckResult) -> None:
        if self.sink is None:
            from conformance.reporting.sink import EventSink

            self.sink = EventSink(self.run_dir, self.worker)
        self.sink.emit(result)


STATE = pytest.StashKey[RunState]()
RECORDER = pytest.StashKey[Recorder]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ossv", "OSS Vectors DeleteVectors conformance")
    for setting in SETTINGS:
        group.addoption(setting.flag, dest="ossv_" + setting.name, default=None, help=f"{setting.help} (env {setting.env})")
    group.addoption("--ossv-config", dest="ossv_config", default=None, help="TOML settings file (env OSSV_CONFIG)")
    group.addoption(
        "--ossv-requirement", dest="ossv_requirement", action="append", default=[], help="run only checks of this requirement id"
    )
    group.addoption("--ossv-expectations", dest="ossv_expectations", default=None, help="expectations TOML for the target")
    group.addoption("--ossv-run-id", dest="ossv_run_id", default=None, help="run id shared by all workers (set by the runner)")
    group.addoption("--ossv-baseline", dest="ossv_baseline", default=None, help="compare the run with this results directory")
    group.addoption("--ossv-progress", dest="ossv_progress", action="store_true", default=False, help="show a progress line")
    group.addoption(
        "--ossv-suite", dest="ossv_suite", action="store_true", default=False, help="activate even if the suite path is not named"
    )
    # --- issue 5: drivers
    group.addoption(
        "--ossv-driver",
        dest="ossv_driver",
        choices=("raw", "sdk"),
        default="raw",
        help="send the DeleteVectors under test raw or through the official SDK",
    )


def _active(config: pytest.Config) -> bool:
    workerinput = getattr(config, "workerinput", None)
    if config.getoption("ossv_suite") or (workerinput is not None and "ossv" in workerinput):
        return True
    for arg in config.args:
        path = arg.split("::")[0]
        if path in ("conformance", "conformance.suite") or path.startswith("conformance.suite."):
            return True
        try:
            resolved = Path(path).resolve()
        except OSError:
            continue
        if resolved == SUITE_DIR or SUITE_DIR in resolved.parents:
            return True
    return False


def _settings(config: pytest.Config) -> Settings:
    cli = {s.name: config.getoption("ossv_" + s.name) for s in SETTINGS}
    cli["config"] = config.getoption("ossv_config")
    return load_settings(cli)


def _worker(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirements(*ids): the requirement ids a conformance check judges")
    config.addinivalue_line("markers", "wire_only: needs bytes no SDK sends; skipped under --ossv-driver sdk")  # issue 5
    config.addinivalue_line(
        "markers", "throttling: judges throttling; against the bundled emulator it runs on a second, throttling one"
    )
    if not _active(config):
        return
    try:
        settings = _settings(config)
    except ConfigError as err:
        raise pytest.UsageError(str(err)) from None
    workerinput = getattr(config, "workerinput", None)
    shared: dict[str, Any]
    if workerinput and "ossv" in workerinput:
        shared = json.loads(workerinput["ossv"])
    else:
        from conformance.reporting.runinfo import utc_now_iso

        run_id = config.getoption("ossv_run_id") or new_run_id()
        seed_opt = config.getoption("hypothesis_seed", None)
        seed = int(seed_opt) if seed_opt is not None and str(seed_opt).isdigit() else random.SystemRandom().randrange(2**32)
        run_dir = (
            settings.report_dir
            or Path("reports") / _target_dir(settings) / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{run_id}"
        )
        run_dir = Path(run_dir).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
        shared = {
            "run_id": run_id,
            "run_dir": str(run_dir),
            "seed": seed,
            "started_at": utc_now_iso(),
            "budget_path": str(run_dir / ".rate-budget") if settings.max_rps else None,
            "argv": list(config.invocation_params.args),
        }
        if not config.option.xmlpath:
            config.option.xmlpath = str(run_dir / "junit.xml")
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, _interrupt)
    try:
        exp_path = config.getoption("ossv_expectations")
        expectations = load(Path(exp_path) if exp_path else default_path(settings.target))
    except ExpectationsError as err:
        raise pytest.UsageError(str(err)) from None
    requirement_filter = list(config.getoption("ossv_requirement") or [])
    for req_id in requirement_filter:
        if req_id not in BY_ID:
            raise pytest.UsageError(f"--requirement {req_id}: unknown requirement id (see `ossv-conformance requirements`)")
    state = RunState(
        settings=settings,
        run_id=shared["run_id"],
        run_dir=Path(shared["run_dir"]),
        seed=int(shared["seed"]),
        worker=_worker(config),
        started_at=shared["started_at"],
        expectations=expectations,
        requirement_filter=requirement_filter,
        budget_path=shared["budget_path"],
        argv=shared["argv"],
        filtered=bool(requirement_filter or config.getoption("keyword") or config.getoption("markexpr")),
        baseline=config.getoption("ossv_baseline"),
    )
    state.extra["shared"] = shared
    # --- issue 5: the driver, recorded for the summary; the SDK must be importable before anything starts
    state.extra["driver"] = config.getoption("ossv_driver")
    if state.extra["driver"] == "sdk":
        from conformance.drivers import sdk_available

        problem = sdk_available()
        if problem:
            raise pytest.UsageError(f"--ossv-driver sdk: {problem}")
    # --- end issue 5
    config.stash[STATE] = state
    from conformance.logsafety import install_log_redaction  # issue 10: no log handler or report shows a secret

    install_log_redaction(config, settings)
    from hypothesis import core

    setattr(core, "global_force_seed", state.seed)  # noqa: B010 - Hypothesis' own --hypothesis-seed does the same
    # Hypothesis' example database in the working directory, as Hypothesis itself keeps it: a failure
    # found last night is tried first tonight.
    profiles.activate(settings.profile, str(Path(".hypothesis") / "examples"))
    if state.worker == "main" and config.getoption("ossv_progress"):
        from conformance.reporting.terminal import Progress

        state.progress = Progress(sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _target_dir(settings: Settings) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", settings.target or "target")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand every worker the controller's run id, results directory and seed."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        node.workerinput["ossv"] = json.dumps(state.extra["shared"])


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE, None)
    if state is None:
        return []
    endpoint = state.settings.endpoint or "bundled emulator on 127.0.0.1"
    return [
        f"ossv-conformance {__version__}: target {state.settings.target} ({endpoint}), profile {state.settings.profile}, "
        f"seed {state.seed}, strict {state.settings.strict}",
        f"results: {state.run_dir}",
    ]


def _is_suite_item(item: pytest.Item) -> bool:
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    missing = [item.nodeid for item in items if _is_suite_item(item) and not declared_requirements(item)]
    if missing:
        raise pytest.UsageError(f"every conformance check must name its requirement ids; missing on {', '.join(missing)}")
    for item in items:
        for req_id in declared_requirements(item):
            if req_id not in BY_ID:
                raise pytest.UsageError(f"{item.nodeid}: unknown requirement id {req_id}")
    if state.extra.get("driver") == "sdk":  # issue 5: properties that need bytes no SDK sends
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
    state.extra["total"] = len(items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Sequence[str]) -> None:
    """xdist controller: the progress bar's total is what the workers collected."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        state.extra["total"] = len(ids)


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def ossv_state(request: pytest.FixtureRequest) -> RunState:
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("the conformance suite is not active in this pytest run (run it with `ossv-conformance run`)")
    return state


THROTTLED_QPS = 10.0  # the embedded throttling emulator: a burst of ten parallel deletes meets it


@pytest.fixture(scope="session")
def ossv_target(ossv_state: RunState) -> Iterator[Any]:
    """The endpoint under test, set up once per process and always cleaned up."""
    yield from _serve_target(ossv_state, qps_limit=None, role="")


@pytest.fixture(scope="session")
def ossv_throttled_target(ossv_state: RunState, ossv_target: Any) -> Iterator[Any]:
    """Where throttling is judged: against the bundled emulator, a second embedded one with a QPS limit (so
    DV-THROTTLE-* are judged out of the box); against a configured endpoint, that endpoint itself."""
    if not ossv_state.settings.uses_emulator:
        yield ossv_target
        return
    yield from _serve_target(ossv_state, qps_limit=THROTTLED_QPS, role="q")


def _serve_target(state: RunState, *, qps_limit: float | None, role: str) -> Iterator[Any]:
    from conformance.client import RawClient
    from conformance.naming import Names
    from conformance.ratelimit import RateBudget
    from conformance.target import Target

    settings = state.settings
    embedded = None
    if settings.uses_emulator:
        from conformance import launcher

        embedded = launcher.start(settings, qps_limit=qps_limit)
        settings = embedded.settings
    budget = RateBudget(settings.max_rps, state.budget_path)
    client = RawClient(settings, budget)
    from conformance.drivers import make_driver  # issue 5: who sends the DeleteVectors under test

    driver = make_driver(str(state.extra.get("driver", "raw")), settings, client)
    ledger = state.run_dir / "ledger" / f"{state.worker}{role}.json"
    target = Target(settings, client, Names(state.run_id, state.worker + role), ledger, driver=driver)
    try:
        try:
            target.setup()
        except HarnessError as err:
            # unreachable endpoint, refused credentials, missing OSSV_BUCKET: nothing can be judged
            pytest.exit(f"ossv-conformance: cannot set up the target: {err}", returncode=2)
        yield target
    finally:
        _finish_target(state, target)
        driver.close()
        client.close()
        if embedded is not None:
            embedded.stop()


def _finish_target(state: RunState, target: Any) -> None:
    """Check the canaries, remove everything, and report what could not be removed."""
    problems: list[str] = []
    if not target.ledger.items():
        return  # nothing was created (setup failed at its first step): nothing to check or remove
    try:
        changed = target.check_canary()
    except HarnessError as err:
        changed, problems = None, [f"could not read the canary vectors: {err}"]
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


@pytest.fixture
def case(request: pytest.FixtureRequest, ossv_state: RunState, ossv_target: Any) -> Any:
    """One test's recorder and harness; shared by all of that test's Hypothesis examples."""
    from conformance.authoring import Case

    item = request.node
    recorder = item.stash.get(RECORDER, None) or _new_recorder(item, ossv_state)
    item.stash[RECORDER] = recorder
    target = request.getfixturevalue("ossv_throttled_target") if item.get_closest_marker("throttling") else ossv_target
    return Case(target, recorder, target.settings)


def _check_id(item: pytest.Item) -> str:
    return f"{Path(str(item.path)).name}::{item.name}"


def _new_recorder(item: pytest.Item, state: RunState) -> Recorder:
    return Recorder(_check_id(item), declared_requirements(item), state.settings.strict, state.worker)


# --- outcomes -----------------------------------------------------------------------


_BLOB = re.compile(r"@reproduce_failure\((.*?)\)")


def _contains(exc: BaseException | None, kind: type[BaseException]) -> bool:
    if exc is None:
        return False
    if isinstance(exc, kind):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_contains(e, kind) for e in exc.exceptions)
    return _contains(exc.__cause__, kind) or _contains(exc.__context__, kind)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    state = item.config.stash.get(STATE, None)
    if state is None or not _is_suite_item(item):
        return
    if report.when != "call" and not (report.when == "setup" and not report.passed):
        return
    recorder = item.stash.get(RECORDER, None) or _new_recorder(item, state)
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
    blob = _BLOB.search(text)
    reproduction = {
        "seed": state.seed,
        "blob": blob.group(0) if blob else None,
        "rerun": f"ossv-conformance run --seed {state.seed} -k {item.name}"
        + (f" --target {state.settings.target}" if state.settings.target != "emulator" else "")
        + (" --driver sdk" if state.extra.get("driver") == "sdk" else ""),  # issue 5
        "replay": f"ossv-conformance replay {state.run_dir} --check '{_check_id(item)}'",
    }
    results = recorder.results(test_outcome, report.duration, reproduction, message)
    for result in results:
        state.expectations.apply(result)
        state.emit(result)
    still_failing = [r for r in results if r.outcome is Outcome.FAIL and recorder.binding(r.level)]
    if test_outcome is Outcome.FAIL and not still_failing:
        report.outcome = "skipped"
        report.wasxfail = "; ".join(r.message for r in results if r.outcome is Outcome.XFAIL)
    funcargs = getattr(item, "funcargs", {})
    case_obj = funcargs.get("case") if isinstance(funcargs, dict) else None
    sent = case_obj.target.client.sent - case_obj.sent_at_start if case_obj is not None else recorder.requests
    report.user_properties.append(("ossv_requests", sent))
    report.user_properties.append(("ossv_failed", len(still_failing)))
    report.user_properties.append(("ossv_examples", recorder.examples_run))


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """With the progress line on, pytest's own progress letters stay silent (same categories, no letter)."""
    state = config.stash.get(STATE, None)
    if state is None or state.progress is None or hasattr(report, "wasxfail"):
        return None
    outcome: str = report.outcome
    if report.when in ("collect", "setup", "teardown"):
        if outcome == "passed":
            return "", "", ""
        if outcome == "failed":
            outcome = "error"
    return outcome, "", outcome.upper()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Controller side: progress from every worker's reports."""
    if report.when != "call" and not (report.when == "setup" and not report.passed):
        return
    props = {str(k): v for k, v in report.user_properties}
    state = _controller_state
    if "ossv_requests" not in props or state is None:
        return
    state.done += 1
    state.requests += int(str(props.get("ossv_requests", 0)))
    state.failures += int(str(props.get("ossv_failed", 0)))
    state.extra["examples"] = int(state.extra.get("examples", 0)) + int(str(props.get("ossv_examples", 0)))
    if state.progress is not None:
        state.progress.update(
            state.done,
            state.requests,
            total=state.extra.get("total"),
            examples=int(state.extra["examples"]),
            failures=state.failures,
        )


_controller_state: RunState | None = None


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    global _controller_state
    state = session.config.stash.get(STATE, None)
    if state is not None and state.worker == "main":
        _controller_state = state


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _controller_state
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    if state.sink is not None:
        state.sink.close()
        state.sink = None
    if state.worker != "main":
        return
    _controller_state = None
    if state.progress is not None:
        state.progress.finish()
    summary = _finalize(state, session, int(exitstatus))
    verdict = str(summary.get("verdict", "inconclusive"))
    code = EXIT_BY_VERDICT.get(verdict, 2)
    if int(exitstatus) in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        code = 2
    if state.baseline:
        code = max(code, _compare_baseline(state))
    session.exitstatus = code


def _finalize(state: RunState, session: pytest.Session, exitstatus: int) -> dict[str, Any]:
    import platform

    import hypothesis

    from conformance.reporting.finalize import finalize_run
    from conformance.reporting.merge import read_results
    from conformance.reporting.runinfo import CatalogEntry, ExpectationsInfo, RunInfo, Versions, utc_now_iso
    from conformance.reporting.terminal import render_summary_table

    if not state.filtered and exitstatus != pytest.ExitCode.INTERRUPTED:
        results = read_results(state.run_dir)
        for entry in state.expectations.unmatched(results):
            state.emit(
                CheckResult(
                    test_id="harness::expectations",
                    requirements=[entry.requirement] if entry.requirement else [],
                    level=Level.MUST,
                    outcome=Outcome.ERROR,
                    duration_s=0.0,
                    message=f"expectations entry matches no check of this run: {entry.describe()}",
                )
            )
        if state.sink is not None:
            state.sink.close()
            state.sink = None
    sdk_version = _sdk_version()
    exp = state.expectations.as_json()
    info = RunInfo(
        run_id=state.run_id,
        target=state.settings.target,
        endpoint=state.settings.endpoint or "bundled emulator (127.0.0.1)",
        driver=str(state.extra.get("driver", "raw")),
        settings_redacted=state.settings.redacted(),
        versions=Versions(__version__, platform.python_version(), hypothesis.__version__, pytest.__version__, sdk_version),
        profile=state.settings.profile,
        seed=state.seed,
        started_at=state.started_at,
        ended_at=utc_now_iso(),
        argv=_redact_argv(state),
        exit_code=None,
        expectations=ExpectationsInfo(exp["path"] or "", exp["sha256"] or "", exp["entries"]),
        catalog=[CatalogEntry.of(r) for r in CATALOG],
    )
    summary = finalize_run(state.run_dir, info)
    text = render_summary_table(summary) + "\n" + _failure_lines(state) + f"seed: {state.seed}\nresults: {state.run_dir}\n"
    if session.config.pluginmanager.has_plugin("terminalreporter"):
        state.extra["terminal_text"] = text  # printed last, by pytest_terminal_summary
    else:
        sys.stdout.write(text)
    return summary


def _failure_lines(state: RunState) -> str:
    """One line per failing check and how to replay it: what a person reads first in a CI log."""
    from conformance.reporting.merge import read_results

    lines = []
    for event in read_results(state.run_dir):
        if event.get("outcome") == "fail":
            lines.append(f"FAIL {event.get('test_id')}: {str(event.get('message', ''))[:300]}")
            reproduction = event.get("reproduction") or {}
            if reproduction.get("replay"):
                lines.append(f"     replay: {reproduction['replay']}")
            elif reproduction.get("rerun"):
                lines.append(f"     rerun:  {reproduction['rerun']}")
        elif event.get("outcome") == "error":
            lines.append(f"ERROR {event.get('test_id')}: {str(event.get('message', ''))[:300]}")
    return "\n".join(lines[:60]) + ("\n" if lines else "")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    state = terminalreporter.config.stash.get(STATE, None)
    text = state.extra.pop("terminal_text", None) if state is not None else None
    if text:
        terminalreporter.write_line("")
        for line in str(text).splitlines():
            terminalreporter.write_line(line)


def _redact_argv(state: RunState) -> list[str]:
    from conformance.redact import Redactor

    redactor = Redactor.of(state.settings.secrets)
    return [redactor.redact_text(a) for a in state.argv]


def _sdk_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("alibabacloud-oss-v2")
    except Exception:
        return None


def _compare_baseline(state: RunState) -> int:
    from conformance.reporting.compare import ResultsDirError, compare_runs, regressed, render_markdown

    try:
        diff = compare_runs(Path(state.baseline or ""), state.run_dir)
    except ResultsDirError as err:
        sys.stderr.write(f"ossv-conformance: --baseline: {err}\n")
        return 2
    sys.stdout.write(render_markdown(diff) + "\n")
    (state.run_dir / "baseline-diff.md").write_text(render_markdown(diff))
    return 1 if regressed(diff) else 0
