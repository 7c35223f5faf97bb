"""Authentication: no auth, another account's key, every wrong signature, and the valid variants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.authoring import FAMILY_CAP, Case, delete_request, profile, requirements
from conformance.records import AuthKind, AuthSpec
from strategies.auth import auth_of_kind
from strategies.keylists import KEY_POOL, pooled_key_lists

NEEDS_STS = frozenset({AuthKind.STS, AuthKind.STS_PRESIGNED, AuthKind.MISSING_STS_TOKEN, AuthKind.WRONG_STS_TOKEN})


def _usable(case: Case, auth: AuthSpec) -> bool:
    if auth.kind in NEEDS_STS and case.settings.sts is None:
        return False
    return not (auth.kind is AuthKind.OTHER_ACCOUNT and case.settings.other is None)


@pytest.mark.wire_only
@requirements("DV-AUTH-REQUIRED", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL", "DV-ERROR-SHAPE")
@profile(3)
@given(keys=pooled_key_lists(2))
def test_delete_vectors_without_authentication_denied(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(delete_request(keys, auth=AuthSpec(AuthKind.NONE)), stored=KEY_POOL)


@requirements("DV-AUTH-PERMISSION", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL")
@profile(3)
@given(keys=pooled_key_lists(2))
def test_delete_vectors_other_accounts_key_denied(case: Case, keys: list[str]) -> None:
    if case.settings.other is None:
        pytest.skip(
            "no second account configured (OSSV_OTHER_ACCOUNT_ID, OSSV_OTHER_ACCESS_KEY_ID, OSSV_OTHER_ACCESS_KEY_SECRET)"
        )
    case.example(keys=keys)
    case.delete(delete_request(keys, auth=AuthSpec(AuthKind.OTHER_ACCOUNT)), stored=KEY_POOL)


WRONG_KINDS = [k for k in AuthKind if not k.is_valid and k not in (AuthKind.NONE, AuthKind.OTHER_ACCOUNT)]


@pytest.mark.wire_only
@requirements(
    "DV-AUTH-INVALID", "DV-CONTENT-MD5", "DV-OBS-AUTH-CODE", "DV-OBS-HEADERS", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL"
)
@pytest.mark.parametrize("kind", WRONG_KINDS, ids=[k.value for k in WRONG_KINDS])
@profile(5, cap=FAMILY_CAP)
@given(data=st.data(), keys=pooled_key_lists(2))
def test_delete_vectors_wrong_signatures_rejected(case: Case, kind: AuthKind, data: st.DataObject, keys: list[str]) -> None:
    auth = data.draw(auth_of_kind(kind), label="auth")
    if not _usable(case, auth):
        pytest.skip(f"{kind.value} needs an STS identity (OSSV_STS_ACCESS_KEY_ID, OSSV_STS_ACCESS_KEY_SECRET, OSSV_STS_TOKEN)")
    case.example(auth=auth, keys=keys)
    case.delete(delete_request(keys, auth=auth), stored=KEY_POOL)


VALID_KINDS = [AuthKind.HEADER, AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED]


@requirements("DV-AUTH-VALID-VARIANTS", "DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL")
@pytest.mark.parametrize("kind", VALID_KINDS, ids=[k.value for k in VALID_KINDS])
@profile(3)
@given(keys=pooled_key_lists(2))
def test_delete_vectors_presigned_and_sts_requests_accepted(case: Case, kind: AuthKind, keys: list[str]) -> None:
    auth = AuthSpec(kind)
    if not _usable(case, auth):
        pytest.skip(f"{kind.value} needs an STS identity (OSSV_STS_ACCESS_KEY_ID, OSSV_STS_ACCESS_KEY_SECRET, OSSV_STS_TOKEN)")
    case.example(auth=auth, keys=keys)
    case.delete(delete_request(keys, auth=auth), stored=[*KEY_POOL, "survivor"])


@pytest.mark.wire_only
@requirements("DV-AUTH-INVALID", "DV-REJECT-NO-EFFECT")
@profile(3)
@given(
    auth=st.one_of(
        st.builds(
            AuthSpec, st.sampled_from([AuthKind.SKEWED_PAST, AuthKind.SKEWED_FUTURE]), st.just(""), st.integers(20 * 60, 120 * 60)
        ),
        auth_of_kind(AuthKind.EXPIRED_PRESIGN),
    )
)
def test_delete_vectors_stale_or_future_signatures_rejected(case: Case, auth: AuthSpec) -> None:
    case.example(auth=auth)
    case.delete(delete_request(["doc-1"], auth=auth), stored=["doc-1", "doc-2"])
