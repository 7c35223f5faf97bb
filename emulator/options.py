"""Behaviours the documentation leaves open (digest §8), each a named, typed option.

The defaults are the digest's suggestions. They live in one dataclass so the CLI
(``--option KEY=VALUE``), ``EmulatorConfig.options`` and docs/emulator.md all read the
same table; ``OPTION_DOCS`` carries the "why" and the digest reference of every key.

``CORRECT_ALTERNATIVES`` lists, per option, the non-default values that are still correct
server behaviour by the documentation, and ``random_combination`` draws a few of them: a
conformance suite must pass against every such combination, so they are what its
false-positive checks run against.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# DeleteVectors checks, in the digest's suggested order (§5.1): authentication, bucket existence, Content-MD5,
# JSON syntax, member presence/types (keys and indexName), index existence, key count/length/content.
CHECK_STAGES = ("auth", "bucket", "digest", "json", "fields", "index", "keys")
DEFAULT_CHECK_ORDER = ",".join(CHECK_STAGES)
# A check that needs another's result runs that one first, so every order works. The index lives in the
# bucket: looking it up checks the bucket (a missing bucket is NoSuchBucket, never NoSuchVectorIndex).
CHECK_PREREQUISITES: dict[str, tuple[str, ...]] = {"fields": ("json",), "index": ("fields", "bucket"), "keys": ("fields",)}


def _opt(default: Any, why: str, ref: str, choices: tuple[str, ...] = ()) -> Any:
    return field(default=default, metadata={"why": why, "ref": ref, "choices": choices})


@dataclass(frozen=True)
class Options:
    """Resolved option values (see OPTION_DOCS for the reasoning behind each default)."""

    missing_index_name_code: str = _opt(
        "VectorIndexParameterInvalid",
        "DeleteVectors without a usable indexName: 400 VectorIndexParameterInvalid, or 404 NoSuchVectorIndex",
        "A1",
        ("VectorIndexParameterInvalid", "NoSuchVectorIndex"),
    )
    duplicate_keys: str = _opt(
        "collapse", "duplicate keys in a DeleteVectors batch collapse (limit is on unique keys) or are rejected", "A2",
        ("collapse", "reject"),
    )
    key_limit_counts: str = _opt(
        "unique", "the 1..500 limit counts unique keys (doc wording) or raw array entries (AWS)", "A3", ("unique", "raw"),
    )
    invalid_keys: str = _opt(
        "reject", 'DeleteVectors keys "" or longer than max_key_length: 400, or ignored as nonexistent', "A5",
        ("reject", "ignore"),
    )
    key_length_unit: str = _opt("codepoints", "key length is measured in code points or UTF-8 bytes", "A5",
                                ("codepoints", "bytes"))
    max_key_length: int = _opt(1024, "vector key length limit", "A5, §7")
    index_before_key_checks: bool = _opt(
        True, "alias kept for old configurations: false moves the keys check just before the index check in"
        " delete_check_order (key-count/key-content errors before NoSuchVectorIndex)", "A6, §5.1",
    )
    delete_check_order: str = _opt(
        DEFAULT_CHECK_ORDER,
        "order of the DeleteVectors checks, a comma-separated permutation of auth, bucket, digest, json, fields, index,"
        " keys; a check that needs another's result pulls it forward (fields needs json, keys needs fields, index needs"
        " fields and bucket; bucket needs auth when the host names no account)", "A6, §5.1",
    )
    throttle_partial_delete: bool = _opt(
        True, "a throttled, valid DeleteVectors may first delete a random non-empty strict prefix (no atomicity)", "A7",
    )
    throttle_counts_rejected: bool = _opt(
        False, "throttled requests also occupy the 1 s window (a hammering client then never gets through)", "A7, §7",
    )
    sts_error_code: str = _opt(
        "InvalidSecurityToken", "code of a missing or wrong STS token (status 403)", "A8",
        ("InvalidSecurityToken", "AccessDenied"),
    )
    clock_skew_seconds: int = _opt(900, "allowed distance between x-oss-date and the server clock", "A8, §6.12")
    accept_legacy_bucketless_uri: bool = _opt(
        True, "also accept the older bucket-less canonical URI /acs:ossvector:{region}:{acct}:", "A9",
    )
    max_bucket_name_length: int = _opt(32, "bucket names longer than this are InvalidVectorBucketName (doc 32, SDK 63)", "A11")
    max_delete_keys: int = _opt(500, "unique keys per DeleteVectors", "§5.1, A13")
    max_put_vectors: int = _opt(500, "vectors per PutVectors", "§7, A13")
    max_get_keys: int = _opt(100, "keys per GetVectors", "§7, A13")
    max_top_k: int = _opt(100, "QueryVectors topK upper bound (pages say 30/100/500)", "§5.5, A13")
    max_list_results: int = _opt(1000, "ListVectors maxResults upper bound", "§5.4, A13")
    max_buckets: int = _opt(100, "vector buckets per account and region (10 in older pages)", "§7, A13")
    max_indexes: int = _opt(100, "indexes per bucket", "§7, A13")
    max_body_bytes: int = _opt(
        20 * 1024 * 1024,
        "request bodies larger than this answer 413 EntityTooLarge (the digest has no Alibaba figure; AWS's 20 MiB)",
        "§9, A13 [inferred]",
    )
    index_fields_required: bool = _opt(
        False, "PutVectorIndex without dataType/dimension/distanceMetric is 400 instead of taking defaults", "A14",
    )
    default_dimension: int = _opt(512, "dimension used when PutVectorIndex omits it (doc: 'default 512')", "A14")
    auth_header_whitespace: bool = _opt(True, "accept spaces after commas in the Authorization header", "A15")
    case_insensitive_fields: bool = _opt(
        False, "JSON member names are matched case-insensitively (old Go SDKs sent PascalCase)", "§2 field-name case",
    )
    non_object_body_code: str = _opt(
        "MalformedJson",
        "a JSON body that is not an object (array, string, number): MalformedJson or VectorIndexParameterInvalid",
        "§5.1 [inferred]", ("MalformedJson", "VectorIndexParameterInvalid"),
    )
    json_duplicate_members: str = _opt(
        "last", "duplicate JSON object members: the last one wins, or the body is MalformedJson", "§5.1 [inferred]",
        ("last", "reject"),
    )
    float32_roundtrip: str = _opt(
        "exact", "GetVectors/ListVectors return data exactly as sent, or rounded to float32", "§5.3 [inferred]",
        ("exact", "float32"),
    )
    euclidean_squared: bool = _opt(False, "QueryVectors euclidean distance is squared L2 instead of L2", "§5.5 [inferred]")
    error_format: str = _opt(
        "json",
        "errors as OSS JSON with Content-Type application/json, or as classic OSS XML with Content-Type "
        "application/xml: the official SDK reads both; which the live service emits is not documented",
        "§4.1, §4.2",
        ("json", "xml"),
    )
    list_delete_lag_s: float = _opt(
        0.0, "a deleted vector stays visible to ListVectors and QueryVectors for this many seconds after the delete"
        " (eventual consistency; the store deletes at once)", "§5.1 Visibility, §7 read-after-write",
    )
    get_delete_lag_s: float = _opt(
        0.0, "a deleted vector stays visible to GetVectors for this many seconds after the delete",
        "§5.1 Visibility, §7 read-after-write",
    )
    put_visibility_lag_s: float = _opt(
        0.0, "a put vector (new or overwriting) becomes visible to reads only after this many seconds; until then"
        " reads show the previous state", "§5.5, §7 read-after-write",
    )
    lag_jitter: bool = _opt(
        False, "each key's lag is a fixed fraction, uniform in [0, 1] over keys (a hash of the key), of the lag above",
        "§7 read-after-write",
    )
    setup_qps_limit: float = _opt(
        0.0, "every operation other than DeleteVectors has its own sliding 1 s limit of this many requests"
        " (503 QpsLimitExceeded beyond it; 0 = off), independent of qps_limit", "§5.2, §5.6 quotas, §7",
    )
    connection_close: bool = _opt(
        False, "every answer carries Connection: close and the server closes the connection after it", "§3, §5.1 Success",
    )

    def __post_init__(self) -> None:
        for name in ("list_delete_lag_s", "get_delete_lag_s", "put_visibility_lag_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 <= value <= 3600:
                raise ValueError(f"option {name}: expected seconds in [0, 3600], got {value!r}")
        if not math.isfinite(self.setup_qps_limit) or (self.setup_qps_limit != 0 and self.setup_qps_limit < 1):
            raise ValueError(f"option setup_qps_limit: expected 0 (off) or a number >= 1, got {self.setup_qps_limit!r}")
        parse_check_order(self.delete_check_order)

    @cached_property
    def check_order(self) -> tuple[str, ...]:
        """The configured DeleteVectors check order, ``index_before_key_checks`` applied (computed once)."""
        order = list(parse_check_order(self.delete_check_order))
        if not self.index_before_key_checks and order.index("index") < order.index("keys"):
            order.remove("keys")
            order.insert(order.index("index"), "keys")
        return tuple(order)

    @cached_property
    def check_sequence(self) -> tuple[str, ...]:
        """The order the checks really run in: ``check_order`` with each check's prerequisites pulled before it."""
        out: list[str] = []

        def run(stage: str) -> None:
            if stage not in out:
                for needed in CHECK_PREREQUISITES.get(stage, ()):
                    run(needed)
                out.append(stage)

        for stage in self.check_order:
            run(stage)
        return tuple(out)

    @property
    def visibility_lag(self) -> bool:
        """Whether reads may lag behind writes (the store then keeps a short change history)."""
        return bool(self.list_delete_lag_s or self.get_delete_lag_s or self.put_visibility_lag_s)


def parse_check_order(text: str) -> tuple[str, ...]:
    """``"auth,bucket,..."`` → a tuple; ValueError unless it is a permutation of CHECK_STAGES."""
    stages = tuple(part.strip() for part in text.split(","))
    if sorted(stages) != sorted(CHECK_STAGES):
        raise ValueError(f"option delete_check_order: expected a permutation of {DEFAULT_CHECK_ORDER}, got {text!r}")
    return stages


OPTION_DOCS: dict[str, dict[str, Any]] = {
    f.name: {"default": f.default, "type": f.type, **f.metadata} for f in dataclasses.fields(Options)
}


def _coerce(name: str, kind: object, raw: object) -> object:
    if kind in ("bool", bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"option {name}: expected a boolean, got {raw!r}")
    if kind in ("float", float):
        if isinstance(raw, bool):
            raise ValueError(f"option {name}: expected a number, got {raw!r}")
        try:
            return float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
        except ValueError:
            raise ValueError(f"option {name}: expected a number, got {raw!r}") from None
    if kind in ("int", int):
        if isinstance(raw, bool):
            raise ValueError(f"option {name}: expected an integer, got {raw!r}")
        try:
            return int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            raise ValueError(f"option {name}: expected an integer, got {raw!r}") from None
    text = str(raw)
    choices = OPTION_DOCS[name]["choices"]
    if choices and text not in choices:
        raise ValueError(f"option {name}: expected one of {', '.join(choices)}, got {raw!r}")
    return text


def resolve_options(raw: Mapping[str, object] | None) -> Options:
    """Validate user-supplied option values (strings from the CLI or typed values)."""
    values: dict[str, object] = {}
    for name, value in (raw or {}).items():
        if name not in OPTION_DOCS:
            raise ValueError(f"unknown option {name!r}")
        values[name] = _coerce(name, OPTION_DOCS[name]["type"], value)
    return Options(**values)  # type: ignore[arg-type]


def parse_option_assignment(text: str) -> tuple[str, str]:
    """Split ``KEY=VALUE`` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"option must be KEY=VALUE, got {text!r}")
    return name.strip(), value


# Non-default values that are still correct server behaviour per the digest (each value was checked against it):
# the documentation is silent or ambiguous on each, and none of them breaks a documented promise. Left out on
# purpose: auth_header_whitespace=false (the documented Authorization template has spaces after the commas, §6.10,
# A15), euclidean_squared (the documented metric is the Euclidean distance), clock_skew_seconds (15 min is
# documented), the documented limits (max_*, default_dimension) and max_body_bytes (no figure to vary around).
# The check orders keep the bucket check before the body checks: evidenced for PutVectorIndex (§4.3, [sdk-it]).
CORRECT_ALTERNATIVES: dict[str, tuple[object, ...]] = {
    "missing_index_name_code": ("NoSuchVectorIndex",),  # A1: 4xx either way
    "duplicate_keys": ("reject",),  # A2: duplicates collapsing is only inferred from the "unique keys" wording
    "key_limit_counts": ("raw",),  # A3: a raw-array count is what AWS does
    "invalid_keys": ("ignore",),  # A5: "" or over-long keys may be treated as nonexistent
    "key_length_unit": ("bytes",),  # A5: characters or bytes is open
    "delete_check_order": (  # A6, §5.1: only bucket-before-body is evidenced
        "bucket,auth,digest,json,fields,keys,index",
        "bucket,digest,json,fields,index,keys,auth",
        "digest,bucket,auth,json,keys,fields,index",
        "bucket,json,fields,keys,index,digest,auth",
        "auth,digest,bucket,json,fields,index,keys",
        "bucket,json,keys,auth,index,digest,fields",
    ),
    "throttle_partial_delete": (False,),  # A7: deleting nothing on a 503 is allowed too
    "throttle_counts_rejected": (True,),  # A7, §7: how the window counts is not documented
    "sts_error_code": ("AccessDenied",),  # A8
    "accept_legacy_bucketless_uri": (False,),  # A9: current SDKs sign the new form only
    "index_fields_required": (True,),  # A14: the fields are listed "Required: Yes"
    "case_insensitive_fields": (True,),  # §2: unknown whether names match case-insensitively
    "non_object_body_code": ("VectorIndexParameterInvalid",),  # §5.1: 400 either way
    "json_duplicate_members": ("reject",),  # §5.1: parsers differ
    "float32_roundtrip": ("float32",),  # §5.3: the data type is float32
    "list_delete_lag_s": (0.3, 1.0, 2.0),  # §5.1 Visibility, §7: reads may lag ~2-3 s
    "get_delete_lag_s": (0.3, 1.0, 2.0),
    "put_visibility_lag_s": (0.3, 1.0, 2.0),
    "lag_jitter": (True,),
    "setup_qps_limit": (20.0, 50.0),  # §5.2, §5.6: setup operations have documented QPS quotas (5 per s and more)
    "connection_close": (True,),  # §3: responses carry Connection; its value is the server's choice
    "error_format": ("xml",),  # §4.1: the field set is not documented; the SDK parses XML errors too (§4.2)
}


def random_combination(seed: int, size: int = 4) -> dict[str, object]:
    """``size`` distinct options of CORRECT_ALTERNATIVES, each with one of its correct non-default values.

    Deterministic per seed (a seeded ``random.Random``), so a failing combination can be named by its seed.
    """
    names = sorted(CORRECT_ALTERNATIVES)
    if not 0 <= size <= len(names):
        raise ValueError(f"size must be in 0..{len(names)}, got {size}")
    rng = random.Random(seed)
    return {name: rng.choice(CORRECT_ALTERNATIVES[name]) for name in sorted(rng.sample(names, size))}
