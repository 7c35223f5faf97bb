"""The requests a run sent, merged from every process: what summary.json, the terminal and report.html show.

Each process (xdist worker or the only one) writes ``requests/<worker>.json`` when it ends: its
whole tally (the run's setup, canaries and teardown included) and each test's share with the
number of examples it judged. The merge adds them up; a process that died before writing is
simply missing, and the summary says how many processes reported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.reporting.files import write_atomic

REQUESTS_DIR = "requests"
PURPOSES = ("under-test", "setup", "read-back", "cleanup")  # conformance.accounting's, in the order reports show them


def breakdown(counts: Mapping[tuple[str, str], int]) -> dict[str, Any]:
    """The JSON form: total, by operation, by purpose, and the (operation, purpose) table."""
    by_operation: Counter[str] = Counter()
    by_purpose: Counter[str] = Counter()
    for (operation, why), n in counts.items():
        by_operation[operation] += n
        by_purpose[why] += n
    return {
        "total": sum(counts.values()),
        "by_operation": dict(sorted(by_operation.items())),
        "by_purpose": {p: by_purpose.get(p, 0) for p in PURPOSES},
        "by_operation_and_purpose": [
            {"operation": op, "purpose": why, "requests": n} for (op, why), n in sorted(counts.items()) if n
        ],
    }


def counts_from_json(rows: Any) -> Counter[tuple[str, str]]:
    """The inverse of ``breakdown``'s table, tolerant of missing or malformed rows (a worker that died mid-write)."""
    out: Counter[tuple[str, str]] = Counter()
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("requests"), int):
            out[(str(row.get("operation", "other")), str(row.get("purpose", "setup")))] += row["requests"]
    return out


def write_process_requests(
    run_dir: Path,
    worker: str,
    counts: Mapping[tuple[str, str], int],
    tests: Mapping[str, tuple[Mapping[tuple[str, str], int], int]],
) -> None:
    """One process's figures: ``tests`` maps a test id to (its requests, the examples it judged)."""
    data = {
        "worker": worker,
        **breakdown(counts),
        "tests": {
            test_id: {**breakdown(test_counts), "judged_examples": judged}
            for test_id, (test_counts, judged) in sorted(tests.items())
        },
    }
    write_atomic(Path(run_dir) / REQUESTS_DIR / f"{worker}.json", json.dumps(data, indent=1, sort_keys=True) + "\n")


def _per_example(requests: int, examples: int) -> float | None:
    return round(requests / examples, 2) if examples else None


def merged_requests(run_dir: Path) -> dict[str, Any]:
    """The run's request accounting: totals by operation and purpose, judged examples, per example, per test."""
    total: Counter[tuple[str, str]] = Counter()
    tests: dict[str, tuple[Counter[tuple[str, str]], int]] = {}
    processes = 0
    folder = Path(run_dir) / REQUESTS_DIR
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        processes += 1
        total += counts_from_json(data.get("by_operation_and_purpose"))
        for test_id, entry in (data.get("tests") or {}).items():
            if not isinstance(entry, dict):
                continue
            counts, judged = tests.get(test_id, (Counter(), 0))
            judged_here = entry.get("judged_examples")
            tests[test_id] = (
                counts + counts_from_json(entry.get("by_operation_and_purpose")),
                judged + (judged_here if isinstance(judged_here, int) else 0),
            )
    judged = sum(j for _, j in tests.values())
    summary = breakdown(total)
    summary.pop("by_operation_and_purpose")
    in_tests = sum(sum(c.values()) for c, _ in tests.values())
    return {
        **summary,
        "processes": processes,
        "judged_examples": judged,
        "per_judged_example": _per_example(summary["total"], judged),
        "outside_tests": summary["total"] - in_tests,  # the run's buckets, witnesses, canaries, teardown
        "by_test": [
            {
                "test_id": test_id,
                "requests": sum(counts.values()),
                "judged_examples": test_judged,
                "per_judged_example": _per_example(sum(counts.values()), test_judged),
                "by_purpose": breakdown(counts)["by_purpose"],
            }
            for test_id, (counts, test_judged) in sorted(tests.items())
        ],
    }
