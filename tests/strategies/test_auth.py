"""Signing variants: every kind is reachable, details and skews stay in their documented sets."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance.records import VALID_AUTH, AuthKind, AuthSpec
from strategies import auth
from tests.helpers.hypothesis_settings import fast, minimal, reaches


@fast(30)
@given(auth.valid_auth())
def test_valid_auth_is_valid(spec: AuthSpec) -> None:
    assert spec.kind in VALID_AUTH and spec.detail == "" and spec.skew_seconds == 0


@fast(100)
@given(auth.invalid_auth())
def test_invalid_auth_is_invalid_with_known_details(spec: AuthSpec) -> None:
    assert spec.kind not in VALID_AUTH
    if spec.kind in (AuthKind.SKEWED_PAST, AuthKind.SKEWED_FUTURE):
        lo, hi = auth.SKEW_SECONDS_RANGE
        assert lo <= spec.skew_seconds <= hi and lo > 15 * 60
    else:
        assert spec.skew_seconds == 0
        assert spec.detail in auth.AUTH_DETAILS.get(spec.kind, ("",))


@pytest.mark.parametrize("kind", list(AuthKind), ids=lambda k: k.value)
def test_any_auth_reaches_every_kind(kind: AuthKind) -> None:
    reaches(auth.any_auth(), lambda a: a.kind == kind)


@pytest.mark.parametrize(("kind", "detail"), [(k, d) for k, ds in auth.AUTH_DETAILS.items() for d in ds])
def test_invalid_auth_reaches_every_detail(kind: AuthKind, detail: str) -> None:
    reaches(auth.invalid_auth(), lambda a: a.kind == kind and a.detail == detail)


def test_auth_shrinks_toward_header_and_none() -> None:
    assert minimal(auth.any_auth(), lambda _: True) == AuthSpec(AuthKind.HEADER)
    assert minimal(auth.invalid_auth(), lambda _: True) == AuthSpec(AuthKind.NONE)
