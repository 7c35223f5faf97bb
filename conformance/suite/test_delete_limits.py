"""The documented bounds: 1 to 500 unique keys; outside them, 400 VectorIndexParameterInvalid and nothing deleted."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from conformance.authoring import Case, delete_request, profile, requirements
from strategies.keylists import lists_with_duplicates, oversized_unique_lists, pooled_key_lists, unique_key_lists


@requirements("DV-LIMIT-501", "DV-REJECT-NO-EFFECT", "DV-ERROR-SHAPE")
@profile(4)
@given(keys=oversized_unique_lists(501, 1000))
def test_delete_vectors_more_than_500_unique_keys_rejected(case: Case, keys: list[str]) -> None:
    case.example(keys=keys)
    case.delete(delete_request(keys), stored=keys[:600])


@requirements("DV-KEYS-EMPTY", "DV-REJECT-NO-EFFECT")
@profile(2)
@given(stored=pooled_key_lists(2))
def test_delete_vectors_empty_key_list_rejected(case: Case, stored: list[str]) -> None:
    case.example(stored=stored, keys=[])
    case.delete(delete_request([]), stored=stored)


@requirements("DV-OBS-DUPLICATES", "DV-OBS-RAW-OVER-500", "DV-NO-COLLATERAL", "DV-REJECT-NO-EFFECT", "DV-DELETES-REQUESTED")
@profile(6)
@given(keys=lists_with_duplicates(), survivors=unique_key_lists(2))
@example(keys=["doc-1"] * 501, survivors=["doc-2", "doc-3"])
def test_delete_vectors_duplicate_keys_delete_the_unique_set(case: Case, keys: list[str], survivors: list[str]) -> None:
    """Undocumented whether duplicates are accepted; if they are, exactly the unique set must go."""
    survivors = [k for k in survivors if k not in keys]
    case.example(keys=keys, survivors=survivors)
    case.delete(delete_request(keys), stored=[*dict.fromkeys(keys), *survivors])


@requirements("DV-OBS-KEY-LENGTH", "DV-NO-COLLATERAL", "DV-REJECT-NO-EFFECT")
@profile(4)
@given(bad=st.sampled_from(["", "k" * 1025, "\u00e9" * 1025, "\U0001f600" * 1025]), neighbour=st.sampled_from(["k", "k" * 1024]))
@example(bad="", neighbour="k")
def test_delete_vectors_keys_outside_documented_length(case: Case, bad: str, neighbour: str) -> None:
    case.example(bad=bad, neighbour=neighbour)
    case.delete(delete_request([bad, neighbour]), stored=[neighbour, "survivor"])
