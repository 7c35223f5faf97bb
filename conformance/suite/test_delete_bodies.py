"""Request bodies: bad JSON, wrong types, missing members, formatting, and the headers around them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.authoring import FAMILY_CAP, Arena, Case, profile, raw_delete, requirements
from strategies.bodies import (
    AMBIGUOUS_JSON_FAMILIES,
    INVALID_JSON_FAMILIES,
    NON_OBJECT_JSON_FAMILIES,
    WRONG_TYPE_FAMILY_NAMES,
    HeaderVariant,
    Md5Mode,
    header_variants,
    malformed_families,
    valid_json_bodies,
    wrong_type_families,
)
from strategies.keylists import KEY_POOL, pooled_key_lists, unique_key_lists

STORED = ["doc-1", "doc-2", "doc-3"]


def _family(
    make: Callable[[str, list[str]], tuple[tuple[str, st.SearchStrategy[bytes]], ...]], name: str
) -> Callable[[str, list[str]], st.SearchStrategy[bytes]]:
    return lambda index, keys: dict(make(index, keys))[name]


def _drawn(
    data: st.DataObject, family: str, strategy_for: Callable[[str, list[str]], st.SearchStrategy[bytes]], keys: list[str]
) -> Callable[[Arena], bytes]:
    return lambda arena: data.draw(strategy_for(arena.index, [*keys, STORED[0]]), label=family)


@pytest.mark.wire_only
@requirements("DV-MALFORMED-JSON", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL", "DV-ERROR-SHAPE")
@pytest.mark.parametrize("family", sorted(INVALID_JSON_FAMILIES))
@profile(5, cap=FAMILY_CAP)
@given(data=st.data(), keys=pooled_key_lists(2))
def test_delete_vectors_malformed_json_rejected(case: Case, family: str, data: st.DataObject, keys: list[str]) -> None:
    case.example(family=family, keys=keys)
    case.delete(raw_delete(_drawn(data, family, _family(malformed_families, family), keys)), stored=[*STORED, *KEY_POOL])


@pytest.mark.wire_only
@requirements("DV-OBS-AMBIGUOUS-JSON", "DV-MALFORMED-JSON", "DV-KEYS-REQUIRED", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL")
@pytest.mark.parametrize("family", sorted(AMBIGUOUS_JSON_FAMILIES | NON_OBJECT_JSON_FAMILIES))
@profile(5, cap=FAMILY_CAP)
@given(data=st.data(), keys=pooled_key_lists(2))
def test_delete_vectors_doubtful_json_judged_by_effect(case: Case, family: str, data: st.DataObject, keys: list[str]) -> None:
    """BOM, duplicate members, lone surrogates, deep nesting, top-level non-objects: parsers differ."""
    case.example(family=family, keys=keys)
    case.delete(raw_delete(_drawn(data, family, _family(malformed_families, family), keys)), stored=[*STORED, *KEY_POOL])


@pytest.mark.wire_only
@requirements(
    "DV-KEYS-TYPE", "DV-KEYS-REQUIRED", "DV-REJECT-NO-EFFECT", "DV-OBS-INDEXNAME", "DV-OBS-UNKNOWN-MEMBERS", "DV-NO-COLLATERAL"
)
@pytest.mark.parametrize("family", WRONG_TYPE_FAMILY_NAMES)
@profile(5, cap=FAMILY_CAP)
@given(data=st.data(), keys=pooled_key_lists(2))
def test_delete_vectors_wrong_types_and_missing_members_rejected(
    case: Case, family: str, data: st.DataObject, keys: list[str]
) -> None:
    case.example(family=family, keys=keys)
    case.delete(raw_delete(_drawn(data, family, _family(wrong_type_families, family), keys)), stored=[*STORED, *KEY_POOL])


@pytest.mark.wire_only
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


@pytest.mark.wire_only
@requirements(
    "DV-CONTENT-MD5", "DV-OBS-HEADERS", "DV-SUCCESS-204", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL", "DV-DELETES-REQUESTED"
)
@profile(10)
@given(variant=header_variants(), keys=pooled_key_lists(2))
@example(variant=HeaderVariant(content_md5=Md5Mode.WRONG), keys=["doc-9"])
def test_delete_vectors_content_type_and_md5_variants(case: Case, variant: HeaderVariant, keys: list[str]) -> None:
    import json

    case.example(variant=variant, keys=keys)
    case.delete(
        raw_delete(lambda arena: json.dumps({"indexName": arena.index, "keys": keys}).encode(), headers=variant.headers_for),
        stored=[*STORED, *KEY_POOL, *keys],
    )
