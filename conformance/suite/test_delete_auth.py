"""Authentication: no auth, another account's key, every wrong signature, and the valid variants."""

from __future__ import annotations

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from conformance.records import AuthKind, AuthSpec
from conformance.suite._common import profile, requirements
from conformance.suite_support import Case, sdk_delete
from strategies.auth import auth_of_kind, invalid_auth, valid_auth
from strategies.keylists import unique_key_lists

NEEDS_STS = frozenset({AuthKind.STS, AuthKind.STS_PRESIGNED, AuthKind.MISSING_STS_TOKEN, AuthKind.WRONG_STS_TOKEN})


def _usable(case: Case, auth: AuthSpec) -> bool:
    if auth.kind in NEEDS_STS and case.settings.sts is None:
        return False
    return not (auth.kind is AuthKind.OTHER_ACCOUNT and case.settings.other is None)


@requirements("DV-AUTH-REQUIRED", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL", "DV-ERROR-SHAPE")
@profile(3)
@given(keys=unique_key_lists(2))
def test_delete_vectors_without_authentication_denied(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(sdk_delete(keys, auth=AuthSpec(AuthKind.NONE)), stored=keys)


@requirements("DV-AUTH-PERMISSION", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL")
@profile(3)
@given(keys=unique_key_lists(2))
def test_delete_vectors_other_accounts_key_denied(case: Case, keys: list[str]) -> None:
    if case.settings.other is None:
        pytest.skip("no second account configured (OSSV_OTHER_ACCOUNT_ID, OSSV_OTHER_ACCESS_KEY_ID, OSSV_OTHER_ACCESS_KEY_SECRET)")
    case.example(keys=keys)
    case.delete(sdk_delete(keys, auth=AuthSpec(AuthKind.OTHER_ACCOUNT)), stored=keys)


@requirements("DV-AUTH-INVALID", "DV-OBS-AUTH-CODE", "DV-OBS-HEADERS", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL")
@profile(30)
@given(auth=invalid_auth().filter(lambda a: a.kind not in (AuthKind.NONE, AuthKind.OTHER_ACCOUNT)), keys=unique_key_lists(2))
def test_delete_vectors_wrong_signatures_rejected(case: Case, auth: AuthSpec, keys: list[str]) -> None:
    if not _usable(case, auth):
        reject()
    case.example(auth=auth, keys=keys)
    case.delete(sdk_delete(keys, auth=auth), stored=keys)


@requirements("DV-AUTH-VALID-VARIANTS", "DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL")
@profile(8)
@given(auth=valid_auth(), keys=unique_key_lists(2))
def test_delete_vectors_presigned_and_sts_requests_accepted(case: Case, auth: AuthSpec, keys: list[str]) -> None:
    if not _usable(case, auth):
        reject()
    case.example(auth=auth, keys=keys)
    judged = case.delete(sdk_delete(keys, auth=auth), stored=[*keys, "survivor"])
    from conformance.judge import Verdict

    ok = 200 <= judged.response.status < 300
    case.recorder.record([Verdict("DV-AUTH-VALID-VARIANTS", ok, f"{auth.kind.value}-signed request succeeds", str(judged.response.status))])


@requirements("DV-AUTH-INVALID", "DV-REJECT-NO-EFFECT")
@profile(3)
@given(
    auth=st.one_of(
        st.builds(AuthSpec, st.sampled_from([AuthKind.SKEWED_PAST, AuthKind.SKEWED_FUTURE]), st.just(""), st.integers(20 * 60, 120 * 60)),
        auth_of_kind(AuthKind.EXPIRED_PRESIGN),
    )
)
def test_delete_vectors_stale_or_future_signatures_rejected(case: Case, auth: AuthSpec) -> None:
    case.example(auth=auth)
    case.delete(sdk_delete(["doc-1"], auth=auth), stored=["doc-1", "doc-2"])
