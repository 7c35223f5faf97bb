"""The requirement catalog: every promise about DeleteVectors, with its level and source.

MUST: stated on the DeleteVectors page or the common OSS signing/error pages.
SHOULD: OSS-wide conventions the official SDK relies on.
OBSERVE: undocumented; recorded, never judged (their *effects* are still judged by the
MUST effect requirements). Each test names the IDs it checks; the plugin refuses to
collect a suite test without them, and a requirement with no test shows as not covered.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.records import SDK, Level


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    title: str
    source: str


_M, _S, _O = Level.MUST, Level.SHOULD, Level.OBSERVE
_DOC = "doc: DeleteVectors"
_SDK = "sdk: alibabacloud-oss-v2 vectors client"

CATALOG: tuple[Requirement, ...] = (
    # --- success path
    Requirement(
        "DV-SUCCESS-204", _M, "A valid request (1-500 unique keys, existing index) gets 204 No Content with an empty body", _DOC
    ),
    Requirement(
        "DV-DELETES-REQUESTED", _M, "After a 2xx, every requested key is gone (read-back polled within the configured lag)", _DOC
    ),
    Requirement(
        "DV-NO-COLLATERAL",
        _M,
        "Whatever the answer, no vector that was not requested changes: same index, other indexes, other buckets",
        _DOC,
    ),
    Requirement("DV-ABSENT-KEYS-OK", _M, "Keys with no stored vector are not an error", _DOC),
    Requirement(
        "DV-IDEMPOTENT",
        _M,
        "Repeating a delete is a no-op with the same answer",
        f"{_DOC} (follows from absent keys being no error)",
    ),
    Requirement(
        "DV-ORDER-INDEPENDENT", _M, "The order of keys does not matter; delete(A) then delete(B) equals delete(A and B)", _DOC
    ),
    Requirement("DV-LIMIT-500", _M, "Exactly 500 unique keys are accepted", _DOC),
    # --- validation
    Requirement("DV-LIMIT-501", _M, "More than 500 unique keys: 400 VectorIndexParameterInvalid", _DOC),
    Requirement("DV-KEYS-EMPTY", _M, "Zero keys: 400 VectorIndexParameterInvalid", _DOC),
    Requirement("DV-KEYS-REQUIRED", _M, "A body without keys: 400 VectorIndexParameterInvalid", f"{_DOC} (keys: Required Yes)"),
    Requirement(
        "DV-KEYS-TYPE",
        _M,
        "keys that is not an array of strings: 400 VectorIndexParameterInvalid",
        f"{_DOC} (keys: container of string)",
    ),
    Requirement("DV-MALFORMED-JSON", _M, "Syntactically broken JSON: 400 MalformedJson", _DOC),
    Requirement(
        "DV-REJECT-NO-EFFECT", _M, "A 4xx answer deletes nothing", f"{_DOC} (only a 5xx may leave a batch partly applied)"
    ),
    Requirement("DV-NO-SUCH-INDEX", _M, "A valid request naming an index that does not exist: 404 NoSuchVectorIndex", _DOC),
    Requirement(
        "DV-CONTENT-MD5",
        _M,
        "A Content-MD5 that does not match the body: 400 InvalidDigest (a value that is not base64 of 16 bytes: a 4xx); "
        "nothing deleted",
        "doc: Common HTTP headers; error pages 0017-00000503, 0017-00000502 (spec 2)",
    ),
    Requirement(
        "DV-NO-SERVER-ERROR",
        _M,
        "No request gets a 5xx other than 503 QpsLimitExceeded, seen again when the request is repeated once",
        f"{_DOC} (its error table lists one 5xx, for throttling; a bad parameter is VectorIndexParameterInvalid)",
    ),
    Requirement("DV-NO-SUCH-BUCKET", _M, "A request to a bucket that does not exist: 404", "sdk-it: NoSuchBucket 404 (spec 4.3)"),
    # --- authentication
    Requirement(
        "DV-AUTH-REQUIRED",
        _M,
        "A request without authentication: 403 AccessDenied",
        f"{_DOC} (AccessDenied: no authentication information)",
    ),
    Requirement(
        "DV-AUTH-PERMISSION",
        _M,
        "A valid signature by a key without rights on the bucket: 403 AccessDenied",
        f"{_DOC} (AccessDenied: permissions not granted)",
    ),
    Requirement(
        "DV-AUTH-INVALID",
        _M,
        "Every wrong signature (secret, key id, scope, time, tampering, syntax, STS token): a 4xx",
        "doc: Include a V4 signature in the Authorization header",
    ),
    Requirement(
        "DV-AUTH-VALID-VARIANTS",
        _M,
        "Valid presigned and STS-signed requests succeed like header-signed ones",
        "doc: OSS V4 signature (header, URL, STS)",
    ),
    # --- throttling
    Requirement("DV-THROTTLE-CODE", _M, "Throttling is signalled as 503 QpsLimitExceeded", _DOC),
    Requirement("DV-THROTTLE-PARTIAL", _M, "After a 503 only requested keys may be gone (partial application is allowed)", _DOC),
    Requirement(
        "DV-THROTTLE-RETRY", _M, "Retrying a throttled delete completes it", f"{_DOC} (not atomic, absent keys are no error)"
    ),
    Requirement(
        "DV-CONCURRENT-UNION", _M, "Concurrent deletes of overlapping key sets all succeed and remove exactly their union", _DOC
    ),
    Requirement(
        "DV-STATEFUL-MODEL",
        _M,
        "Puts, deletes, gets and lists across indexes and buckets agree with a model after every step",
        _DOC,
    ),
    # --- conventions the SDK relies on
    Requirement("DV-REQUEST-ID", _S, "Every response carries x-oss-request-id", "doc: response examples; spec 3"),
    Requirement(
        "DV-ERROR-SHAPE",
        _S,
        "Errors are readable by the official SDK: a code in a dialect it parses (JSON {\"Error\": {...}} with "
        "Content-Type exactly application/json, the x-oss-error-type or x-oss-err header, or OSS XML), "
        "a RequestId in the body equal to the header",
        "sdk: _client.py error parsing (spec 4.1, 4.2)",
    ),
    Requirement(
        "DV-NO-SUCH-BUCKET-CODE",
        _S,
        "A missing bucket's error code is NoSuchBucket",
        "sdk-it: go client_integration_test (spec 4.3)",
    ),
    # --- undocumented: recorded, not judged
    Requirement("DV-OBS-INDEXNAME", _O, "What a missing, empty or ill-typed indexName gets", "spec 8 A1"),
    Requirement("DV-OBS-DUPLICATES", _O, "What duplicate keys get (500 or fewer unique)", "spec 8 A2"),
    Requirement("DV-OBS-RAW-OVER-500", _O, "What more than 500 entries with at most 500 unique get", "spec 8 A3"),
    Requirement("DV-OBS-KEY-LENGTH", _O, "What the empty key and keys over 1024 characters get", "spec 8 A5"),
    Requirement(
        "DV-OBS-AMBIGUOUS-JSON",
        _O,
        "What JSON of debatable validity gets (BOM, duplicate members, NaN, lone surrogates, top-level non-objects, empty body)",
        "spec 8 A4; RFC 8259",
    ),
    Requirement(
        "DV-OBS-UNKNOWN-MEMBERS", _O, "What unknown members and member-name case variants get", "spec 2 (field-name case)"
    ),
    Requirement(
        "DV-OBS-HEADERS",
        _O,
        "What a missing or different Content-Type, an empty Content-MD5, or an unreadable one gets",
        "spec 2",
    ),
    Requirement("DV-OBS-AUTH-CODE", _O, "Which status and code each kind of authentication failure gets", "spec 8 A8"),
    Requirement("DV-OBS-PRECEDENCE", _O, "Which error wins when several apply", "spec 8 A6"),
    Requirement(
        "DV-OBS-ERROR-FORMAT", _O, "Which error dialect the endpoint speaks", "spec 4.1 (field set not documented), 4.2"
    ),
    Requirement("DV-OBS-REQUEST-ID-FORMAT", _O, "The format of x-oss-request-id", "spec 3 (24 characters in live tests)"),
    Requirement(
        "DV-OBS-READ-LAG",
        _O,
        "How long deleted keys stay readable",
        "doc: QueryVectors (2-3 s for writes); nothing stated for deletes",
    ),
    # --- SDK compatibility (judged only under --driver sdk) -- issue 5
    Requirement("SDK-RESULT", _M, "A successful delete returns a result with status 204 and the x-oss-request-id", _SDK),
    Requirement(
        "SDK-ERROR-SURFACES",
        _M,
        "Every documented error surfaces as the SDK's ServiceError with the status and code the endpoint sent, "
        "not a parse failure such as BadErrorResponse",
        _SDK,
    ),
    Requirement("SDK-RETRY-COMPLETES", _M, "After the SDK's own retries of a 503 the delete is complete", _SDK),
    Requirement("SDK-ROUNDTRIP", _M, "Unicode and punctuation keys round-trip through put, delete and get via the SDK", _SDK),
    Requirement("SDK-AUTH-MODES", _M, "The SDK's STS and query-signed modes work", _SDK),
    # --- end SDK compatibility
)

BY_ID: dict[str, Requirement] = {r.id: r for r in CATALOG}
DRIVER_PREFIXES: dict[str, str] = {"SDK-": SDK}  # requirements judged only under that driver


def driver_of(req_id: str) -> str | None:
    """The driver a requirement belongs to (None: every driver judges it)."""
    return next((driver for prefix, driver in DRIVER_PREFIXES.items() if req_id.startswith(prefix)), None)


def requirement(req_id: str) -> Requirement:
    try:
        return BY_ID[req_id]
    except KeyError:
        raise KeyError(f"unknown requirement id {req_id!r}") from None


def as_json() -> list[dict[str, str]]:
    return [{"id": r.id, "level": r.level.value, "title": r.title, "source": r.source} for r in CATALOG]
