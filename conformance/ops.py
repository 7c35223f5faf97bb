"""SDK-shaped requests and the typed operations the suite uses for setup and read-back.

The ``*_spec`` builders produce exactly what the Python SDK 1.4.1 sends (``json.dumps`` with
default separators, ``Content-Type``, ``Content-MD5``, the ``?op=`` marker; spec digest §2, §5),
so a valid request from this module is an SDK request. ``VectorOps`` sends them through a
RawClient and raises ``OperationFailed`` on anything unexpected: a failed setup is a harness
error, never a verdict on DeleteVectors.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from conformance.client import RawClient
from conformance.errors import OperationFailed
from conformance.limits import DOCUMENTED_QUERY
from conformance.records import AuthSpec, Exchange, RequestSpec

JSON_TYPE = "application/json"


def content_md5(body: bytes) -> str:
    """base64(MD5(body)), as the SDK adds to every vectors request."""
    return base64.b64encode(hashlib.md5(body).digest()).decode("ascii")


def sdk_body(fields: Mapping[str, object]) -> bytes:
    """``json.dumps`` with default separators and ensure_ascii; None-valued fields omitted, like the SDK."""
    return json.dumps({k: v for k, v in fields.items() if v is not None}).encode("utf-8")


def sdk_spec(
    method: str,
    bucket: str | None,
    query: str,
    body: bytes = b"",
    *,
    content_type: str = JSON_TYPE,
    auth: AuthSpec | None = None,
) -> RequestSpec:
    """A request with the SDK's headers: Content-Type and Content-MD5 of the exact body."""
    headers = (("Content-Type", content_type), ("Content-MD5", content_md5(body)))
    return RequestSpec(method=method, query=query, body=body, headers=headers, bucket=bucket, auth=auth or AuthSpec())


def op_spec(
    op: str, bucket: str, fields: Mapping[str, object], *, auth: AuthSpec | None = None, query: str | None = None
) -> RequestSpec:
    """``POST /?{op}=`` (or the given query) with a JSON body: the shape of every index and data-plane operation."""
    return sdk_spec("POST", bucket, f"{op}=" if query is None else query, sdk_body(fields), auth=auth)


def delete_vectors_spec(
    bucket: str,
    index: str | None,
    keys: Sequence[str] | None,
    *,
    auth: AuthSpec | None = None,
    extra_body: Mapping[str, object] | None = None,
    query: str = DOCUMENTED_QUERY,
) -> RequestSpec:
    """DeleteVectors with the SDK's body and headers, on the documented request line ``POST /?deleteVectors``
    unless ``query`` says otherwise (the SDK's own ``deleteVectors=``); ``extra_body`` adds or overrides fields."""
    fields: dict[str, object] = {"indexName": index, "keys": list(keys) if keys is not None else None}
    fields.update(extra_body or {})
    return op_spec("deleteVectors", bucket, fields, auth=auth, query=query)


def put_vector_bucket_spec(bucket: str, *, auth: AuthSpec | None = None) -> RequestSpec:
    return sdk_spec("PUT", bucket, "", auth=auth)


def delete_vector_bucket_spec(bucket: str, *, auth: AuthSpec | None = None) -> RequestSpec:
    return sdk_spec("DELETE", bucket, "", auth=auth)


def get_vector_bucket_spec(bucket: str, *, auth: AuthSpec | None = None) -> RequestSpec:
    return sdk_spec("GET", bucket, "bucketInfo=", auth=auth)


def list_vector_buckets_spec(
    prefix: str | None = None, marker: str | None = None, max_keys: int | None = None, *, auth: AuthSpec | None = None
) -> RequestSpec:
    params = {"marker": marker, "max-keys": None if max_keys is None else str(max_keys), "prefix": prefix}
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(params.items()) if v is not None)
    return sdk_spec("GET", None, query, content_type="application/octet-stream", auth=auth)


def put_vector_index_spec(
    bucket: str,
    index: str,
    dimension: int,
    metric: str = "euclidean",
    *,
    data_type: str = "float32",
    non_filterable_keys: Sequence[str] | None = None,
    auth: AuthSpec | None = None,
) -> RequestSpec:
    metadata = {"nonFilterableMetadataKeys": list(non_filterable_keys)} if non_filterable_keys else None
    fields = {"dataType": data_type, "dimension": dimension, "distanceMetric": metric, "indexName": index, "metadata": metadata}
    return op_spec("putVectorIndex", bucket, fields, auth=auth)


def vector(key: str, data: Sequence[float], metadata: Mapping[str, object] | None = None) -> dict[str, object]:
    """One vector in wire shape: ``{"key", "data": {"float32": [...]}, "metadata"?}``."""
    out: dict[str, object] = {"key": key, "data": {"float32": list(data)}}
    if metadata is not None:
        out["metadata"] = dict(metadata)
    return out


# --- typed operations -------------------------------------------------------------


def operation_failed(operation: str, exchange: Exchange, reason: str = "") -> OperationFailed:
    return OperationFailed(operation, exchange, describe_failure(operation, exchange, reason))


def describe_failure(operation: str, exchange: Exchange, reason: str = "") -> str:
    """One line: operation, status, error code and message, request id (all already redacted)."""
    if exchange.response is None:
        text = f"{operation}: transport error: {exchange.transport_error}"
    else:
        resp = exchange.response
        text = f"{operation}: HTTP {resp.status}"
        code, message = _error_fields(resp.body)
        if code:
            text += f" {code}"
        if message:
            text += f": {message}"
        request_id = resp.header("x-oss-request-id")
        if request_id:
            text += f" (request id {request_id})"
    if reason:
        text += f"; {reason}"
    return " ".join(text.split())


def _error_fields(body: bytes) -> tuple[str, str]:
    try:
        data = json.loads(body)
    except ValueError:
        return "", body[:200].decode("utf-8", "replace") if body else ""
    error = data.get("Error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("Code", "")), str(error.get("Message", ""))
    return "", ""


@dataclass(frozen=True)
class OpResult:
    """An exchange and its parsed JSON body ({} when the body is empty)."""

    exchange: Exchange
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    """Everything a paginated listing returned, and every exchange it took."""

    items: list[dict[str, Any]]
    exchanges: list[Exchange]


class VectorOps:
    """Setup and read-back operations over a RawClient, raising OperationFailed on surprises."""

    def __init__(self, client: RawClient, auth: AuthSpec | None = None) -> None:
        self.client = client
        self.auth = auth or AuthSpec()

    def call(self, operation: str, spec: RequestSpec, ok: Sequence[int] = (200, 204)) -> OpResult:
        """Send and check the status; parse a JSON body when there is one."""
        exchange = self.client.send(spec)
        if exchange.response is None or exchange.response.status not in ok:
            raise operation_failed(operation, exchange)
        body = exchange.response.body
        if not body.strip():
            return OpResult(exchange)
        if exchange.response.status >= 300:
            return OpResult(exchange)  # an accepted error (e.g. 404 with missing_ok): body not parsed
        try:
            data = json.loads(body)
        except ValueError:
            raise operation_failed(operation, exchange, "response body is not JSON") from None
        if not isinstance(data, dict):
            raise operation_failed(operation, exchange, "response body is not a JSON object")
        return OpResult(exchange, data)

    # buckets

    def put_vector_bucket(self, bucket: str) -> OpResult:
        return self.call("PutVectorBucket", put_vector_bucket_spec(bucket, auth=self.auth))

    def get_vector_bucket(self, bucket: str) -> OpResult:
        return self.call("GetVectorBucket", get_vector_bucket_spec(bucket, auth=self.auth))

    def delete_vector_bucket(self, bucket: str, *, missing_ok: bool = False) -> OpResult:
        ok = (200, 204, 404) if missing_ok else (200, 204)
        return self.call("DeleteVectorBucket", delete_vector_bucket_spec(bucket, auth=self.auth), ok)

    def list_vector_buckets(self, prefix: str | None = None) -> Listing:
        """Every bucket (ARN-named) whose short name starts with ``prefix``, following NextMarker."""
        items: list[dict[str, Any]] = []
        exchanges: list[Exchange] = []
        marker: str | None = None
        while True:
            result = self.call("ListVectorBuckets", list_vector_buckets_spec(prefix, marker, auth=self.auth))
            exchanges.append(result.exchange)
            page = _case_get(result.data, "ListAllMyBucketsResult") or {}
            items.extend(_as_list(_case_get(page, "Buckets")))
            marker = _case_get(page, "NextMarker")
            truncated = str(_case_get(page, "IsTruncated")).lower() == "true"
            if not truncated or not marker:
                return Listing(items, exchanges)

    # indexes

    def put_vector_index(self, bucket: str, index: str, dimension: int, metric: str = "euclidean") -> OpResult:
        return self.call("PutVectorIndex", put_vector_index_spec(bucket, index, dimension, metric, auth=self.auth))

    def get_vector_index(self, bucket: str, index: str) -> OpResult:
        return self.call("GetVectorIndex", op_spec("getVectorIndex", bucket, {"indexName": index}, auth=self.auth))

    def delete_vector_index(self, bucket: str, index: str, *, missing_ok: bool = False) -> OpResult:
        ok = (200, 204, 404) if missing_ok else (200, 204)
        return self.call("DeleteVectorIndex", op_spec("deleteVectorIndex", bucket, {"indexName": index}, auth=self.auth), ok)

    def list_vector_indexes(self, bucket: str, prefix: str | None = None) -> Listing:
        return self._paginate("ListVectorIndexes", "listVectorIndexes", bucket, {"maxResults": 500, "prefix": prefix}, "indexes")

    # vectors

    def put_vectors(self, bucket: str, index: str, vectors: Sequence[Mapping[str, object]]) -> OpResult:
        return self.call(
            "PutVectors", op_spec("putVectors", bucket, {"indexName": index, "vectors": list(vectors)}, auth=self.auth)
        )

    def get_vectors(
        self, bucket: str, index: str, keys: Sequence[str], return_data: bool = False, return_metadata: bool = False
    ) -> OpResult:
        fields = {"indexName": index, "keys": list(keys), "returnData": return_data, "returnMetadata": return_metadata}
        return self.call("GetVectors", op_spec("getVectors", bucket, fields, auth=self.auth))

    def delete_vectors(self, bucket: str, index: str, keys: Sequence[str]) -> OpResult:
        """DeleteVectors for setup/cleanup only; properties send delete_vectors_spec through the client."""
        return self.call("DeleteVectors", delete_vectors_spec(bucket, index, keys, auth=self.auth))

    def list_vectors_all(self, bucket: str, index: str, *, return_data: bool = False, return_metadata: bool = False) -> Listing:
        """Every vector in the index, following nextToken to the end."""
        fields = {"indexName": index, "maxResults": 1000, "returnData": return_data, "returnMetadata": return_metadata}
        return self._paginate("ListVectors", "listVectors", bucket, fields, "vectors")

    def _paginate(self, operation: str, op: str, bucket: str, fields: Mapping[str, object], key: str) -> Listing:
        items: list[dict[str, Any]] = []
        exchanges: list[Exchange] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            result = self.call(operation, op_spec(op, bucket, {**fields, "nextToken": token}, auth=self.auth))
            exchanges.append(result.exchange)
            items.extend(_as_list(result.data.get(key)))
            token = result.data.get("nextToken") or None
            if token is None:
                return Listing(items, exchanges)
            if token in seen:
                raise operation_failed(operation, result.exchange, f"nextToken repeats ({len(exchanges)} pages)")
            seen.add(token)


def _case_get(data: object, name: str) -> Any:
    """Field lookup ignoring case, as both SDKs do for bucket listings."""
    if not isinstance(data, dict):
        return None
    if name in data:
        return data[name]
    lower = name.lower()
    return next((v for k, v in data.items() if isinstance(k, str) and k.lower() == lower), None)


def _as_list(value: object) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):  # a single bucket may come as an object
        return [value]
    return []
