"""Where the request points: a missing index, a missing bucket, and which error wins."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.harness import Arena
from conformance.suite._common import profile, requirements
from conformance.suite_support import Case, raw_delete, sdk_delete
from strategies.keylists import unique_key_lists


@requirements("DV-NO-SUCH-INDEX", "DV-NO-COLLATERAL", "DV-ERROR-SHAPE", "DV-REQUEST-ID")
@profile(4)
@given(keys=unique_key_lists(3))
def test_delete_vectors_missing_index_not_found(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(sdk_delete(keys), stored=keys, index_exists=False, witnesses=True)


@requirements("DV-NO-SUCH-BUCKET", "DV-NO-SUCH-BUCKET-CODE", "DV-NO-COLLATERAL")
@profile(3)
@given(keys=unique_key_lists(2))
def test_delete_vectors_missing_bucket_not_found(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(sdk_delete(keys), stored=keys, bucket_exists=False, index_exists=False, witnesses=True)


@pytest.mark.wire_only
@requirements("DV-OBS-PRECEDENCE", "DV-NO-COLLATERAL", "DV-REJECT-NO-EFFECT")
@pytest.mark.parametrize("index_exists", [False, True], ids=["missing_index", "existing_index"])
@pytest.mark.parametrize("problem", ["malformed", "too_many", "empty", "keys_not_list"])
@profile(3)
@given(data=st.data())
def test_delete_vectors_error_precedence_recorded(case: Case, problem: str, index_exists: bool, data: st.DataObject) -> None:
    """Two things wrong at once: the status class is certain, which code wins is recorded."""
    import json

    def body(arena: Arena) -> bytes:
        index = arena.index
        if problem == "malformed":
            return b'{"indexName": "' + index.encode() + b'", "keys": ["doc-1",]}'
        keys: object = {"too_many": [f"k{i}" for i in range(501)], "empty": [], "keys_not_list": "doc-1"}[problem]
        return json.dumps({"indexName": index, "keys": keys}).encode()

    case.example(problem=problem, index_exists=index_exists)
    case.delete(raw_delete(body), stored=["doc-1"], index_exists=index_exists, witnesses=not index_exists)
