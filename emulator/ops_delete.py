"""DeleteVectors, exactly as documented (seed page; digest §5.1 "Suggested emulator semantics").

Checks, in the default order (option ``delete_check_order``): authentication → bucket exists →
Content-MD5 → body is a JSON object → ``keys``/``indexName`` types and presence → index exists
→ key count and content; then delete the unique keys in ONE transaction → 204. A rejected
request deletes nothing. Every DeleteVectors fault hooks in here, each at the one place where
the corresponding real bug would live.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from conformance import signing

from . import errors, jsonbody
from .context import OpContext, Reply, invalid, key_length
from .errors import ServiceError
from .ops_bucket import require_bucket
from .ops_index import index_name_of, no_such_index
from .store import Index, Tx


@dataclass
class Plan:
    """A validated batch; ``error`` is raised after committing (validate_after_delete fault)."""

    index: Index
    keys: list[str]
    error: ServiceError | None = None
    verbatim: bool = False  # keys is the body's own "keys" array, duplicates included (healthy fast path)


def _all_strings(keys: list[Any]) -> bool:
    try:
        "".join(keys)  # one C pass; TypeError at the first item that is not a str
    except TypeError:
        return False
    return True


def _raw_keys(ctx: OpContext, body: dict[str, Any]) -> list[str] | None:
    """The keys member as a list of strings; None means 'answer 204 now' (a fault)."""
    keys = ctx.member(body, "keys")
    if keys is jsonbody.MISSING:
        if ctx.fault("missing_keys_field_ok"):
            return None
        raise invalid("keys is required.")
    if isinstance(keys, str) and ctx.fault("keys_string_accepted"):
        keys = [keys]
    if not isinstance(keys, list):
        raise invalid("keys must be an array of strings.")
    if not _all_strings(keys):
        if not ctx.fault("non_string_keys_coerced"):
            raise invalid("keys must contain only strings.")
        keys = [k if isinstance(k, str) else str(k) if isinstance(k, int | float) else json.dumps(k) for k in keys]
    return keys


def _lookup_index(ctx: OpContext, tx: Tx, name: str) -> Index | None:
    index = tx.get_index(ctx.account, ctx.bucket, name)
    if index is None:
        if ctx.fault("missing_index_204"):
            return None
        if ctx.fault("missing_index_wrong_code"):
            raise ServiceError(404, "NoSuchIndex", "The specified index does not exist.")
        raise no_such_index()
    return index


def _all_valid(ctx: OpContext, keys: list[str]) -> bool:
    """Every key is 1..max_key_length long (in the configured unit)."""
    if not keys:
        return True
    if ctx.options.key_length_unit == "codepoints":
        return "" not in keys and max(map(len, keys)) <= ctx.options.max_key_length
    lengths = [key_length(ctx, k) for k in keys]
    return min(lengths) >= 1 and max(lengths) <= ctx.options.max_key_length


def _check_keys(ctx: OpContext, raw: list[str]) -> tuple[list[str], ServiceError | None, bool] | None:
    """Unique valid keys (None: answer 204 now); the error is for validate_after_delete.

    The third item is True when the keys are ``raw`` itself, not deduplicated: with no fault on,
    not throttled, duplicates collapsing and at most ``max_delete_keys`` raw entries, every check
    below passes whenever all keys are valid, and deleting a list with duplicates deletes exactly
    its unique keys, so the dedup pass is skipped.
    """
    limit = ctx.options.max_delete_keys
    if (0 < len(raw) <= limit and not ctx.throttled and not ctx.faults.names
            and ctx.options.duplicate_keys == "collapse" and _all_valid(ctx, raw)):
        return raw, None, True
    unique = list(dict.fromkeys(raw))
    if ctx.options.duplicate_keys == "reject" and len(unique) != len(raw):
        raise invalid("keys contains duplicates.")
    if ctx.options.key_limit_counts == "raw" and len(raw) > limit:
        raise invalid(f"keys holds more than {limit} entries.")
    if not unique:
        if ctx.fault("accept_empty_keys"):
            return None
        raise invalid(f"The number of unique keys must be between 1 and {limit}.")
    deferred: ServiceError | None = None
    if len(unique) > limit:
        too_many = invalid(f"The number of unique keys must be between 1 and {limit}.")
        if ctx.fault("accept_501_keys") and len(unique) <= 2 * limit:
            pass
        elif ctx.fault("validate_after_delete"):
            unique, deferred = unique[:limit], too_many
        elif ctx.fault("wrong_limit_code"):
            raise ServiceError(400, "InvalidArgument", f"Too many keys (more than {limit}).")
        else:
            raise too_many
    if ctx.fault("server_error_on_duplicates") and len(unique) != len(raw):
        raise ServiceError(500, "InternalError", "We encountered an internal error. Please try again.")
    if ctx.fault("reject_500_keys") and len(unique) >= limit:
        raise invalid(f"The number of unique keys must be between 1 and {limit}.")
    if _all_valid(ctx, unique):
        return unique, deferred, False
    max_length = ctx.options.max_key_length
    bad = {k for k in unique if not 1 <= key_length(ctx, k) <= max_length}
    if ctx.options.invalid_keys == "reject":
        raise invalid(f"Each key must be 1 to {max_length} characters long.")
    return [k for k in unique if k not in bad], deferred, False


class _Checks:
    """The DeleteVectors checks, run in ``Options.check_sequence`` (digest A6: the order is not documented)."""

    def __init__(self, ctx: OpContext, tx: Tx) -> None:
        self.ctx, self.tx = ctx, tx
        self.body: dict[str, Any] = {}
        self.raw: list[str] | None = None
        self.name = ""
        self.index: Index | None = None
        self.checked: tuple[list[str], ServiceError | None, bool] | None = None
        self.early = False  # a fault answers 204 without deleting

    def run(self, stage: str) -> None:
        ctx = self.ctx
        if stage == "auth":
            if ctx.authenticate is not None:
                ctx.authenticate()
        elif stage == "bucket":
            if ctx.caller is None and ctx.address.account_id is None and ctx.authenticate is not None:
                ctx.authenticate()  # a path-style request names no account: only its credentials do
            require_bucket(ctx, self.tx)
        elif stage == "digest":
            if not ctx.fault("md5_unchecked"):
                error = errors.digest_error(signing.header_value(ctx.headers, "content-md5"), ctx.body)
                if error is not None:
                    raise error
        elif stage == "json":
            self.body = ctx.json_object()
        elif stage == "fields":
            self.raw = _raw_keys(ctx, self.body)
            if self.raw is None:
                self.early = True  # missing_keys_field_ok answers 204 without looking further
            else:
                self.name = index_name_of(ctx, self.body)
        elif self.raw is None:
            return
        elif stage == "index":
            self.index = _lookup_index(ctx, self.tx, self.name)
            self.early |= self.index is None
        else:
            self.checked = _check_keys(ctx, self.raw)
            self.early |= self.checked is None


def validate(ctx: OpContext, tx: Tx) -> Plan | None:
    """Run every check in the configured order; None means a (faulty) early 204."""
    checks = _Checks(ctx, tx)
    for stage in ctx.options.check_sequence:
        checks.run(stage)
    if checks.early or checks.index is None or checks.checked is None:
        return None
    return Plan(checks.index, *checks.checked)


def _targets(ctx: OpContext, tx: Tx, index_id: int, keys: list[str]) -> list[str]:
    """The stored keys a request deletes; identity unless a matching fault is on."""
    if ctx.fault("strip_whitespace"):
        return list(dict.fromkeys(k.strip() for k in keys))
    if not any(ctx.fault(f) for f in ("prefix_match", "case_insensitive_match", "unicode_nfc_match")):
        return keys
    existing = tx.all_keys(index_id)
    if ctx.fault("prefix_match"):
        return [e for e in existing if any(e.startswith(k) for k in keys)]
    if ctx.fault("case_insensitive_match"):
        folded = {k.lower() for k in keys}
        return [e for e in existing if e.lower() in folded]
    normal = {unicodedata.normalize("NFC", k) for k in keys}
    return [e for e in existing if unicodedata.normalize("NFC", e) in normal]


def _affected_indexes(ctx: OpContext, tx: Tx, index: Index) -> list[Index]:
    found = [index]
    if ctx.fault("cross_index_delete"):
        found += [i for i in tx.list_indexes(ctx.account, ctx.bucket) if i.id != index.id]
    if ctx.fault("cross_bucket_delete"):
        for bucket in tx.bucket_names(ctx.account):
            other = tx.get_index(ctx.account, bucket, index.name) if bucket != ctx.bucket else None
            if other is not None:
                found.append(other)
    return found


def _body_text(ctx: OpContext) -> str:
    return ctx.body.decode("utf-8")  # cannot fail: json_object() decoded it already


def _apply(ctx: OpContext, tx: Tx, plan: Plan) -> None:
    if plan.verbatim and not ctx.faults.names and tx.delete_json_array(plan.index.id, _body_text(ctx), "keys"):
        return  # healthy fast path: one DELETE (atomic by itself) reading the keys straight out of the request body
    tx.begin()
    keys = plan.keys[:100] if ctx.fault("only_first_100") else plan.keys
    if ctx.fault("throttle_without_limit") and len(plan.keys) > 100:
        raise ServiceError(503, "QpsLimitExceeded", "QPS limit exceeded.")
    absent_404, second_404 = ctx.fault("absent_key_404"), ctx.fault("second_delete_404")
    if absent_404 or second_404:  # the existence read only serves these two faults
        present = set(tx.get_vectors(plan.index.id, keys))
        if absent_404 and len(present) < len(keys):
            raise ServiceError(404, "NoSuchKey", "The specified key does not exist.")
        if second_404 and tx.tombstoned(plan.index.id, [k for k in keys if k not in present]):
            raise ServiceError(404, "NoSuchKey", "The specified key does not exist.")
    history = ctx.faults.keeps_history()
    for index in _affected_indexes(ctx, tx, plan.index):
        tx.delete_keys(index.id, _targets(ctx, tx, index.id, keys), history)
    if ctx.fault("touches_survivors"):
        tx.clear_metadata(plan.index.id)


def _lost_update(ctx: OpContext) -> None:
    """The lost_update fault: read the index, sleep, write it back without a transaction."""
    with ctx.store.tx() as tx:
        plan = validate(ctx, tx)
        if plan is None:
            return
        rows = tx.scan(plan.index.id)
    time.sleep(0.05)
    doomed = set(plan.keys)
    with ctx.store.tx() as tx:
        tx.delete_keys(plan.index.id, plan.keys, ctx.faults.keeps_history())
        tx.replace_all(plan.index.id, [r for r in rows if r.key not in doomed])


def _throttled_effects(ctx: OpContext, tx: Tx, plan: Plan | None) -> None:
    """Over the QPS limit: possibly delete part of a valid batch first (no atomicity on 5xx, A7)."""
    if plan is None or plan.error is not None:
        return
    tx.begin()
    keys = list(dict.fromkeys(plan.keys))
    if ctx.options.throttle_partial_delete and len(keys) >= 2 and random.random() < 0.5:
        tx.delete_keys(plan.index.id, keys[: random.randint(1, len(keys) - 1)], ctx.faults.keeps_history())
    if ctx.fault("throttle_collateral"):
        requested = set(keys)
        others = [k for k in tx.all_keys(plan.index.id) if k not in requested]
        tx.delete_keys(plan.index.id, others[:3], ctx.faults.keeps_history())


def _throttle_answer(ctx: OpContext) -> ServiceError:
    if ctx.fault("throttle_429"):
        return ServiceError(429, "TooManyRequests", "Too many requests.")
    if ctx.fault("retry_after_throttle_noop") and ctx.throttle_memory is not None:
        if len(ctx.throttle_memory) > 1000:
            ctx.throttle_memory.clear()
        ctx.throttle_memory.add(hashlib.sha256(ctx.body).digest())
    return ServiceError(503, "QpsLimitExceeded", "QPS limit exceeded. The request rate is limited.")


def _remembered_as_done(ctx: OpContext) -> bool:
    """retry_after_throttle_noop: a retry of a throttled request is answered from the (wrong) idempotency cache."""
    if not ctx.fault("retry_after_throttle_noop") or ctx.throttle_memory is None:
        return False
    digest = hashlib.sha256(ctx.body).digest()
    if digest not in ctx.throttle_memory:
        return False
    ctx.throttle_memory.discard(digest)
    return True


def delete_vectors(ctx: OpContext) -> Reply:
    if ctx.fault("lost_update") and ctx.authenticate is None and not ctx.throttled:
        _lost_update(ctx)
    else:
        deferred: ServiceError | None = None
        with ctx.store.tx(begin=False) as tx:  # validate only reads; _apply begins before writing more than one statement
            try:
                plan = validate(ctx, tx)
            except ServiceError:
                if not ctx.throttled:
                    raise
                plan = None  # a throttled request answers 503 whatever else is wrong with it
            if ctx.throttled:
                _throttled_effects(ctx, tx, plan)
            elif plan is not None and not _remembered_as_done(ctx):
                _apply(ctx, tx, plan)
                deferred = plan.error
        if ctx.throttled:
            raise _throttle_answer(ctx)
        if deferred is not None:
            raise deferred
    if ctx.fault("success_200_body"):
        return Reply(200, body=b"{}", content_type="application/json")
    return Reply(204, omit_request_id=ctx.fault("success_no_request_id"))
