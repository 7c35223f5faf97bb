"""Merge the per-worker event files into ``results.ndjson``: one line per check, in a stable order.

Order is by test id, then worker (natural order: ``gw2`` before ``gw10``), then the order the
worker wrote them; it does not depend on which worker finished first or how the directory lists.
If several workers ran the same test id, every record is kept: merging never decides between them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.reporting.files import RESULTS_FILE, dumps_line, write_atomic
from conformance.reporting.sink import event_files, read_ndjson

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """``gw2`` < ``gw10``; digits compare as numbers, the rest as text."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text) if part != "")


def merge_sort_key(event: dict[str, Any]) -> tuple[str, tuple[tuple[int, int | str], ...]]:
    return (str(event.get("test_id", "")), natural_key(str(event.get("worker", ""))))


def merged_events(run_dir: Path) -> list[dict[str, Any]]:
    """The merged view, in memory (nothing written): used for runs that died before the merge."""
    tagged: list[
        tuple[tuple[str, tuple[tuple[int, int | str], ...]], tuple[tuple[int, int | str], ...], int, dict[str, Any]]
    ] = []
    for path in event_files(run_dir):
        for index, event in enumerate(read_ndjson(path)):
            event.setdefault("worker", path.stem)
            tagged.append((merge_sort_key(event), natural_key(path.stem), index, event))
    tagged.sort(key=lambda item: (item[0], item[1], item[2]))
    return [item[3] for item in tagged]


def merge_events(run_dir: Path) -> list[dict[str, Any]]:
    """Write ``results.ndjson`` from ``events/*.ndjson`` (atomically) and return its records."""
    events = merged_events(run_dir)
    write_atomic(Path(run_dir) / RESULTS_FILE, "".join(dumps_line(e) for e in events))
    return events


def read_results(run_dir: Path) -> list[dict[str, Any]]:
    """The merged records of a finished run; falls back to merging in memory if the run died before writing them."""
    path = Path(run_dir) / RESULTS_FILE
    if path.is_file():
        return read_ndjson(path)
    return merged_events(run_dir)
