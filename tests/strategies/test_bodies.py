"""Bodies: valid spellings parse to one object; each malformed family is what its name and class say."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.jsonparse import classify
from strategies import bodies as b
from tests.helpers.hypothesis_settings import FAST, fast, minimal, reaches
from tests.helpers.strict_json import rejects, strict_loads

# (index, keys) inputs the families are built around: ASCII, Unicode incl. non-BMP and "/", quotes, empty.
INPUTS: list[tuple[str, list[str]]] = [
    ("idx", ["doc-1", "doc-2"]),
    ("vectorIndex1", ["é/😀", 'a"b\\c', "caf\u0065\u0301", "\u05e9\u05dc\u05d5\u05dd"]),
    ("i", []),
    ("i", ["x" * 1024]),
]
inputs = st.sampled_from(INPUTS)


def _family(index: str, keys: list[str], name: str) -> st.SearchStrategy[bytes]:
    return dict(b.malformed_families(index, keys))[name]


def test_family_classes_partition_all_names() -> None:
    names = [n for n, _ in b.malformed_families("idx", ["a"])]
    assert len(names) == len(set(names))
    assert set(names) == b.INVALID_JSON_FAMILIES | b.AMBIGUOUS_JSON_FAMILIES | b.NON_OBJECT_JSON_FAMILIES
    assert not b.INVALID_JSON_FAMILIES & b.AMBIGUOUS_JSON_FAMILIES
    assert not b.NON_OBJECT_JSON_FAMILIES & (b.INVALID_JSON_FAMILIES | b.AMBIGUOUS_JSON_FAMILIES)


@fast(50)
@given(inputs, st.data())
def test_valid_json_bodies_parse_to_the_same_object(inp: tuple[str, list[str]], data: st.DataObject) -> None:
    index, keys = inp
    body = data.draw(b.valid_json_bodies(index, keys))
    value = strict_loads(body)
    assert isinstance(value, dict)
    core = {k: v for k, v in value.items() if k not in b.UNKNOWN_MEMBER_NAMES}
    assert core == {"indexName": index, "keys": keys}


def test_valid_json_bodies_include_the_sdk_and_compact_spellings() -> None:
    index, keys = INPUTS[1]
    obj = {"indexName": index, "keys": keys}
    sdk = json.dumps(obj).encode()
    compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    assert b.encode_json(obj, b.SDK) == sdk
    assert b.encode_json(obj, b.COMPACT) == compact
    assert minimal(b.valid_json_bodies(index, keys), lambda _: True) == compact
    reaches(b.valid_json_bodies(index, keys), lambda body: body == sdk)
    reaches(b.valid_json_bodies(index, keys), lambda body: b"\\ud83d" in body.lower())  # surrogate-pair escape
    reaches(b.valid_json_bodies(index, keys), lambda body: b"\\/" in body)
    reaches(b.valid_json_bodies(index, keys), lambda body: next(iter(json.loads(body))) == "keys")
    reaches(b.valid_json_bodies(index, keys), lambda body: "foo" in json.loads(body))


@pytest.mark.parametrize("family", sorted(b.INVALID_JSON_FAMILIES))
def test_invalid_families_never_parse_strictly(family: str) -> None:
    @FAST
    @given(inputs, st.data())
    def check(inp: tuple[str, list[str]], data: st.DataObject) -> None:
        body = data.draw(_family(*inp, family))
        assert rejects(body), body[:200]

    check()


@pytest.mark.parametrize(("index", "keys"), INPUTS)
def test_truncated_at_every_cut_point_is_invalid(index: str, keys: list[str]) -> None:
    for style in (b.COMPACT, b.SDK, b.PRETTY):
        body = b.encode_json({"indexName": index, "keys": keys}, style)
        for cut in range(body.rindex(b"}")):
            assert rejects(body[:cut])


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
def test_malformed_families_reach_their_named_shapes() -> None:
    index, keys = INPUTS[0]
    reaches(_family(index, keys, "invalid_utf8_in_string"), lambda x: b"\xff" in x)
    reaches(_family(index, keys, "nan_infinity_literals"), lambda x: b"NaN" in x)
    reaches(_family(index, keys, "deep_nesting_unbalanced"), lambda x: x.count(b"[") >= 10_000)
    reaches(_family(index, keys, "concatenated_objects"), lambda x: x.count(b"{") == 2)
    reaches(_family(index, keys, "raw_control_chars_in_string"), lambda x: b"\x00" in x)


@FAST
@given(inputs, st.data())
def test_bom_family_is_a_bom_before_valid_json(inp: tuple[str, list[str]], data: st.DataObject) -> None:
    body = data.draw(_family(*inp, "utf8_bom"))
    assert body.startswith(b"\xef\xbb\xbf") and rejects(body)
    assert isinstance(strict_loads(body[3:]), dict)


@FAST
@given(inputs, st.data())
def test_duplicate_members_family_repeats_a_name_with_different_values(inp: tuple[str, list[str]], data: st.DataObject) -> None:
    body = data.draw(_family(*inp, "duplicate_members"))
    pairs: list[tuple[str, Any]] = json.loads(body, object_pairs_hook=lambda p: p)
    names = [n for n, _ in pairs]
    dup = next(n for n in names if names.count(n) > 1)
    values = [json.dumps(v) for n, v in pairs if n == dup]
    assert len(set(values)) == len(values) and rejects(body)


@FAST
@given(inputs, st.data())
def test_lone_surrogate_family_is_grammatical_but_not_unicode(inp: tuple[str, list[str]], data: st.DataObject) -> None:
    body = data.draw(_family(*inp, "lone_surrogate_escape"))
    json.loads(body)  # grammatical
    assert rejects(body)  # but a string holds a lone surrogate


@FAST
@given(inputs, st.data())
def test_balanced_deep_nesting_is_grammatical(inp: tuple[str, list[str]], data: st.DataObject) -> None:
    body = data.draw(_family(*inp, "deep_nesting_balanced"))
    depth = body.count(b"[") - len(inp[1]) * 0
    assert body.count(b"[") == body.count(b"]") and depth >= 1000


@pytest.mark.parametrize("family", sorted(b.NON_OBJECT_JSON_FAMILIES))
def test_non_object_families_are_valid_json_but_not_objects(family: str) -> None:
    @FAST
    @given(inputs, st.data())
    def check(inp: tuple[str, list[str]], data: st.DataObject) -> None:
        value = strict_loads(data.draw(_family(*inp, family)))
        assert not isinstance(value, dict)

    check()


def _wrong_type_ok(family: str, obj: dict[str, Any], index: str, keys: list[str]) -> bool:
    def string_list(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    if family.startswith("keys_") and family != "keys_missing":
        return obj.get("indexName") == index and "keys" in obj and not string_list(obj["keys"])
    if family.startswith("index_") and family != "index_missing":
        v = obj.get("indexName", "absent")
        return obj.get("keys") == keys and (not isinstance(v, str) or v == "")
    return {
        "keys_missing": lambda: "keys" not in obj and "indexName" in obj,
        "index_missing": lambda: "indexName" not in obj and "keys" in obj,
        "both_missing": lambda: "keys" not in obj and "indexName" not in obj and obj != {},
        "empty_object": lambda: obj == {},
        "member_name_case": lambda: (
            not ("keys" in obj and "indexName" in obj) and {k.lower().replace("_", "") for k in obj} == {"keys", "indexname"}
        ),
    }[family]()


@pytest.mark.parametrize("family", b.WRONG_TYPE_FAMILY_NAMES)
def test_wrong_type_families_are_objects_with_the_named_defect(family: str) -> None:
    @FAST
    @given(inputs, st.data())
    def check(inp: tuple[str, list[str]], data: st.DataObject) -> None:
        index, keys = inp
        body = data.draw(dict(b.wrong_type_families(index, keys))[family])
        obj = strict_loads(body)
        assert isinstance(obj, dict) and _wrong_type_ok(family, obj, index, keys), body[:200]

    check()


def test_wrong_type_bodies_mix_all_families() -> None:
    reaches(b.wrong_type_bodies("idx", ["a"]), lambda x: x == b"{}")
    reaches(b.wrong_type_bodies("idx", ["a"]), lambda x: b'"Keys"' in x)


@FAST
@given(b.header_variants(), st.binary(max_size=64))
def test_header_variants_render_md5_as_labelled(variant: b.HeaderVariant, body: bytes) -> None:
    headers = dict(variant.headers_for(body))
    assert headers.get("Content-Type") == variant.content_type
    correct = base64.b64encode(hashlib.md5(body).digest()).decode()
    md5 = headers.get("Content-MD5")
    if variant.content_md5 is b.Md5Mode.ABSENT:
        assert md5 is None
    elif variant.content_md5 is b.Md5Mode.CORRECT:
        assert md5 == correct
    else:
        assert md5 is not None and md5 != correct
        if variant.content_md5 is b.Md5Mode.WRONG:
            assert len(base64.b64decode(md5)) == 16
        else:
            assert variant.content_md5.is_garbage


def test_header_variants_shrink_to_the_documented_headers() -> None:
    assert minimal(b.header_variants(), lambda _: True) == b.HeaderVariant("application/json", b.Md5Mode.CORRECT)
    reaches(b.header_variants(), lambda v: v.content_type is None)


@pytest.mark.parametrize("family", sorted(b.FAMILY_CLASSES))
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_family_is_classed_by_the_oracles_one_definition(family: str, data: st.DataObject) -> None:
    """The generator and the oracle share RFC 8259's definition: each family's bodies get the class it declares."""
    strategy = dict(b.malformed_families("ossvcidx1", ["doc-1", "doc-2"]))[family]
    body = data.draw(strategy)
    assert classify(body).cls in b.FAMILY_CLASSES[family], (family, body[:80], classify(body).reason)


def test_every_generated_family_declares_its_class() -> None:
    assert {name for name, _ in b.malformed_families("ix", ["k"])} == set(b.FAMILY_CLASSES)
