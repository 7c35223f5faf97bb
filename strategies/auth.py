"""How to sign a request, as ``AuthSpec`` data: the client applies it, the oracle judges it.

``detail`` values used here (the client must understand them):

- TAMPERED_HEADER: which signed header is changed after signing (``x-oss-date``, ``content-type``, ``content-md5``).
- MALFORMED_AUTHORIZATION: ``garbage``, ``empty``, ``no-credential``, ``no-signature``, ``bad-credential-shape``.
- WRONG_ALGORITHM: the algorithm name written (``OSS4-HMAC-SHA1``, ``AWS4-HMAC-SHA256``).
- WRONG_REGION: the region put in the scope (``cn-shanghai``, ``us-west-1``). The strategy cannot know the
  configured region; when it draws that one, the client signs with another (``auth_variants.other_region``),
  so a WRONG_REGION request is always wrong.
- WRONG_PRODUCT: the product put in the scope (``ossvector``, ``s3``).

SKEWED_PAST / SKEWED_FUTURE carry ``skew_seconds`` as a positive magnitude (20-120 minutes); the kind gives
the direction. Every other kind has ``detail=""`` and ``skew_seconds=0``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.records import VALID_AUTH, AuthKind, AuthSpec

__all__ = [
    "AUTH_DETAILS",
    "SKEW_SECONDS_RANGE",
    "any_auth",
    "auth_of_kind",
    "invalid_auth",
    "valid_auth",
]

AUTH_DETAILS: dict[AuthKind, tuple[str, ...]] = {
    AuthKind.TAMPERED_HEADER: ("x-oss-date", "content-type", "content-md5"),
    AuthKind.MALFORMED_AUTHORIZATION: ("garbage", "empty", "no-credential", "no-signature", "bad-credential-shape"),
    AuthKind.WRONG_ALGORITHM: ("OSS4-HMAC-SHA1", "AWS4-HMAC-SHA256"),
    AuthKind.WRONG_REGION: ("cn-shanghai", "us-west-1"),
    AuthKind.WRONG_PRODUCT: ("ossvector", "s3"),
}
"""The ``detail`` variants generated for each kind that has any."""

SKEW_SECONDS_RANGE = (20 * 60, 120 * 60)
"""Clock skew magnitudes generated for SKEWED_*: clearly past the documented 15-minute window (with room for the
client's own clock error), up to 2 hours."""

_VALID_ORDER = (AuthKind.HEADER, AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED)
_INVALID_ORDER = tuple(k for k in AuthKind if k not in VALID_AUTH)


def auth_of_kind(kind: AuthKind) -> st.SearchStrategy[AuthSpec]:
    """All generated variants of one kind (its details, or its skews)."""
    if kind in (AuthKind.SKEWED_PAST, AuthKind.SKEWED_FUTURE):
        return st.integers(*SKEW_SECONDS_RANGE).map(lambda s: AuthSpec(kind=kind, skew_seconds=s))
    if kind in AUTH_DETAILS:
        return st.sampled_from(AUTH_DETAILS[kind]).map(lambda d: AuthSpec(kind=kind, detail=d))
    return st.just(AuthSpec(kind=kind))


def valid_auth() -> st.SearchStrategy[AuthSpec]:
    """Correct signatures: header, presigned, STS header, STS presigned (shrinks to HEADER)."""
    return st.sampled_from([AuthSpec(kind=k) for k in _VALID_ORDER])


def invalid_auth() -> st.SearchStrategy[AuthSpec]:
    """Every mis-signing kind with its detail/skew variants (shrinks to NONE: no auth at all)."""
    return st.sampled_from(_INVALID_ORDER).flatmap(auth_of_kind)


def any_auth() -> st.SearchStrategy[AuthSpec]:
    """Valid or invalid signing (valid first, so failures shrink toward a correctly signed request)."""
    return st.one_of(valid_auth(), invalid_auth())
