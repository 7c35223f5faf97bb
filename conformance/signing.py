"""OSS4-HMAC-SHA256 as the OSS Vectors service uses it (spec digest section 6).

This is the project's only signing implementation: the raw client signs with it, the
signing-variant strategies bend its intermediate pieces to build wrong signatures on
purpose, and the bundled emulator verifies with it. Every step is a separate public
function so that a test (or a deliberately broken request) can stop at any stage.

Headers are carried as ordered ``(name, value)`` lists because the wire may hold
duplicates and odd spellings that a dict would hide.

Secrets, tokens and signatures are ``Secret`` values (conformance.secret): every function here
accepts a plain str as well (the emulator verifies with plain strings). They are unwrapped in
two places only: the innermost HMAC (``signing_key``, ``compute_signature``) and the wire form
of a request (the token header or query parameter, the Authorization value, ``x-oss-signature``).
Every value that holds a wire form (``SignedRequest``, ``SigningTrace``, the header lists signing
returns) prints with its signature and token redacted.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from urllib.parse import quote

from conformance.redact import redact_patterns, redact_wire_headers
from conformance.secret import REDACTED, Secret, reveal, secret_or_none

ALGORITHM = "OSS4-HMAC-SHA256"
DEFAULT_PRODUCT = "oss"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
TERMINATOR = "aliyun_v4_request"
DEFAULT_PRESIGN_SECONDS = 900

Headers = list[tuple[str, str]]


class RedactedHeaders(list[tuple[str, str]]):
    """A header list as sent (clear values, for the wire) that prints with Authorization and token redacted."""

    def __repr__(self) -> str:
        return repr(redact_wire_headers(self))

    __str__ = __repr__


@dataclass(frozen=True, init=False)
class Credentials:
    """An access key pair, optionally with an STS token; the secret and token are ``Secret`` values."""

    access_key_id: str
    access_key_secret: Secret = field(repr=False)
    security_token: Secret | None = field(default=None, repr=False)

    def __init__(self, access_key_id: str, access_key_secret: str | Secret, security_token: str | Secret | None = None) -> None:
        object.__setattr__(self, "access_key_id", access_key_id)
        object.__setattr__(self, "access_key_secret", Secret(access_key_secret))
        object.__setattr__(self, "security_token", secret_or_none(security_token))

    def __repr__(self) -> str:
        token = f", security_token={REDACTED}" if self.security_token else ""
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret={REDACTED}{token})"


@dataclass(frozen=True, repr=False)
class SigningTrace:
    """Every intermediate value of one signature, for tests and deliberate corruption.

    The canonical forms hold an STS token in clear when one was signed (it is a signed header or
    query parameter); the repr redacts it, and the signature is a ``Secret``.
    """

    timestamp: str
    scope: str
    canonical_uri: str
    canonical_query: str
    canonical_headers: str
    additional_headers: tuple[str, ...]
    canonical_request: str
    string_to_sign: str
    signature: Secret

    def __repr__(self) -> str:
        return (
            f"SigningTrace(timestamp={self.timestamp!r}, scope={self.scope!r}, canonical_uri={self.canonical_uri!r}, "
            f"canonical_query={redact_patterns(self.canonical_query)!r}, "
            f"canonical_headers={redact_patterns(self.canonical_headers)!r}, additional_headers={self.additional_headers!r}, "
            f"canonical_request={redact_patterns(self.canonical_request)!r}, string_to_sign={self.string_to_sign!r}, "
            f"signature={REDACTED})"
        )


@dataclass(frozen=True, repr=False)
class SignedRequest:
    """What signing produced: the final query string and header list (wire forms), and how."""

    query: str
    headers: Headers
    trace: SigningTrace

    def __repr__(self) -> str:
        return f"SignedRequest(query={redact_patterns(self.query)!r}, headers={redact_wire_headers(self.headers)!r}, trace=...)"


# --- small pieces -----------------------------------------------------------------


def iso8601_basic(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def rfc1123(at: datetime) -> str:
    return format_datetime(at.astimezone(UTC), usegmt=True)


def parse_iso8601_basic(value: str) -> datetime:
    """Parse ``YYYYMMDDTHHMMSSZ``; raises ValueError on anything else."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        raise ValueError(f"not an ISO-8601 basic timestamp: {value!r}")
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def build_scope(date: str, region: str, product: str = DEFAULT_PRODUCT) -> str:
    return f"{date}/{region}/{product}/{TERMINATOR}"


@lru_cache(maxsize=256)
def canonical_uri(region: str, account_id: str, bucket: str | None, key: str | None = None) -> str:
    """The ARN-shaped URI that replaces the request path in the vectors flavour."""
    uri = f"/acs:ossvector:{region}:"
    uri += f"{account_id}:{bucket}/" if bucket is not None else ":/"
    if key is not None:
        uri += key
    return quote(uri, safe="/")


def legacy_bucketless_canonical_uri(region: str, account_id: str) -> str:
    """The bucket-less URI older SDK releases signed, ``/acs:ossvector:{region}:{acct}:`` (digest §8 A9)."""
    return quote(f"/acs:ossvector:{region}:{account_id}:", safe="/")


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw (still percent-encoded) query string into pairs, no decoding."""
    if not raw_query:
        return []
    pairs = []
    for part in raw_query.split("&"):
        name, _, value = part.partition("=")
        pairs.append((name, value))
    return pairs


def canonical_query(raw_query: str, exclude: Iterable[str] = ("x-oss-signature",)) -> str:
    excluded = set(exclude)
    rendered = []
    for name, value in sorted(p for p in split_query(raw_query) if p[0] not in excluded):
        rendered.append(f"{name}={value}" if value else name)
    return "&".join(rendered)


def is_default_signed_header(lower_name: str) -> bool:
    return lower_name.startswith("x-oss-") or lower_name in ("content-type", "content-md5")


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """First value of a header, case-insensitively; None when absent."""
    lower = name.lower()
    for key, value in headers:
        if key.lower() == lower:
            return value
    return None


def select_additional_headers(headers: Sequence[tuple[str, str]], requested: Iterable[str] | None) -> tuple[str, ...]:
    """Requested names, lowercased, minus default-signed and absent/empty ones, sorted."""
    if not requested:
        return ()
    chosen = set()
    for name in requested:
        lower = name.lower()
        if is_default_signed_header(lower):
            continue
        if header_value(headers, lower):
            chosen.add(lower)
    return tuple(sorted(chosen))


def canonical_headers(headers: Sequence[tuple[str, str]], additional: Iterable[str] = ()) -> str:
    extra = set(additional)
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        lower = name.lower()
        if is_default_signed_header(lower) or lower in extra:
            merged.setdefault(lower, []).append(value)
    return "".join(f"{name}:{','.join(values)}\n" for name, values in sorted(merged.items()))


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers_block: str,
    additional: Sequence[str],
    payload_hash: str,
) -> str:
    return f"{method}\n{uri}\n{query}\n{headers_block}\n{';'.join(additional)}\n{payload_hash}"


def string_to_sign(timestamp: str, scope: str, request: str) -> str:
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def signing_key(secret: str | Secret, date: str, region: str, product: str = DEFAULT_PRODUCT) -> bytes:
    """The HMAC chain depends only on (secret, date, region, product): a verifier sees the same one all day.

    The innermost computation: the only place the access key secret is unwrapped.
    """
    if isinstance(secret, Secret):
        return _signing_key(secret, date, region, product)
    return _plain_signing_key(secret, date, region, product)  # a verifier's own plain str: no wrapping per request


@lru_cache(maxsize=256)
def _signing_key(secret: Secret, date: str, region: str, product: str) -> bytes:
    return _key_chain(secret.encode("utf-8", "strict"), date, region, product)


@lru_cache(maxsize=256)
def _plain_signing_key(secret: str, date: str, region: str, product: str) -> bytes:
    return _key_chain(secret.encode("utf-8"), date, region, product)


def _key_chain(secret: bytes, date: str, region: str, product: str) -> bytes:
    key = hmac.new(b"aliyun_v4" + secret, date.encode("utf-8"), hashlib.sha256).digest()
    for part in (region, product, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def compute_signature(secret: str | Secret, date: str, region: str, product: str, to_sign: str) -> Secret:
    """The hex signature, as a Secret."""
    return Secret(hmac.new(signing_key(secret, date, region, product), to_sign.encode("utf-8"), hashlib.sha256).hexdigest())


def authorization_value(access_key_id: str, scope: str, additional: Sequence[str], signature: str | Secret) -> str:
    """The Authorization header as it goes on the wire (the signature in clear: hold it in a RedactedHeaders)."""
    value = f"{ALGORITHM} Credential={access_key_id}/{scope}"
    if additional:
        value += f",AdditionalHeaders={';'.join(additional)}"
    return value + ",Signature=" + reveal(signature)


def _set_header(headers: Headers, name: str, value: str) -> None:
    """Replace a header in place (case-insensitively) or append it, as the SDK's dict does."""
    lower = name.lower()
    for i, (key, _) in enumerate(headers):
        if key.lower() == lower:
            headers[i] = (key, value)
            return
    headers.append((name, value))


# --- whole signatures -------------------------------------------------------------


def _trace(
    *,
    method: str,
    query: str,
    headers: Headers,
    secret: str | Secret,
    timestamp: str,
    region: str,
    product: str,
    account_id: str,
    bucket: str | None,
    additional: tuple[str, ...],
    uri: str | None = None,
) -> SigningTrace:
    scope = build_scope(timestamp[:8], region, product)
    if uri is None:
        uri = canonical_uri(region, account_id, bucket)
    cquery = canonical_query(query)
    cheaders = canonical_headers(headers, additional)
    payload = header_value(headers, "x-oss-content-sha256") or UNSIGNED_PAYLOAD
    creq = canonical_request(method, uri, cquery, cheaders, additional, payload)
    sts = string_to_sign(timestamp, scope, creq)
    return SigningTrace(
        timestamp=timestamp,
        scope=scope,
        canonical_uri=uri,
        canonical_query=cquery,
        canonical_headers=cheaders,
        additional_headers=additional,
        canonical_request=creq,
        string_to_sign=sts,
        signature=compute_signature(secret, timestamp[:8], region, product, sts),
    )


def sign_header(
    *,
    method: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    credentials: Credentials,
    region: str,
    account_id: str,
    bucket: str | None,
    at: datetime,
    product: str = DEFAULT_PRODUCT,
    additional_headers: Iterable[str] | None = None,
) -> SignedRequest:
    """Authorization-header form, adding the same headers in the same order as the SDK."""
    out = RedactedHeaders(headers)
    timestamp = iso8601_basic(at)
    _set_header(out, "x-oss-date", timestamp)
    _set_header(out, "Date", rfc1123(at))
    if credentials.security_token:
        _set_header(out, "x-oss-security-token", credentials.security_token.reveal())
    _set_header(out, "x-oss-content-sha256", UNSIGNED_PAYLOAD)
    additional = select_additional_headers(out, additional_headers)
    trace = _trace(
        method=method,
        query=query,
        headers=out,
        secret=credentials.access_key_secret,
        timestamp=timestamp,
        region=region,
        product=product,
        account_id=account_id,
        bucket=bucket,
        additional=additional,
    )
    _set_header(out, "Authorization", authorization_value(credentials.access_key_id, trace.scope, additional, trace.signature))
    return SignedRequest(query=query, headers=out, trace=trace)


def presign(
    *,
    method: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    credentials: Credentials,
    region: str,
    account_id: str,
    bucket: str | None,
    at: datetime,
    expires: int | timedelta = DEFAULT_PRESIGN_SECONDS,
    product: str = DEFAULT_PRODUCT,
    additional_headers: Iterable[str] | None = None,
) -> SignedRequest:
    """Presigned (query) form: the signature travels in ``x-oss-signature``."""
    seconds = int(expires.total_seconds()) if isinstance(expires, timedelta) else int(expires)
    timestamp = iso8601_basic(at)
    scope = build_scope(timestamp[:8], region, product)
    additional = select_additional_headers(headers, additional_headers)
    pairs: dict[str, str] = {}
    for name, value in split_query(query):
        pairs[name] = value
    for name in ("x-oss-signature", "x-oss-security-token", "x-oss-additional-headers"):
        pairs.pop(name, None)
    pairs.update(
        {
            "x-oss-signature-version": ALGORITHM,
            "x-oss-date": timestamp,
            "x-oss-expires": str(seconds),
            "x-oss-credential": quote(f"{credentials.access_key_id}/{scope}", safe=""),
        }
    )
    if credentials.security_token:
        pairs["x-oss-security-token"] = quote(credentials.security_token.reveal(), safe="")
    if additional:
        pairs["x-oss-additional-headers"] = quote(";".join(additional), safe="")
    signed_query = "&".join(f"{k}={v}" if v else k for k, v in pairs.items())
    trace = _trace(
        method=method,
        query=signed_query,
        headers=RedactedHeaders(headers),
        secret=credentials.access_key_secret,
        timestamp=timestamp,
        region=region,
        product=product,
        account_id=account_id,
        bucket=bucket,
        additional=additional,
    )
    final_query = signed_query + "&x-oss-signature=" + quote(trace.signature.reveal(), safe="")
    return SignedRequest(query=final_query, headers=RedactedHeaders(headers), trace=trace)


# --- the verifier's side ----------------------------------------------------------


class AuthorizationSyntaxError(ValueError):
    """An Authorization header or presigned query that cannot be parsed."""


@dataclass(frozen=True)
class ParsedCredential:
    access_key_id: str
    date: str
    region: str
    product: str
    terminator: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.product}/{self.terminator}"


@dataclass(frozen=True)
class ParsedAuthorization:
    credential: ParsedCredential
    additional_headers: tuple[str, ...]
    signature: str


def parse_credential(value: str) -> ParsedCredential:
    parts = value.split("/")
    if len(parts) != 5 or not all(parts):
        raise AuthorizationSyntaxError("credential must be AccessKeyId/date/region/product/aliyun_v4_request")
    return ParsedCredential(*parts)


def parse_authorization(value: str) -> ParsedAuthorization:
    """Parse ``OSS4-HMAC-SHA256 Credential=...,[AdditionalHeaders=...,]Signature=...``.

    Whitespace after commas is tolerated (the documentation's template has it, SDKs don't).
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise AuthorizationSyntaxError(f"unsupported algorithm {algorithm!r}")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, val = item.strip().partition("=")
        if not sep or name in fields:
            raise AuthorizationSyntaxError(f"malformed Authorization element {item.strip()!r}")
        fields[name] = val
    if "Credential" not in fields or "Signature" not in fields or set(fields) - {"Credential", "Signature", "AdditionalHeaders"}:
        raise AuthorizationSyntaxError("Authorization needs Credential and Signature")
    additional = tuple(h for h in fields.get("AdditionalHeaders", "").split(";") if h)
    return ParsedAuthorization(parse_credential(fields["Credential"]), additional, fields["Signature"])


def verify_trace(
    *,
    method: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    secret: str | Secret,
    timestamp: str,
    credential: ParsedCredential,
    account_id: str,
    bucket: str | None,
    additional: tuple[str, ...],
    uri: str | None = None,
) -> SigningTrace:
    """Recompute what the signature of a received request should be.

    ``uri`` overrides the canonical URI (a verifier accepting an alternative ARN form). ``secret``
    may be a plain str or a Secret; the trace's ``signature`` is a Secret (compare it with ``==``
    or ``hmac.compare_digest(trace.signature.encode(), ...)``).
    """
    return _trace(
        method=method,
        query=query,
        headers=RedactedHeaders(headers),
        secret=secret,
        timestamp=timestamp,
        region=credential.region,
        product=credential.product,
        account_id=account_id,
        bucket=bucket,
        additional=additional,
        uri=uri,
    )
