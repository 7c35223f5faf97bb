"""The emulator's fast paths answer exactly like the plain ones.

* HTTP: with httptools (when installed) every request is answered as with h11: custom methods, absolute-form
  targets, ``Upgrade`` headers, and a connection switching between them.
* DeleteVectors: SQLite reads the keys straight out of the body only when that is exact; duplicate members,
  escapes and duplicate keys still delete exactly the keys Python parsed.
* History faults see the deletes made while one of them is on.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance import signing
from emulator.addressing import resolve
from emulator.httpproto import RobustH11Protocol
from emulator.server import EmulatorConfig, EmulatorServer, http_protocol, loop_setting
from tests.helpers.emulator_client import ACCT, IDENTITIES, MAIN, REGION, EmulatorClient, error_code, md5_b64

HTTP_IMPLS = ["h11"] + (["httptools"] if importlib.util.find_spec("httptools") else [])


@pytest.fixture(scope="module", params=HTTP_IMPLS)
def server(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(identities=IDENTITIES, region=REGION, http=request.param, options={"max_buckets": 100000})
    with EmulatorServer(config) as srv:
        raw = EmulatorClient(srv.url)
        raw.create_bucket("fast")
        raw.create_index("fast")
        yield srv


def signed_headers(method: str, bucket: str | None, query: str, body: bytes, extra: list[tuple[str, str]]) -> dict[str, str]:
    hdrs = [("Content-Type", "application/json"), ("Content-MD5", md5_b64(body)), *extra]
    signed = signing.sign_header(method=method, query=query, headers=hdrs,
                                 credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                 region=REGION, account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    return dict(signed.headers)


def test_config_rejects_unknown_choices() -> None:
    with pytest.raises(ValueError):
        http_protocol("zttp")
    with pytest.raises(ValueError):
        loop_setting("trio")
    assert http_protocol("h11") is RobustH11Protocol and loop_setting("asyncio") == "asyncio"


def test_custom_method_then_normal_requests_on_one_connection(server: EmulatorServer) -> None:
    raw = EmulatorClient(server.url)  # one keep-alive session
    for method in ("FOO", "GET", "A", "POST"):
        r = raw.request(method, "fast", "bucketInfo=" if method != "POST" else "")
        if method == "GET":
            assert r.status_code == 200
        else:
            assert (r.status_code, error_code(r)) == (405, "MethodNotAllowed")
            assert len(r.headers["x-oss-request-id"]) == 24


def test_absolute_form_target_names_the_bucket(server: EmulatorServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = signed_headers("GET", "nosuch", "bucketInfo=", b"", [])
        headers["Host"] = f"127.0.0.1:{server.port}"  # the Host header names no bucket; the target does
        conn.request("GET", f"http://nosuch-{ACCT}.127.0.0.1:{server.port}/?bucketInfo=", body=b"", headers=headers)
        r = conn.getresponse()
        body = json.loads(r.read())
        assert (r.status, body["Error"]["Code"], body["Error"]["BucketName"]) == (404, "NoSuchBucket", "nosuch")
        headers = signed_headers("GET", "fast", "bucketInfo=", b"", [])
        conn.request("GET", f"http://fast-{ACCT}.anything.example/?bucketInfo=", body=b"", headers=headers)
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["BucketInfo"]["Name"].endswith(":fast")
    finally:
        conn.close()


def test_upgrade_header_is_answered_normally(server: EmulatorServer) -> None:
    raw = EmulatorClient(server.url)
    r = raw.request("GET", "fast", "bucketInfo=", headers=[("Connection", "Upgrade"), ("Upgrade", "h2c")])
    assert r.status_code == 200
    assert raw.request("GET", "fast", "bucketInfo=").status_code == 200


def delete_raw(raw: EmulatorClient, body: bytes) -> Any:
    r = raw.call("deleteVectors", "fast", body)
    return r.status_code, error_code(r)


@pytest.mark.parametrize(
    ("stored", "body", "left"),
    [
        (["a", "b"], b'{"indexName":"idx","keys":["a"],"keys":["b"]}', {"a"}),  # duplicate members: the last wins
        (["keys", "a", "b"], b'{"indexName":"idx","keys":["keys","a"]}', {"b"}),  # the member name as a key
        (["\u0000x", "caf\u00e9", "b"], b'{"indexName":"idx","keys":["\\u0000x","caf\\u00e9"]}', {"b"}),  # escapes
        (['q"uote', "back\\slash", "t\tab", "b"],
         json.dumps({"indexName": "idx", "keys": ['q"uote', "back\\slash", "t\tab"]}).encode(), {"b"}),
        (["a", "b", "\U0001f600"],  # duplicate keys collapse; non-ASCII sent raw
         json.dumps({"indexName": "idx", "keys": ["a", "a", "\U0001f600", "a"]}, ensure_ascii=False).encode(), {"b"}),
        (["a", "b"], b'{"keys":["a"],"indexName":"idx","extra":{"keys":["b"]}}', {"b"}),
    ],
)
def test_delete_body_shapes(server: EmulatorServer, stored: list[str], body: bytes, left: set[str]) -> None:
    raw = EmulatorClient(server.url)
    raw.put("fast", "idx", stored)
    try:
        assert delete_raw(raw, body) == (204, None)
        assert raw.keys("fast") == left
    finally:
        raw.delete("fast", sorted(raw.keys("fast")) or ["none"])


def test_history_faults_see_deletes_made_while_on(server: EmulatorServer) -> None:
    raw = EmulatorClient(server.url)
    raw.put("fast", "idx", ["h1", "h2"])
    assert raw.delete("fast", ["h1"]).status_code == 204  # healthy: leaves no history
    server.set_faults({"second_delete_404"})
    try:
        assert raw.delete("fast", ["h1"]).status_code == 204
        assert raw.delete("fast", ["h2"]).status_code == 204
        assert error_code(raw.delete("fast", ["h2"])) == "NoSuchKey"
    finally:
        server.set_faults(())


def test_resolve_is_cached_and_immutable() -> None:
    first = resolve("/", f"b-{ACCT}.127.0.0.1:1")
    assert resolve("/", f"b-{ACCT}.127.0.0.1:1") is first and first.bucket == "b"
