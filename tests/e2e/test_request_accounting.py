"""The suite's request accounting agrees with what the server counted, and a run records it everywhere:
summary.json (by operation, by purpose, per judged example), the terminal's Requests line, report.html."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import FAULT, run_suite

QUICK_PER_EXAMPLE_BOUND = 6.5  # measured 5.2-5.4 (9.4 before issue 11): a regression guard, not a target


def test_the_run_counts_what_the_server_answered(tmp_path: Path) -> None:
    served: Counter[str] = Counter()
    lock = threading.Lock()

    def on_answer(method: str, query: str, status: int) -> None:
        with lock:
            served[query.split("&", 1)[0].split("=", 1)[0] or method] += 1

    config = EmulatorConfig(identities=FAULT.identities, options={"max_buckets": 10000}, on_answer=on_answer)
    with EmulatorServer(config) as server:
        run = run_suite(server.url, tmp_path / "run")
    assert run.exit_code == 0, run.explain()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    requests = summary["requests"]
    # the CLI's reachability check, before the run starts, is the one request the run does not count
    assert sum(served.values()) - requests["total"] in (0, 1)
    assert requests["by_operation"]["DeleteVectors"] == served["deleteVectors"]
    assert requests["by_operation"]["ListVectors"] == served["listVectors"]
    assert sum(requests["by_purpose"].values()) == requests["total"]
    assert all(requests["by_purpose"][p] > 0 for p in ("under-test", "setup", "read-back", "cleanup"))
    assert requests["judged_examples"] > 100
    assert requests["per_judged_example"] <= QUICK_PER_EXAMPLE_BOUND
    assert sum(t["requests"] for t in requests["by_test"]) + requests["outside_tests"] == requests["total"]
    assert f"Requests: {requests['total']:,} (" in run.stdout
    assert '<h2 id="requests">Requests</h2>' in (tmp_path / "run" / "report.html").read_text()


def test_a_reused_report_dir_holds_only_the_last_runs_records(tmp_path: Path) -> None:
    """Records of an earlier run in the same --report-dir would be merged into this run's verdict."""
    with EmulatorServer(EmulatorConfig(identities=FAULT.identities, options={"max_buckets": 10000})) as server:
        first = run_suite(server.url, tmp_path / "run", "-k", "without_authentication")
        first_summary = json.loads((tmp_path / "run" / "summary.json").read_text())
        second = run_suite(server.url, tmp_path / "run", "-k", "without_authentication")
    second_summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert first.exit_code == second.exit_code == 0
    assert len(second.results) == len(first.results)
    assert second_summary["total"] == first_summary["total"]
    assert second_summary["requests"]["processes"] == 1
