"""The official SDK (alibabacloud_oss_v2.vectors, unmodified) drives the emulator end to end."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import alibabacloud_oss_v2 as oss
import alibabacloud_oss_v2.vectors as ov
import pytest

from emulator.server import EmulatorServer
from tests.helpers.emulator_client import ACCT, MAIN, REGION, STS

M = ov.models


def sdk_client(srv: EmulatorServer, ak: str, sk: str, token: str | None = None) -> ov.Client:
    """How to point the SDK at the emulator: endpoint + proxy_host (the host becomes bucket-acct.127.0.0.1)."""
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(ak, sk, token)
    cfg.region = REGION
    cfg.account_id = ACCT
    cfg.endpoint = srv.url
    cfg.proxy_host = {"http": srv.url}
    cfg.retry_max_attempts = 1
    return ov.Client(cfg)


@pytest.fixture
def client(emu: EmulatorServer) -> ov.Client:
    return sdk_client(emu, MAIN.access_key_id, MAIN.access_key_secret)


def service_error(exc: BaseException) -> oss.exceptions.ServiceError:
    inner = exc.unwrap() if isinstance(exc, oss.exceptions.OperationError) else exc
    assert isinstance(inner, oss.exceptions.ServiceError), repr(exc)
    return inner


@pytest.fixture
def sdk_bucket(client: ov.Client) -> Iterator[str]:
    name = f"sdk{os.getpid() % 100000}"
    client.put_vector_bucket(M.PutVectorBucketRequest(bucket=name))
    yield name
    for idx in client.list_vector_indexes(M.ListVectorIndexesRequest(bucket=name)).indexes or []:
        client.delete_vector_index(M.DeleteVectorIndexRequest(bucket=name, index_name=idx["indexName"]))
    with contextlib.suppress(oss.exceptions.OperationError):
        client.delete_vector_bucket(M.DeleteVectorBucketRequest(bucket=name))


def test_lifecycle(client: ov.Client, emu: EmulatorServer) -> None:
    bucket = "lifecycle"
    assert client.put_vector_bucket(M.PutVectorBucketRequest(bucket=bucket)).status_code == 200
    info = client.get_vector_bucket(M.GetVectorBucketRequest(bucket=bucket)).bucket_info
    assert info.name == f"acs:ossvector:{REGION}:{ACCT}:{bucket}"
    assert info.region == REGION and info.location == f"oss-{REGION}"
    listed = client.list_vector_buckets(M.ListVectorBucketsRequest(prefix="life"))
    assert [b.name for b in listed.buckets] == [info.name]

    client.put_vector_index(M.PutVectorIndexRequest(bucket=bucket, index_name="docs", data_type="float32", dimension=4,
                                                    distance_metric="euclidean"))
    index = client.get_vector_index(M.GetVectorIndexRequest(bucket=bucket, index_name="docs")).index
    assert index["dimension"] == 4 and index["status"] == "enable"
    indexes = client.list_vector_indexes(M.ListVectorIndexesRequest(bucket=bucket)).indexes
    assert [i["indexName"] for i in indexes] == ["docs"]

    vectors = [{"key": f"doc-{i:03d}", "data": {"float32": [float(i), 0.5, -1.25, 3.0]},
                "metadata": {"group": "even" if i % 2 == 0 else "odd", "n": i, "tag": "caf\u00e9"}} for i in range(500)]
    assert client.put_vectors(M.PutVectorsRequest(bucket=bucket, index_name="docs", vectors=vectors)).status_code == 200

    got = client.get_vectors(M.GetVectorsRequest(bucket=bucket, index_name="docs", keys=["doc-007", "doc-007", "nope"],
                                                 return_data=True, return_metadata=True)).vectors
    assert got == [vectors[7]]

    # paging with a small page, then segments; together they must cover everything exactly once
    pages, token = [], None
    while True:
        res = client.list_vectors(M.ListVectorsRequest(bucket=bucket, index_name="docs", max_results=64, next_token=token))
        pages += [v["key"] for v in res.vectors]
        token = res.next_token
        if not token:
            break
    assert pages == sorted(str(v["key"]) for v in vectors)
    seen: list[str] = []
    for seg in range(3):
        req = M.ListVectorsRequest(bucket=bucket, index_name="docs", max_results=100, segment_count=3, segment_index=seg)
        for page in client.list_vectors_paginator().iter_page(req):
            seen += [v["key"] for v in page.vectors]
    assert sorted(seen) == pages

    res = client.query_vectors(M.QueryVectorsRequest(
        bucket=bucket, index_name="docs", query_vector={"float32": [10.0, 0.5, -1.25, 3.0]}, top_k=3,
        filter={"$and": [{"group": {"$eq": "even"}}, {"n": {"$lt": 100}}]}, return_distance=True, return_metadata=True))
    assert [v["key"] for v in res.vectors] == ["doc-010", "doc-008", "doc-012"]
    assert res.vectors[0]["distance"] == 0.0 and res.vectors[0]["metadata"]["group"] == "even"

    keys = [v["key"] for v in vectors]
    assert client.delete_vectors(M.DeleteVectorsRequest(bucket=bucket, index_name="docs", keys=keys)).status_code == 204
    assert client.delete_vectors(M.DeleteVectorsRequest(bucket=bucket, index_name="docs", keys=["absent-1", "absent-2"])
                                 ).status_code == 204
    assert client.list_vectors(M.ListVectorsRequest(bucket=bucket, index_name="docs")).vectors == []

    assert client.delete_vector_index(M.DeleteVectorIndexRequest(bucket=bucket, index_name="docs")).status_code == 204
    assert client.delete_vector_bucket(M.DeleteVectorBucketRequest(bucket=bucket)).status_code == 204
    with pytest.raises(oss.exceptions.OperationError) as caught:
        client.get_vector_bucket(M.GetVectorBucketRequest(bucket=bucket))
    assert service_error(caught.value).code == "NoSuchBucket"


def test_sts_client(emu: EmulatorServer, sdk_bucket: str, client: ov.Client) -> None:
    client.put_vector_index(M.PutVectorIndexRequest(bucket=sdk_bucket, index_name="sts", dimension=4))
    sts = sdk_client(emu, STS.access_key_id, STS.access_key_secret, STS.security_token)
    vec = [{"key": "k", "data": {"float32": [1.0, 2.0, 3.0, 4.0]}}]
    assert sts.put_vectors(M.PutVectorsRequest(bucket=sdk_bucket, index_name="sts", vectors=vec)).status_code == 200
    assert sts.delete_vectors(M.DeleteVectorsRequest(bucket=sdk_bucket, index_name="sts", keys=["k"])).status_code == 204
    wrong = sdk_client(emu, STS.access_key_id, STS.access_key_secret, "not-the-token")
    with pytest.raises(oss.exceptions.OperationError) as caught:
        wrong.delete_vectors(M.DeleteVectorsRequest(bucket=sdk_bucket, index_name="sts", keys=["k"]))
    assert service_error(caught.value).code == "InvalidSecurityToken"


def test_query_signed_request(client: ov.Client, sdk_bucket: str) -> None:
    client.put_vector_index(M.PutVectorIndexRequest(bucket=sdk_bucket, index_name="presigned", dimension=4))
    vec = [{"key": "k", "data": {"float32": [1.0, 2.0, 3.0, 4.0]}}]
    client.put_vectors(M.PutVectorsRequest(bucket=sdk_bucket, index_name="presigned", vectors=vec), auth_method="query")
    result = client.delete_vectors(M.DeleteVectorsRequest(bucket=sdk_bucket, index_name="presigned", keys=["k"]),
                                   auth_method="query")
    assert result.status_code == 204
    assert client.list_vector_buckets(M.ListVectorBucketsRequest(), auth_method="query").status_code == 200


def test_wrong_secret_and_missing_index(emu: EmulatorServer, client: ov.Client, sdk_bucket: str) -> None:
    bad = sdk_client(emu, MAIN.access_key_id, "wrong-secret")
    with pytest.raises(oss.exceptions.OperationError) as caught:
        bad.delete_vectors(M.DeleteVectorsRequest(bucket=sdk_bucket, index_name="x", keys=["k"]))
    err = service_error(caught.value)
    assert (err.status_code, err.code) == (403, "SignatureDoesNotMatch")
    assert len(err.request_id) == 24
    with pytest.raises(oss.exceptions.OperationError) as caught:
        client.delete_vectors(M.DeleteVectorsRequest(bucket=sdk_bucket, index_name="missing", keys=["k"]))
    err = service_error(caught.value)
    assert (err.status_code, err.code) == (404, "NoSuchVectorIndex")
