"""Bucket-level operations (digest §5.8): vector buckets, bucket policy, bucket logging.

Bucket answers use the PascalCase roots ``BucketInfo`` / ``ListAllMyBucketsResult`` that
the Python SDK requires verbatim (§3), and ARNs as bucket names.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from . import jsonbody
from .context import OpContext, Reply
from .errors import ServiceError
from .store import Bucket, Tx

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")


def iso_time(epoch: float) -> str:
    """``2025-04-17T10:56:21.000Z`` as in the documentation's examples."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def bucket_arn(region: str, account: str, name: str) -> str:
    return f"acs:ossvector:{region}:{account}:{name}"


def bucket_info(region: str, bucket: Bucket) -> dict[str, Any]:
    info: dict[str, Any] = {
        "Name": bucket_arn(region, bucket.account, bucket.name),
        "CreationDate": iso_time(bucket.created),
        "ExtranetEndpoint": f"{region}.oss-vectors.aliyuncs.com",
        "IntranetEndpoint": f"{region}-internal.oss-vectors.aliyuncs.com",
        "Location": f"oss-{region}",
        "Region": region,
    }
    if bucket.resource_group:
        info["ResourceGroupId"] = bucket.resource_group
    return info


def require_bucket(ctx: OpContext, tx: Tx) -> Bucket:
    """The addressed bucket, or NoSuchBucket (checked before any body validation, §4.3)."""
    found = tx.get_bucket(ctx.account, ctx.bucket)
    if found is None:
        if ctx.fault("missing_bucket_403"):
            raise ServiceError(403, "AccessDenied", "AccessDenied: you have no right to access this bucket.")
        raise ServiceError(404, "NoSuchBucket", "The specified bucket does not exist.")
    return found


def put_vector_bucket(ctx: OpContext) -> Reply:
    name = ctx.bucket
    if not (3 <= len(name) <= ctx.options.max_bucket_name_length and BUCKET_NAME.match(name)):
        raise ServiceError(400, "InvalidVectorBucketName", "The specified bucket name is not valid.")
    group = next((v for k, v in ctx.headers if k.lower() == "x-oss-resource-group-id"), None)
    with ctx.store.tx() as tx:
        if tx.get_bucket(ctx.account, name) is not None:
            raise ServiceError(409, "BucketAlreadyExists", "The requested bucket name is not available.")
        if tx.count_buckets(ctx.account) >= ctx.options.max_buckets:
            raise ServiceError(400, "TooManyBuckets", "You have attempted to create more buckets than allowed.")
        tx.create_bucket(Bucket(ctx.account, name, time.time(), group or None))
    return Reply(200, headers={"Location": f"/{name}"})


def get_vector_bucket(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        bucket = require_bucket(ctx, tx)
    return Reply.json({"BucketInfo": bucket_info(ctx.region, bucket)})


def delete_vector_bucket(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        if tx.list_indexes(ctx.account, ctx.bucket, limit=1):
            raise ServiceError(409, "VectorBucketNotEmpty", "The bucket you tried to delete still has vector indexes.")
        tx.delete_bucket(ctx.account, ctx.bucket)
    return Reply(204)


def list_vector_buckets(ctx: OpContext) -> Reply:
    prefix = ctx.query.get("prefix", "")
    marker = ctx.query.get("marker", "")
    raw_max = ctx.query.get("max-keys")
    max_keys = 100
    if raw_max is not None:
        if not (raw_max.isascii() and raw_max.isdigit()) or not 1 <= int(raw_max) <= 1000:
            raise ServiceError(400, "InvalidArgument", "max-keys must be an integer in [1, 1000].")
        max_keys = int(raw_max)
    group = next((v for k, v in ctx.headers if k.lower() == "x-oss-resource-group-id"), None)
    with ctx.store.tx() as tx:
        rows = tx.list_buckets(ctx.account, prefix, marker, max_keys + 1, group or None)
    truncated = len(rows) > max_keys
    rows = rows[:max_keys]
    result: dict[str, Any] = {}
    if "prefix" in ctx.query:
        result["Prefix"] = prefix
    if "marker" in ctx.query:
        result["Marker"] = marker
    if raw_max is not None:
        result["MaxKeys"] = max_keys
    if truncated:
        result["IsTruncated"] = True
        result["NextMarker"] = rows[-1].name
    result["Buckets"] = [bucket_info(ctx.region, b) for b in rows]
    return Reply.json({"ListAllMyBucketsResult": result})


def _bucket_attr(ctx: OpContext, column: str) -> Reply:
    """Shared PUT/GET/DELETE for the policy and logging sub-resources."""
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        if ctx.method == "PUT":
            try:
                document = jsonbody.parse(ctx.body)
            except jsonbody.MalformedJsonError as exc:
                raise ServiceError(400, "InvalidPolicyDocument" if column == "policy" else "MalformedJson", str(exc)) from None
            if not isinstance(document, dict):
                raise ServiceError(400, "InvalidPolicyDocument" if column == "policy" else "MalformedJson",
                                   "The document must be a JSON object.")
            tx.set_bucket_attr(ctx.account, ctx.bucket, column, json.dumps(document))
            return Reply(200)
        if ctx.method == "DELETE":
            tx.set_bucket_attr(ctx.account, ctx.bucket, column, None)
            return Reply(204)
        stored = tx.get_bucket_attr(ctx.account, ctx.bucket, column)
    if stored is None:
        if column == "policy":
            raise ServiceError(404, "NoSuchBucketPolicy", "The bucket policy does not exist.")
        return Reply.json({"BucketLoggingStatus": {}})
    return Reply(200, body=stored.encode("utf-8"), content_type="application/json")


def bucket_policy(ctx: OpContext) -> Reply:
    return _bucket_attr(ctx, "policy")


def bucket_logging(ctx: OpContext) -> Reply:
    return _bucket_attr(ctx, "logging")
