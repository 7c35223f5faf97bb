"""Proof that the suite catches bugs: each deliberately faulty emulator behaviour is found, the
correct emulator passes. The suite runs as a user runs it (the installed command, configured
through the environment), restricted with -k to the checks that matter for each fault so the
whole proof stays within CI's time."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.faults import FAULTS
from emulator.server import EmulatorServer
from tests.helpers.cli_runs import run_suite

VALID = "valid_request_deletes_exactly"
# fault -> (-k selection, requirement ids of which at least one must fail, extra arguments)
CAUGHT_BY: dict[str, tuple[str, set[str], tuple[str, ...]]] = {
    "accept_501_keys": ("more_than_500", {"DV-LIMIT-501"}, ()),
    "reject_500_keys": ("500_unique_keys_accepted", {"DV-LIMIT-500"}, ()),
    "accept_empty_keys": ("empty_key_list", {"DV-KEYS-EMPTY"}, ()),
    "wrong_limit_code": ("more_than_500", {"DV-LIMIT-501"}, ()),
    "keys_string_accepted": ("wrong_types and keys_string", {"DV-KEYS-TYPE"}, ()),
    "non_string_keys_coerced": ("wrong_types and keys_list_of_numbers", {"DV-KEYS-TYPE"}, ()),
    "missing_keys_field_ok": ("wrong_types and keys_missing", {"DV-KEYS-REQUIRED"}, ()),
    "validate_after_delete": ("more_than_500", {"DV-REJECT-NO-EFFECT"}, ()),
    "malformed_json_wrong_code": ("malformed_json and trailing_comma_object", {"DV-MALFORMED-JSON"}, ()),
    "malformed_json_500": ("malformed_json and truncated", {"DV-MALFORMED-JSON"}, ()),
    "lenient_json": ("malformed_json and (trailing_comma or single_quotes)", {"DV-MALFORMED-JSON"}, ()),
    "missing_index_204": ("missing_index", {"DV-NO-SUCH-INDEX"}, ()),
    "missing_index_wrong_code": ("missing_index", {"DV-NO-SUCH-INDEX"}, ()),
    "missing_bucket_403": ("missing_bucket", {"DV-NO-SUCH-BUCKET"}, ()),
    "absent_key_404": ("absent_keys", {"DV-ABSENT-KEYS-OK"}, ()),
    "prefix_match": (VALID, {"DV-NO-COLLATERAL"}, ()),
    "case_insensitive_match": (VALID, {"DV-NO-COLLATERAL"}, ()),
    "strip_whitespace": (VALID, {"DV-NO-COLLATERAL", "DV-DELETES-REQUESTED"}, ()),
    "unicode_nfc_match": (VALID, {"DV-NO-COLLATERAL"}, ()),
    "cross_index_delete": (VALID, {"DV-NO-COLLATERAL"}, ()),
    "cross_bucket_delete": (VALID, {"DV-NO-COLLATERAL"}, ()),
    "only_first_100": ("500_unique_keys_accepted", {"DV-DELETES-REQUESTED"}, ()),
    "touches_survivors": (VALID, {"DV-NO-COLLATERAL"}, ()),
    "second_delete_404": ("repeated_delete", {"DV-ABSENT-KEYS-OK", "DV-IDEMPOTENT"}, ()),
    "put_after_delete_ignored": ("written_again", {"DV-STATEFUL-MODEL"}, ()),
    "list_shows_deleted": (VALID, {"DV-DELETES-REQUESTED"}, ()),
    "lost_update": ("concurrent", {"DV-CONCURRENT-UNION"}, ()),
    "success_200_body": (VALID, {"DV-SUCCESS-204"}, ()),
    "success_no_request_id": (VALID, {"DV-REQUEST-ID"}, ("--strict",)),
    "error_xml": ("missing_index", {"DV-ERROR-SHAPE"}, ("--strict",)),
    "error_json_charset": ("missing_index", {"DV-ERROR-SHAPE"}, ("--strict",)),
    "error_request_id_mismatch": ("missing_index", {"DV-ERROR-SHAPE"}, ("--strict",)),
    "auth_accept_bad_signature": ("wrong_signatures and wrong_secret", {"DV-AUTH-INVALID"}, ()),
    "auth_ignore_skew": ("wrong_signatures and skewed", {"DV-AUTH-INVALID"}, ()),
    "auth_ignore_presign_expiry": ("wrong_signatures and expired_presign", {"DV-AUTH-INVALID"}, ()),
    "auth_ignore_scope_region": ("wrong_signatures and wrong_region", {"DV-AUTH-INVALID"}, ()),
    "auth_ignore_product": ("wrong_signatures and wrong_product", {"DV-AUTH-INVALID"}, ()),
    "auth_cross_account": ("other_accounts", {"DV-AUTH-PERMISSION"}, ()),
    "auth_anonymous_allowed": ("without_authentication", {"DV-AUTH-REQUIRED"}, ()),
    "auth_anonymous_401": ("without_authentication", {"DV-AUTH-REQUIRED"}, ()),
    "auth_sts_token_unchecked": ("wrong_signatures and sts_token", {"DV-AUTH-INVALID"}, ()),
    "auth_reject_presigned": ("presigned_and_sts and presigned", {"DV-AUTH-VALID-VARIANTS"}, ()),
    "auth_reject_sts": ("presigned_and_sts and sts", {"DV-AUTH-VALID-VARIANTS"}, ()),
    "auth_unknown_key_accepted": ("wrong_signatures and unknown_key", {"DV-AUTH-INVALID"}, ()),
    "throttle_429": ("throttled", {"DV-THROTTLE-CODE"}, ()),
    "throttle_collateral": ("throttled", {"DV-THROTTLE-PARTIAL", "DV-NO-COLLATERAL"}, ()),
    "throttle_without_limit": ("500_unique_keys_accepted", {"DV-THROTTLE-RETRY"}, ()),
    # where the suite used to read nothing, or accept any answer
    "get_shows_deleted": (VALID, {"DV-DELETES-REQUESTED"}, ()),
    "server_error_on_duplicates": ("duplicate_keys", {"DV-NO-SERVER-ERROR"}, ()),
    "md5_unchecked": ("content_type_and_md5", {"DV-CONTENT-MD5"}, ()),
    "retry_after_throttle_noop": ("throttled", {"DV-THROTTLE-RETRY", "DV-DELETES-REQUESTED"}, ()),
}
NEEDS_THROTTLING = {"throttle_429", "throttle_collateral", "retry_after_throttle_noop"}


def test_every_fault_has_a_catching_check() -> None:
    assert set(CAUGHT_BY) == set(FAULTS)
    assert len(FAULTS) >= 25


def _assert_caught(server: EmulatorServer, fault: str, tmp_path: Path) -> None:
    selection, expected, extra = CAUGHT_BY[fault]
    server.set_faults({fault})
    try:
        run = run_suite(server.url, tmp_path / "run", "-k", selection, *extra)
    finally:
        server.set_faults(set())
    assert run.exit_code == 1, f"{fault}: {run.explain()}"
    assert run.failed() & expected, f"{fault}: failed {sorted(run.failed())}, expected one of {sorted(expected)}"


@pytest.mark.parametrize("fault", sorted(set(CAUGHT_BY) - NEEDS_THROTTLING))
def test_suite_catches_fault(fault: str, emulator: EmulatorServer, tmp_path: Path) -> None:
    _assert_caught(emulator, fault, tmp_path)


@pytest.mark.parametrize("fault", sorted(NEEDS_THROTTLING))
def test_suite_catches_throttling_fault(fault: str, throttling_emulator: EmulatorServer, tmp_path: Path) -> None:
    _assert_caught(throttling_emulator, fault, tmp_path)


def test_correct_emulator_passes_the_whole_quick_suite_strictly(emulator: EmulatorServer, tmp_path: Path) -> None:
    run = run_suite(emulator.url, tmp_path / "run", "--strict")
    assert run.exit_code == 0, f"{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    assert not run.failed()


def test_correct_throttling_emulator_passes_the_throttling_checks(throttling_emulator: EmulatorServer, tmp_path: Path) -> None:
    run = run_suite(throttling_emulator.url, tmp_path / "run", "-k", "throttled or concurrent")
    assert run.exit_code == 0, f"{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    passed = {r for e in run.results if e.get("outcome") == "pass" for r in e.get("requirements") or []}
    assert {"DV-THROTTLE-CODE", "DV-THROTTLE-RETRY"} <= passed
