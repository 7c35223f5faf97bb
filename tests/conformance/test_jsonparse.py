"""``classify``, the one definition of malformed JSON (RFC 8259), as a table: valid texts, malformed ones
(grammar and encoding), and the ones the RFC leaves to the parser (ambiguous), each with every reading."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.jsonparse import EMPTY, MAX_DEPTH, BodyClass, classify, strings_in
from tests.helpers.hypothesis_settings import fast

BOM = b"\xef\xbb\xbf"


def nested(depth: int, opening: bytes = b"[", closing: bytes = b"]", inner: bytes = b"") -> bytes:
    return opening * depth + inner + closing * depth


def nested_value(depth: int) -> Any:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


VALID: list[Any] = [
    pytest.param(b'{"indexName":"i","keys":["a"]}', {"indexName": "i", "keys": ["a"]}, id="request"),
    pytest.param(b' \t\r\n{"keys" : [ "a" , "b" ]}\r\n\t ', {"keys": ["a", "b"]}, id="insignificant-whitespace"),
    pytest.param(b"[]", [], id="top-level-array"),
    pytest.param(b'"x"', "x", id="top-level-string"),
    pytest.param(b"-0.5e+3", -500.0, id="top-level-number"),
    pytest.param(b"null", None, id="top-level-null"),
    pytest.param(b"true", True, id="top-level-true"),
    pytest.param(b'{"k":"caf\\u00e9"}', {"k": "caf\u00e9"}, id="escape"),
    pytest.param(b'{"k":"caf\xc3\xa9"}', {"k": "caf\u00e9"}, id="raw-utf8"),
    pytest.param(b'{"k":"\\ud83d\\ude00"}', {"k": "\U0001f600"}, id="surrogate-pair-escape"),
    pytest.param(b'{"k":"\xf0\x9f\x98\x80"}', {"k": "\U0001f600"}, id="four-byte-utf8"),
    pytest.param(b'{"k":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', {"k": '"\\/\b\f\n\r\t'}, id="every-short-escape"),
    pytest.param(b'{"a":{"a":1}}', {"a": {"a": 1}}, id="same-name-at-different-levels"),
    pytest.param(b'{"A":1,"a":2}', {"A": 1, "a": 2}, id="names-differing-in-case"),
    pytest.param(b"1" + b"0" * 400, int("1" + "0" * 400), id="huge-integer"),
    pytest.param(nested(MAX_DEPTH), nested_value(MAX_DEPTH), id="nesting-at-max-depth"),
    pytest.param(b'["' + b"[" * 600 + b'"]', ["[" * 600], id="brackets-inside-a-string"),
    pytest.param(b'["\\"' + b"{" * 600 + b'"]', ['"' + "{" * 600], id="brackets-after-an-escaped-quote"),
]

MALFORMED: list[Any] = [
    pytest.param(b"", EMPTY, id="empty"),
    pytest.param(b" \t\r\n", EMPTY, id="whitespace-only"),
    pytest.param(BOM, "a BOM and no JSON text", id="bom-only"),
    pytest.param(BOM + b"  ", "a BOM and no JSON text", id="bom-and-whitespace"),
    pytest.param(b'{"a":1} x', "data after the JSON value", id="trailing-data"),
    pytest.param(b"{}{}", "data after the JSON value", id="two-values"),
    pytest.param(b'{"a":1}\x00', "data after the JSON value", id="trailing-nul"),
    pytest.param(b"01", "data after the JSON value", id="leading-zero"),
    pytest.param(b'{"a":NaN}', "NaN is not a JSON value", id="nan"),
    pytest.param(b'{"a":Infinity}', "Infinity is not a JSON value", id="infinity"),
    pytest.param(b"[-Infinity]", "-Infinity is not a JSON value", id="minus-infinity"),
    pytest.param(b'{"a":"x\x01y"}', "raw control character", id="control-char"),
    pytest.param(b'{"a":"line\nbreak"}', "raw control character", id="raw-newline-in-string"),
    pytest.param(b'{"a":"tab\there"}', "raw control character", id="raw-tab-in-string"),
    pytest.param(b'{"a":"\xff"}', "invalid UTF-8", id="invalid-utf8-byte"),
    pytest.param(b'{"a":"\xc0\xaf"}', "invalid UTF-8", id="overlong-utf8"),
    pytest.param(b'{"a":"\xed\xa0\x80"}', "invalid UTF-8", id="utf8-encoded-surrogate"),
    pytest.param(b'{"a":"\xe2\x82"}', "invalid UTF-8", id="truncated-utf8"),
    pytest.param('{"a":1}'.encode("utf-16"), "invalid UTF-8", id="utf16"),
    pytest.param(b"\xc2\xa0{}", "Expecting value", id="non-json-whitespace"),
    pytest.param(b'{"a":1,}', "", id="trailing-comma-object"),
    pytest.param(b"[1,]", "", id="trailing-comma-array"),
    pytest.param(b"{'a':1}", "", id="single-quotes"),
    pytest.param(b'{a:1}', "", id="unquoted-name"),
    pytest.param(b'{"a":1', "", id="unclosed-object"),
    pytest.param(b'{"a":[1}', "", id="crossed-brackets"),
    pytest.param(b'{"a":"\\x41"}', "", id="bad-escape"),
    pytest.param(b'{"a":"\\u12"}', "", id="short-unicode-escape"),
    pytest.param(b"// c\n{}", "", id="comment"),
    pytest.param(b'{"a":0x10}', "", id="hex-number"),
    pytest.param(b'{"a":.5}', "", id="bare-fraction"),
    pytest.param(b'{"a":undefined}', "", id="undefined"),
    pytest.param(nested(MAX_DEPTH + 100, inner=b"", closing=b""), "unbalanced brackets", id="unbalanced-deep"),
    pytest.param(b"[" * (MAX_DEPTH + 1) + b"]" * MAX_DEPTH, "unbalanced brackets", id="one-bracket-short-deep"),
    pytest.param(b"[" * 600 + b"}" * 600, "unbalanced brackets", id="crossed-deep"),
    pytest.param(b"[" * 600 + b'"' + b"]" * 600, "unbalanced brackets", id="unclosed-string-deep"),
    pytest.param(BOM + b'{"a":', "", id="bom-and-broken"),
]

AMBIGUOUS: list[Any] = [
    pytest.param(BOM + b'{"a":1}', "UTF-8 BOM", ({"a": 1},), id="bom"),
    pytest.param(b'{"a":1,"a":2}', "duplicate member a", ({"a": 2}, {"a": 1}), id="duplicate-member"),
    pytest.param(b'{"a":1,"a":1}', "duplicate member a", ({"a": 1},), id="duplicate-same-value"),
    pytest.param(b'{"x":{"k":[1],"k":[2]}}', "duplicate member k", ({"x": {"k": [2]}}, {"x": {"k": [1]}}),
                 id="nested-duplicate"),
    pytest.param(b'{"indexName":"i","keys":["a"],"keys":[]}', "duplicate member keys",
                 ({"indexName": "i", "keys": []}, {"indexName": "i", "keys": ["a"]}), id="duplicate-keys"),
    pytest.param(b'{"k":"\\ud800"}', "lone surrogate", ({"k": "\ud800"},), id="lone-high-surrogate"),
    pytest.param(b'{"k":"\\udc00"}', "lone surrogate", ({"k": "\udc00"},), id="lone-low-surrogate"),
    pytest.param(b'["\\udc00\\ud800"]', "lone surrogate", (["\udc00\ud800"],), id="reversed-pair"),
    pytest.param(b'{"\\ud800":1}', "lone surrogate", ({"\ud800": 1},), id="surrogate-in-a-name"),
    pytest.param(nested(MAX_DEPTH + 1), f"nesting deeper than {MAX_DEPTH}", (), id="nesting-over-max-depth"),
    pytest.param(nested(5000), f"nesting deeper than {MAX_DEPTH}", (), id="very-deep"),
    pytest.param(nested(MAX_DEPTH + 1, b'{"a":', b"}", b"1"), f"nesting deeper than {MAX_DEPTH}", (), id="deep-objects"),
]


@pytest.mark.parametrize(("body", "value"), VALID)
def test_valid(body: bytes, value: Any) -> None:
    parsed = classify(body)
    assert parsed.cls is BodyClass.VALID, parsed.reason
    assert parsed.value == value and parsed.reason == "strict JSON"
    assert parsed.readings == () and not parsed.empty


@pytest.mark.parametrize(("body", "reason"), MALFORMED)
def test_malformed(body: bytes, reason: str) -> None:
    parsed = classify(body)
    assert parsed.cls is BodyClass.MALFORMED, parsed.reason
    assert reason in parsed.reason and parsed.reason.strip() and "\n" not in parsed.reason
    assert parsed.value is None and parsed.readings == ()
    assert parsed.empty is (reason == EMPTY)


@pytest.mark.parametrize(("body", "reason", "readings"), AMBIGUOUS)
def test_ambiguous(body: bytes, reason: str, readings: tuple[Any, ...]) -> None:
    parsed = classify(body)
    assert parsed.cls is BodyClass.AMBIGUOUS, parsed.reason
    assert reason in parsed.reason and "RFC 8259" in parsed.reason
    assert parsed.value is None and not parsed.empty
    assert parsed.readings == readings  # every plausible parse, each once (for a 2xx judged by its effect)


def test_reasons_cite_the_rfc_section() -> None:
    sections = {
        b'{"a":1} x': "§2",
        b'{"a":1,"a":2}': "§4",
        b"[NaN]": "§6",
        b'["\x01"]': "§7",
        b"\xff": "§8.1",
        BOM + b"{}": "§8.1",
        b'["\\ud800"]': "§8.2",
        nested(MAX_DEPTH + 1): "§9",
    }
    for body, section in sections.items():
        assert section in classify(body).reason, body[:20]


def test_very_deep_bodies_are_classified_without_recursion_and_quickly() -> None:
    started = time.monotonic()
    assert classify(nested(200_000)).cls is BodyClass.AMBIGUOUS
    assert classify(b"[" * 200_000).cls is BodyClass.MALFORMED
    assert classify(b'{"k":' * 100_000 + b"1" + b"}" * 99_999).cls is BodyClass.MALFORMED
    assert time.monotonic() - started < 5.0


def test_strings_in_finds_every_string_names_included_iteratively() -> None:
    value = {"a": ["b", {"c": "d"}, 1, None], "e": "f"}
    assert sorted(strings_in(value)) == ["a", "b", "c", "d", "e", "f"]
    assert strings_in([*nested_value(100_000), "x"]) == ["x"]  # no recursion limit
    assert strings_in(3) == [] and strings_in("s") == ["s"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@fast(60)
@given(value=JSON_VALUES, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_anything_a_json_encoder_writes_is_valid_and_reads_back(value: Any, ascii_only: bool, indent: int | None) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode("utf-8")
    parsed = classify(body)
    assert parsed.cls is BodyClass.VALID, parsed.reason
    assert parsed.value == value


@fast(60)
@given(value=JSON_VALUES, junk=st.sampled_from([b"x", b"]", b"}", b",", b"{}", b"null"]))
def test_anything_with_trailing_data_is_malformed(value: Any, junk: bytes) -> None:
    body = json.dumps(value).encode("utf-8") + b" " + junk
    assert classify(body).cls is BodyClass.MALFORMED
