"""Where the request points: a missing index, a missing bucket, and which error wins."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.authoring import Arena, Case, delete_request, profile, raw_delete, requirements
from conformance.records import AuthKind, AuthSpec
from strategies.keylists import KEY_POOL, pooled_key_lists


@requirements("DV-NO-SUCH-INDEX", "DV-NO-COLLATERAL", "DV-ERROR-SHAPE", "DV-REQUEST-ID")
@profile(4)
@given(keys=pooled_key_lists(3))
def test_delete_vectors_missing_index_not_found(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(delete_request(keys), stored=KEY_POOL, index_exists=False, witnesses=True)


@requirements("DV-NO-SUCH-BUCKET", "DV-NO-SUCH-BUCKET-CODE", "DV-NO-COLLATERAL")
@profile(3)
@given(keys=pooled_key_lists(2))
def test_delete_vectors_missing_bucket_not_found(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(delete_request(keys), stored=KEY_POOL, bucket_exists=False, index_exists=False, witnesses=True)


@pytest.mark.wire_only
@requirements("DV-OBS-PRECEDENCE", "DV-NO-COLLATERAL", "DV-REJECT-NO-EFFECT")
@pytest.mark.parametrize(
    ("index_exists", "signed"),
    [(False, True), (False, False), (True, False)],
    ids=["missing_index", "missing_index_unsigned", "existing_index_unsigned"],
)
@pytest.mark.parametrize("problem", ["malformed", "too_many", "empty", "keys_not_list", "keys_missing"])
@profile(3)
@given(data=st.data())
def test_delete_vectors_error_precedence_recorded(
    case: Case, problem: str, index_exists: bool, signed: bool, data: st.DataObject
) -> None:
    """Two or three things wrong at once (the body, the index, the authentication): the status class is
    certain and nothing may be deleted; which code wins is recorded."""
    import json

    def body(arena: Arena) -> bytes:
        index = arena.index
        if problem == "malformed":
            return b'{"indexName": "' + index.encode() + b'", "keys": ["doc-1",]}'
        if problem == "keys_missing":
            return json.dumps({"indexName": index}).encode()
        keys: object = {"too_many": [f"k{i}" for i in range(501)], "empty": [], "keys_not_list": "doc-1"}[problem]
        return json.dumps({"indexName": index, "keys": keys}).encode()

    case.example(problem=problem, index_exists=index_exists, signed=signed)
    auth = AuthSpec() if signed else AuthSpec(AuthKind.NONE)
    case.delete(raw_delete(body, auth=auth), stored=["doc-1"], index_exists=index_exists, witnesses=not index_exists)
