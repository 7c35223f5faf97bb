"""Report writers: every file in a results directory is a view of the same ``CheckResult`` events.

Nothing in this package runs, re-runs or re-judges a check. The runner appends events through
``EventSink``; at the end ``finalize_run`` merges them and writes ``summary.json`` and
``report.html``; ``compare_runs`` diffs two results directories.
"""

from conformance.reporting.compare import RunDiff, compare_main, compare_runs, regressed, render_json, render_markdown
from conformance.reporting.finalize import finalize_run
from conformance.reporting.html import write_html
from conformance.reporting.merge import merge_events, read_results
from conformance.reporting.runinfo import CatalogEntry, ExpectationsInfo, RunInfo, Versions, utc_now_iso
from conformance.reporting.sink import EventSink, read_events
from conformance.reporting.summary import write_summary
from conformance.reporting.terminal import Progress, render_summary_table
from conformance.reporting.verdict import requirement_verdict, verdict

__all__ = [
    "CatalogEntry",
    "EventSink",
    "ExpectationsInfo",
    "Progress",
    "RunDiff",
    "RunInfo",
    "Versions",
    "compare_main",
    "compare_runs",
    "finalize_run",
    "merge_events",
    "read_events",
    "read_results",
    "regressed",
    "render_json",
    "render_markdown",
    "render_summary_table",
    "requirement_verdict",
    "utc_now_iso",
    "verdict",
    "write_html",
    "write_summary",
]
