"""Named, deliberately broken behaviours (the conformance suite's proof that it catches bugs).

Each fault is one realistic server bug. It is inert unless switched on, and it only acts on
the operations listed in its ``scope`` (DeleteVectors unless stated), so enabling one never
changes anything else. The registry is the single source of names for the CLI, the docs and
``EmulatorServer.set_faults``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

DELETE = ("DeleteVectors",)


@dataclass(frozen=True)
class Fault:
    """A fault's one-line description and the operations it can affect."""

    description: str
    scope: tuple[str, ...] = DELETE


FAULTS: dict[str, Fault] = {
    # limits
    "accept_501_keys": Fault("accepts and deletes batches of 501..1000 unique keys"),
    "reject_500_keys": Fault("off-by-one: exactly 500 unique keys is rejected with 400"),
    "accept_empty_keys": Fault('"keys": [] answers 204 instead of 400'),
    "wrong_limit_code": Fault("too many keys answers 400 with Code InvalidArgument"),
    "keys_string_accepted": Fault('"keys": "k" is treated as ["k"] (204)'),
    "non_string_keys_coerced": Fault("non-string keys such as [1, 2] are coerced to strings and deleted (204)"),
    "missing_keys_field_ok": Fault("a body without a keys member answers 204"),
    "validate_after_delete": Fault("a batch of >500 unique keys deletes the first 500, then answers 400"),
    # json
    "malformed_json_wrong_code": Fault("unparsable JSON answers 400 VectorIndexParameterInvalid"),
    "malformed_json_500": Fault("unparsable JSON answers 500 InternalError"),
    "lenient_json": Fault("trailing commas and single-quoted strings are accepted and the delete runs"),
    # lookup
    "missing_index_204": Fault("a nonexistent index answers 204"),
    "missing_index_wrong_code": Fault("a nonexistent index answers 404 NoSuchIndex"),
    "missing_bucket_403": Fault("a nonexistent bucket answers 403 AccessDenied instead of 404 NoSuchBucket"),
    # semantics
    "absent_key_404": Fault("any requested key that is not stored answers 404 NoSuchKey, nothing deleted"),
    "prefix_match": Fault('each key deletes every key starting with it ("doc-1" also deletes "doc-10")'),
    "case_insensitive_match": Fault("keys match stored keys case-insensitively"),
    "strip_whitespace": Fault('keys are stripped before matching (" a" deletes "a")'),
    "unicode_nfc_match": Fault("keys are NFC-normalised on both sides when matching"),
    "cross_index_delete": Fault("the keys are deleted from every index of the bucket"),
    "cross_bucket_delete": Fault("the keys are also deleted from the same-named index of every other bucket of the account"),
    "only_first_100": Fault("only the first 100 unique keys of a batch are deleted, still 204"),
    "touches_survivors": Fault("the delete drops the metadata of the surviving vectors of the index"),
    "second_delete_404": Fault(
        "deleting a key that was deleted before (tombstone) answers 404 NoSuchKey"
        " (only deletes made while a history fault is on count)"
    ),
    "put_after_delete_ignored": Fault(
        "PutVectors silently does not store a key that was once deleted (only deletes made while a history fault is on count)",
        ("PutVectors",),
    ),
    "list_shows_deleted": Fault(
        "ListVectors still lists deleted keys (GetVectors is correct) (only deletes made while a history fault is on count)",
        ("ListVectors",),
    ),
    "get_shows_deleted": Fault(
        "GetVectors still returns deleted vectors (ListVectors is correct) (only deletes made while a history fault is on count)",
        ("GetVectors",),
    ),
    "server_error_on_duplicates": Fault("a batch whose keys contain duplicates answers 500 InternalError and deletes nothing"),
    "md5_unchecked": Fault("a Content-MD5 that does not match the body is accepted (no 400 InvalidDigest; the delete runs)"),
    "lost_update": Fault("DeleteVectors rewrites the whole index non-transactionally (read, sleep, write): races lose data"),
    # success shape
    "success_200_body": Fault("success answers 200 with body {} instead of 204"),
    "success_no_request_id": Fault("success answers 204 without x-oss-request-id"),
    # error shape
    "error_xml": Fault("error bodies are OSS XML but labelled Content-Type application/json (the SDK cannot read them)"),
    "error_json_charset": Fault("error Content-Type is application/json; charset=utf-8"),
    "error_request_id_mismatch": Fault("the error body's RequestId differs from the x-oss-request-id header"),
    # auth
    "auth_accept_bad_signature": Fault("the signature value is not compared"),
    "auth_ignore_skew": Fault("the 15-minute clock-skew window is not enforced"),
    "auth_ignore_presign_expiry": Fault("expired presigned requests are accepted"),
    "auth_ignore_scope_region": Fault("the credential scope's region is not compared with the service region"),
    "auth_ignore_product": Fault("the credential scope's product is not checked"),
    "auth_cross_account": Fault("another account's key may act on the bucket"),
    "auth_anonymous_allowed": Fault("requests without authentication act as the bucket owner"),
    "auth_anonymous_401": Fault("requests without authentication answer 401 instead of 403 AccessDenied"),
    "auth_sts_token_unchecked": Fault("the STS security token is not checked"),
    "auth_reject_presigned": Fault("valid presigned requests answer 403 SignatureDoesNotMatch"),
    "auth_reject_sts": Fault("valid STS requests answer 403 AccessDenied"),
    "auth_unknown_key_accepted": Fault("an unknown AccessKeyId acts as the bucket owner without signature check"),
    # throttling
    "throttle_429": Fault("throttling answers 429 TooManyRequests instead of 503 QpsLimitExceeded"),
    "throttle_collateral": Fault("a throttled delete also deletes some vectors that were not requested"),
    "throttle_without_limit": Fault("DeleteVectors of more than 100 keys always answers 503 and deletes nothing"),
    "retry_after_throttle_noop": Fault(
        "after a 503 QpsLimitExceeded, the next DeleteVectors with the same body answers 204 and deletes nothing"
        " (an idempotency cache that records throttled requests as done; needs qps_limit)"
    ),
}


def validate_fault_names(names: Iterable[str]) -> frozenset[str]:
    """Reject unknown names early so a typo never silently runs a healthy server."""
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}")
    return chosen


# Faults that read deletion history (tombstones). Tombstones are only written while one of
# them is switched on, so they see the deletes performed while they are enabled.
HISTORY_FAULTS = frozenset({"second_delete_404", "put_after_delete_ignored", "list_shows_deleted", "get_shows_deleted"})


class FaultSet:
    """The currently enabled faults; swapped atomically while requests are in flight.

    Readers take no lock: ``_names`` is an immutable frozenset replaced by one reference
    assignment, which is atomic in CPython.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._names = validate_fault_names(names)

    def set(self, names: Iterable[str]) -> None:
        chosen = validate_fault_names(names)
        with self._lock:
            self._names = chosen

    @property
    def names(self) -> frozenset[str]:
        return self._names

    def active(self, name: str, op: str | None) -> bool:
        """True when ``name`` is on and applies to operation ``op``."""
        fault = FAULTS[name]  # KeyError for an unknown name, as before
        return name in self._names and op in fault.scope

    def keeps_history(self) -> bool:
        """True while a fault that reads deletion history is on: deletes must then leave tombstones."""
        return not HISTORY_FAULTS.isdisjoint(self._names)
