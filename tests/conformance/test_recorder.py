"""The recorder without a server: what a verdict means at each level, which example a failure keeps,
what OBSERVE records become, and one CheckResult per requirement at the end of a test."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.errors import NonConformance
from conformance.recorder import Recorder
from conformance.records import CheckResult, Exchange, Level, Outcome, ReceivedResponse, SentRequest, Verdict

MUST, MUST2 = "DV-SUCCESS-204", "DV-NO-COLLATERAL"  # MUST
SHOULD = "DV-ERROR-SHAPE"  # SHOULD
OBSERVE, OBSERVE2 = "DV-OBS-DUPLICATES", "DV-OBS-PRECEDENCE"  # OBSERVE
TEST = "test_delete_success.py::test_x"
REPRO = {"seed": 7, "rerun": "ossv-conformance run --seed 7 -k test_x", "replay": "ossv-conformance replay RUN --check test_x"}


def passing(req: str) -> Verdict:
    return Verdict(req, True, "204", "204")


def failing(req: str, observed: str = "500") -> Verdict:
    return Verdict(req, False, "204", observed)


def exchange(status: int) -> Exchange:
    request = SentRequest("POST", "http://b-1.127.0.0.1:9/?deleteVectors", (("Content-Type", "application/json"),), b"{}")
    return Exchange(request, ReceivedResponse(status, (), b""), 0.01)


def recorder(*declared: str, strict: bool = False) -> Recorder:
    return Recorder(TEST, list(declared), strict, worker="gw1")


def by_requirement(results: list[CheckResult]) -> dict[str, CheckResult]:
    out: dict[str, CheckResult] = {}
    for result in results:
        (req,) = result.requirements
        assert req not in out, f"two results for {req}"
        out[req] = result
    return out


def end(rec: Recorder, outcome: Outcome = Outcome.PASS, message: str = "") -> dict[str, CheckResult]:
    return by_requirement(rec.results(outcome, 1.5, dict(REPRO), message))


# --- binding levels


@pytest.mark.parametrize(
    ("level", "strict", "binding"),
    [
        (Level.MUST, False, True),
        (Level.MUST, True, True),
        (Level.SHOULD, False, False),
        (Level.SHOULD, True, True),
        (Level.OBSERVE, False, False),
        (Level.OBSERVE, True, False),
    ],
)
def test_binding_levels(level: Level, strict: bool, binding: bool) -> None:
    assert recorder(strict=strict).binding(level) is binding


@pytest.mark.parametrize(
    ("req", "strict", "raises", "outcome"),
    [
        (MUST, False, True, Outcome.FAIL),
        (MUST, True, True, Outcome.FAIL),
        (SHOULD, False, False, Outcome.FAIL),  # kept, not raised: the test goes on, the check still fails
        (SHOULD, True, True, Outcome.FAIL),
    ],
    ids=["must", "must-strict", "should", "should-strict"],
)
def test_a_failure_raises_only_at_a_binding_level(req: str, strict: bool, raises: bool, outcome: Outcome) -> None:
    rec = recorder(req, strict=strict)
    rec.start_example("keys=['a']")
    if raises:
        with pytest.raises(NonConformance, match=f"^{req}: expected 204; observed 500$"):
            rec.record([failing(req)])
    else:
        rec.record([failing(req)])
    result = end(rec, Outcome.FAIL if raises else Outcome.PASS)[req]
    assert result.outcome is outcome
    assert result.level is (Level.MUST if req == MUST else Level.SHOULD)


def test_every_verdict_of_a_call_is_kept_before_the_first_binding_one_raises() -> None:
    rec = recorder(MUST, MUST2, SHOULD)
    rec.start_example("e1")
    with pytest.raises(NonConformance, match=f"^{MUST2}: "):
        rec.record([passing(MUST), failing(MUST2), failing(SHOULD), failing(MUST, "200")])
    results = end(rec, Outcome.FAIL)
    assert {req: r.outcome for req, r in results.items()} == {MUST: Outcome.FAIL, MUST2: Outcome.FAIL, SHOULD: Outcome.FAIL}
    assert results[MUST].observed == "200"  # a failure beats an earlier pass of the same requirement


def test_an_observe_verdict_is_never_a_failure() -> None:
    rec = recorder(MUST, strict=True)
    rec.start_example("e1")
    rec.record([passing(MUST), failing(OBSERVE)])  # not raised, even under --strict
    results = end(rec)
    assert OBSERVE not in results  # OBSERVE requirements are reported through observations only
    assert results[MUST].outcome is Outcome.PASS


def test_unknown_requirement_ids_fail_at_construction() -> None:
    with pytest.raises(KeyError, match="DV-NO-SUCH-THING"):
        Recorder(TEST, [MUST, "DV-NO-SUCH-THING"], False)


# --- which example a failure keeps


def test_the_minimal_example_is_the_last_failing_one() -> None:
    """Hypothesis shrinks by replaying ever smaller failing examples and replays the minimal one last."""
    rec = recorder(MUST)
    for size, example in enumerate(["keys=['a', 'b', 'c']", "keys=['a', 'b']", "keys=['a']"], 1):
        rec.start_example(example)
        for _ in range(size):
            rec.exchange(exchange(500))
        rec.case = {"stored": ["a"] * size}
        with pytest.raises(NonConformance):
            rec.record([failing(MUST, f"500 (#{size})")])
        rec.start_example("keys=['z']")  # a passing example in between changes nothing
        rec.record([passing(MUST)])
    result = end(rec, Outcome.FAIL)[MUST]
    assert result.example == "keys=['a']" and result.observed == "500 (#3)"
    assert len(result.exchanges) == 3 and result.exchanges[0]["response"]["status"] == 500
    assert result.reproduction["case"] == {"stored": ["a", "a", "a"]}


def test_a_non_binding_failure_keeps_the_first_example() -> None:
    rec = recorder(SHOULD)
    for example in ("first", "second"):
        rec.start_example(example)
        rec.record([failing(SHOULD, example)])
    result = end(rec)[SHOULD]
    assert (result.example, result.observed) == ("first", "first")


def test_each_example_starts_a_fresh_slate() -> None:
    rec = recorder(MUST)
    rec.start_example("one")
    rec.exchange(exchange(204))
    rec.case = {"stored": ["a"]}
    rec.start_example("two")
    assert (rec.example, rec.exchanges, rec.case) == ("two", [], {})
    rec.exchange(exchange(204))
    assert (rec.examples_run, rec.requests) == (2, 2)  # counters run across examples


def test_a_failure_without_a_recorded_case_is_rerun_by_seed_not_replayed() -> None:
    rec = recorder(MUST, MUST2)
    rec.start_example("stateful steps")
    with pytest.raises(NonConformance):
        rec.record([failing(MUST)])
    rec.start_example("one request")
    rec.case = {"stored": ["a"], "spec": {"method": "POST"}}
    with pytest.raises(NonConformance):
        rec.record([failing(MUST2)])
    results = end(rec, Outcome.FAIL)
    assert results[MUST].reproduction == {"seed": 7, "rerun": REPRO["rerun"], "case": {}}
    assert results[MUST2].reproduction == {**REPRO, "case": {"stored": ["a"], "spec": {"method": "POST"}}}


# --- OBSERVE records


def test_observations_are_one_record_per_requirement_each_value_with_its_first_example() -> None:
    rec = recorder(MUST)
    for example, seen in [("e1", "204"), ("e2", "400 VectorIndexParameterInvalid"), ("e3", "204")]:
        rec.start_example(example)
        rec.record([passing(MUST)], observations=[Verdict(OBSERVE, True, "", seen), Verdict(OBSERVE2, True, "", "400")])
    results = end(rec)
    obs = results[OBSERVE]
    assert (obs.outcome, obs.level, obs.message) == (Outcome.OBSERVED, Level.OBSERVE, "recorded, not judged")
    assert obs.observed == "204; 400 VectorIndexParameterInvalid"  # sorted, each once
    assert obs.example == "e1"  # the example of the first value seen
    assert obs.test_id == f"{TEST}[{OBSERVE}]" and obs.worker == "gw1" and obs.duration_s == 1.5
    assert results[OBSERVE2].observed == "400" and results[MUST].outcome is Outcome.PASS


def test_observations_keep_at_most_50_distinct_values() -> None:
    rec = recorder()
    rec.start_example("e")
    rec.record([], observations=[Verdict(OBSERVE, True, "", f"v{i:03d}") for i in range(80)])
    assert end(rec)[OBSERVE].observed == "; ".join(f"v{i:03d}" for i in range(50))


def test_observations_are_kept_when_a_binding_verdict_raises() -> None:
    rec = recorder(MUST)
    rec.start_example("e")
    with pytest.raises(NonConformance):
        rec.record([failing(MUST)], observations=[Verdict(OBSERVE, True, "", "500")])
    assert end(rec, Outcome.FAIL)[OBSERVE].observed == "500"


# --- results(): one CheckResult per requirement


def _rec_passed(rec: Recorder) -> None:
    rec.start_example("e")
    rec.record([passing(MUST)])


def _rec_failed(rec: Recorder) -> None:
    rec.start_example("e")
    with pytest.raises(NonConformance):
        rec.record([failing(MUST)])


def _rec_nothing(rec: Recorder) -> None:
    pass


def _rec_noted(rec: Recorder) -> None:
    rec.note("no STS identity configured")
    rec.note("no other account configured")
    rec.note("no STS identity configured")  # once only


def _rec_passed_noted(rec: Recorder) -> None:
    _rec_passed(rec)
    _rec_noted(rec)


NOTES = "no STS identity configured; no other account configured"

# how the test ran, how it ended (and its message) -> the declared MUST requirement's outcome and message
RESULTS: list[Any] = [
    pytest.param(_rec_passed, Outcome.PASS, "", Outcome.PASS, "", id="passed"),
    pytest.param(_rec_passed_noted, Outcome.PASS, "", Outcome.PASS, NOTES, id="passed-with-notes"),
    pytest.param(_rec_failed, Outcome.FAIL, "", Outcome.FAIL, f"{MUST}: expected 204; observed 500", id="failed"),
    pytest.param(_rec_failed, Outcome.ERROR, "boom", Outcome.FAIL, f"{MUST}: expected 204; observed 500", id="failed-then-error"),
    pytest.param(_rec_nothing, Outcome.PASS, "", Outcome.SKIP, "declared but not exercised by any example of this run",
                 id="not-exercised"),
    pytest.param(_rec_noted, Outcome.PASS, "", Outcome.SKIP, f"not exercised: {NOTES}", id="not-exercised-with-notes"),
    pytest.param(_rec_noted, Outcome.SKIP, "no STS identity: skipped", Outcome.SKIP, "no STS identity: skipped",
                 id="skipped-with-notes"),
    pytest.param(_rec_passed, Outcome.SKIP, "needs bytes no SDK sends", Outcome.SKIP, "needs bytes no SDK sends",
                 id="skipped-after-a-pass"),
    pytest.param(_rec_nothing, Outcome.ERROR, "HarnessError: setup refused", Outcome.ERROR, "HarnessError: setup refused",
                 id="error"),
]


@pytest.mark.parametrize(("run", "test_outcome", "message", "expected", "text"), RESULTS)
def test_results_outcomes(run: Any, test_outcome: Outcome, message: str, expected: Outcome, text: str) -> None:
    rec = recorder(MUST)
    run(rec)
    result = end(rec, test_outcome, message)[MUST]
    assert (result.outcome, result.message) == (expected, text)
    assert result.test_id == f"{TEST}[{MUST}]" and result.requirements == [MUST] and result.level is Level.MUST
    assert (result.worker, result.duration_s) == ("gw1", 1.5)
    if expected is Outcome.FAIL:
        assert (result.expected, result.observed, result.example) == ("204", "500", "e")
        assert result.reproduction["seed"] == 7
    else:
        assert (result.expected, result.observed, result.example, result.exchanges, result.reproduction) == (
            None, None, None, [], {})


def test_results_cover_declared_and_judged_requirements_declared_first() -> None:
    rec = recorder(SHOULD, MUST)
    rec.start_example("e")
    rec.record([passing(MUST2)])  # judged along the way, not declared
    results = rec.results(Outcome.PASS, 0.0, {})
    assert [r.requirements[0] for r in results] == [SHOULD, MUST, MUST2]
    assert [r.outcome for r in results] == [Outcome.SKIP, Outcome.SKIP, Outcome.PASS]


def test_declared_observe_requirements_appear_only_when_observed() -> None:
    rec = recorder(MUST, OBSERVE)
    _rec_passed(rec)
    assert set(end(rec)) == {MUST}


def test_observations_keep_the_answers_of_each_input_family() -> None:
    rec = recorder()
    for family, seen in [("keys:duplicates", "204"), ("keys:duplicates", "400"), ("key:empty", "400"), ("", "refused")]:
        rec.start_example("e")
        rec.record([], observations=[Verdict(OBSERVE, True, "", seen, family)])
    obs = end(rec)[OBSERVE]
    assert obs.by_family == {"(unlabelled)": ["refused"], "key:empty": ["400"], "keys:duplicates": ["204", "400"]}
    assert obs.to_json()["by_family"] == obs.by_family
    assert "by_family" not in CheckResult("t", [MUST], Level.MUST, Outcome.PASS, 0.0).to_json()  # others keep their shape
