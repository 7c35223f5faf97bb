"""The end of a run in one call, so the runner cannot write the views from different records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.reporting.html import write_html
from conformance.reporting.merge import merge_events
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import write_summary


def finalize_run(run_dir: Path, info: RunInfo) -> dict[str, Any]:
    """Merge ``events/`` into ``results.ndjson``, then write ``summary.json`` and ``report.html`` from it; return the summary."""
    results = merge_events(run_dir)
    summary = write_summary(run_dir, info, results)
    write_html(run_dir, summary, results)
    return summary
