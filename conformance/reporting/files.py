"""The fixed file names of a results directory, in one place so no writer spells them twice."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

EVENTS_DIR = "events"
RESULTS_FILE = "results.ndjson"
SUMMARY_FILE = "summary.json"
HTML_FILE = "report.html"
JUNIT_FILE = "junit.xml"  # written by pytest itself, named here for documentation and checks

SUMMARY_SCHEMA = "ossv-conformance/summary/1"


def dumps_line(event: dict[str, Any]) -> str:
    """One stable NDJSON line: sorted keys, so identical events are identical bytes."""
    return json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
