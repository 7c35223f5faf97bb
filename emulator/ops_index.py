"""Vector index operations (digest §5.6, §5.7); camelCase JSON bodies."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from typing import Any

from . import jsonbody
from .context import OpContext, Reply, invalid, opt_int, opt_str
from .errors import ServiceError
from .ops_bucket import iso_time, require_bucket
from .store import Index, Tx

INDEX_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,62}$")
METADATA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
METRICS = ("euclidean", "cosine")


def no_such_index() -> ServiceError:
    return ServiceError(404, "NoSuchVectorIndex", "The specified vector index does not exist.")


def index_name_of(ctx: OpContext, body: dict[str, Any]) -> str:
    """indexName, required by every index/vector op (A1 decides the code when it is unusable)."""
    name = ctx.member(body, "indexName")
    if not isinstance(name, str) or not name:
        if ctx.options.missing_index_name_code == "NoSuchVectorIndex":
            raise no_such_index()
        raise invalid("indexName is required and must be a non-empty string.")
    return name


def require_index(ctx: OpContext, tx: Tx, name: str) -> Index:
    found = tx.get_index(ctx.account, ctx.bucket, name)
    if found is None:
        raise no_such_index()
    return found


def index_json(index: Index) -> dict[str, Any]:
    out: dict[str, Any] = {
        "indexName": index.name,
        "createTime": iso_time(index.created),
        "dataType": index.data_type,
        "dimension": index.dimension,
        "distanceMetric": index.metric,
        "status": "enable",
    }
    keys = json.loads(index.nonfilterable)
    if keys:
        out["metadata"] = {"nonFilterableMetadataKeys": keys}
    return out


def _nonfilterable(ctx: OpContext, body: dict[str, Any]) -> list[str]:
    meta = ctx.member(body, "metadata")
    if meta is jsonbody.MISSING or meta is None:
        return []
    if not isinstance(meta, dict):
        raise invalid("metadata must be an object.")
    keys = ctx.member(meta, "nonFilterableMetadataKeys")
    if keys is jsonbody.MISSING or keys is None:
        return []
    if not isinstance(keys, list) or not 1 <= len(keys) <= 10:
        raise invalid("nonFilterableMetadataKeys must be an array of 1 to 10 names.")
    for key in keys:
        if not isinstance(key, str) or not METADATA_KEY.match(key) or len(key.encode()) > 63:
            raise invalid("invalid nonFilterableMetadataKeys entry.")
    if len(set(keys)) != len(keys):
        raise invalid("nonFilterableMetadataKeys contains duplicates.")
    return keys


def put_vector_index(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        body = ctx.json_object()
        name = index_name_of(ctx, body)
        if not INDEX_NAME.match(name):
            raise invalid("indexName must be 1-63 letters or digits and start with a letter.")
        required = ctx.options.index_fields_required
        data_type = opt_str(ctx, body, "dataType")
        metric = opt_str(ctx, body, "distanceMetric")
        raw_dim = ctx.member(body, "dimension")
        if required and (data_type is None or metric is None or raw_dim in (jsonbody.MISSING, None)):
            raise invalid("dataType, dimension and distanceMetric are required.")
        if (data_type or "float32") != "float32":
            raise invalid("dataType must be float32.")
        if (metric or "euclidean") not in METRICS:
            raise invalid("distanceMetric must be euclidean or cosine.")
        dimension = opt_int(ctx, body, "dimension", ctx.options.default_dimension, 1, 4096)
        nonfilterable = _nonfilterable(ctx, body)
        if tx.get_index(ctx.account, ctx.bucket, name) is not None:
            raise ServiceError(409, "VectorIndexAlreadyExists", "The specified vector index already exists.")
        if len(tx.list_indexes(ctx.account, ctx.bucket)) >= ctx.options.max_indexes:
            raise ServiceError(400, "TooManyVectorIndexes", "The bucket has reached its vector index quota.")
        tx.create_index(ctx.account, ctx.bucket, name, time.time(), "float32", dimension, metric or "euclidean",
                        json.dumps(nonfilterable))
    return Reply(200)


def get_vector_index(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        index = require_index(ctx, tx, index_name_of(ctx, ctx.json_object()))
    return Reply.json({"index": index_json(index)})


def delete_vector_index(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        index = require_index(ctx, tx, index_name_of(ctx, ctx.json_object()))
        tx.delete_index(index.id)
    return Reply(204)


def encode_token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii")


def decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeError):
        raise invalid("nextToken is invalid.") from None


def list_vector_indexes(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        body = ctx.json_object() if ctx.body.strip() else {}
        limit = opt_int(ctx, body, "maxResults", 100, 0, 500) or 100
        prefix = opt_str(ctx, body, "prefix") or ""
        token = opt_str(ctx, body, "nextToken")
        after = decode_token(token) if token else ""
        rows = tx.list_indexes(ctx.account, ctx.bucket, prefix, after, limit + 1)
    out: dict[str, Any] = {"indexes": [index_json(i) for i in rows[:limit]]}
    if len(rows) > limit:
        out["nextToken"] = encode_token(rows[limit - 1].name)
    return Reply.json(out)
