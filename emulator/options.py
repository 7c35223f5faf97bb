"""Behaviours the documentation leaves open (digest §8), each a named, typed option.

The defaults are the digest's suggestions. They live in one dataclass so the CLI
(``--option KEY=VALUE``), ``EmulatorConfig.options`` and docs/emulator.md all read the
same table; ``OPTION_DOCS`` carries the "why" and the digest reference of every key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
        True, "NoSuchVectorIndex is reported before key-count/key-content errors (suggested order)", "A6, §5.1",
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
    max_body_bytes: int = _opt(20 * 1024 * 1024, "request bodies larger than this answer 400 EntityTooLarge", "A13 [inferred]")
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
