"""Differences are named by what differs and where the request falls, never by keys or run-unique names."""

from __future__ import annotations

from dataclasses import replace

from conformance.differential.compare import differences
from conformance.differential.normalise import Normalised

OK = Normalised(
    answer="204",
    is_error=False,
    shape=None,
    request_id=True,
    refused=frozenset(),
    requested=frozenset({"a"}),
    gone=frozenset({"a"}),
    changed=frozenset(),
    returned=frozenset(),
    context="DV-OBS-DUPLICATES",
)
REJECTED = replace(OK, answer="400 VectorIndexParameterInvalid", is_error=True, shape='JSON {"Error": {...}}', gone=frozenset(),
                   returned=frozenset({"a"}))


def test_alike_is_no_difference() -> None:
    assert differences(OK, OK) == [] and differences(REJECTED, replace(REJECTED)) == []


def test_different_answers_are_one_kind_with_the_effect_in_its_detail() -> None:
    [found] = differences(OK, REJECTED)
    assert found.kind == "DV-OBS-DUPLICATES: answer 204 vs 400 VectorIndexParameterInvalid"
    assert found.core == "answer 204 vs 400 VectorIndexParameterInvalid"
    assert "deleted {'a'}" in found.detail and "deleted nothing" in found.detail


def test_the_same_answer_with_another_effect_is_an_effect_kind() -> None:
    more = replace(OK, gone=frozenset({"a", "b"}))
    [found] = differences(OK, more)
    assert found.kind == "DV-OBS-DUPLICATES: effect the requested keys deleted vs unrequested keys deleted"


def test_the_same_effect_with_another_read_back_is_a_read_back_kind() -> None:
    [found] = differences(OK, replace(OK, returned=frozenset({"a"})))
    assert found.core == "read-back GetVectors returns none of the requested keys vs GetVectors returns every requested key"


def test_the_error_dialect_and_the_request_id_are_kinds_of_their_own() -> None:
    xml = replace(REJECTED, shape="OSS XML", request_id=False)
    kinds = {d.kind for d in differences(REJECTED, xml)}
    assert kinds == {'error shape: JSON {"Error": {...}} vs OSS XML', "x-oss-request-id: present vs missing"}


def test_keys_one_side_refused_to_store_are_a_difference_of_the_world() -> None:
    [found] = differences(OK, replace(OK, refused=frozenset({"a"})))
    assert found.kind == "PutVectors: stored 0 vs 1 key(s) refused"
