"""Request accounting: each request is counted once, under the operation its request line names and the
purpose its outermost caller declared, across threads; the per-process files merge into the run's figures."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from conformance.accounting import CLEANUP, READ_BACK, SETUP, UNDER_TEST, RequestTally, declares, operation_of, purpose
from conformance.ops import (
    delete_vector_bucket_spec,
    delete_vectors_spec,
    get_vector_bucket_spec,
    list_vector_buckets_spec,
    op_spec,
    put_vector_bucket_spec,
)
from conformance.reporting.requests import merged_requests, write_process_requests
from conformance.reporting.terminal import render_requests_line


@pytest.mark.parametrize(
    ("spec", "operation"),
    [
        (delete_vectors_spec("b", "i", ["k"]), "DeleteVectors"),
        (delete_vectors_spec("b", "i", ["k"], query="deleteVectors="), "DeleteVectors"),
        (op_spec("putVectors", "b", {}), "PutVectors"),
        (op_spec("listVectors", "b", {}), "ListVectors"),
        (op_spec("getVectors", "b", {}), "GetVectors"),
        (op_spec("putVectorIndex", "b", {}), "PutVectorIndex"),
        (op_spec("deleteVectorIndex", "b", {}), "DeleteVectorIndex"),
        (op_spec("listVectorIndexes", "b", {}), "ListVectorIndexes"),
        (put_vector_bucket_spec("b"), "PutVectorBucket"),
        (delete_vector_bucket_spec("b"), "DeleteVectorBucket"),
        (get_vector_bucket_spec("b"), "GetVectorBucket"),
        (list_vector_buckets_spec("p"), "ListVectorBuckets"),
        (list_vector_buckets_spec(), "ListVectorBuckets"),
    ],
)
def test_every_operation_the_suite_sends_is_named(spec: object, operation: str) -> None:
    assert operation_of(spec.method, spec.query, spec.bucket) == operation  # type: ignore[attr-defined]


def test_unknown_request_lines_are_other() -> None:
    assert operation_of("PATCH", "", "b") == "other"


def test_the_outermost_purpose_wins_and_undeclared_is_setup() -> None:
    tally = RequestTally()

    @declares(READ_BACK)
    def read() -> None:
        tally.count("ListVectors")

    tally.count("PutVectors")
    read()
    with purpose(CLEANUP):
        read()  # a listing made while cleaning up is cleanup
    with purpose(UNDER_TEST):
        tally.count("DeleteVectors")
    assert tally.copy() == Counter(
        {("PutVectors", SETUP): 1, ("ListVectors", READ_BACK): 1, ("ListVectors", CLEANUP): 1, ("DeleteVectors", UNDER_TEST): 1}
    )
    with pytest.raises(ValueError), purpose("lunch"):
        pass


def test_threads_count_under_their_own_declaration() -> None:
    tally = RequestTally()

    @declares(UNDER_TEST)
    def send() -> None:
        tally.count("DeleteVectors")

    with purpose(SETUP):  # not inherited by the threads: each declares where the request is made
        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert tally.copy() == Counter({("DeleteVectors", UNDER_TEST): 8})
    assert tally.total == 8


def test_since_is_what_came_after() -> None:
    tally = RequestTally()
    tally.count("PutVectors")
    earlier = tally.copy()
    tally.count("DeleteVectors", 3, UNDER_TEST)
    assert tally.since(earlier) == Counter({("DeleteVectors", UNDER_TEST): 3})


def test_process_files_merge_into_the_runs_figures(tmp_path: Path) -> None:
    a = Counter({("DeleteVectors", UNDER_TEST): 4, ("ListVectors", READ_BACK): 4, ("PutVectorBucket", SETUP): 1})
    b = Counter({("DeleteVectors", UNDER_TEST): 2, ("ListVectors", READ_BACK): 2})
    write_process_requests(tmp_path, "gw0", a, {"t1": (a - Counter({("PutVectorBucket", SETUP): 1}), 4)})
    write_process_requests(tmp_path, "gw1", b, {"t2": (b, 1)})
    (tmp_path / "requests" / "gw2.json").write_text("{trunc")  # a worker that died mid-write is left out
    merged = merged_requests(tmp_path)
    assert merged["total"] == 13 and merged["processes"] == 2
    assert merged["by_operation"] == {"DeleteVectors": 6, "ListVectors": 6, "PutVectorBucket": 1}
    assert merged["by_purpose"] == {UNDER_TEST: 6, SETUP: 1, READ_BACK: 6, CLEANUP: 0}
    assert merged["judged_examples"] == 5 and merged["per_judged_example"] == 2.6
    assert merged["outside_tests"] == 1
    assert [(t["test_id"], t["requests"], t["per_judged_example"]) for t in merged["by_test"]] == [("t1", 8, 2.0), ("t2", 4, 4.0)]
    json.dumps(merged)


def test_no_accounting_is_an_empty_record_and_no_terminal_line(tmp_path: Path) -> None:
    merged = merged_requests(tmp_path)
    assert merged["total"] == 0 and merged["per_judged_example"] is None
    assert render_requests_line(merged) == ""


def test_the_terminal_line_says_purpose_and_cost_per_example() -> None:
    line = render_requests_line(
        {"total": 1234, "by_purpose": {UNDER_TEST: 600, SETUP: 300, READ_BACK: 334, CLEANUP: 0},
         "judged_examples": 500, "per_judged_example": 2.47}
    )
    assert line == "Requests: 1,234 (600 under-test, 300 setup, 334 read-back), 2.47 per judged example (500 judged)"


def test_the_html_report_shows_the_requests(tmp_path: Path) -> None:
    from conformance.reporting.html import render_requests_section

    a = Counter({("DeleteVectors", UNDER_TEST): 4, ("ListVectors", READ_BACK): 4})
    write_process_requests(tmp_path, "main", a, {"test_x.py::t<1>": (a, 4)})
    html = render_requests_section(merged_requests(tmp_path))
    assert '<h2 id="requests">Requests</h2>' in html
    assert "per judged example" in html and "<dd>2.0</dd>" in html
    assert "test_x.py::t&lt;1&gt;" in html  # escaped
    assert render_requests_section(merged_requests(tmp_path / "none")) == ""
