"""The records that flow one way through the project.

Strategies build ``RequestSpec`` values (with an ``AuthSpec`` saying how to sign); the
client signs and sends them and returns an ``Exchange`` (already redacted); properties
judge exchanges and emit ``CheckResult`` events; report writers consume only those events.
Nothing here knows how any of it is produced.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


class Level(str, enum.Enum):
    """How binding a requirement is; OBSERVE results are recorded, never judged."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    OBSERVE = "OBSERVE"


class Outcome(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"  # the target is wrong
    ERROR = "error"  # the harness or the network broke; no verdict on the target
    SKIP = "skip"  # not applicable (e.g. no STS identity configured)
    XFAIL = "xfail"  # failed, and the target's expectations file says it would
    XPASS = "xpass"  # listed as expected to fail, but passed: news
    OBSERVED = "observed"  # an OBSERVE requirement: what was seen, no verdict


class AuthKind(str, enum.Enum):
    """Every way a request can be (mis)signed. Valid kinds first."""

    HEADER = "header"  # valid Authorization header, primary identity
    PRESIGNED = "presigned"  # valid presigned query
    STS = "sts"  # valid header auth with the STS identity and its token
    STS_PRESIGNED = "sts_presigned"  # valid presigned query with the STS identity
    NONE = "none"  # no Authorization and no query signature
    WRONG_SECRET = "wrong_secret"
    UNKNOWN_KEY_ID = "unknown_key_id"
    OTHER_ACCOUNT = "other_account"  # a valid signature by another account's key
    WRONG_REGION = "wrong_region"  # scope names another region
    WRONG_PRODUCT = "wrong_product"  # scope names another product
    SKEWED_PAST = "skewed_past"  # signed > 15 minutes in the past
    SKEWED_FUTURE = "skewed_future"  # signed > 15 minutes in the future
    EXPIRED_PRESIGN = "expired_presign"
    TAMPERED_HEADER = "tampered_header"  # a signed header changed after signing
    TAMPERED_BODY_MD5 = "tampered_body_md5"  # Content-MD5 does not match the body sent
    TAMPERED_QUERY = "tampered_query"  # a query parameter added after signing
    MALFORMED_AUTHORIZATION = "malformed_authorization"
    TRUNCATED_SIGNATURE = "truncated_signature"
    WRONG_ALGORITHM = "wrong_algorithm"
    MISSING_STS_TOKEN = "missing_sts_token"  # STS key signed without its token
    WRONG_STS_TOKEN = "wrong_sts_token"
    WRONG_CANONICAL_URI = "wrong_canonical_uri"  # signed over the path, not the ARN

    @property
    def is_valid(self) -> bool:
        return self in VALID_AUTH


VALID_AUTH = frozenset({AuthKind.HEADER, AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED})


@dataclass(frozen=True)
class AuthSpec:
    """How the client should sign one request; ``detail`` tunes the variant (e.g. which header to tamper)."""

    kind: AuthKind = AuthKind.HEADER
    detail: str = ""
    skew_seconds: int = 0


@dataclass(frozen=True)
class RequestSpec:
    """One request to send, exactly: body bytes and headers are sent as given (plus signing headers).

    ``query`` is the raw query string without ``?`` (e.g. ``deleteVectors``). ``bucket`` None means
    the account-scoped host (ListVectorBuckets). Headers the caller gives are never normalised.
    """

    method: str
    query: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    bucket: str | None = None
    auth: AuthSpec = field(default_factory=AuthSpec)


def _body_json(body: bytes) -> dict[str, str]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode("ascii")}


@dataclass(frozen=True)
class SentRequest:
    """The request as it went on the wire, with secrets already redacted."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class ReceivedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None


@dataclass(frozen=True)
class Exchange:
    """One request and its answer (or the transport error instead), redacted at birth."""

    request: SentRequest
    response: ReceivedResponse | None
    elapsed_s: float
    transport_error: str | None = None
    spec: RequestSpec | None = None  # the unsigned input, for replay (no secrets in it)
    sdk: SdkOutcome | None = None  # set by the SDK driver: what the SDK returned or raised

    def to_json(self) -> dict[str, Any]:
        req = {
            "method": self.request.method,
            "url": self.request.url,
            "headers": [list(h) for h in self.request.headers],
            "body": _body_json(self.request.body),
        }
        resp = None
        if self.response is not None:
            resp = {
                "status": self.response.status,
                "headers": [list(h) for h in self.response.headers],
                "body": _body_json(self.response.body),
            }
        spec = None
        if self.spec is not None:
            spec = asdict(self.spec)
            spec["body"] = _body_json(self.spec.body)
            spec["headers"] = [list(h) for h in self.spec.headers]
            spec["auth"] = {
                "kind": self.spec.auth.kind.value,
                "detail": self.spec.auth.detail,
                "skew_seconds": self.spec.auth.skew_seconds,
            }
        out: dict[str, Any] = {
            "request": req,
            "response": resp,
            "elapsed_s": round(self.elapsed_s, 6),
            "transport_error": self.transport_error,
            "spec": spec,
        }
        if self.sdk is not None:  # only SDK-driver exchanges carry it; raw records keep their old shape
            out["sdk"] = self.sdk.to_json()
        return out


class SdkKind(str, enum.Enum):
    """How the SDK surfaced a call."""

    RESULT = "result"  # returned a result object
    SERVICE_ERROR = "service_error"  # raised ServiceError (the endpoint's error, as the SDK parsed it)
    CLIENT_ERROR = "client_error"  # raised anything else (transport, deserialisation, ...)


@dataclass(frozen=True)
class SdkOutcome:
    """What the official SDK handed its caller for one operation, and every attempt its retryer made.

    Lets SDK requirements judge the SDK's view of an answer (a 204 result, a ServiceError with the
    code the endpoint sent) beside the wire view the other requirements judge. Already redacted.
    """

    kind: SdkKind
    sdk_version: str
    status_code: int | None = None
    request_id: str | None = None
    code: str | None = None
    ec: str | None = None
    message: str = ""
    error_type: str | None = None  # the innermost exception class, when the SDK raised
    attempts: tuple[Exchange, ...] = ()  # in order; the last one is the Exchange this record is attached to
    elapsed_s: float = 0.0  # the whole call, retries and back-off included

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "sdk_version": self.sdk_version,
            "status_code": self.status_code,
            "request_id": self.request_id,
            "code": self.code,
            "ec": self.ec,
            "message": self.message,
            "error_type": self.error_type,
            "attempts": [a.to_json() for a in self.attempts],
            "elapsed_s": round(self.elapsed_s, 6),
        }


@dataclass
class CheckResult:
    """One judged check: the single event every report writer consumes."""

    test_id: str
    requirements: list[str]
    level: Level
    outcome: Outcome
    duration_s: float
    message: str = ""
    expected: str | None = None
    observed: str | None = None
    example: str | None = None  # the minimal failing example, as Hypothesis printed it
    exchanges: list[dict[str, Any]] = field(default_factory=list)  # Exchange.to_json() values
    reproduction: dict[str, Any] = field(default_factory=dict)  # seed, blob, replay command
    worker: str = "main"
    by_family: dict[str, list[str]] = field(default_factory=dict)  # OBSERVE: input family -> the answers it got

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["level"] = self.level.value
        data["outcome"] = self.outcome.value
        if not self.by_family:  # only OBSERVE records carry it; the others keep their old shape
            del data["by_family"]
        return data


Snapshot = Mapping[str, str]  # vector key -> canonical JSON of its data and metadata
Location = tuple[str, str]  # (bucket, index)


@dataclass(frozen=True)
class Verdict:
    """One judged fact about one requirement: plain data; the recorder decides by the requirement's level."""

    requirement: str
    ok: bool
    expected: str
    observed: str
    family: str = ""  # an observation's input family (e.g. "keys:duplicates"): what a reference profile keys it by


RAW, SDK = "raw", "sdk"  # the drivers' names, spelled once (flags, summary.json, the matrix's columns, the catalog)
