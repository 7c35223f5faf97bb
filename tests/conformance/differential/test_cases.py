"""A differential case as data: the placeholder index in every spelling, headers over the bytes really sent,
and a JSON round trip that replays exactly the same request."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings

from conformance.differential.cases import PLACEHOLDER_INDEX, DiffCase, diff_cases, substitute
from conformance.records import AuthKind, AuthSpec
from strategies.bodies import COMPACT, HeaderVariant, JsonStyle, Md5Mode, Obj, encode_json


@pytest.mark.parametrize("style", [COMPACT, JsonStyle(escape="all"), JsonStyle(escape="all", upper_hex=True)])
def test_the_placeholder_becomes_the_sides_index_in_every_spelling(style: JsonStyle) -> None:
    template = encode_json(Obj((("indexName", PLACEHOLDER_INDEX), ("keys", ["a"]))), style)
    body = substitute(template, "ossvc1a2b3c4daxd7")
    assert PLACEHOLDER_INDEX.encode() not in body
    assert encode_json(Obj((("indexName", "ossvc1a2b3c4daxd7"), ("keys", ["a"]))), style) == body


def test_a_rendered_request_carries_the_md5_of_the_bytes_it_sends() -> None:
    case = DiffCase("valid", (), ("a",), b'{"indexName":"ossvcdiffindex","keys":["a"]}')
    spec = case.render("bucket", "realindex")
    assert spec.body == b'{"indexName":"realindex","keys":["a"]}' and spec.bucket == "bucket"
    md5 = base64.b64encode(hashlib.md5(spec.body).digest()).decode()
    assert ("Content-MD5", md5) in spec.headers and ("Content-Type", "application/json") in spec.headers


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(diff_cases())
def test_a_case_survives_its_json_round_trip(case: DiffCase) -> None:
    assert DiffCase.from_json(case.to_json()) == case


def test_every_field_of_a_case_is_recorded() -> None:
    case = DiffCase(
        "truncated",
        ("x",),
        ("x", "x"),
        b"\xff{",
        HeaderVariant(None, Md5Mode.WRONG),
        AuthSpec(AuthKind.SKEWED_PAST, "", 1500),
        "deleteVectors=",
        index_exists=False,
    )
    assert DiffCase.from_json(case.to_json()) == case


@pytest.mark.parametrize("broken", [{}, {"family": "valid"}, {**DiffCase("valid", (), (), b"").to_json(), "content_md5": "?"}])
def test_what_is_not_a_recorded_case_is_one_line(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not a recorded differential case") as raised:
        DiffCase.from_json(broken)
    assert "\n" not in str(raised.value)


def test_simpler_cases_are_smaller() -> None:
    plain = DiffCase("valid", (), ("a", "a"), b'{"indexName":"ossvcdiffindex","keys":["a","a"]}')
    assert plain.size < plain.with_(keys=("X", "X"), body=plain.body.replace(b'"a"', b'"X"')).size
    assert plain.size < plain.with_(stored=("a",)).size < plain.with_(stored=("a",), auth=AuthSpec(AuthKind.NONE)).size
