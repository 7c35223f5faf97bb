"""The end of a run (controller only): the results directory, the exit status, the baseline, the summary table.

Exit status: 0 conformant, 1 not conformant, 2 could not judge (also after an interruption, a
usage or internal error); with ``--ossv-baseline``, a regression against that results directory
makes it at least 1, an unreadable baseline 2. With ``--ossv-reference``, OBSERVE answers that
differ from the reference profile are listed (``summary.json`` ``reference``), never a failure;
``--ossv-fail-on-reference-diff`` turns an otherwise conformant run's 0 into 6 (3 to 5 are pytest's
own codes, so 6 cannot be mistaken for one of them). The code is decided after the merge and the
first ``summary.json`` (the baseline comparison reads it) and then recorded in ``summary.json``
and ``report.html``. ``--ossv-record-reference`` then writes this run's profile. The summary table
and one line per failing check are printed last.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance import __version__
from conformance.catalog import CATALOG
from conformance.plugin.state import RunState, state_of
from conformance.records import CheckResult, Level, Outcome

if TYPE_CHECKING:
    from conformance.reporting.runinfo import RunInfo

EXIT_BY_VERDICT = {"conformant": 0, "not-conformant": 1, "inconclusive": 2}
EXIT_CANNOT_JUDGE = 2
EXIT_REFERENCE_DIFF = 6  # only with --ossv-fail-on-reference-diff, and only instead of 0
_CANNOT_JUDGE = (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR)


@dataclass
class Baseline:
    """``--ossv-baseline``: this run compared with an earlier results directory."""

    path: Path
    run_dir: Path
    markdown: str | None = None
    error: str | None = None

    def compare(self) -> int:
        """0 no regression, 1 regression, 2 the baseline is not a results directory; writes baseline-diff.md."""
        from conformance.reporting.compare import ResultsDirError, compare_runs, regressed, render_markdown

        try:
            diff = compare_runs(self.path, self.run_dir)
        except ResultsDirError as err:
            self.error = f"ossv-conformance: --baseline: {err}\n"
            return EXIT_CANNOT_JUDGE
        self.markdown = render_markdown(diff)
        (self.run_dir / "baseline-diff.md").write_text(self.markdown)
        return 1 if regressed(diff) else 0

    def report(self) -> None:
        if self.error is not None:
            sys.stderr.write(self.error)
        if self.markdown is not None:
            sys.stdout.write(self.markdown + "\n")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    if state is None:
        return
    state.close_sink()
    state.write_requests()
    if not state.is_controller:
        return
    if state.progress is not None:
        state.progress.finish()
    session.exitstatus = _finalize(state, session, int(exitstatus))


def _finalize(state: RunState, session: pytest.Session, exitstatus: int) -> int:
    from conformance.reporting.finalize import finalize_run
    from conformance.reporting.merge import read_results
    from conformance.reporting.reference import check_reference, differs, render_reference_text
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
        state.close_sink()
    baseline = Baseline(state.baseline, state.run_dir) if state.baseline else None

    def exit_code(summary: Mapping[str, Any]) -> int:
        code = EXIT_BY_VERDICT.get(str(summary.get("verdict", "inconclusive")), EXIT_CANNOT_JUDGE)
        if exitstatus in _CANNOT_JUDGE or state.interrupted:
            code = EXIT_CANNOT_JUDGE
        if baseline is not None:
            code = max(code, baseline.compare())
        if code == 0 and state.fail_on_reference_diff and differs(summary.get("reference")):
            code = EXIT_REFERENCE_DIFF
        return code

    reference = state.reference

    def sections(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return {"reference": check_reference(reference, results)} if reference is not None else {}

    summary = finalize_run(state.run_dir, _run_info(state), exit_code, sections)
    text = render_summary_table(summary)
    if summary.get("reference"):
        text += render_reference_text(summary["reference"])
    text += "\n" + _failure_lines(state) + f"seed: {state.seed}\nresults: {state.run_dir}\n"
    code = int(summary["run"]["exit_code"])
    if state.record_reference is not None:
        text, code = _record_reference(state, exitstatus, text, code)
    if session.config.pluginmanager.has_plugin("terminalreporter"):
        state.terminal_text = text  # printed last, by pytest_terminal_summary
    else:
        sys.stdout.write(text)
    if baseline is not None:
        baseline.report()
    return code


def _record_reference(state: RunState, exitstatus: int, text: str, code: int) -> tuple[str, int]:
    """Write ``--ossv-record-reference`` from the merged records (not after an interruption: it would be partial)."""
    from conformance.redact import Redactor
    from conformance.reporting.merge import read_results
    from conformance.reporting.reference import ReferenceError, build_reference, write_reference

    path = state.record_reference
    assert path is not None
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return text + f"reference not recorded: the run was interrupted ({path})\n", code
    meta = {
        "suite_version": __version__,
        "profile": state.settings.profile,
        "seed": state.seed,
        "driver": state.driver,
        "target": state.settings.target,
    }
    try:
        write_reference(path, build_reference(read_results(state.run_dir), meta), Redactor.of(state.settings.secrets).redact_text)
    except ReferenceError as err:
        sys.stderr.write(f"ossv-conformance: {err}\n")
        return text, EXIT_CANNOT_JUDGE
    return text + f"reference recorded: {path}\n", code


def _run_info(state: RunState) -> RunInfo:
    import platform

    import hypothesis

    from conformance.drivers import sdk_version
    from conformance.redact import Redactor
    from conformance.reporting.runinfo import CatalogEntry, ExpectationsInfo, RunInfo, Versions, utc_now_iso

    redactor = Redactor.of(state.settings.secrets)
    exp = state.expectations.as_json()
    return RunInfo(
        run_id=state.run_id,
        target=state.settings.target,
        endpoint=state.settings.endpoint or "bundled emulator (127.0.0.1)",
        driver=state.driver,
        settings_redacted=state.settings.redacted(),
        versions=Versions(__version__, platform.python_version(), hypothesis.__version__, pytest.__version__, sdk_version()),
        profile=state.settings.profile,
        seed=state.seed,
        started_at=state.shared.started_at,
        ended_at=utc_now_iso(),
        argv=[redactor.redact_text(a) for a in state.shared.argv],
        exit_code=None,  # decided once summary.json exists (see finalize_run)
        expectations=ExpectationsInfo(exp["path"] or "", exp["sha256"] or "", exp["entries"]),
        catalog=[CatalogEntry.of(r) for r in CATALOG],
    )


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
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state = state_of(terminalreporter.config)
    text = state.terminal_text if state is not None else None
    if state is not None:
        state.terminal_text = None
    if text:
        terminalreporter.write_line("")
        for line in text.splitlines():
            terminalreporter.write_line(line)
