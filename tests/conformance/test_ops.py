"""ops: SDK-shaped specs on the wire, typed wrappers that paginate and fail loudly (one line)."""

from __future__ import annotations

import json

import pytest

from conformance.client import RawClient
from conformance.config import Settings, load_settings
from conformance.errors import OperationFailed
from conformance.limits import DOCUMENTED_QUERY, SDK_QUERY
from conformance.ops import (
    VectorOps,
    content_md5,
    delete_vectors_spec,
    list_vector_buckets_spec,
    put_vector_index_spec,
    vector,
)
from conformance.records import AuthKind, AuthSpec
from tests.helpers.paths import DATA
from tests.helpers.stub_server import Received, StubReply, StubServer

ACCOUNT = "1234567890123456"
CAPTURE = json.loads((DATA / "signing-vectors.json").read_text())["client_wire_capture"]


def make_settings(endpoint: str) -> Settings:
    return load_settings(
        environ={
            "OSSV_ENDPOINT": endpoint,
            "OSSV_ACCOUNT_ID": ACCOUNT,
            "OSS_ACCESS_KEY_ID": "LTAI5tKey",
            "OSS_ACCESS_KEY_SECRET": "TheSecretValue",
            "OSSV_TIMEOUT": "2",
        }
    )


def test_delete_vectors_spec_matches_the_sdk_wire_capture() -> None:
    capture = CAPTURE["header_auth"]
    spec = delete_vectors_spec("examplebucket", "vectorindex1", ["doc-001", "doc-002", "doc-003"], query=SDK_QUERY)
    assert spec.body == capture["body"].encode()
    assert list(spec.headers) == [tuple(h) for h in capture["headers"][:2]]
    assert spec.query == "deleteVectors="
    assert (spec.method, spec.bucket, spec.auth) == ("POST", "examplebucket", AuthSpec())
    assert delete_vectors_spec("examplebucket", "vectorindex1", ["doc-001"]).query == DOCUMENTED_QUERY  # the API page's form


def test_delete_vectors_spec_like_the_sdk_omits_none_keeps_empty_escapes_non_ascii() -> None:
    assert delete_vectors_spec("b", None, ["a"]).body == b'{"keys": ["a"]}'
    assert delete_vectors_spec("b", "i", None).body == b'{"indexName": "i"}'
    assert delete_vectors_spec("b", "i", []).body == b'{"indexName": "i", "keys": []}'
    assert delete_vectors_spec("b", "i", ["é"]).body == b'{"indexName": "i", "keys": ["\\u00e9"]}'
    extra = delete_vectors_spec("b", "i", ["a"], extra_body={"x": 1, "keys": "str"}, auth=AuthSpec(AuthKind.NONE))
    assert extra.body == b'{"indexName": "i", "keys": "str", "x": 1}'
    assert extra.auth.kind is AuthKind.NONE
    assert dict(extra.headers)["Content-MD5"] == content_md5(extra.body)


def test_other_spec_shapes() -> None:
    index = put_vector_index_spec("b", "idx", 4, "cosine")
    assert index.query == "putVectorIndex="
    assert json.loads(index.body) == {"dataType": "float32", "dimension": 4, "distanceMetric": "cosine", "indexName": "idx"}
    listing = list_vector_buckets_spec("my", max_keys=10)
    assert (listing.method, listing.bucket, listing.query, listing.body) == ("GET", None, "max-keys=10&prefix=my", b"")
    assert listing.headers == (("Content-Type", "application/octet-stream"), ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="))
    assert vector("k", [1.0, 2.0], {"m": "v"}) == {"key": "k", "data": {"float32": [1.0, 2.0]}, "metadata": {"m": "v"}}


def _fake_service(received: Received) -> StubReply:
    """Just enough of the service for the wrappers: pagination and errors."""
    query = received.target.partition("?")[2]
    body = json.loads(received.body) if received.body else {}
    if received.method == "PUT" and query == "":
        return StubReply(200)
    if query == "listVectors=":
        token = body.get("nextToken")
        pages = {None: (["a", "b"], "t1"), "t1": (["c"], "t2"), "t2": (["d"], None)}
        keys, nxt = pages[token]
        data: dict[str, object] = {"vectors": [{"key": k} for k in keys]}
        if nxt:
            data["nextToken"] = nxt
        return StubReply(200, [("Content-Type", "application/json")], json.dumps(data).encode())
    if query in ("prefix=p", "marker=t1&prefix=p"):
        first = query == "prefix=p"
        page: dict[str, object] = {"Buckets": [{"Name": "acs:ossvector:cn-hangzhou:1:p" + ("1" if first else "2")}]}
        if first:
            page.update(IsTruncated=True, NextMarker="t1")
        return StubReply(200, [("Content-Type", "application/json")], json.dumps({"ListAllMyBucketsResult": page}).encode())
    if query == "getVectorIndex=":
        error = {"Error": {"Code": "NoSuchVectorIndex", "Message": "The specified index\ndoes not exist."}}
        return StubReply(404, [("Content-Type", "application/json"), ("x-oss-request-id", "REQ123")], json.dumps(error).encode())
    if query == "deleteVectorIndex=":
        return StubReply(404, [("Content-Type", "application/json")], b'{"Error": {"Code": "NoSuchVectorIndex"}}')
    return StubReply(200, [("Content-Type", "application/json")], b"[1]")


def test_wrappers_against_a_fake_service() -> None:
    with StubServer(_fake_service) as stub, RawClient(make_settings(stub.url)) as client:
        ops = VectorOps(client)
        put = ops.put_vector_bucket("bkt")
        assert put.data == {}
        (got,) = stub.requests
        assert (got.method, got.target, got.header("Content-MD5"), got.header("Content-Type")) == (
            "PUT",
            "/",
            "1B2M2Y8AsgTpgAmY7PhCfg==",
            "application/json",
        )
        assert got.header("Host") == f"bkt-{ACCOUNT}.127.0.0.1:{stub.port}"
        assert got.header("Authorization") is not None

        listing = ops.list_vectors_all("bkt", "idx")
        assert [v["key"] for v in listing.items] == ["a", "b", "c", "d"]
        assert len(listing.exchanges) == 3

        buckets = ops.list_vector_buckets("p")
        assert [b["Name"][-2:] for b in buckets.items] == ["p1", "p2"]
        assert stub.requests[-1].header("Host") == f"127.0.0.1:{stub.port}"

        with pytest.raises(OperationFailed) as info:
            ops.get_vector_index("bkt", "missing")
        message = str(info.value)
        assert message == "GetVectorIndex: HTTP 404 NoSuchVectorIndex: The specified index does not exist. (request id REQ123)"
        assert info.value.exchange.response is not None

        assert ops.delete_vector_index("bkt", "missing", missing_ok=True).exchange.response is not None
        with pytest.raises(OperationFailed, match="not a JSON object"):
            ops.get_vectors("bkt", "idx", ["a"], True, False)


def test_transport_failure_is_an_operation_failure_without_secrets() -> None:
    with StubServer() as stub:
        url = stub.url
    with RawClient(make_settings(url)) as client, pytest.raises(OperationFailed) as info:
        VectorOps(client).put_vector_index("bkt", "idx", 3, "euclidean")
    assert "transport error" in str(info.value) and "\n" not in str(info.value)
    assert "TheSecretValue" not in str(info.value)
