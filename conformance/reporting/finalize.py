"""The end of a run in one call, so the runner cannot write the views from different records."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.reporting.html import write_html
from conformance.reporting.merge import merge_events
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import write_summary

ExitCodeRule = Callable[[Mapping[str, Any]], int]
"""The run's exit code from its summary; it may read the results directory, whose ``summary.json`` exists by then."""
Sections = Callable[[Sequence[Mapping[str, Any]]], Mapping[str, Any]]
"""Further top-level keys of ``summary.json`` computed from the merged records (e.g. ``reference``)."""


def finalize_run(
    run_dir: Path, info: RunInfo, exit_code: ExitCodeRule | None = None, sections: Sections | None = None
) -> dict[str, Any]:
    """Merge ``events/`` into ``results.ndjson``, then write ``summary.json`` and ``report.html`` from it; return the summary.

    With ``exit_code``, the code it returns for the summary is recorded in ``summary.json`` and
    ``report.html`` (``run.exit_code``); without, ``info.exit_code`` is kept as given. ``sections``
    adds its keys to the summary before the exit code is decided, so the rule may read them.
    """
    results = merge_events(run_dir)
    extra = sections(results) if sections is not None else {}

    def write(info: RunInfo) -> dict[str, Any]:
        return write_summary(run_dir, info, results, extra)

    summary = write(info)
    if exit_code is not None:
        info = dataclasses.replace(info, exit_code=int(exit_code(summary)))
        summary = write(info)
    write_html(run_dir, summary, results)
    return summary
