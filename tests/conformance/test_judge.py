"""The judge without a server: blame lands on the requirement the answer breaks, effects are read through
both read paths, and a repeated 5xx is its own failure."""

from __future__ import annotations

import json

from conformance.judge import judge_answer, judge_effect
from conformance.oracle import World, expect_delete
from conformance.records import AuthKind, AuthSpec, ReceivedResponse

INDEX = "ossvc0000aaaamainxt1"
LOC = ("bucket", INDEX)
HEADERS = (("Content-Type", "application/json"),)


def response(status: int, code: str | None = None, body: bytes = b"") -> ReceivedResponse:
    if code is not None:
        body = json.dumps({"Error": {"Code": code, "Message": "m", "RequestId": "R"}}).encode()
    return ReceivedResponse(status, (("x-oss-request-id", "R"), ("Content-Type", "application/json")), body)


def expectation(keys: list[str], stored: frozenset[str] = frozenset({"doc-1"}), auth: AuthSpec | None = None):  # type: ignore[no-untyped-def]
    body = json.dumps({"indexName": INDEX, "keys": keys}).encode()
    return expect_delete(auth=auth or AuthSpec(), headers=HEADERS, body=body, world=World(True, True, stored, INDEX))


def failed(verdicts: list) -> set[str]:  # type: ignore[type-arg]
    return {v.requirement for v in verdicts if not v.ok}


def test_a_200_for_a_valid_request_is_blamed_on_the_204_not_on_absent_keys_or_500() -> None:
    keys = [f"k{i}" for i in range(500)]  # 500 keys, all absent
    verdicts, _ = judge_answer(expectation(keys), response(200, body=b"{}"))
    assert failed(verdicts) == {"DV-SUCCESS-204"}
    assert {"DV-ABSENT-KEYS-OK", "DV-LIMIT-500"} <= {v.requirement for v in verdicts if v.ok}


def test_a_refused_presigned_request_fails_the_valid_variants_requirement() -> None:
    verdicts, _ = judge_answer(expectation(["doc-1"], auth=AuthSpec(AuthKind.PRESIGNED)), response(403, "AccessDenied"))
    assert failed(verdicts) == {"DV-AUTH-VALID-VARIANTS"}


def test_a_5xx_other_than_throttling_fails_no_server_error_even_where_the_docs_are_silent() -> None:
    silent = expectation(["doc-1", "doc-1"])  # duplicates: OBSERVE
    verdicts, _ = judge_answer(silent, response(500, "InternalError"))
    assert "DV-NO-SERVER-ERROR" in failed(verdicts)
    throttled, _ = judge_answer(silent, response(503, "QpsLimitExceeded"))
    assert "DV-NO-SERVER-ERROR" not in failed(throttled)


def test_a_key_getvectors_still_returns_is_not_gone() -> None:
    before = {LOC: {"doc-1": "v1", "doc-2": "v2"}}
    after = {LOC: {"doc-2": "v2"}}
    exp = expectation(["doc-1"], stored=frozenset({"doc-1", "doc-2"}))
    assert not failed(judge_effect(exp, 204, LOC, before, after))
    assert failed(judge_effect(exp, 204, LOC, before, after, returned={"doc-1"})) == {"DV-DELETES-REQUESTED"}


def test_a_4xx_that_deleted_something_fails() -> None:
    before = {LOC: {"doc-1": "v1"}}
    assert "DV-REJECT-NO-EFFECT" in failed(judge_effect(expectation([]), 400, LOC, before, {LOC: {}}))


def _error(content_type: str, body: bytes, *headers: tuple[str, str]) -> ReceivedResponse:
    return ReceivedResponse(404, (("x-oss-request-id", "R"), ("Content-Type", content_type), *headers), body)


def test_every_error_dialect_the_sdk_reads_is_a_readable_error_shape() -> None:
    """Which dialect an endpoint speaks is undocumented: any the SDK parses is fine, and it is recorded."""
    import base64

    from conformance.judge import error_code, judge_conventions

    json_error = json.dumps({"Error": {"Code": "NoSuchVectorIndex", "Message": "m", "RequestId": "R"}}).encode()
    readable = [
        _error("application/json", json_error),
        _error("application/json", json.dumps({"Error": {"Code": "NoSuchVectorIndex"}}).encode()),  # RequestId: the header
        _error("application/json", b'{"message": "m"}', ("x-oss-error-type", "NoSuchVectorIndex")),
        _error("application/json", b"", ("x-oss-err", base64.b64encode(json_error).decode())),
        _error("application/xml", b"<Error><Code>NoSuchVectorIndex</Code><RequestId>R</RequestId></Error>"),
    ]
    for answer in readable:
        assert error_code(answer) == "NoSuchVectorIndex"
        assert not failed(judge_conventions(answer)), answer
    unreadable = [
        _error("application/json; charset=utf-8", json_error),  # the SDK then parses XML: BadErrorResponse
        _error("application/json", b"<Error><Code>NoSuchVectorIndex</Code></Error>"),
        _error("application/json", json.dumps({"Error": {"Code": "NoSuchVectorIndex", "RequestId": "other"}}).encode()),
    ]
    for answer in unreadable:
        assert "DV-ERROR-SHAPE" in failed(judge_conventions(answer)), answer
