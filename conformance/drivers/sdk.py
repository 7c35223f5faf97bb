"""The official Python SDK (``alibabacloud-oss-v2``) as a driver.

The unmodified vectors client sends each DeleteVectors under test; the only thing plugged in is
its HTTP client, wrapped so that every attempt (the SDK retries on its own) is recorded as the
real request the SDK sent and the real response it got, redacted like the raw client's. A spec
is sent only if the SDK, called the ordinary way, would put exactly those bytes on the wire
(same body bytes, same Content-Type and Content-MD5, a signature mode the SDK has); anything
else raises ``NotExpressible``. The Exchange returned is the last attempt, carrying an
``SdkOutcome``: the result object or exception the SDK handed its caller.

The SDK's credentials provider hands out the configured ``Secret`` values and unwraps them only
when the SDK's signer reads them (for its HMAC and the token header), and every captured wire
request is held in a value that prints redacted, so no frame of ours shows one in clear.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import alibabacloud_oss_v2 as oss
import alibabacloud_oss_v2.vectors as oss_vectors
import requests
import requests.adapters
from alibabacloud_oss_v2 import exceptions as oss_errors
from alibabacloud_oss_v2 import validation as oss_validation
from alibabacloud_oss_v2.transport import RequestsHttpClient
from urllib3.util.retry import Retry

from conformance import logsafety
from conformance.client import is_direct_host
from conformance.config import ConfigError, Settings
from conformance.drivers.base import SDK, NotExpressible, sdk_version
from conformance.limits import DOCUMENTED_QUERY, SDK_QUERY
from conformance.ops import content_md5
from conformance.ratelimit import RateBudget
from conformance.records import AuthKind, Exchange, ReceivedResponse, RequestSpec, SdkKind, SdkOutcome, SentRequest
from conformance.redact import Redactor, redact_patterns, redact_wire_headers
from conformance.secret import Secret
from conformance.signing import Credentials

__all__ = ["SDK_AUTH", "SdkCall", "SdkDriver", "Wiretap"]

# AuthKind -> (identity, presigned). OTHER_ACCOUNT is expressible: an SDK user configured with a key of
# another account sends exactly this (a valid signature, the bucket owner's host), and the 403 it gets
# must surface as a ServiceError like any other error.
SDK_AUTH: Mapping[AuthKind, tuple[str, bool]] = {
    AuthKind.HEADER: ("primary", False),
    AuthKind.PRESIGNED: ("primary", True),
    AuthKind.STS: ("sts", False),
    AuthKind.STS_PRESIGNED: ("sts", True),
    AuthKind.OTHER_ACCOUNT: ("other", False),
}
_SIGNATURE = re.compile(r"(?:Signature=|x-oss-signature=)([0-9A-Za-z%]+)")
_POOL = 32


@dataclass(frozen=True)
class SdkCall:
    """A DeleteVectors as an SDK call: the request model's fields and how the client signs."""

    bucket: str
    index_name: str | None
    keys: list[str] | None
    identity: str  # primary | sts | other
    presigned: bool


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard literal {name}")


def sdk_body(index_name: str | None, keys: list[str] | None) -> bytes:
    """The exact body the SDK serialises for a DeleteVectorsRequest (None fields omitted; none at all: empty)."""
    fields = {k: v for k, v in (("indexName", index_name), ("keys", keys)) if v is not None}
    return json.dumps(fields).encode("utf-8") if fields else b""


def translate(spec: RequestSpec) -> SdkCall:
    """The SDK call that sends exactly ``spec``, or NotExpressible saying why there is none."""
    # the documented ``?deleteVectors`` is the same request: both canonicalise alike, the SDK spells it its way
    if spec.method != "POST" or spec.query not in (SDK_QUERY, DOCUMENTED_QUERY):
        raise NotExpressible(f"the SDK sends DeleteVectors as POST /?{SDK_QUERY}, not {spec.method} /?{spec.query}")
    if spec.bucket is None:
        raise NotExpressible("DeleteVectors through the SDK needs a bucket")
    if not oss_validation.is_valid_bucket_name(spec.bucket):
        raise NotExpressible(f"the SDK refuses the bucket name {spec.bucket!r} before sending")
    mode = SDK_AUTH.get(spec.auth.kind)
    if mode is None or spec.auth.detail or spec.auth.skew_seconds:
        raise NotExpressible(f"the SDK cannot sign a request as {spec.auth.kind.value!r}")
    index_name, keys = _fields(spec.body)
    if sdk_body(index_name, keys) != spec.body:
        raise NotExpressible("the SDK would serialise these fields to other bytes (formatting, escapes or member order)")
    expected = {"content-type": "application/json", "content-md5": content_md5(spec.body)}
    given = [(k.lower(), v) for k, v in spec.headers]
    if len(given) != len(expected) or dict(given) != expected:
        raise NotExpressible("the SDK sends exactly Content-Type: application/json and the body's Content-MD5")
    return SdkCall(spec.bucket, index_name, keys, mode[0], mode[1])


def _fields(body: bytes) -> tuple[str | None, list[str] | None]:
    if body == b"":
        return None, None
    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except ValueError as err:
        raise NotExpressible(f"the body is not strict JSON ({err}); the SDK only sends json.dumps of its model") from None
    if not isinstance(data, dict):
        raise NotExpressible("the body is not a JSON object")
    extra = sorted(set(data) - {"indexName", "keys"})
    if extra:
        raise NotExpressible(f"the SDK's DeleteVectorsRequest has no member {extra[0]!r}")
    index_name, keys = data.get("indexName"), data.get("keys")
    if index_name is not None and not isinstance(index_name, str):
        raise NotExpressible("indexName is not a string")
    if keys is not None and not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise NotExpressible("keys is not a list of strings")
    return index_name, keys


# --- the SDK's credentials -------------------------------------------------------------------


class SdkCredentials:
    """What the SDK's signer asks its credentials provider for, backed by our Secret-holding Credentials.

    Duck-types ``alibabacloud_oss_v2.credentials.Credentials``: the secret and the token are
    unwrapped only when the SDK reads them to sign (its HMAC, its token header), and the object
    prints redacted.
    """

    expiration = None

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    @property
    def access_key_id(self) -> str:
        return self._credentials.access_key_id

    @property
    def access_key_secret(self) -> str:
        return self._credentials.access_key_secret.reveal()

    @property
    def security_token(self) -> str | None:
        token = self._credentials.security_token
        return token.reveal() if token is not None else None

    def has_keys(self) -> bool:
        return bool(self._credentials.access_key_id) and bool(self._credentials.access_key_secret)

    def is_expired(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"SdkCredentials({self._credentials!r})"


class SdkCredentialsProvider:
    """A static credentials provider (the SDK's interface: ``get_credentials()``) that holds Secrets."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = SdkCredentials(credentials)

    def get_credentials(self) -> SdkCredentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"SdkCredentialsProvider({self._credentials!r})"


# --- capturing the wire -------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class _Captured:
    """One attempt's request as it went on the wire (signature and token in clear); prints redacted."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes

    def __repr__(self) -> str:
        return f"_Captured({self.method} {redact_patterns(self.url)!r}, headers={redact_wire_headers(self.headers)!r})"

    def signatures(self) -> tuple[Secret, ...]:
        found = _SIGNATURE.findall(self.url)
        found += [s for k, v in self.headers if k.lower() == "authorization" for s in _SIGNATURE.findall(v)]
        return tuple(Secret(s) for s in found)


def _captured(sdk_request: Any, wire: requests.Response | None) -> _Captured:
    if wire is not None:
        prepared = wire.request
        method, url = str(prepared.method), str(prepared.url)
        headers = [(str(k), str(v)) for k, v in prepared.headers.items()]
        body = prepared.body
    else:
        method, url = str(sdk_request.method), str(sdk_request.url)
        headers = [(str(k), str(v)) for k, v in sdk_request.headers.items() if v is not None]
        body = sdk_request.body
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", urlsplit(url).netloc))  # http.client adds it; show it as sent
    return _Captured(method, url, headers, data)


class Wiretap:
    """The SDK's HTTP client, wrapped: records each attempt's wire request and response, per thread.

    The request is the one ``requests`` prepared (what urllib3 writes, plus the Host it adds); the
    response is the status, raw headers and body as received. Redacted before it is stored.
    """

    def __init__(self, inner: Any, session: requests.Session, redactor: Redactor, budget: RateBudget | None) -> None:
        self._inner = inner
        self._redactor = redactor
        self._budget = budget
        self._local = threading.local()
        session.hooks["response"].append(self._on_response)

    def begin(self) -> None:
        self._local.attempts = []

    def end(self) -> list[Exchange]:
        attempts: list[Exchange] = getattr(self._local, "attempts", [])
        self._local.attempts = []
        return attempts

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self._local.last = response
        return response

    # the HttpClient interface the SDK calls

    def open(self) -> None:
        self._inner.open()

    def close(self) -> None:
        self._inner.close()

    def send(self, request: Any, **kwargs: Any) -> Any:
        self._local.last = None
        if self._budget is not None:
            self._budget.acquire()
        started = time.perf_counter()
        try:
            response = self._inner.send(request, **kwargs)
        except Exception as exc:
            self._record(request, None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            raise
        wire: requests.Response | None = self._local.last
        self._record(request, wire, time.perf_counter() - started, None)
        if self._budget is not None and int(response.status_code) == 503:
            self._budget.note_throttled()
        return response

    def _record(self, sdk_request: Any, wire: requests.Response | None, elapsed: float, error: str | None) -> None:
        captured = _captured(sdk_request, wire)
        redactor = self._redactor.with_secrets(captured.signatures())
        sent = SentRequest(
            captured.method,
            redactor.redact_url(captured.url),
            redactor.redact_headers(captured.headers),
            redactor.redact_bytes(captured.body),
        )
        received = None
        if wire is not None:
            source = wire.raw.headers if wire.raw is not None else wire.headers  # raw: duplicates and spelling kept
            raw_headers = tuple((str(k), str(v)) for k, v in source.items())
            body = redactor.redact_bytes(wire.content or b"")
            received = ReceivedResponse(wire.status_code, redactor.redact_headers(raw_headers), body)
        transport_error = redactor.redact_text(error) if error else None
        exchange = Exchange(request=sent, response=received, elapsed_s=elapsed, transport_error=transport_error)
        attempts: list[Exchange] | None = getattr(self._local, "attempts", None)
        if attempts is not None:
            attempts.append(exchange)


# --- the driver -------------------------------------------------------------------------


def _innermost(exc: BaseException) -> BaseException:
    """OperationError wraps what really happened; unwrap it."""
    for _ in range(8):
        if isinstance(exc, oss_errors.OperationError) and isinstance(exc.unwrap(), BaseException):
            exc = exc.unwrap()
        else:
            break
    return exc


class SdkDriver:
    """Sends DeleteVectors through the official SDK's vectors client and records what it did."""

    name = SDK

    def __init__(self, settings: Settings, budget: RateBudget | None = None) -> None:
        if settings.endpoint is None or settings.account_id is None:
            raise ConfigError("OSSV_ENDPOINT and OSSV_ACCOUNT_ID are needed to point the SDK at the target")
        self.settings = settings
        self.version = sdk_version() or "unknown"
        self.redactor = Redactor.of(settings.secrets)
        logsafety.register(settings.secrets)
        session = requests.Session()
        session.trust_env = False  # config.py is the only reader of the environment (no proxies from it)
        adapter = requests.adapters.HTTPAdapter(
            max_retries=Retry(total=False, redirect=False, raise_on_status=False), pool_connections=_POOL, pool_maxsize=_POOL
        )
        for prefix in ("http://", "https://"):
            session.mount(prefix, adapter)
        self._session = session
        endpoint = settings.endpoint
        parts = urlsplit(endpoint)
        kwargs: dict[str, Any] = {
            "session": session,
            "connect_timeout": settings.request_timeout_s,
            "readwrite_timeout": settings.request_timeout_s,
        }
        if not settings.verify_tls:
            kwargs["insecure_skip_verify"] = True
        if is_direct_host(parts.hostname or ""):
            # {bucket}-{account}.127.0.0.1:PORT does not resolve: the emulator also acts as the proxy (docs/emulator.md)
            kwargs["proxy_host"] = {"http": endpoint, "https": endpoint}
        self.tap = Wiretap(RequestsHttpClient(**kwargs), session, self.redactor, budget)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SdkDriver(sdk {self.version}, endpoint={self.settings.endpoint!r})"

    # --- clients

    def _credentials(self, identity: str) -> Credentials | None:
        return {"primary": self.settings.primary, "sts": self.settings.sts, "other": self.settings.other}[identity]

    def client(self, identity: str = "primary") -> Any:
        """The SDK's vectors client signing as ``identity``; always addressed to the bucket owner's account."""
        with self._lock:
            if identity not in self._clients:
                creds = self._credentials(identity)
                if creds is None:
                    raise NotExpressible(f"no {identity} identity configured")
                cfg = oss.config.load_default()
                cfg.credentials_provider = SdkCredentialsProvider(creds)
                cfg.region = self.settings.region
                cfg.account_id = self.settings.account_id
                cfg.endpoint = self.settings.endpoint
                cfg.http_client = self.tap
                self._clients[identity] = oss_vectors.Client(cfg)
            return self._clients[identity]

    # --- sending

    def send(self, spec: RequestSpec) -> Exchange:
        """Call ``delete_vectors`` as an SDK user would; the last attempt, with the SDK's outcome attached."""
        call = translate(spec)
        client = self.client(call.identity)
        request = oss_vectors.models.DeleteVectorsRequest(bucket=call.bucket, index_name=call.index_name, keys=call.keys)
        kwargs = {"auth_method": "query"} if call.presigned else {}
        outcome, _ = self.invoke(lambda: client.delete_vectors(request, **kwargs))
        if outcome.attempts:
            return dataclasses.replace(outcome.attempts[-1], spec=spec, sdk=outcome)
        sent = SentRequest("POST", f"(not sent) bucket {call.bucket}", (), self.redactor.redact_bytes(spec.body))
        error = f"the SDK sent nothing: {outcome.error_type}: {outcome.message}"
        return Exchange(sent, None, outcome.elapsed_s, error, spec, outcome)

    def invoke(self, operation: Callable[[], Any]) -> tuple[SdkOutcome, Any]:
        """Run one SDK operation with the wiretap on: how it surfaced, and its result object (or None)."""
        self.tap.begin()
        started = time.perf_counter()
        result: Any = None
        try:
            result = operation()
            fields: dict[str, Any] = {
                "kind": SdkKind.RESULT,
                "status_code": int(result.status_code),
                "request_id": str(result.request_id or ""),
            }
        except Exception as exc:
            fields = self._surfaced(exc)
        attempts = tuple(self.tap.end())
        return SdkOutcome(sdk_version=self.version, attempts=attempts, elapsed_s=time.perf_counter() - started, **fields), result

    def _surfaced(self, exc: Exception) -> dict[str, Any]:
        inner = _innermost(exc)
        if isinstance(inner, oss_errors.ServiceError):
            return {
                "kind": SdkKind.SERVICE_ERROR,
                "status_code": int(inner.status_code or 0),
                "request_id": str(inner.request_id or ""),
                "code": str(inner.code) if inner.code is not None else None,
                "ec": str(inner.ec) if inner.ec else None,
                "message": self.redactor.redact_text(str(inner.message or "")),
                "error_type": type(inner).__name__,
            }
        message = self.redactor.redact_text(str(inner))
        return {"kind": SdkKind.CLIENT_ERROR, "message": message, "error_type": type(inner).__name__}

    # --- other operations, for properties that round-trip through the SDK

    def put_vectors(self, bucket: str, index: str, vectors: Sequence[Mapping[str, object]]) -> SdkOutcome:
        client = self.client()
        request = oss_vectors.models.PutVectorsRequest(bucket=bucket, index_name=index, vectors=[dict(v) for v in vectors])
        return self.invoke(lambda: client.put_vectors(request))[0]

    def get_vectors(self, bucket: str, index: str, keys: Sequence[str]) -> tuple[SdkOutcome, list[dict[str, Any]]]:
        """GetVectors with data and metadata; the vectors the SDK's result holds (empty when it raised)."""
        client = self.client()
        request = oss_vectors.models.GetVectorsRequest(
            bucket=bucket, index_name=index, keys=list(keys), return_data=True, return_metadata=True
        )
        outcome, result = self.invoke(lambda: client.get_vectors(request))
        vectors = [v for v in (getattr(result, "vectors", None) or []) if isinstance(v, dict)]
        return outcome, vectors

    def close(self) -> None:
        self._session.close()
