"""DeleteVectors validation, error precedence and error shape, over raw signed HTTP."""

from __future__ import annotations

import json

import pytest

from tests.helpers.emulator_client import EmulatorClient, error_code

BAD_JSON = [
    b"",
    b"{",
    b'{"indexName": "idx", "keys": ["a",]}',
    b"{'indexName': 'idx', 'keys': ['a']}",
    b'{"indexName": "idx", "keys": [NaN]}',
    b'{"indexName": "idx", "keys": ["a"], "x": Infinity}',
    b'\xef\xbb\xbf{"indexName": "idx", "keys": ["a"]}',
    b'{"indexName": "idx", "keys": ["\xff"]}',
    b'{"indexName": "idx", "keys": ["\\ud800"]}',
    b'{"indexName": "idx", "keys": ["a"]} trailing',
    b"[" * 100000,
]


def test_success_shape(raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a", "b"])
    r = raw.delete(bucket, ["a"])
    assert r.status_code == 204 and r.content == b""
    rid = r.headers["x-oss-request-id"]
    assert len(rid) == 24 and rid == rid.upper() and int(rid, 16) >= 0
    assert r.headers["Server"] == "AliyunOSS" and "GMT" in r.headers["Date"]
    assert raw.keys(bucket) == {"b"}


@pytest.mark.parametrize("body", BAD_JSON, ids=[repr(b[:30]) for b in BAD_JSON])
def test_malformed_json(raw: EmulatorClient, bucket: str, body: bytes) -> None:
    raw.put(bucket, "idx", ["a"])
    r = raw.call("deleteVectors", bucket, body)
    assert (r.status_code, error_code(r)) == (400, "MalformedJson")
    assert raw.keys(bucket) == {"a"}


@pytest.mark.parametrize("body", [b"[]", b'"idx"', b"42", b"null"])
def test_non_object_body(raw: EmulatorClient, bucket: str, body: bytes) -> None:
    assert error_code(raw.call("deleteVectors", bucket, body)) == "MalformedJson"


def test_error_shape(raw: EmulatorClient, bucket: str) -> None:
    r = raw.call("deleteVectors", bucket, b"{")
    assert r.headers["Content-Type"] == "application/json"
    err = r.json()["Error"]
    assert set(err) >= {"Code", "Message", "RequestId", "HostId", "EC"}
    assert err["RequestId"] == r.headers["x-oss-request-id"]


@pytest.mark.parametrize(
    "body",
    [
        {"indexName": "idx"},
        {"indexName": "idx", "keys": "a"},
        {"indexName": "idx", "keys": None},
        {"indexName": "idx", "keys": {"a": 1}},
        {"indexName": "idx", "keys": [1, 2]},
        {"indexName": "idx", "keys": ["a", None]},
        {"indexName": "idx", "keys": [["a"]]},
        {"keys": ["a"]},
        {"indexName": "", "keys": ["a"]},
        {"indexName": 7, "keys": ["a"]},
        {"indexName": None, "keys": ["a"]},
        {"indexName": "idx", "keys": []},
        {"indexName": "idx", "keys": [f"k{i}" for i in range(501)]},
        {"indexName": "idx", "keys": [""]},
        {"indexName": "idx", "keys": ["a", "x" * 1025]},
    ],
)
def test_parameter_invalid(raw: EmulatorClient, bucket: str, body: dict[str, object]) -> None:
    raw.put(bucket, "idx", ["a", "k1"])
    r = raw.call("deleteVectors", bucket, body)
    assert (r.status_code, error_code(r)) == (400, "VectorIndexParameterInvalid"), r.text
    assert raw.keys(bucket) == {"a", "k1"}


def test_limits_and_duplicates(raw: EmulatorClient, bucket: str) -> None:
    keys = [f"k{i}" for i in range(600)]
    raw.put(bucket, "idx", keys)
    assert raw.delete(bucket, keys[:500]).status_code == 204
    assert raw.keys(bucket) == set(keys[500:])
    dupes = keys[500:] * 7  # 700 raw entries, 100 unique
    assert raw.delete(bucket, dupes).status_code == 204
    assert raw.keys(bucket) == set()
    long_key = "\u00e9" * 1024  # 1024 code points, 2048 bytes: accepted
    raw.put(bucket, "idx", [long_key])
    assert raw.delete(bucket, [long_key]).status_code == 204
    assert raw.keys(bucket) == set()


def test_absent_keys_and_extra_members(raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a"])
    r = raw.call("deleteVectors", bucket, {"indexName": "idx", "keys": ["zz", "a"], "extra": {"x": [1]}})
    assert r.status_code == 204
    assert raw.keys(bucket) == set()


def test_format_agnostic_and_unicode(raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["caf\u00e9", "\U0001f600", "plain"])
    compact = b'{"keys":["caf\\u00e9","\\ud83d\\ude00"],"indexName":"idx"}'
    assert raw.call("deleteVectors", bucket, compact).status_code == 204
    spaced = b'\n{\n  "indexName" :\t"idx" ,\r\n  "keys" : [ "plain" ]\n}\n'
    assert raw.call("deleteVectors", bucket, spaced).status_code == 204
    assert raw.keys(bucket) == set()


def test_case_and_normalisation_are_exact(raw: EmulatorClient, bucket: str) -> None:
    keys = ["Doc", "doc", "caf\u00e9", "cafe\u0301", " a", "a", "doc-1", "doc-10"]
    raw.put(bucket, "idx", keys)
    assert raw.delete(bucket, ["doc", "cafe\u0301", "a", "doc-1"]).status_code == 204
    assert raw.keys(bucket) == {"Doc", "caf\u00e9", " a", "doc-10"}


def test_precedence(raw: EmulatorClient, bucket: str) -> None:
    # auth before bucket, bucket before body, body before index, index before key checks
    assert error_code(raw.delete("nosuchbucket", ["a"], secret="bad")) == "SignatureDoesNotMatch"
    assert error_code(raw.call("deleteVectors", "nosuchbucket", b"{")) == "NoSuchBucket"
    assert error_code(raw.call("deleteVectors", bucket, b"{")) == "MalformedJson"
    assert error_code(raw.call("deleteVectors", bucket, {"indexName": "nope", "keys": "a"})) == "VectorIndexParameterInvalid"
    assert error_code(raw.delete(bucket, [], index="nope")) == "NoSuchVectorIndex"
    r = raw.delete(bucket, ["a"], index="nope")
    assert (r.status_code, error_code(r)) == (404, "NoSuchVectorIndex")


def test_query_marker_forms(raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a", "b"])
    body = {"indexName": "idx", "keys": ["a"]}
    assert raw.request("POST", bucket, "deleteVectors", body).status_code == 204
    assert raw.request("POST", bucket, "deleteVectors=", {"indexName": "idx", "keys": ["b"]}).status_code == 204
    assert raw.keys(bucket) == set()


def test_content_md5(raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a"])
    body = json.dumps({"indexName": "idx", "keys": ["a"]}).encode()
    r = raw.call("deleteVectors", bucket, body, md5=False, headers=[("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")])
    assert (r.status_code, error_code(r), r.json()["Error"]["EC"]) == (400, "InvalidDigest", "0017-00000503")  # digest §2
    r = raw.call("deleteVectors", bucket, body, md5=False, headers=[("Content-MD5", "not-base64-of-16-bytes")])
    assert (r.status_code, error_code(r), r.json()["Error"]["EC"]) == (400, "InvalidDigest", "0017-00000502")
    r = raw.call("putVectors", bucket, {"indexName": "idx", "vectors": []}, md5=False, headers=[("Content-MD5", "x")])
    assert (r.status_code, error_code(r)) == (400, "InvalidDigest")  # every operation with a body checks it
    r = raw.call("deleteVectors", "nosuchbucket", body, md5=False, headers=[("Content-MD5", "x")])
    assert (r.status_code, error_code(r)) == (404, "NoSuchBucket")  # the bucket check comes first
    assert raw.keys(bucket) == {"a"}
    assert raw.call("deleteVectors", bucket, body, md5=False).status_code == 204
    assert raw.keys(bucket) == set()


def test_index_isolation(raw: EmulatorClient, bucket: str) -> None:
    raw.create_index(bucket, "other")
    raw.put(bucket, "idx", ["a"])
    raw.put(bucket, "other", ["a"])
    assert raw.delete(bucket, ["a"]).status_code == 204
    assert raw.keys(bucket, "other") == {"a"}
