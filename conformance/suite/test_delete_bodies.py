"""Request bodies: bad JSON, wrong types, missing members, formatting, and the headers around them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.suite._common import profile, requirements
from conformance.suite_support import Case, raw_delete
from strategies.bodies import (
    AMBIGUOUS_JSON_FAMILIES,
    INVALID_JSON_FAMILIES,
    NON_OBJECT_JSON_FAMILIES,
    HeaderVariant,
    header_variants,
    malformed_families,
    valid_json_bodies,
    wrong_type_families,
)
from strategies.keylists import unique_key_lists

STORED = ["doc-1", "doc-2", "doc-3"]


def _family_body(data: st.DataObject, families: frozenset[str] | None, make: object, index: str, keys: list[str]) -> bytes:
    options = [(name, s) for name, s in make(index, keys) if families is None or name in families]  # type: ignore[operator]
    name, strategy = data.draw(st.sampled_from(options), label="family")
    body: bytes = data.draw(strategy, label=name)
    return body


@requirements("DV-MALFORMED-JSON", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL", "DV-ERROR-SHAPE")
@profile(20)
@given(data=st.data(), keys=unique_key_lists(2))
def test_delete_vectors_malformed_json_rejected(case: Case, data: st.DataObject, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(
        raw_delete(lambda arena: _family_body(data, INVALID_JSON_FAMILIES, malformed_families, arena.index, [*keys, STORED[0]])),
        stored=[*STORED, *keys],
    )


@requirements("DV-OBS-AMBIGUOUS-JSON", "DV-KEYS-REQUIRED", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL")
@profile(15)
@given(data=st.data(), keys=unique_key_lists(2))
def test_delete_vectors_doubtful_json_judged_by_effect(case: Case, data: st.DataObject, keys: list[str]) -> None:
    """BOM, duplicate members, lone surrogates, deep nesting, top-level non-objects: parsers differ."""
    families = AMBIGUOUS_JSON_FAMILIES | NON_OBJECT_JSON_FAMILIES
    case.example(keys=keys)
    case.delete(
        raw_delete(lambda arena: _family_body(data, families, malformed_families, arena.index, [*keys, STORED[0]])),
        stored=[*STORED, *keys],
    )


@requirements("DV-KEYS-TYPE", "DV-KEYS-REQUIRED", "DV-REJECT-NO-EFFECT", "DV-OBS-INDEXNAME", "DV-OBS-UNKNOWN-MEMBERS", "DV-NO-COLLATERAL")
@profile(20)
@given(data=st.data(), keys=unique_key_lists(2))
def test_delete_vectors_wrong_types_and_missing_members_rejected(case: Case, data: st.DataObject, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(
        raw_delete(lambda arena: _family_body(data, None, wrong_type_families, arena.index, [*keys, STORED[1]])),
        stored=[*STORED, *keys],
    )


@requirements("DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL", "DV-OBS-UNKNOWN-MEMBERS")
@profile(15)
@given(data=st.data(), keys=unique_key_lists(3))
def test_delete_vectors_any_json_formatting_accepted(case: Case, data: st.DataObject, keys: list[str]) -> None:
    """The same object spelled differently (whitespace, escapes, member order) means the same request."""
    case.example(keys=keys)
    case.delete(
        raw_delete(lambda arena: data.draw(valid_json_bodies(arena.index, [*keys, STORED[0]]), label="body")),
        stored=[*STORED, *keys],
    )


@requirements("DV-OBS-HEADERS", "DV-SUCCESS-204", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL", "DV-DELETES-REQUESTED")
@profile(10)
@given(variant=header_variants(), keys=unique_key_lists(2))
def test_delete_vectors_content_type_and_md5_variants(case: Case, variant: HeaderVariant, keys: list[str]) -> None:
    import json

    case.example(variant=variant, keys=keys)
    case.delete(
        raw_delete(lambda arena: json.dumps({"indexName": arena.index, "keys": keys}).encode(), headers=variant.headers_for),
        stored=[*STORED, *keys],
    )
