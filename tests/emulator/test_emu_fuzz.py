"""Random requests at a running emulator, with each of its HTTP parsers: never a 5xx, never a crash, never a reset.

Hypothesis sends requests through ``requests``; about three quarters are correctly signed (with
conformance.signing) so that random bodies and query strings reach the operation handlers instead of
stopping at authentication. ``raw_fuzz`` sends what ``requests`` cannot: unknown methods with odd
targets, absolute targets without a host, several ``?``, over-long request lines and header blocks,
bad framing, half-closed connections, pipelined junk; every one must get an HTTP answer.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import signing
from emulator.operations import MARKER_OPS, MARKERS
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers import raw_fuzz
from tests.helpers.emulator_client import ACCT, IDENTITIES, MAIN, EmulatorClient, md5_b64

UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
token = st.text(UNRESERVED, min_size=0, max_size=12)
escaped = st.builds(lambda b: "%" + b.hex().upper(), st.binary(min_size=1, max_size=1))
query_part = st.lists(st.one_of(token, escaped), max_size=4).map("".join)
query_name = st.one_of(st.sampled_from(sorted(MARKERS)), st.sampled_from(
    ["x-oss-signature", "x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-security-token", "prefix", "max-keys",
     "marker", "x-oss-signature-version", "x-oss-additional-headers"]), query_part)
query = st.lists(st.tuples(query_name, st.one_of(st.none(), query_part)), max_size=4).map(
    lambda pairs: "&".join(n if v is None else f"{n}={v}" for n, v in pairs))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
vector_body = st.fixed_dictionaries(
    {},
    optional={
        "indexName": st.one_of(st.just("idx"), st.just("nope"), json_value),
        "keys": st.one_of(st.lists(st.text(max_size=8), max_size=8), json_value),
        "vectors": st.lists(st.fixed_dictionaries({"key": st.text(max_size=5), "data": st.fixed_dictionaries(
            {"float32": st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=3, max_size=5)})},
            optional={"metadata": json_value}), max_size=3),
        "queryVector": st.fixed_dictionaries({"float32": st.lists(st.floats(allow_nan=False), min_size=4, max_size=4)}),
        "topK": json_value,
        "filter": json_value,
        "maxResults": st.one_of(st.integers(-5, 2000), json_value),
        "nextToken": st.one_of(st.text(max_size=30), json_value),
        "segmentCount": st.integers(-1, 20),
        "segmentIndex": st.integers(-1, 20),
        "dimension": st.one_of(st.integers(-1, 5000), json_value),
        "distanceMetric": st.sampled_from(["euclidean", "cosine", "ip", ""]),
        "metadata": json_value,
        "returnData": json_value,
        "returnMetadata": json_value,
        "returnDistance": json_value,
    },
)
body = st.one_of(
    st.binary(max_size=64),
    json_value.map(lambda v: json.dumps(v).encode()),
    vector_body.map(lambda v: json.dumps(v).encode()),
    vector_body.map(lambda v: json.dumps(v)[:-1].encode()),
)
header_value = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)
headers = st.lists(st.tuples(st.sampled_from(
    ["Content-Type", "Content-MD5", "x-oss-date", "x-oss-content-sha256", "x-oss-security-token", "Authorization",
     "x-oss-resource-group-id", "Date", "X-Random"]), header_value), max_size=3)
method = st.one_of(st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
                   st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=7))
host_kind = st.sampled_from(["bucket"] * 4 + ["missing", "bare", "random"])
VALID_ROUTES = [(m, q) for (m, q) in sorted(MARKER_OPS)] + [("PUT", ""), ("DELETE", ""), ("GET", "")]
route = st.one_of(
    st.tuples(st.sampled_from(VALID_ROUTES), query).map(lambda r: (r[0][0], "&".join(p for p in (r[0][1] + "=", r[1]) if p))),
    st.tuples(st.sampled_from(VALID_ROUTES), st.just("")).map(lambda r: (r[0][0], r[0][1])),
    st.tuples(method, query),
)
path = st.one_of(st.just("/"), st.lists(st.one_of(token, escaped), min_size=1, max_size=4).map(lambda p: "/" + "".join(p)))


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(route=route, path=path, headers=headers, body=body, host_kind=host_kind, random_host=token,
       sign=st.sampled_from([True, True, True, False]))
def test_random_requests_never_5xx(fuzz_target: tuple[EmulatorServer, str], route: tuple[str, str], path: str,
                                   headers: list[tuple[str, str]], body: bytes, host_kind: str, random_host: str,
                                   sign: bool) -> None:
    emu, bucket = fuzz_target
    method, query = route
    path = "/" if host_kind == "bucket" and sign else path
    port = emu.port
    hosts = {"bucket": (bucket, f"{bucket}-{ACCT}.127.0.0.1:{port}"), "missing": ("nosuch", f"nosuch-{ACCT}.x.y"),
             "bare": (None, f"127.0.0.1:{port}"), "random": (None, random_host or "h")}
    sign_bucket, host = hosts[host_kind]
    hdrs = list(headers)
    if sign:
        hdrs = [(k, v) for k, v in hdrs if k.lower() not in ("authorization", "x-oss-date", "x-oss-content-sha256",
                                                             "x-oss-security-token", "content-md5")]
        hdrs.append(("Content-MD5", md5_b64(body)))
        signed = signing.sign_header(method=method, query=query, headers=hdrs,
                                     credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                     region="cn-hangzhou", account_id=ACCT, bucket=sign_bucket, at=datetime.now(UTC))
        hdrs = list(signed.headers)
    request = requests.Request(method, f"{emu.url}{path}", data=body, headers=dict(hdrs) | {"Host": host}).prepare()
    request.url = f"{emu.url}{path}" + (f"?{query}" if query else "")
    with requests.Session() as session:
        response = session.send(request, timeout=30)
    check_response(response, method)


def check_response(response: requests.Response, method: str) -> None:
    assert response.status_code < 500, response.text
    rid = response.headers.get("x-oss-request-id", "")
    assert len(rid) == 24 and rid == rid.upper()
    if response.status_code >= 300 and method != "HEAD":
        assert response.headers["Content-Type"] == "application/json"
        error: Any = response.json()["Error"]
        assert error["RequestId"] == rid and error["Code"]


def test_still_alive_after_fuzzing(fuzz_target: tuple[EmulatorServer, str]) -> None:
    assert EmulatorClient(fuzz_target[0].url).request("GET", None).status_code == 200


RAW_REQUESTS = 800  # per parser; about 2 s each on a quiet machine
RAW_SECONDS = 90.0


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_raw_requests_always_get_an_http_answer(http: str) -> None:
    rng = random.Random(20261203)
    deadline = time.monotonic() + RAW_SECONDS
    sent = 0
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, http=http)) as srv:
        host = f"127.0.0.1:{srv.port}"
        while sent < RAW_REQUESTS and time.monotonic() < deadline:
            request = raw_fuzz.generate(rng, host)
            answer = raw_fuzz.send(srv.port, request)
            sent += 1
            assert answer.outcome == "answered", (answer, request.head[:300])
            assert answer.status is not None and answer.status < 500, (answer, request.head[:300])
            if answer.status >= 400:
                assert answer.header("content-type") == "application/json", answer.head
                rid = answer.header("x-oss-request-id") or ""
                assert len(rid) == 24 and rid == rid.upper(), answer.head
        assert EmulatorClient(srv.url).request("GET", None).status_code == 200
    assert sent >= RAW_REQUESTS // 2  # the time bound is a guard, not the plan
