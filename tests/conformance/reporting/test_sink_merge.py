"""The raw event files and the merged ``results.ndjson`` built from them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.records import CheckResult, Outcome
from conformance.reporting.merge import merge_events, natural_key, read_results
from conformance.reporting.sink import EventSink, read_events
from tests.helpers.report_factories import check, standard_results, write_run


def test_event_sink_flushes_each_line_before_close(tmp_path: Path) -> None:
    sink = EventSink(tmp_path, "gw0")
    sink.emit(check("t::a", Outcome.PASS, worker="main"))
    # Not closed: a process that dies here has still left its line on disk.
    lines = (tmp_path / "events" / "gw0.ndjson").read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["worker"] == "gw0"  # the sink stamps the worker it writes for
    sink.close()


def test_event_sink_appends_across_instances(tmp_path: Path) -> None:
    with EventSink(tmp_path, "main") as sink:
        sink.emit(check("t::a", Outcome.PASS))
    with EventSink(tmp_path, "main") as sink:
        sink.emit(check("t::b", Outcome.FAIL))
    assert [e["test_id"] for e in read_events(tmp_path)] == ["t::a", "t::b"]


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "-gw0"])
def test_event_sink_rejects_unsafe_worker_names(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        EventSink(tmp_path, bad)


def test_read_events_skips_a_truncated_last_line(tmp_path: Path) -> None:
    with EventSink(tmp_path, "gw0") as sink:
        sink.emit(check("t::a", Outcome.PASS))
    with (tmp_path / "events" / "gw0.ndjson").open("a") as fh:
        fh.write('{"test_id": "t::b", "outc')  # the worker died mid-write
    assert [e["test_id"] for e in read_events(tmp_path)] == ["t::a"]


def test_read_events_rejects_a_corrupt_middle_line(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "gw0.ndjson").write_text('{"test_id": "a"}\nnot json\n{"test_id": "b"}\n')
    with pytest.raises(ValueError, match=r"gw0\.ndjson:2"):
        read_events(tmp_path)


def test_natural_worker_order() -> None:
    assert sorted(["gw10", "gw2", "main", "gw1"], key=natural_key) == ["gw1", "gw2", "gw10", "main"]


def test_merge_is_deterministic_whatever_the_worker_files(tmp_path: Path) -> None:
    results = standard_results()
    # The same test id from two workers must be kept twice.
    results.append(check("tests/test_delete.py::test_delete_vectors_valid_keys_deleted", Outcome.PASS, worker="gw10"))
    results.append(check("tests/test_delete.py::test_delete_vectors_valid_keys_deleted", Outcome.FAIL, worker="gw2"))

    first = tmp_path / "one"
    write_run(first, results)
    merged = merge_events(first)

    second = tmp_path / "two"
    write_run(second, list(reversed(results)))  # other emission order, files created in another order
    # Within one worker the emission order is the record; restore it per worker for the second run.
    shutil.rmtree(second / "events")
    (second / "events").mkdir()
    for path in sorted((first / "events").iterdir(), reverse=True):
        shutil.copy(path, second / "events" / path.name)
    merge_events(second)

    assert (first / "results.ndjson").read_bytes() == (second / "results.ndjson").read_bytes()
    ids = [(e["test_id"], e["worker"]) for e in merged]
    assert ids == sorted(ids, key=lambda p: (p[0], natural_key(p[1])))
    dup = [w for t, w in ids if t == "tests/test_delete.py::test_delete_vectors_valid_keys_deleted"]
    assert dup == ["gw0", "gw2", "gw10"]
    assert len(merged) == len(results)


def test_merge_is_independent_of_interleaving(tmp_path: Path) -> None:
    results = standard_results()
    a, b = tmp_path / "a", tmp_path / "b"
    write_run(a, results)
    by_worker: dict[str, list[CheckResult]] = {}
    for r in results:
        by_worker.setdefault(r.worker, []).append(r)
    # Workers finishing in a different order (per-worker order unchanged).
    for worker in sorted(by_worker, reverse=True):
        with EventSink(b, worker) as sink:
            for r in by_worker[worker]:
                sink.emit(r)
    merge_events(a)
    merge_events(b)
    assert (a / "results.ndjson").read_bytes() == (b / "results.ndjson").read_bytes()


def test_read_results_prefers_merged_file_and_falls_back_to_events(tmp_path: Path) -> None:
    write_run(tmp_path, standard_results())
    in_memory = read_results(tmp_path)
    assert not (tmp_path / "results.ndjson").exists()
    assert read_results(tmp_path) == merge_events(tmp_path) == in_memory
