"""Fixtures for the reporting tests; the builders live in ``tests.helpers.report_factories``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.records import CheckResult
from conformance.reporting.finalize import finalize_run
from conformance.reporting.runinfo import RunInfo
from tests.helpers.report_factories import RunWriter, make_info, standard_results, write_run


@pytest.fixture
def results() -> list[CheckResult]:
    return standard_results()


@pytest.fixture
def info() -> RunInfo:
    return make_info()


@pytest.fixture
def make_run(tmp_path: Path) -> RunWriter:
    """Write a complete results directory (events, results.ndjson, summary.json, report.html)."""

    def _make(name: str, results: list[CheckResult], **info_kwargs: Any) -> Path:
        run_dir = tmp_path / name
        write_run(run_dir, results)
        finalize_run(run_dir, make_info(**info_kwargs))
        return run_dir

    return _make
