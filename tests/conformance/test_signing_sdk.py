"""Our signer agrees with the official SDK's VectorsSignerV4 on arbitrary inputs.

The SDK is a test-only dependency: it is the reference the vectors came from, and a property
over methods, headers, queries, regions, times and identities finds what fixed vectors cannot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import signing
from conformance.signing import Credentials

sdk_types = pytest.importorskip("alibabacloud_oss_v2.types", reason="alibabacloud-oss-v2 (test dependency) not installed")
sdk_signer = pytest.importorskip("alibabacloud_oss_v2.signer.vectors_v4")
from conformance.drivers.sdk import SdkCredentials  # noqa: E402 - needs the SDK

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~%"

header_names = st.one_of(
    st.sampled_from(
        [
            "Content-Type",
            "content-md5",
            "x-oss-meta-a",
            "X-Oss-Meta-B",
            "x-oss-date",
            "x-oss-security-token",
            "User-Agent",
            "Host",
            "Content-Length",
            "x-custom",
        ]
    ),
    st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
    st.from_regex(r"x-oss-[a-z0-9-]{1,10}", fullmatch=True),
)


@st.composite
def header_sets(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Unique names (case-insensitively): the SDK keeps headers in a dict."""
    names = draw(st.lists(header_names, max_size=8, unique_by=str.lower))
    return [(name, draw(st.text(PRINTABLE, max_size=20))) for name in names]


query_pairs = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(["deleteVectors", "prefix", "max-keys", "x-oss-foo"]), st.text(TOKEN_CHARS, min_size=1, max_size=10)
        ),
        st.text(TOKEN_CHARS, max_size=10),
    ),
    max_size=5,
)

identities = st.builds(
    Credentials,
    st.text(st.characters(min_codepoint=0x30, max_codepoint=0x7A), min_size=1, max_size=24).filter(str.isalnum),
    st.text(min_size=1, max_size=30),
    st.one_of(st.none(), st.just(""), st.text(TOKEN_CHARS + "+/=", min_size=1, max_size=40)),
)


def _sdk_sign(
    *,
    method: str,
    query: str,
    headers: list[tuple[str, str]],
    creds: Credentials,
    region: str,
    product: str,
    account_id: str,
    bucket: str | None,
    at: datetime,
    additional: set[str] | None,
    query_mode: bool,
    expires: int,
) -> tuple[str, list[tuple[str, str]], str]:
    url = "https://example.invalid/" + (f"?{query}" if query else "")
    request = sdk_types.HttpRequest(method, url, headers=dict(headers))
    context = sdk_types.SigningContext(
        product=product,
        region=region,
        bucket=bucket,
        request=request,
        credentials=SdkCredentials(creds),  # the SDK driver's Secret-backed credentials, as the SDK's signer reads them
        signing_time=at,
        additional_headers=additional,
    )
    if query_mode:
        context.auth_method_query = True
        context.expiration_time = at + timedelta(seconds=expires)
    sdk_signer.VectorsSignerV4(account_id).sign(context)
    final_query = request.url.partition("?")[2]
    return final_query, [(k.lower(), v) for k, v in request.headers.items()], context.string_to_sign


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    headers=header_sets(),
    pairs=query_pairs,
    region=st.from_regex(r"[a-z0-9-]{1,16}", fullmatch=True),
    product=st.sampled_from(["oss", "oss", "ossvector"]),
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
    creds=identities,
    account_id=st.from_regex(r"[0-9]{1,18}", fullmatch=True),
    bucket=st.one_of(st.none(), st.from_regex(r"[a-z0-9][a-z0-9-]{1,30}[a-z0-9]", fullmatch=True)),
    additional=st.one_of(st.none(), st.sets(header_names, max_size=4)),
    query_mode=st.booleans(),
    expires=st.integers(min_value=1, max_value=7 * 24 * 3600),
)
def test_signer_agrees_with_sdk_vectors_signer_v4(
    method: str,
    headers: list[tuple[str, str]],
    pairs: list[tuple[str, str]],
    region: str,
    product: str,
    at: datetime,
    creds: Credentials,
    account_id: str,
    bucket: str | None,
    additional: set[str] | None,
    query_mode: bool,
    expires: int,
) -> None:
    query = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    sdk_query, sdk_headers, sdk_string_to_sign = _sdk_sign(
        method=method,
        query=query,
        headers=headers,
        creds=creds,
        region=region,
        product=product,
        account_id=account_id,
        bucket=bucket,
        at=at,
        additional=additional,
        query_mode=query_mode,
        expires=expires,
    )
    common = {
        "method": method,
        "query": query,
        "headers": headers,
        "credentials": creds,
        "region": region,
        "account_id": account_id,
        "bucket": bucket,
        "at": at,
        "product": product,
        "additional_headers": additional,
    }
    ours = signing.presign(expires=expires, **common) if query_mode else signing.sign_header(**common)  # type: ignore[arg-type]
    assert ours.trace.string_to_sign == sdk_string_to_sign
    assert ours.query == sdk_query
    assert [(k.lower(), v) for k, v in ours.headers] == sdk_headers
