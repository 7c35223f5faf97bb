"""Each AuthKind produces what its name claims, and differs from a valid request only that way."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import signing
from conformance.auth_variants import FALLBACK_REGIONS, VARIANTS, Applied, Identities, MissingIdentity, Unsigned, apply_auth
from conformance.records import AuthKind, AuthSpec
from conformance.secret import Secret
from conformance.signing import Credentials
from strategies.auth import AUTH_DETAILS, auth_of_kind

NOW = datetime(2025, 4, 17, 1, 33, 47, tzinfo=UTC)
ACCOUNT = "1234567890123456"
PRIMARY = Credentials("LTAI5tPrimaryKeyId", "PrimarySecret", None)
STS = Credentials("STS.KeyId", "StsSecret", "CAIS+token==")
OTHER = Credentials("LTAI5tOtherKeyId", "OtherSecret")
IDS = Identities(region="cn-hangzhou", account_id=ACCOUNT, primary=PRIMARY, sts=STS, other=OTHER, other_account_id="999")
BODY = b'{"indexName": "i", "keys": ["a"]}'
MD5 = base64.b64encode(hashlib.md5(BODY).digest()).decode()
REQ = Unsigned(
    method="POST",
    query="deleteVectors=",
    headers=(("Content-Type", "application/json"), ("Content-MD5", MD5)),
    body=BODY,
    bucket="examplebucket",
)


def run(kind: AuthKind, detail: str = "", skew: int = 0, ids: Identities = IDS) -> Applied:
    return apply_auth(AuthSpec(kind, detail, skew), REQ, ids, NOW)


def auth_header(applied: Applied) -> str:
    return signing.header_value(applied.headers, "Authorization") or ""


def verifies(applied: Applied, secret: str | Secret, *, account_id: str = ACCOUNT) -> bool:
    """Would a verifier holding ``secret`` accept the header signature as sent?"""
    parsed = signing.parse_authorization(auth_header(applied))
    trace = signing.verify_trace(
        method=REQ.method,
        query=applied.query,
        headers=applied.headers,
        secret=secret,
        timestamp=signing.header_value(applied.headers, "x-oss-date") or "",
        credential=parsed.credential,
        account_id=account_id,
        bucket=REQ.bucket,
        additional=parsed.additional_headers,
    )
    return trace.signature == parsed.signature


HEADER = run(AuthKind.HEADER)


def test_every_auth_kind_has_a_variant() -> None:
    assert set(VARIANTS) == set(AuthKind)


def test_valid_kinds_verify() -> None:
    assert verifies(HEADER, PRIMARY.access_key_secret)
    sts = run(AuthKind.STS)
    assert verifies(sts, STS.access_key_secret)
    assert signing.header_value(sts.headers, "x-oss-security-token") == STS.security_token
    presigned = run(AuthKind.PRESIGNED)
    assert "x-oss-signature=" in presigned.query and auth_header(presigned) == ""
    assert "x-oss-expires=900" in presigned.query
    sts_presigned = run(AuthKind.STS_PRESIGNED)
    assert "x-oss-security-token=CAIS%2Btoken%3D%3D" in sts_presigned.query


def test_none_adds_nothing() -> None:
    applied = run(AuthKind.NONE)
    assert applied.headers == list(REQ.headers) and applied.query == REQ.query and applied.signature is None


def test_wrong_secret_differs_from_header_for_same_inputs_and_time() -> None:
    wrong = run(AuthKind.WRONG_SECRET)
    assert wrong.signature != HEADER.signature
    assert wrong.trace is not None and HEADER.trace is not None
    assert wrong.trace.canonical_request == HEADER.trace.canonical_request
    assert not verifies(wrong, PRIMARY.access_key_secret)
    assert signing.parse_authorization(auth_header(wrong)).credential.access_key_id == PRIMARY.access_key_id


def test_unknown_key_id_is_random_and_unknown() -> None:
    a, b = run(AuthKind.UNKNOWN_KEY_ID), run(AuthKind.UNKNOWN_KEY_ID)
    ka = signing.parse_authorization(auth_header(a)).credential.access_key_id
    kb = signing.parse_authorization(auth_header(b)).credential.access_key_id
    assert ka != kb and PRIMARY.access_key_id not in (ka, kb)


def test_other_account_is_valid_for_the_primary_bucket_arn() -> None:
    other = run(AuthKind.OTHER_ACCOUNT)
    assert signing.parse_authorization(auth_header(other)).credential.access_key_id == OTHER.access_key_id
    assert other.trace is not None and f"%3A{ACCOUNT}%3Aexamplebucket" in other.trace.canonical_uri
    assert verifies(other, OTHER.access_key_secret, account_id=ACCOUNT)


@pytest.mark.parametrize(("detail", "region"), [("", "cn-shanghai"), ("us-west-1", "us-west-1")])
def test_wrong_region_names_another_region(detail: str, region: str) -> None:
    applied = run(AuthKind.WRONG_REGION, detail)
    assert applied.trace is not None and applied.trace.scope.split("/")[1] == region
    shanghai = Identities(region="cn-shanghai", account_id=ACCOUNT, primary=PRIMARY)
    trace = run(AuthKind.WRONG_REGION, ids=shanghai).trace
    assert trace is not None and trace.scope.split("/")[1] == "us-west-1"


CONFIGURED_REGIONS = sorted({"cn-hangzhou", *AUTH_DETAILS[AuthKind.WRONG_REGION], *FALLBACK_REGIONS})


def _signed_region(applied: Applied) -> str:
    """The region in the credential scope of the Authorization header actually sent."""
    return signing.parse_authorization(auth_header(applied)).credential.region


@pytest.mark.parametrize("configured", CONFIGURED_REGIONS)
@pytest.mark.parametrize("detail", ["", *AUTH_DETAILS[AuthKind.WRONG_REGION]])
def test_wrong_region_never_signs_with_the_configured_region(configured: str, detail: str) -> None:
    """Whatever the strategy draws, even the configured region itself, the request names another one."""
    ids = Identities(region=configured, account_id=ACCOUNT, primary=PRIMARY)
    applied = run(AuthKind.WRONG_REGION, detail, ids=ids)
    region = _signed_region(applied)
    assert region != configured
    if detail and detail != configured:
        assert region == detail
    # self-consistent for that region: scope and ARN agree, and a verifier of that region accepts it
    assert applied.trace is not None and f"acs%3Aossvector%3A{region}%3A" in applied.trace.canonical_uri
    assert verifies(applied, PRIMARY.access_key_secret)
    assert f"%3A{configured}%3A" not in applied.trace.canonical_uri


@given(configured=st.sampled_from(CONFIGURED_REGIONS), auth=auth_of_kind(AuthKind.WRONG_REGION))
def test_wrong_region_strategy_and_variant_never_make_a_valid_request(configured: str, auth: AuthSpec) -> None:
    ids = Identities(region=configured, account_id=ACCOUNT, primary=PRIMARY)
    assert _signed_region(apply_auth(auth, REQ, ids, NOW)) != configured


@pytest.mark.parametrize(("detail", "product"), [("", "ossvector"), ("s3", "s3")])
def test_wrong_product(detail: str, product: str) -> None:
    applied = run(AuthKind.WRONG_PRODUCT, detail)
    assert applied.trace is not None and applied.trace.scope.split("/")[2] == product


@pytest.mark.parametrize(("kind", "sign"), [(AuthKind.SKEWED_PAST, -1), (AuthKind.SKEWED_FUTURE, 1)])
def test_skew(kind: AuthKind, sign: int) -> None:
    for skew, expected in ((0, 20 * 60), (3600, 3600)):
        applied = run(kind, skew=skew)
        sent = signing.parse_iso8601_basic(signing.header_value(applied.headers, "x-oss-date") or "")
        assert sent - NOW == timedelta(seconds=sign * expected)
        assert verifies(applied, PRIMARY.access_key_secret)


def test_expired_presign() -> None:
    applied = run(AuthKind.EXPIRED_PRESIGN)
    params = dict(signing.split_query(applied.query))
    assert params["x-oss-expires"] == "60"
    assert signing.parse_iso8601_basic(params["x-oss-date"]) == NOW - timedelta(minutes=10)


def test_tampered_header_default_moves_x_oss_date_one_second() -> None:
    applied = run(AuthKind.TAMPERED_HEADER)
    assert applied.trace is not None
    sent = signing.header_value(applied.headers, "x-oss-date") or ""
    assert signing.parse_iso8601_basic(sent) - signing.parse_iso8601_basic(applied.trace.timestamp) == timedelta(seconds=1)
    assert not verifies(applied, PRIMARY.access_key_secret)


def test_tampered_content_type() -> None:
    applied = run(AuthKind.TAMPERED_HEADER, "content-type")
    assert signing.header_value(applied.headers, "Content-Type") == "text/plain"
    assert not verifies(applied, PRIMARY.access_key_secret)


def test_tampered_body_md5_is_signed_but_lies() -> None:
    applied = run(AuthKind.TAMPERED_BODY_MD5)
    md5 = signing.header_value(applied.headers, "Content-MD5")
    assert md5 and md5 != MD5
    assert verifies(applied, PRIMARY.access_key_secret)


def test_tampered_query_appends_after_signing() -> None:
    applied = run(AuthKind.TAMPERED_QUERY)
    assert applied.query == "deleteVectors=&tampered=1"
    assert not verifies(applied, PRIMARY.access_key_secret)


@pytest.mark.parametrize("detail", ["", "garbage", "empty", "no-credential", "no-signature", "bad-credential-shape"])
def test_malformed_authorization_cannot_be_parsed(detail: str) -> None:
    applied = run(AuthKind.MALFORMED_AUTHORIZATION, detail)
    with pytest.raises(signing.AuthorizationSyntaxError):
        signing.parse_authorization(auth_header(applied))
    if detail == "empty":
        assert auth_header(applied) == "" and any(k == "Authorization" for k, _ in applied.headers)


def test_malformed_authorization_rejects_unknown_detail() -> None:
    with pytest.raises(ValueError, match="detail"):
        run(AuthKind.MALFORMED_AUTHORIZATION, "bogus")


def test_truncated_signature() -> None:
    applied = run(AuthKind.TRUNCATED_SIGNATURE)
    sent = signing.parse_authorization(auth_header(applied)).signature
    assert HEADER.signature is not None and sent == HEADER.signature.reveal()[:63]
    short = run(AuthKind.TRUNCATED_SIGNATURE, "16")
    assert len(signing.parse_authorization(auth_header(short)).signature) == 16


@pytest.mark.parametrize(("detail", "algorithm"), [("", "OSS4-HMAC-SHA1"), ("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256")])
def test_wrong_algorithm(detail: str, algorithm: str) -> None:
    value = auth_header(run(AuthKind.WRONG_ALGORITHM, detail))
    assert value.startswith(algorithm + " Credential=")
    assert HEADER.signature is not None and value.endswith(HEADER.signature.reveal())


def test_sts_token_variants() -> None:
    missing = run(AuthKind.MISSING_STS_TOKEN)
    assert signing.header_value(missing.headers, "x-oss-security-token") is None
    assert signing.parse_authorization(auth_header(missing)).credential.access_key_id == STS.access_key_id
    wrong = run(AuthKind.WRONG_STS_TOKEN)
    token = signing.header_value(wrong.headers, "x-oss-security-token")
    assert token and token != STS.security_token
    assert verifies(wrong, STS.access_key_secret)


def test_wrong_canonical_uri_signs_over_the_path() -> None:
    applied = run(AuthKind.WRONG_CANONICAL_URI)
    assert applied.trace is not None and applied.trace.canonical_uri == "/"
    assert applied.signature != HEADER.signature
    assert not verifies(applied, PRIMARY.access_key_secret)
    trace = applied.trace
    assert trace.canonical_request.split("\n")[1] == "/"
    assert trace.canonical_request.replace("\n/\n", f"\n{HEADER.trace.canonical_uri}\n", 1) == HEADER.trace.canonical_request  # type: ignore[union-attr]
    assert trace.string_to_sign == signing.string_to_sign(trace.timestamp, trace.scope, trace.canonical_request)
    assert applied.signature == signing.compute_signature("PrimarySecret", "20250417", "cn-hangzhou", "oss", trace.string_to_sign)
    assert applied.headers == [*HEADER.headers[:-1], ("Authorization", auth_header(applied))]


@pytest.mark.parametrize(
    "kind",
    [AuthKind.STS, AuthKind.STS_PRESIGNED, AuthKind.MISSING_STS_TOKEN, AuthKind.WRONG_STS_TOKEN, AuthKind.OTHER_ACCOUNT],
)
def test_missing_identity(kind: AuthKind) -> None:
    bare = Identities(region="cn-hangzhou", account_id=ACCOUNT, primary=PRIMARY)
    with pytest.raises(MissingIdentity):
        run(kind, ids=bare)


def test_primary_session_token_is_sent_with_header_auth() -> None:
    ids = Identities(region="cn-hangzhou", account_id=ACCOUNT, primary=Credentials("AK", "SK", "TOKEN123"))
    applied = run(AuthKind.HEADER, ids=ids)
    assert signing.header_value(applied.headers, "x-oss-security-token") == "TOKEN123"
