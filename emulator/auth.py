"""Request authentication, delegating every signing computation to conformance.signing.

Order of checks (digest §6, §4.3, §8 A8): syntax → key id → timestamp → scope →
clock window / presign expiry → payload hash → signature → STS token → account ownership.
The first failure wins; each ``auth_*`` fault disables exactly one of these checks.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from conformance import signing

from .addressing import Address
from .errors import ServiceError
from .faults import FaultSet
from .options import Options

PRESIGN_MARKERS = ("x-oss-signature", "x-oss-credential", "x-oss-signature-version")
MAX_PRESIGN_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Identity:
    """A key the emulator knows; with ``security_token`` it is an STS identity."""

    access_key_id: str
    access_key_secret: str
    account_id: str
    security_token: str | None = None

    def __repr__(self) -> str:
        sts = self.security_token is not None
        return f"Identity(access_key_id={self.access_key_id!r}, account_id={self.account_id!r}, sts={sts})"


@dataclass(frozen=True)
class Caller:
    """Who is calling, and which account's resources the request acts on."""

    account_id: str
    target_account: str
    mode: str


@dataclass(frozen=True)
class RequestView:
    """The parts of an HTTP request that authentication looks at."""

    method: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    address: Address


def decoded_query(raw_query: str) -> dict[str, str]:
    """Percent-decoded query parameters, first occurrence wins (a fresh dict each call)."""
    return dict(_decoded_query_items(raw_query))


@lru_cache(maxsize=1024)
def _decoded_query_items(raw_query: str) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for name, value in signing.split_query(raw_query):
        out.setdefault(unquote(name, errors="replace"), unquote(value, errors="replace"))
    return tuple(out.items())


@lru_cache(maxsize=256)
def _parse_timestamp(value: str) -> float:
    """``x-oss-date`` as epoch seconds (cached: requests of the same second share it); ValueError when malformed."""
    return signing.parse_iso8601_basic(value).timestamp()


def _deny(code: str, message: str, status: int = 403, ec: str | None = None) -> ServiceError:
    return ServiceError(status, code, message, ec)


class Authenticator:
    """Verifies header-signed and presigned requests against the configured identities."""

    def __init__(self, identities: Sequence[Identity], region: str, options: Options, faults: FaultSet) -> None:
        self._by_key = {i.access_key_id: i for i in identities}
        self._first_account = identities[0].account_id if identities else "0"
        self._region = region
        self._options = options
        self._faults = faults

    def authenticate(self, req: RequestView, op: str | None, query: dict[str, str] | None = None) -> Caller:
        """Return the caller or raise the ServiceError the service would answer.

        ``query`` is ``decoded_query(req.raw_query)`` when the caller has it already.
        """
        auth = signing.header_value(req.headers, "authorization")
        if query is None:
            query = decoded_query(req.raw_query)
        if auth is not None:
            return self._header_mode(req, op, auth, query)
        if any(marker in query for marker in PRESIGN_MARKERS):
            return self._query_mode(req, op, query)
        if self._faults.active("auth_anonymous_allowed", op):
            return self._owner(req, "anonymous")
        status = 401 if self._faults.active("auth_anonymous_401", op) else 403
        raise _deny("AccessDenied", "AccessDenied: Anonymous access is forbidden for this operation.", status)

    # --- the two signature forms -------------------------------------------------------

    def _header_mode(self, req: RequestView, op: str | None, auth: str, query: dict[str, str]) -> Caller:
        if not self._options.auth_header_whitespace and ", " in auth:
            raise _deny("AccessDenied", "Authorization header is invalid: unexpected whitespace.")
        try:
            parsed = signing.parse_authorization(auth)
        except signing.AuthorizationSyntaxError as exc:
            raise _deny("AccessDenied", f"Authorization header is invalid: {exc}") from None
        ident = self._identity(parsed.credential.access_key_id, op)
        if ident is None:
            return self._owner(req, "header")
        timestamp = signing.header_value(req.headers, "x-oss-date")
        at = self._timestamp(timestamp)
        self._check_scope(parsed.credential, timestamp or "", op)
        if abs(time.time() - at) > self._options.clock_skew_seconds and not self._faults.active("auth_ignore_skew", op):
            raise _deny("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
        self._check_payload_hash(req)
        self._check_signature(req, op, ident, parsed.credential, timestamp or "", parsed.additional_headers, parsed.signature)
        return self._finish(req, op, ident, query, "header")

    def _query_mode(self, req: RequestView, op: str | None, query: dict[str, str]) -> Caller:
        if query.get("x-oss-signature-version") != signing.ALGORITHM:
            raise _deny("AccessDenied", "x-oss-signature-version must be OSS4-HMAC-SHA256.")
        try:
            credential = signing.parse_credential(query.get("x-oss-credential", ""))
        except signing.AuthorizationSyntaxError as exc:
            raise _deny("AccessDenied", f"x-oss-credential is invalid: {exc}") from None
        signature = query.get("x-oss-signature")
        if not signature:
            raise _deny("AccessDenied", "x-oss-signature is missing.")
        ident = self._identity(credential.access_key_id, op)
        if ident is None:
            return self._owner(req, "query")
        timestamp = query.get("x-oss-date")
        at = self._timestamp(timestamp)
        expires_text = query.get("x-oss-expires", "")
        if not (expires_text.isascii() and expires_text.isdigit()) or not 0 < int(expires_text) <= MAX_PRESIGN_SECONDS:
            raise _deny("AccessDenied", "x-oss-expires must be an integer number of seconds in 1..604800.")
        self._check_scope(credential, timestamp or "", op)
        now = time.time()
        if at - now > self._options.clock_skew_seconds and not self._faults.active("auth_ignore_skew", op):
            raise _deny("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
        if now > at + int(expires_text) and not self._faults.active("auth_ignore_presign_expiry", op):
            raise _deny("AccessDenied", "Request has expired.")
        self._check_payload_hash(req)
        additional = tuple(h for h in query.get("x-oss-additional-headers", "").split(";") if h)
        self._check_signature(req, op, ident, credential, timestamp or "", additional, signature)
        if self._faults.active("auth_reject_presigned", op):
            raise _deny("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        return self._finish(req, op, ident, query, "query")

    # --- individual checks ------------------------------------------------------------

    def _identity(self, access_key_id: str, op: str | None) -> Identity | None:
        """The identity, None when an unknown key is (faultily) treated as the owner."""
        ident = self._by_key.get(access_key_id)
        if ident is not None:
            return ident
        if self._faults.active("auth_unknown_key_accepted", op):
            return None
        raise _deny("InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")

    @staticmethod
    def _timestamp(value: str | None) -> float:
        if value is None:
            raise _deny("AccessDenied", "The x-oss-date of the request is missing.", ec="0002-00000503")
        try:
            return _parse_timestamp(value)
        except ValueError:
            raise _deny("AccessDenied", "The x-oss-date of the request is badly formatted.", ec="0002-00000502") from None

    def _check_scope(self, credential: signing.ParsedCredential, timestamp: str, op: str | None) -> None:
        problem = None
        if credential.date != timestamp[:8]:
            problem = "the credential date does not match x-oss-date"
        elif credential.region != self._region and not self._faults.active("auth_ignore_scope_region", op):
            problem = f"invalid signing region {credential.region!r}, expected {self._region!r}"
        elif credential.product != signing.DEFAULT_PRODUCT and not self._faults.active("auth_ignore_product", op):
            problem = f"invalid signing product {credential.product!r}, expected 'oss'"
        elif credential.terminator != signing.TERMINATOR:
            problem = f"the credential must end with {signing.TERMINATOR}"
        if problem:
            raise _deny("SignatureDoesNotMatch", f"Invalid credential scope: {problem}.")

    @staticmethod
    def _check_payload_hash(req: RequestView) -> None:
        value = signing.header_value(req.headers, "x-oss-content-sha256")
        if value is not None and value != signing.UNSIGNED_PAYLOAD:
            raise _deny("InvalidArgument", "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.", 400, "0002-00000214")

    def _check_signature(
        self,
        req: RequestView,
        op: str | None,
        ident: Identity,
        credential: signing.ParsedCredential,
        timestamp: str,
        additional: tuple[str, ...],
        signature: str,
    ) -> None:
        if self._faults.active("auth_accept_bad_signature", op):
            return
        address = req.address
        account = address.account_id or ident.account_id
        uris: list[str | None] = [None]
        if address.bucket is None and self._options.accept_legacy_bucketless_uri:
            uris.append(signing.legacy_bucketless_canonical_uri(credential.region, ident.account_id))
        for uri in uris:
            expected = signing.verify_trace(
                method=req.method,
                query=req.raw_query,
                headers=req.headers,
                secret=ident.access_key_secret,
                timestamp=timestamp,
                credential=credential,
                account_id=account,
                bucket=address.bucket,
                additional=additional,
                uri=uri,
            ).signature
            if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
                return
        raise _deny("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")

    def _finish(self, req: RequestView, op: str | None, ident: Identity, query: dict[str, str], mode: str) -> Caller:
        supplied = signing.header_value(req.headers, "x-oss-security-token")
        if supplied is None:
            supplied = query.get("x-oss-security-token")
        if not self._faults.active("auth_sts_token_unchecked", op):
            if ident.security_token is not None and supplied != ident.security_token:
                raise _deny(self._options.sts_error_code, "The security token you provided is invalid.")
            if ident.security_token is None and supplied:
                raise _deny(self._options.sts_error_code, "A security token was supplied for a long-term AccessKey.")
        if ident.security_token is not None and self._faults.active("auth_reject_sts", op):
            raise _deny("AccessDenied", "AccessDenied: temporary credentials are not allowed.")
        target = req.address.account_id or ident.account_id
        if target != ident.account_id and not self._faults.active("auth_cross_account", op):
            raise _deny("AccessDenied", "AccessDenied: the bucket belongs to another account.")
        return Caller(account_id=ident.account_id, target_account=target, mode=mode)

    def _owner(self, req: RequestView, mode: str) -> Caller:
        """A caller acting as the addressed bucket's owner (used only by faults)."""
        account = req.address.account_id or self._first_account
        return Caller(account_id=account, target_account=account, mode=mode)
