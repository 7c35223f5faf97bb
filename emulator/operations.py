"""Operation routing: (method, query marker, bucket or account scope) → handler (digest §5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import ops_bucket, ops_delete, ops_index, ops_vectors
from .context import OpContext, Reply

Handler = Callable[[OpContext], Reply]

MARKER_OPS: dict[tuple[str, str], str] = {
    ("GET", "bucketInfo"): "GetVectorBucket",
    ("PUT", "policy"): "PutBucketPolicy",
    ("GET", "policy"): "GetBucketPolicy",
    ("DELETE", "policy"): "DeleteBucketPolicy",
    ("PUT", "logging"): "PutBucketLogging",
    ("GET", "logging"): "GetBucketLogging",
    ("DELETE", "logging"): "DeleteBucketLogging",
    ("POST", "putVectorIndex"): "PutVectorIndex",
    ("POST", "getVectorIndex"): "GetVectorIndex",
    ("POST", "listVectorIndexes"): "ListVectorIndexes",
    ("POST", "deleteVectorIndex"): "DeleteVectorIndex",
    ("POST", "putVectors"): "PutVectors",
    ("POST", "getVectors"): "GetVectors",
    ("POST", "listVectors"): "ListVectors",
    ("POST", "deleteVectors"): "DeleteVectors",
    ("POST", "queryVectors"): "QueryVectors",
}
MARKERS = frozenset(marker for _, marker in MARKER_OPS)

HANDLERS: dict[str, Handler] = {
    "PutVectorBucket": ops_bucket.put_vector_bucket,
    "GetVectorBucket": ops_bucket.get_vector_bucket,
    "DeleteVectorBucket": ops_bucket.delete_vector_bucket,
    "ListVectorBuckets": ops_bucket.list_vector_buckets,
    "PutBucketPolicy": ops_bucket.bucket_policy,
    "GetBucketPolicy": ops_bucket.bucket_policy,
    "DeleteBucketPolicy": ops_bucket.bucket_policy,
    "PutBucketLogging": ops_bucket.bucket_logging,
    "GetBucketLogging": ops_bucket.bucket_logging,
    "DeleteBucketLogging": ops_bucket.bucket_logging,
    "PutVectorIndex": ops_index.put_vector_index,
    "GetVectorIndex": ops_index.get_vector_index,
    "ListVectorIndexes": ops_index.list_vector_indexes,
    "DeleteVectorIndex": ops_index.delete_vector_index,
    "PutVectors": ops_vectors.put_vectors,
    "GetVectors": ops_vectors.get_vectors,
    "ListVectors": ops_vectors.list_vectors,
    "QueryVectors": ops_vectors.query_vectors,
    "DeleteVectors": ops_delete.delete_vectors,
}

# Operations whose bucket must already exist; checked before the body is looked at (§4.3).
NEEDS_EXISTING_BUCKET = frozenset(HANDLERS) - {"PutVectorBucket", "ListVectorBuckets"}


def route(method: str, query_names: Iterable[str], bucket_scoped: bool) -> str | None:
    """The operation a request names, or None (answered 405 after authentication)."""
    for name in query_names:
        if name in MARKERS:
            op = MARKER_OPS.get((method, name))
            return op if op is not None and bucket_scoped else None
    if bucket_scoped:
        return {"PUT": "PutVectorBucket", "DELETE": "DeleteVectorBucket"}.get(method)
    return "ListVectorBuckets" if method == "GET" else None
