"""Expectations files: loading (every problem one line naming the file and the entry), which checks an
entry matches, expiry, what applying does to an outcome, and entries that match nothing."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conformance.expectations import Entry, Expectations, ExpectationsError, default_path, load
from conformance.records import CheckResult, Level, Outcome

TODAY = date(2026, 12, 3)
TEST = "test_delete_errors.py::test_error_shape"
GOOD = """
[[expected_failure]]
requirement = "DV-ERROR-SHAPE"
reason = "  errors come back as XML  "
link = "https://example.invalid/ticket/42"
expires = 2027-03-31

[[expected_failure]]
test = "test_delete_vectors_more_than_500"
reason = "accepts 501 keys"
"""


def write(tmp_path: Path, text: str | bytes, name: str = "target.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def entry(requirement: str | None = None, test: str | None = None, expires: date | None = None, reason: str = "r") -> Entry:
    return Entry(requirement, test, reason, "", expires)


def check(outcome: Outcome, req: str = "DV-ERROR-SHAPE", test: str = TEST, message: str = "m") -> CheckResult:
    return CheckResult(f"{test}[{req}]", [req], Level.SHOULD, outcome, 0.1, message=message)


# --- load


def test_load_reads_every_entry(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    loaded = load(path)
    assert loaded.path == str(path) and loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.entries == (
        Entry("DV-ERROR-SHAPE", None, "errors come back as XML", "https://example.invalid/ticket/42", date(2027, 3, 31)),
        Entry(None, "test_delete_vectors_more_than_500", "accepts 501 keys", "", None),
    )
    assert loaded.as_json()["entries"][0]["expires"] == "2027-03-31" and loaded.as_json()["entries"][1]["expires"] is None


def test_no_file_is_no_expectations(tmp_path: Path) -> None:
    assert load(None) == Expectations.none() == load(tmp_path / "absent.toml")
    assert Expectations.none().as_json() == {"path": None, "sha256": None, "entries": []}
    assert write(tmp_path, "").exists() and load(tmp_path / "target.toml").entries == ()


SHAPE = '[[expected_failure]]\nrequirement = "DV-ERROR-SHAPE"\n'
NOT_A_DATE = "expected_failure #1: 'expires' must be a TOML date like 2027-03-31"

# what is wrong -> what the one-line error says (after "<path>: ")
ERRORS: list[Any] = [
    pytest.param("[[expected_failure]\n", "not valid TOML", id="not-toml"),
    pytest.param('requirement = "DV-ERROR-SHAPE"\nrequirement = "x"\n', "not valid TOML", id="toml-duplicate-key"),
    pytest.param(b'[[expected_failure]]\nreason = "caf\xe9"\n', "not valid TOML", id="not-utf8"),
    pytest.param("[expected_failures]\n", "unknown table(s) expected_failures; only [[expected_failure]] is allowed",
                 id="unknown-table"),
    pytest.param('title = "x"\n[[expected_failure]]\nrequirement = "DV-ERROR-SHAPE"\nreason = "r"\n', "unknown table(s) title",
                 id="unknown-top-level-key"),
    pytest.param("expected_failure = [1]\n", "expected_failure #1: must be a table", id="not-a-table"),
    pytest.param('[[expected_failure]]\nrequirement = "DV-ERROR-SHAPE"\nreason = "r"\nowner = "me"\nwhy = 1\n',
                 "expected_failure #1: unknown key(s) owner, why", id="unknown-keys"),
    pytest.param('[[expected_failure]]\nreason = "r"\n', "expected_failure #1: needs 'requirement' or 'test'", id="no-selector"),
    pytest.param('[[expected_failure]]\nrequirement = "DV-ERROR-SHAPE"\nreason = "r"\n[[expected_failure]]\n'
                 'requirement = "DV-NOPE"\nreason = "r"\n', "expected_failure #2: unknown requirement 'DV-NOPE'",
                 id="unknown-requirement"),
    pytest.param(SHAPE, "expected_failure #1: needs a 'reason'", id="no-reason"),
    pytest.param(SHAPE + 'reason = " \\t "\n', "expected_failure #1: needs a 'reason'", id="blank-reason"),
    pytest.param(SHAPE + "reason = 3\n", "expected_failure #1: needs a 'reason'", id="reason-not-a-string"),
    pytest.param(SHAPE + 'reason = "r"\nexpires = "2027-03-31"\n', NOT_A_DATE, id="expires-a-string"),
    pytest.param(SHAPE + 'reason = "r"\nexpires = 10:00:00\n', NOT_A_DATE, id="expires-a-time"),
]

# ill-typed values (a TOML datetime is a date too): one line each, when loaded
ILL_TYPED: list[Any] = [
    pytest.param(SHAPE + 'reason = "r"\nexpires = 2027-03-31T10:00:00\n', NOT_A_DATE, id="expires-a-datetime"),
    pytest.param('[[expected_failure]]\ntest = 5\nreason = "r"\n', "test", id="test-not-a-string"),
    pytest.param('[[expected_failure]]\nrequirement = ["DV-ERROR-SHAPE"]\nreason = "r"\n', "requirement",
                 id="requirement-a-list"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_every_problem_is_one_line_naming_the_file(tmp_path: Path, text: str | bytes, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ExpectationsError) as raised:
        load(path)
    error = str(raised.value)
    assert error.startswith(f"{path}: ") and message in error, error
    assert "\n" not in error


@pytest.mark.parametrize(("text", "message"), ILL_TYPED)
def test_ill_typed_entries_are_one_line_errors_too(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ExpectationsError) as raised:
        load(path).apply(check(Outcome.FAIL), TODAY)
    assert message in str(raised.value) and "\n" not in str(raised.value)


# --- match


MATCHES: list[Any] = [
    pytest.param(entry(requirement="DV-ERROR-SHAPE"), True, id="requirement"),
    pytest.param(entry(requirement="DV-REQUEST-ID"), False, id="other-requirement"),
    pytest.param(entry(test="test_error_shape"), True, id="test-substring"),
    pytest.param(entry(test=TEST + "[DV-ERROR-SHAPE]"), True, id="whole-test-id"),
    pytest.param(entry(test="test_error_shapes"), False, id="test-not-a-substring"),
    pytest.param(entry(test="Test_Error_Shape"), False, id="test-case-sensitive"),
    pytest.param(entry(requirement="DV-ERROR-SHAPE", test="test_error_shape"), True, id="both"),
    pytest.param(entry(requirement="DV-ERROR-SHAPE", test="test_other"), False, id="both-test-differs"),
    pytest.param(entry(requirement="DV-REQUEST-ID", test="test_error_shape"), False, id="both-requirement-differs"),
]


@pytest.mark.parametrize(("listed", "matches"), MATCHES)
def test_matching_a_check_and_its_json_event(listed: Entry, matches: bool) -> None:
    result = check(Outcome.FAIL)
    assert listed.matches(result) is matches
    assert listed.matches(result.to_json()) is matches  # the same on the NDJSON event
    assert entry(requirement="DV-ERROR-SHAPE").matches({}) is False  # an event without requirements or id


# --- expiry


@pytest.mark.parametrize(
    ("expires", "active"),
    [(None, True), (TODAY + timedelta(days=1), True), (TODAY, True), (TODAY - timedelta(days=1), False)],
    ids=["never", "tomorrow", "today", "yesterday"],
)
def test_an_entry_applies_up_to_and_including_its_expiry_date(expires: date | None, active: bool) -> None:
    listed = entry(requirement="DV-ERROR-SHAPE", expires=expires)
    expectations = Expectations("f.toml", "0", (listed,))
    assert listed.expired(TODAY) is not active
    assert expectations.active(TODAY) == ((listed,) if active else ())
    assert expectations.apply(check(Outcome.FAIL), TODAY).outcome is (Outcome.XFAIL if active else Outcome.FAIL)
    assert expectations.unmatched([], TODAY) == ([listed] if active else [])  # an expired entry is not reported either


# --- apply


@pytest.mark.parametrize(
    ("outcome", "after", "message"),
    [
        (Outcome.FAIL, Outcome.XFAIL, "expected failure: DV-ERROR-SHAPE: errors as XML (https://t/1); m"),
        (Outcome.PASS, Outcome.XPASS, "unexpectedly passed: DV-ERROR-SHAPE: errors as XML (https://t/1)"),
        (Outcome.SKIP, Outcome.SKIP, "m"),
        (Outcome.ERROR, Outcome.ERROR, "m"),
        (Outcome.OBSERVED, Outcome.OBSERVED, "m"),
    ],
)
def test_apply_turns_fail_into_xfail_and_pass_into_xpass_only(outcome: Outcome, after: Outcome, message: str) -> None:
    listed = Entry("DV-ERROR-SHAPE", None, "errors as XML", "https://t/1", None)
    result = Expectations("f.toml", "0", (listed,)).apply(check(outcome), TODAY)
    assert (result.outcome, result.message) == (after, message)


def test_apply_leaves_unlisted_checks_alone_and_the_first_matching_entry_names_the_reason() -> None:
    first, second = entry(requirement="DV-ERROR-SHAPE", reason="first"), entry(test="test_error_shape", reason="second")
    expectations = Expectations("f.toml", "0", (first, second))
    assert expectations.apply(check(Outcome.FAIL), TODAY).message == "expected failure: DV-ERROR-SHAPE: first; m"
    other = check(Outcome.FAIL, req="DV-REQUEST-ID", test="test_x.py::test_y")
    assert expectations.apply(other, TODAY).outcome is Outcome.FAIL


def test_describe() -> None:
    assert Entry("DV-ERROR-SHAPE", None, "xml", "https://t/1", None).describe() == "DV-ERROR-SHAPE: xml (https://t/1)"
    assert Entry(None, "test_a", "why", "", None).describe() == "test_a: why"


# --- unmatched entries


def test_unmatched_entries_are_those_no_check_of_the_run_names() -> None:
    by_req, by_test = entry(requirement="DV-ERROR-SHAPE"), entry(test="test_limits")
    never = entry(requirement="DV-REQUEST-ID")
    expectations = Expectations("f.toml", "0", (by_req, by_test, never))
    events = [check(Outcome.FAIL).to_json(), check(Outcome.PASS, req="DV-LIMIT-501", test="test_limits.py::test_501").to_json()]
    assert expectations.unmatched(events, TODAY) == [never]
    assert expectations.unmatched([], TODAY) == [by_req, by_test, never]


# --- where the file is found


def test_default_path_searches_the_given_folders_then_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_path("mytarget") is None
    (tmp_path / "expectations").mkdir()
    in_cwd = write(tmp_path / "expectations", GOOD, "mytarget.toml")
    assert default_path("mytarget") == Path("expectations") / "mytarget.toml" and in_cwd.exists()
    first = tmp_path / "first"
    first.mkdir()
    searched = write(first, GOOD, "mytarget.toml")
    assert default_path("mytarget", (first,)) == searched
    assert default_path("othertarget", (first,)) is None
