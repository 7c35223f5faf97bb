"""How each ``AuthKind`` turns an unsigned request into a (mis)signed one.

One small function per kind, collected in ``VARIANTS``; the raw client calls ``apply_auth``.
Every wrong signature is built from conformance.signing's public pieces, never a second signer,
so a variant differs from a valid request in exactly the one way its name says.

Secrets stay ``Secret`` values here: a made-up secret or token is wrapped at birth, the signatures
come back from signing as Secrets, and every wrong Authorization form is derived from the wire
header signing wrote, so no function of this module unwraps one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from conformance import signing
from conformance.records import AuthKind, AuthSpec
from conformance.redact import redact_patterns, redact_wire_headers
from conformance.secret import REDACTED, Secret
from conformance.signing import Credentials, Headers, RedactedHeaders, SignedRequest, SigningTrace

DEFAULT_SKEW_SECONDS = 20 * 60
EXPIRED_PRESIGN_AGE_S = 10 * 60
EXPIRED_PRESIGN_EXPIRY_S = 60
MALFORMED_DETAILS = ("garbage", "empty", "no-credential", "no-signature", "bad-credential-shape")
# Regions WRONG_REGION may sign with instead of the configured one (the first that differs from it).
FALLBACK_REGIONS = ("cn-shanghai", "us-west-1", "cn-beijing")


class MissingIdentity(LookupError):
    """The requested AuthKind needs an identity that is not configured: skip, don't fail."""


@dataclass(frozen=True)
class Identities:
    """Who can sign, and for which account and region the request is addressed."""

    region: str
    account_id: str
    primary: Credentials | None
    sts: Credentials | None = None
    other: Credentials | None = None
    other_account_id: str | None = None

    def need_primary(self) -> Credentials:
        if self.primary is None:
            raise MissingIdentity("no primary identity configured (OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET)")
        return self.primary

    def need_sts(self) -> Credentials:
        if self.sts is None:
            raise MissingIdentity(
                "no STS identity configured (OSSV_STS_ACCESS_KEY_ID / OSSV_STS_ACCESS_KEY_SECRET / OSSV_STS_TOKEN)"
            )
        return self.sts

    def need_other(self) -> Credentials:
        if self.other is None:
            raise MissingIdentity("no other-account identity configured (OSSV_OTHER_ACCOUNT_ID / OSSV_OTHER_ACCESS_KEY_ID / ...)")
        return self.other


@dataclass(frozen=True)
class Unsigned:
    """The parts of a request that signing looks at."""

    method: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    bucket: str | None


@dataclass(frozen=True, repr=False)
class Applied:
    """A request after its AuthKind was applied; ``signature`` is what was computed (for redaction).

    ``query`` and ``headers`` are the wire forms (signature and token in clear); the repr redacts them.
    """

    query: str
    headers: Headers
    signature: Secret | None = None
    trace: SigningTrace | None = None
    extra_secrets: tuple[Secret, ...] = ()

    def __repr__(self) -> str:
        signature = REDACTED if self.signature is not None else None
        return (
            f"Applied(query={redact_patterns(self.query)!r}, headers={redact_wire_headers(self.headers)!r}, "
            f"signature={signature}, trace={self.trace!r}, extra_secrets=<{len(self.extra_secrets)}>)"
        )


Variant = Callable[[AuthSpec, Unsigned, Identities, datetime], Applied]


# --- helpers ------------------------------------------------------------------------


def replace_header(headers: Headers, name: str, value: str) -> Headers:
    """Set a header case-insensitively (first occurrence, keeping its spelling) or append it."""
    out = RedactedHeaders(headers)
    lower = name.lower()
    for i, (key, _) in enumerate(out):
        if key.lower() == lower:
            out[i] = (key, value)
            return out
    out.append((name, value))
    return out


def _header(
    req: Unsigned,
    ids: Identities,
    creds: Credentials,
    at: datetime,
    *,
    region: str | None = None,
    product: str = signing.DEFAULT_PRODUCT,
    headers: Headers | None = None,
) -> SignedRequest:
    return signing.sign_header(
        method=req.method,
        query=req.query,
        headers=RedactedHeaders(req.headers) if headers is None else headers,
        credentials=creds,
        region=region or ids.region,
        account_id=ids.account_id,
        bucket=req.bucket,
        at=at,
        product=product,
    )


def _presign(
    req: Unsigned, ids: Identities, creds: Credentials, at: datetime, expires: int = signing.DEFAULT_PRESIGN_SECONDS
) -> SignedRequest:
    return signing.presign(
        method=req.method,
        query=req.query,
        headers=RedactedHeaders(req.headers),
        credentials=creds,
        region=ids.region,
        account_id=ids.account_id,
        bucket=req.bucket,
        at=at,
        expires=expires,
    )


def _done(
    signed: SignedRequest, *, headers: Headers | None = None, query: str | None = None, extra: tuple[Secret, ...] = ()
) -> Applied:
    return Applied(
        query=signed.query if query is None else query,
        headers=signed.headers if headers is None else headers,
        signature=signed.trace.signature,
        trace=signed.trace,
        extra_secrets=(signed.trace.signature, *extra),
    )


def _authorization(signed: SignedRequest) -> str:
    return signing.header_value(signed.headers, "Authorization") or ""


# --- valid kinds ----------------------------------------------------------------------


def header(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    return _done(_header(req, ids, ids.need_primary(), now))


def presigned(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    return _done(_presign(req, ids, ids.need_primary(), now))


def sts(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    return _done(_header(req, ids, ids.need_sts(), now))


def sts_presigned(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    return _done(_presign(req, ids, ids.need_sts(), now))


def none(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    return Applied(query=req.query, headers=RedactedHeaders(req.headers))


# --- wrong identity -------------------------------------------------------------------


def wrong_secret(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    real = ids.need_primary()
    fake = Secret("wrong" + secrets.token_urlsafe(24))
    return _done(_header(req, ids, Credentials(real.access_key_id, fake, real.security_token), now))


def unknown_key_id(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    ids.need_primary()
    key_id = "LTAI5tUnknown" + secrets.token_hex(6).upper()
    return _done(_header(req, ids, Credentials(key_id, Secret(secrets.token_urlsafe(24))), now))


def other_account(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    # Host and canonical URI keep naming the primary account's bucket: a valid signature by a key without rights.
    return _done(_header(req, ids, ids.need_other(), now))


def missing_sts_token(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    key = ids.need_sts()
    return _done(_header(req, ids, Credentials(key.access_key_id, key.access_key_secret, None), now))


def wrong_sts_token(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    key = ids.need_sts()
    token = Secret("CAIS" + secrets.token_urlsafe(48))
    return _done(_header(req, ids, Credentials(key.access_key_id, key.access_key_secret, token), now), extra=(token,))


# --- wrong scope ----------------------------------------------------------------------


def other_region(configured: str, wanted: str = "") -> str:
    """``wanted`` when it is not the configured region, else the first fallback region that is not."""
    if wanted and wanted != configured:
        return wanted
    return next(r for r in FALLBACK_REGIONS if r != configured)


def wrong_region(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    """Self-consistent for another region (scope and ARN), as an SDK configured with the wrong region signs.

    ``detail`` names the region; when it is the configured one (the strategy cannot know which that
    is) a different one is used, so the request is always wrong. The region is checked in the scope
    actually signed, not taken on trust.
    """
    signed = _header(req, ids, ids.need_primary(), now, region=other_region(ids.region, auth.detail))
    signed_region = signed.trace.scope.split("/")[1]
    if signed_region == ids.region:  # pragma: no cover - other_region guarantees it; a guard against regressions
        raise AssertionError(f"WRONG_REGION signed with the configured region {ids.region!r}")
    return _done(signed)


def wrong_product(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    return _done(_header(req, ids, ids.need_primary(), now, product=auth.detail or "ossvector"))


# --- wrong time -----------------------------------------------------------------------


def skewed_past(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    skew = auth.skew_seconds or DEFAULT_SKEW_SECONDS
    return _done(_header(req, ids, ids.need_primary(), now - timedelta(seconds=skew)))


def skewed_future(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    skew = auth.skew_seconds or DEFAULT_SKEW_SECONDS
    return _done(_header(req, ids, ids.need_primary(), now + timedelta(seconds=skew)))


def expired_presign(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    at = now - timedelta(seconds=EXPIRED_PRESIGN_AGE_S)
    return _done(_presign(req, ids, ids.need_primary(), at, expires=EXPIRED_PRESIGN_EXPIRY_S))


# --- changed after signing ------------------------------------------------------------


def tampered_header(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    """Change one signed header after signing: ``x-oss-date`` +1 s by default, or ``detail``."""
    signed = _header(req, ids, ids.need_primary(), now)
    name = (auth.detail or "x-oss-date").lower()
    current = signing.header_value(signed.headers, name)
    if name == "x-oss-date" and current is not None:
        value = signing.iso8601_basic(signing.parse_iso8601_basic(current) + timedelta(seconds=1))
    elif name == "content-type":
        value = "text/plain" if current != "text/plain" else "application/octet-stream"
    elif current is not None:
        value = current + "-tampered"
    else:
        value = "tampered"
    return _done(signed, headers=replace_header(signed.headers, name, value))


def tampered_body_md5(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    """Content-MD5 of another body, signed: the signature is right, the digest lies."""
    digest = base64.b64encode(hashlib.md5(req.body + b"\x00tampered").digest()).decode("ascii")
    headers = replace_header(list(req.headers), "Content-MD5", digest)
    return _done(_header(req, ids, ids.need_primary(), now, headers=headers))


def tampered_query(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    signed = _header(req, ids, ids.need_primary(), now)
    extra = auth.detail or "tampered=1"
    return _done(signed, query=f"{signed.query}&{extra}" if signed.query else extra)


# --- broken Authorization -------------------------------------------------------------


def malformed_authorization(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    signed = _header(req, ids, ids.need_primary(), now)
    creds = ids.need_primary()
    scope = signed.trace.scope
    short_scope = "/".join(scope.split("/")[:2])  # date/region: the credential loses two parts
    header = _authorization(signed)  # the valid wire value; each broken form is cut from it
    signature_part = header[header.rindex(",Signature=") + 1 :]  # "Signature=<hex>"
    detail = auth.detail or "garbage"
    forms = {
        "garbage": "this is not an authorization header",
        "empty": "",
        "no-credential": f"{signing.ALGORITHM} {signature_part}",
        "no-signature": f"{signing.ALGORITHM} Credential={creds.access_key_id}/{scope}",
        "bad-credential-shape": f"{signing.ALGORITHM} Credential={creds.access_key_id}/{short_scope},{signature_part}",
    }
    if detail not in forms:
        raise ValueError(f"MALFORMED_AUTHORIZATION detail must be one of {MALFORMED_DETAILS}, got {detail!r}")
    return _done(signed, headers=replace_header(signed.headers, "Authorization", forms[detail]))


def truncated_signature(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    """Keep ``detail`` hex digits of the signature (default 63: one short)."""
    signed = _header(req, ids, ids.need_primary(), now)
    length = len(signed.trace.signature)
    keep = min(max(int(auth.detail), 0), length) if auth.detail else length - 1
    header = _authorization(signed)  # ends with ",Signature=<hex>"
    value = header[: len(header) - (length - keep)]
    return _done(signed, headers=replace_header(signed.headers, "Authorization", value))


def wrong_algorithm(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    signed = _header(req, ids, ids.need_primary(), now)
    algorithm = auth.detail or "OSS4-HMAC-SHA1"
    value = algorithm + _authorization(signed).removeprefix(signing.ALGORITHM)
    return _done(signed, headers=replace_header(signed.headers, "Authorization", value))


def wrong_canonical_uri(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    """Sign over the request path (``/``, or ``detail``) instead of the ARN, as plain OSS V4 would."""
    creds = ids.need_primary()
    uri = auth.detail or "/"
    timestamp = signing.iso8601_basic(now)
    headers = replace_header(list(req.headers), "x-oss-date", timestamp)
    headers = replace_header(headers, "Date", signing.rfc1123(now))
    if creds.security_token:
        headers = replace_header(headers, "x-oss-security-token", creds.security_token.reveal())  # the wire form
    headers = replace_header(headers, "x-oss-content-sha256", signing.UNSIGNED_PAYLOAD)
    scope = signing.build_scope(timestamp[:8], ids.region)
    creq = signing.canonical_request(
        req.method,
        uri,
        signing.canonical_query(req.query),
        signing.canonical_headers(headers),
        (),
        signing.UNSIGNED_PAYLOAD,
    )
    to_sign = signing.string_to_sign(timestamp, scope, creq)
    sig = signing.compute_signature(creds.access_key_secret, timestamp[:8], ids.region, signing.DEFAULT_PRODUCT, to_sign)
    headers = replace_header(headers, "Authorization", signing.authorization_value(creds.access_key_id, scope, (), sig))
    trace = SigningTrace(
        timestamp, scope, uri, signing.canonical_query(req.query), signing.canonical_headers(headers), (), creq, to_sign, sig
    )
    return Applied(query=req.query, headers=headers, signature=sig, trace=trace, extra_secrets=(sig,))


VARIANTS: dict[AuthKind, Variant] = {
    AuthKind.HEADER: header,
    AuthKind.PRESIGNED: presigned,
    AuthKind.STS: sts,
    AuthKind.STS_PRESIGNED: sts_presigned,
    AuthKind.NONE: none,
    AuthKind.WRONG_SECRET: wrong_secret,
    AuthKind.UNKNOWN_KEY_ID: unknown_key_id,
    AuthKind.OTHER_ACCOUNT: other_account,
    AuthKind.WRONG_REGION: wrong_region,
    AuthKind.WRONG_PRODUCT: wrong_product,
    AuthKind.SKEWED_PAST: skewed_past,
    AuthKind.SKEWED_FUTURE: skewed_future,
    AuthKind.EXPIRED_PRESIGN: expired_presign,
    AuthKind.TAMPERED_HEADER: tampered_header,
    AuthKind.TAMPERED_BODY_MD5: tampered_body_md5,
    AuthKind.TAMPERED_QUERY: tampered_query,
    AuthKind.MALFORMED_AUTHORIZATION: malformed_authorization,
    AuthKind.TRUNCATED_SIGNATURE: truncated_signature,
    AuthKind.WRONG_ALGORITHM: wrong_algorithm,
    AuthKind.MISSING_STS_TOKEN: missing_sts_token,
    AuthKind.WRONG_STS_TOKEN: wrong_sts_token,
    AuthKind.WRONG_CANONICAL_URI: wrong_canonical_uri,
}


def apply_auth(auth: AuthSpec, req: Unsigned, ids: Identities, now: datetime) -> Applied:
    """Sign ``req`` as ``auth`` says, at ``now``; raises MissingIdentity when an identity is absent."""
    return VARIANTS[auth.kind](auth, req, ids, now)
