"""PutVectors, GetVectors, ListVectors, QueryVectors (digest §5.2–§5.5)."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

from . import filters, jsonbody
from .context import OpContext, Reply, invalid, key_length, opt_bool, opt_int, opt_str
from .ops_bucket import require_bucket
from .ops_index import decode_token, encode_token, index_name_of, require_index
from .store import Index, Tx, VectorRow

FLOAT32_MAX = 3.4028234663852886e38
MAX_METADATA_BYTES = 40 * 1024
PAGE_BYTES = 1024 * 1024


def _float32(value: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def parse_floats(ctx: OpContext, holder: Any, index: Index, what: str) -> list[Any]:
    """A ``{"float32": [...]}`` object of the index's dimension, finite and in float32 range."""
    if not isinstance(holder, dict):
        raise invalid(f"{what} must be an object with a float32 array.")
    values = ctx.member(holder, "float32")
    if not isinstance(values, list) or len(values) != index.dimension:
        raise invalid(f"{what}.float32 must be an array of {index.dimension} numbers.")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise invalid(f"{what}.float32 must contain only numbers.")
        try:
            if not math.isfinite(float(v)) or abs(float(v)) > FLOAT32_MAX:
                raise invalid(f"{what}.float32 values must be finite float32 numbers.")
        except OverflowError:
            raise invalid(f"{what}.float32 values must be finite float32 numbers.") from None
    if index.metric == "cosine" and not any(float(v) for v in values):
        raise invalid(f"{what} must not be a zero vector for the cosine metric.")
    if ctx.options.float32_roundtrip == "float32":
        return [_float32(float(v)) for v in values]
    return list(values)


def valid_key(ctx: OpContext, key: Any) -> str:
    if not isinstance(key, str) or not 1 <= key_length(ctx, key) <= ctx.options.max_key_length:
        raise invalid(f"keys must be strings of 1 to {ctx.options.max_key_length} characters.")
    return key


def _metadata(ctx: OpContext, vec: dict[str, Any]) -> str | None:
    meta = ctx.member(vec, "metadata")
    if meta is jsonbody.MISSING or meta is None:
        return None
    if not isinstance(meta, dict):
        raise invalid("metadata must be an object.")
    text = json.dumps(meta, ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_METADATA_BYTES:
        raise invalid("metadata is larger than 40 KB.")
    return text


def render(row: VectorRow, data: bool, metadata: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"key": row.key}
    if data:
        out["data"] = {"float32": json.loads(row.data)}
    if metadata and row.metadata is not None:
        out["metadata"] = json.loads(row.metadata)
    return out


def put_vectors(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        body = ctx.json_object()
        index = require_index(ctx, tx, index_name_of(ctx, body))
        vectors = ctx.member(body, "vectors")
        if not isinstance(vectors, list) or not 1 <= len(vectors) <= ctx.options.max_put_vectors:
            raise invalid(f"vectors must be an array of 1 to {ctx.options.max_put_vectors} vectors.")
        rows: dict[str, VectorRow] = {}
        for vec in vectors:
            if not isinstance(vec, dict):
                raise invalid("each vector must be an object.")
            key = valid_key(ctx, ctx.member(vec, "key"))
            if key in rows:
                raise invalid(f"duplicate key {key!r} in one PutVectors request.")
            data = parse_floats(ctx, ctx.member(vec, "data"), index, "data")
            rows[key] = VectorRow(key, json.dumps(data), _metadata(ctx, vec))
        if ctx.fault("put_after_delete_ignored"):
            for key in tx.tombstoned(index.id, list(rows)):
                del rows[key]
        tx.put_vectors(index.id, rows.values())
    return Reply(200)


def get_vectors(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        body = ctx.json_object()
        index = require_index(ctx, tx, index_name_of(ctx, body))
        keys = ctx.member(body, "keys")
        if not isinstance(keys, list):
            raise invalid("keys must be an array of strings.")
        unique = list(dict.fromkeys(valid_key(ctx, k) for k in keys))
        if not 1 <= len(unique) <= ctx.options.max_get_keys:
            raise invalid(f"keys must hold 1 to {ctx.options.max_get_keys} keys.")
        want_data, want_meta = opt_bool(ctx, body, "returnData"), opt_bool(ctx, body, "returnMetadata")
        found = tx.visible_vectors(index.id, unique, "get")
        if ctx.fault("get_shows_deleted"):
            gone = [k for k in unique if k not in found]
            found.update(tx.tombstoned_rows(index.id, gone))
    return Reply.json({"vectors": [render(found[k], want_data, want_meta) for k in unique if k in found]})


def _segments(ctx: OpContext, body: dict[str, Any]) -> tuple[int, int]:
    count_given = ctx.member(body, "segmentCount") not in (jsonbody.MISSING, None)
    index_given = ctx.member(body, "segmentIndex") not in (jsonbody.MISSING, None)
    if count_given != index_given:
        raise invalid("segmentCount and segmentIndex must be given together.")
    count = opt_int(ctx, body, "segmentCount", 1, 1, 16)
    seg = opt_int(ctx, body, "segmentIndex", 0, 0, 15)
    if seg >= count:
        raise invalid("segmentIndex must be smaller than segmentCount.")
    return count, seg


def list_vectors(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        body = ctx.json_object()
        index = require_index(ctx, tx, index_name_of(ctx, body))
        limit = opt_int(ctx, body, "maxResults", 500, 1, ctx.options.max_list_results)
        count, seg = _segments(ctx, body)
        token = opt_str(ctx, body, "nextToken")
        after = None if token is None else _token_position(tx, index, token, count, seg)
        want_data, want_meta = opt_bool(ctx, body, "returnData"), opt_bool(ctx, body, "returnMetadata")
        if ctx.fault("list_shows_deleted"):
            rows = tx.list_vectors(index.id, after, limit + 1, count, seg, True)
        else:
            rows = tx.list_visible(index.id, after, limit + 1, count, seg, "list")
        page: list[dict[str, Any]] = []
        size = 0
        for row in rows[:limit]:
            item = render(row, want_data, want_meta)
            size += len(json.dumps(item))
            if page and size > PAGE_BYTES:
                break
            page.append(item)
        out: dict[str, Any] = {"vectors": page}
        if len(page) < len(rows):
            out["nextToken"] = _make_token(tx, index, page[-1]["key"], count, seg)
    return Reply.json(out)


MAX_TOKEN_BYTES = 2048  # the API page's bound on nextToken (§5.4)
INLINE_TOKEN_BYTES = 512  # tokens the emulator makes stay within the ossutil page's smaller bound too


def _make_token(tx: Tx, index: Index, last_key: str, count: int, seg: int) -> str:
    """An opaque token: the last key inline when short, else the id of a server-side cursor (always < 512 bytes)."""
    inline = encode_token(json.dumps({"a": last_key, "c": count, "i": seg}, ensure_ascii=False, separators=(",", ":")))
    if len(inline) <= INLINE_TOKEN_BYTES:
        return inline
    return encode_token(json.dumps({"r": tx.save_cursor(index.id, last_key), "c": count, "i": seg}, separators=(",", ":")))


def _token_position(tx: Tx, index: Index, token: str, count: int, seg: int) -> str:
    """The key a token resumes after; 400 for anything the emulator did not hand out for this index and segment."""
    if not 1 <= len(token.encode("utf-8")) <= MAX_TOKEN_BYTES:
        raise invalid("nextToken is invalid.")
    try:
        state = json.loads(decode_token(token))
        token_count, token_seg = state["c"], state["i"]
        after = tx.load_cursor(index.id, str(state["r"])) if "r" in state else str(state["a"])
    except (ValueError, KeyError, TypeError):
        raise invalid("nextToken is invalid.") from None
    if after is None:
        raise invalid("nextToken is invalid.")
    if (token_count, token_seg) != (count, seg):
        raise invalid("nextToken does not belong to this segment.")
    return after


def _distance(metric: str, a: list[float], b: list[float], squared: bool) -> float:
    if metric == "cosine":
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
        return 1.0 - dot / norm if norm else 1.0
    total = sum((x - y) ** 2 for x, y in zip(a, b, strict=True))
    return total if squared else math.sqrt(total)


def query_vectors(ctx: OpContext) -> Reply:
    with ctx.store.tx() as tx:
        require_bucket(ctx, tx)
        body = ctx.json_object()
        index = require_index(ctx, tx, index_name_of(ctx, body))
        query = [float(v) for v in parse_floats(ctx, ctx.member(body, "queryVector"), index, "queryVector")]
        if ctx.member(body, "topK") in (jsonbody.MISSING, None):
            raise invalid("topK is required.")
        top_k = opt_int(ctx, body, "topK", 1, 1, ctx.options.max_top_k)
        expr = ctx.member(body, "filter")
        if expr is not jsonbody.MISSING and expr is not None:
            try:
                filters.validate(expr)
            except filters.FilterError as exc:
                raise invalid(f"filter is invalid: {exc}") from None
        else:
            expr = None
        want_distance, want_meta = opt_bool(ctx, body, "returnDistance"), opt_bool(ctx, body, "returnMetadata")
        rows = tx.scan_visible(index.id, "list")
    hidden = set(json.loads(index.nonfilterable))
    scored: list[tuple[float, str, VectorRow]] = []
    for row in rows:
        meta = json.loads(row.metadata) if row.metadata else {}
        if expr is not None and not filters.matches(expr, {k: v for k, v in meta.items() if k not in hidden}):
            continue
        vector = [float(v) for v in json.loads(row.data)]
        scored.append((_distance(index.metric, query, vector, ctx.options.euclidean_squared), row.key, row))
    scored.sort(key=lambda t: (t[0], t[1]))
    out = []
    for dist, _, row in scored[:top_k]:
        item = render(row, False, want_meta)
        if want_distance:
            item["distance"] = dist
        out.append(item)
    return Reply.json({"vectors": out})
