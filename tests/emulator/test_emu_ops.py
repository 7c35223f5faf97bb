"""The other operations (buckets, policy, indexes, vectors, query) and the documented options."""

from __future__ import annotations

import math
from typing import Any

import pytest

from emulator.options import OPTION_DOCS, resolve_options
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.emulator_client import IDENTITIES, EmulatorClient, error_code

IVP = "VectorIndexParameterInvalid"


def outcome(r: Any) -> tuple[int, str | None]:
    return r.status_code, error_code(r)


def test_bucket_errors(raw: EmulatorClient, bucket: str) -> None:
    assert outcome(raw.request("PUT", "Bad_Name")) == (400, "InvalidVectorBucketName")
    assert outcome(raw.request("PUT", "a" * 33)) == (400, "InvalidVectorBucketName")
    assert outcome(raw.request("PUT", bucket)) == (409, "BucketAlreadyExists")
    assert outcome(raw.request("GET", "nosuchbucket", "bucketInfo")) == (404, "NoSuchBucket")
    assert outcome(raw.request("DELETE", bucket)) == (409, "VectorBucketNotEmpty")
    assert outcome(raw.request("GET", bucket)) == (405, "MethodNotAllowed")
    assert outcome(raw.request("GET", bucket, "deleteVectors")) == (405, "MethodNotAllowed")
    r = raw.request("PUT", "freshone")
    assert r.status_code == 200 and r.headers["Location"] == "/freshone"
    assert raw.request("DELETE", "freshone").status_code == 204


def test_list_buckets_paging(emu: EmulatorServer) -> None:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES)) as srv:
        raw = EmulatorClient(srv.url)
        for name in ("pga", "pgb", "pgc", "zzz"):
            raw.create_bucket(name)
        page = raw.request("GET", None, "max-keys=2&prefix=pg").json()["ListAllMyBucketsResult"]
        assert [b["Name"].rsplit(":", 1)[1] for b in page["Buckets"]] == ["pga", "pgb"]
        assert page["IsTruncated"] is True and page["NextMarker"] == "pgb"
        rest = raw.request("GET", None, "marker=pgb&prefix=pg").json()["ListAllMyBucketsResult"]
        assert [b["Name"].rsplit(":", 1)[1] for b in rest["Buckets"]] == ["pgc"] and "IsTruncated" not in rest
        assert outcome(raw.request("GET", None, "max-keys=0")) == (400, "InvalidArgument")
        other = EmulatorClient(srv.url, IDENTITIES[2])
        assert other.request("GET", None).json()["ListAllMyBucketsResult"]["Buckets"] == []


def test_policy(raw: EmulatorClient, bucket: str) -> None:
    assert outcome(raw.request("GET", bucket, "policy")) == (404, "NoSuchBucketPolicy")
    policy = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:DeleteVectors"], "Principal": ["*"],
                                             "Resource": [f"acs:ossvector:cn-hangzhou:1:bucket/{bucket}/*"]}]}
    assert raw.request("PUT", bucket, "policy", policy, md5=False).status_code == 200
    assert raw.request("GET", bucket, "policy").json() == policy
    assert raw.request("DELETE", bucket, "policy").status_code == 204
    assert outcome(raw.request("PUT", bucket, "policy", b"nope", md5=False)) == (400, "InvalidPolicyDocument")
    assert raw.request("GET", bucket, "logging").json() == {"BucketLoggingStatus": {}}


def test_index_ops(raw: EmulatorClient, bucket: str) -> None:
    call = raw.call
    assert outcome(call("putVectorIndex", bucket, {"indexName": "1bad", "dimension": 4})) == (400, IVP)
    assert outcome(call("putVectorIndex", bucket, {"indexName": "ok", "dimension": 0})) == (400, IVP)
    assert outcome(call("putVectorIndex", bucket, {"indexName": "ok", "dimension": 4, "dataType": "int8"})) == (400, IVP)
    assert outcome(call("putVectorIndex", bucket, {"indexName": "ok", "distanceMetric": "ip"})) == (400, IVP)
    assert outcome(call("putVectorIndex", bucket, {"indexName": "idx", "dimension": 4})) == (409, "VectorIndexAlreadyExists")
    assert call("putVectorIndex", bucket, {"indexName": "dflt", "metadata": {"nonFilterableMetadataKeys": ["raw"]}}
                ).status_code == 200
    index = call("getVectorIndex", bucket, {"indexName": "dflt"}).json()["index"]
    assert (index["dimension"], index["distanceMetric"], index["dataType"]) == (512, "euclidean", "float32")
    assert index["metadata"] == {"nonFilterableMetadataKeys": ["raw"]}
    first = call("listVectorIndexes", bucket, {"maxResults": 1}).json()
    assert [i["indexName"] for i in first["indexes"]] == ["dflt"]
    second = call("listVectorIndexes", bucket, {"maxResults": 1, "nextToken": first["nextToken"]}).json()
    assert [i["indexName"] for i in second["indexes"]] == ["idx"] and "nextToken" not in second
    assert [i["indexName"] for i in call("listVectorIndexes", bucket, {"prefix": "id"}).json()["indexes"]] == ["idx"]
    assert call("deleteVectorIndex", bucket, {"indexName": "dflt"}).status_code == 204
    assert outcome(call("getVectorIndex", bucket, {"indexName": "dflt"})) == (404, "NoSuchVectorIndex")


@pytest.mark.parametrize(
    "vectors",
    [
        [],
        [{"key": "a", "data": {"float32": [1, 2, 3]}}],
        [{"key": "a", "data": {"float32": [1, 2, 3, "4"]}}],
        [{"key": "a", "data": {"float32": [1, 2, 3, 1e39]}}],
        [{"key": "a", "data": [1, 2, 3, 4]}],
        [{"key": "", "data": {"float32": [1, 2, 3, 4]}}],
        [{"key": "a", "data": {"float32": [1, 2, 3, 4]}}, {"key": "a", "data": {"float32": [1, 2, 3, 4]}}],
        [{"key": "a", "data": {"float32": [1, 2, 3, 4]}, "metadata": [1]}],
        [{"key": f"k{i}", "data": {"float32": [1, 2, 3, 4]}} for i in range(501)],
    ],
)
def test_put_vectors_validation(raw: EmulatorClient, bucket: str, vectors: list[Any]) -> None:
    assert outcome(raw.call("putVectors", bucket, {"indexName": "idx", "vectors": vectors})) == (400, IVP)
    assert raw.keys(bucket) == set()


def test_get_vectors(raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a"])
    r = raw.call("getVectors", bucket, {"indexName": "idx", "keys": ["a", "a", "b"]})
    assert r.json() == {"vectors": [{"key": "a"}]}
    assert outcome(raw.call("getVectors", bucket, {"indexName": "idx", "keys": [f"k{i}" for i in range(101)]})) == (400, IVP)
    assert outcome(raw.call("getVectors", bucket, {"indexName": "idx", "keys": []})) == (400, IVP)


def test_list_vectors_errors(raw: EmulatorClient, bucket: str) -> None:
    for body in ({"maxResults": 0}, {"maxResults": 1001}, {"segmentCount": 2}, {"segmentCount": 2, "segmentIndex": 2},
                 {"segmentCount": 17, "segmentIndex": 0}, {"nextToken": "!!"}):
        assert outcome(raw.call("listVectors", bucket, {"indexName": "idx", **body})) == (400, IVP), body


FILTERS = [
    ({"color": "red"}, ["r1", "r2"]),
    ({"color": {"$ne": "red"}}, ["b1", "none"]),
    ({"color": {"$in": ["blue", "green"]}}, ["b1"]),
    ({"color": {"$nin": ["red"]}}, ["b1", "none"]),
    ({"color": {"$exists": False}}, ["none"]),
    ({"n": {"$gte": 2, "$lt": 3}}, ["r2"]),
    ({"n": {"$gt": 1}}, ["b1", "r2"]),
    ({"n": {"$lte": 1}}, ["r1"]),
    ({"$or": [{"color": "blue"}, {"n": 1}]}, ["b1", "r1"]),
    ({"$and": [{"color": "red"}, {"tags": "x"}]}, ["r1"]),
    ({"tags": {"$in": ["y"]}}, ["r2"]),
]


@pytest.mark.parametrize(("expr", "expected"), FILTERS)
def test_query_filters(raw: EmulatorClient, bucket: str, expr: dict[str, Any], expected: list[str]) -> None:
    vectors = [
        {"key": "r1", "data": {"float32": [1, 0, 0, 0]}, "metadata": {"color": "red", "n": 1, "tags": ["x"]}},
        {"key": "r2", "data": {"float32": [2, 0, 0, 0]}, "metadata": {"color": "red", "n": 2, "tags": ["y"]}},
        {"key": "b1", "data": {"float32": [3, 0, 0, 0]}, "metadata": {"color": "blue", "n": 3}},
        {"key": "none", "data": {"float32": [4, 0, 0, 0]}},
    ]
    assert raw.call("putVectors", bucket, {"indexName": "idx", "vectors": vectors}).status_code == 200
    r = raw.call("queryVectors", bucket, {"indexName": "idx", "queryVector": {"float32": [0, 0, 0, 0]}, "topK": 10,
                                          "filter": expr})
    assert sorted(v["key"] for v in r.json()["vectors"]) == sorted(expected)


def test_query_errors_and_cosine(raw: EmulatorClient, bucket: str) -> None:
    base: dict[str, Any] = {"indexName": "idx", "queryVector": {"float32": [1, 0, 0, 0]}, "topK": 1}
    bad: dict[str, Any]
    for bad in ({"topK": 0}, {"topK": 101}, {"topK": None}, {"queryVector": {"float32": [1]}}, {"filter": {"$nor": []}},
                {"filter": {"a": {"$gt": "x"}}}, {"filter": {"a": {"$in": []}}}, {"filter": []}):
        assert outcome(raw.call("queryVectors", bucket, base | bad)) == (400, IVP), bad
    raw.create_index(bucket, "cos", metric="cosine")
    vectors = [{"key": "x", "data": {"float32": [1, 0, 0, 0]}}, {"key": "y", "data": {"float32": [0, 2, 0, 0]}}]
    assert raw.call("putVectors", bucket, {"indexName": "cos", "vectors": vectors}).status_code == 200
    zero = [{"key": "z", "data": {"float32": [0, 0, 0, 0]}}]
    assert outcome(raw.call("putVectors", bucket, {"indexName": "cos", "vectors": zero})) == (400, IVP)
    r = raw.call("queryVectors", bucket, {"indexName": "cos", "queryVector": {"float32": [1, 1, 0, 0]}, "topK": 2,
                                          "returnDistance": True}).json()
    assert [v["key"] for v in r["vectors"]] == ["x", "y"]
    assert all(math.isclose(v["distance"], 1 - math.sqrt(0.5)) for v in r["vectors"])


def test_unknown_route_and_object_path(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    assert outcome(raw.request("POST", bucket, "queryVectorsFusion=", {})) == (405, "MethodNotAllowed")
    assert outcome(raw.request("POST", None, "deleteVectors=", {})) == (405, "MethodNotAllowed")


# --- options ---------------------------------------------------------------------------------


def optioned(**options: object) -> EmulatorServer:
    return EmulatorServer(EmulatorConfig(identities=IDENTITIES, options=options))


def test_options_registry() -> None:
    assert all(doc["why"] and doc["ref"] for doc in OPTION_DOCS.values())
    assert resolve_options({"max_delete_keys": "7", "invalid_keys": "ignore"}).max_delete_keys == 7
    for bad in ({"nope": 1}, {"invalid_keys": "maybe"}, {"max_delete_keys": "x"}, {"euclidean_squared": "perhaps"}):
        with pytest.raises(ValueError):
            resolve_options(bad)


def test_option_variants() -> None:
    with optioned(missing_index_name_code="NoSuchVectorIndex", key_limit_counts="raw", duplicate_keys="collapse",
                  invalid_keys="ignore", non_object_body_code="VectorIndexParameterInvalid",
                  json_duplicate_members="reject", case_insensitive_fields=True, float32_roundtrip="float32",
                  key_length_unit="bytes", index_before_key_checks=False) as srv:
        raw = EmulatorClient(srv.url)
        raw.create_bucket("opt")
        raw.create_index("opt")
        raw.put("opt", "idx", ["a"])
        assert outcome(raw.call("deleteVectors", "opt", {"keys": ["a"]})) == (404, "NoSuchVectorIndex")
        assert outcome(raw.delete("opt", ["a"] * 501)) == (400, IVP)
        assert raw.delete("opt", ["", "a"]).status_code == 204
        assert outcome(raw.call("deleteVectors", "opt", b"[]")) == (400, IVP)
        assert outcome(raw.call("deleteVectors", "opt", b'{"keys": ["a"], "keys": ["b"], "indexName": "idx"}')) == (
            400, "MalformedJson")
        raw.put("opt", "idx", ["b"])
        assert raw.call("deleteVectors", "opt", {"IndexName": "idx", "KEYS": ["b"]}).status_code == 204
        assert raw.keys("opt") == set()
        assert outcome(raw.delete("opt", [], index="nope")) == (400, IVP)  # key checks before the index lookup
        raw.call("putVectors", "opt", {"indexName": "idx", "vectors": [{"key": "f", "data": {"float32": [0.1, 0, 0, 0]}}]})
        assert raw.get("opt", ["f"])[0]["data"]["float32"][0] == 0.10000000149011612
        assert raw.delete("opt", ["\u00e9" * 600]).status_code == 204  # 1200 bytes: ignored, not rejected
    with optioned(duplicate_keys="reject", accept_legacy_bucketless_uri=False, sts_error_code="AccessDenied") as srv:
        raw = EmulatorClient(srv.url)
        raw.create_bucket("opt")
        raw.create_index("opt")
        assert outcome(raw.delete("opt", ["a", "a"])) == (400, IVP)
        assert outcome(EmulatorClient(srv.url, IDENTITIES[1]).delete("opt", ["a"], token=None)) == (403, "AccessDenied")
