"""Valid deletes: 204, exactly the requested keys gone, nothing else touched, absent keys fine."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from conformance.authoring import Case, delete_request, profile, requirements
from conformance.limits import DOCUMENTED_QUERY, SDK_QUERY
from strategies.keylists import DeleteScenario, delete_scenarios, scenario_examples, unique_key_lists

EXAMPLES = {s.label: s for s in scenario_examples()}


QUERY_FORMS = [DOCUMENTED_QUERY, SDK_QUERY]  # POST /?deleteVectors (the API page) and ?deleteVectors= (the SDK)


@requirements(
    "DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL", "DV-ABSENT-KEYS-OK", "DV-REQUEST-ID", "DV-NO-SERVER-ERROR"
)
@profile()
@given(
    scenario=delete_scenarios(request_sizes=st.integers(1, 12), duplicates=False),
    query=st.sampled_from(QUERY_FORMS),
    witnesses=st.booleans(),  # other indexes watched in about half the examples: each costs two puts and two reads
)
@example(scenario=EXAMPLES["one_unique_key"], query=DOCUMENTED_QUERY, witnesses=True)
@example(scenario=EXAMPLES["one_unique_key"], query=SDK_QUERY, witnesses=True)
@example(scenario=EXAMPLES["predeleted_and_never_stored"], query=DOCUMENTED_QUERY, witnesses=True)
@example(scenario=EXAMPLES["near_miss_bystanders"], query=SDK_QUERY, witnesses=True)
@example(
    scenario=DeleteScenario(
        stored=(" doc-1", "doc-1", "doc-2\t", "doc-2"), request=(" doc-1", "doc-2\t"), bystanders=("doc-1", "doc-2")
    ),
    query=DOCUMENTED_QUERY,
    witnesses=True,
)
def test_delete_vectors_valid_request_deletes_exactly_the_requested_keys(
    case: Case, scenario: DeleteScenario, query: str, witnesses: bool
) -> None:
    """Either request line, the documented ``?deleteVectors`` or the SDK's ``?deleteVectors=``, is judged alike.
    With ``witnesses``, the same keys stored in another index and in the same-named index of another bucket
    must survive."""
    case.example(scenario=scenario, query=query, witnesses=witnesses)
    request = delete_request(list(scenario.request), query=query)
    case.delete(request, stored=scenario.stored, predeleted=scenario.predeleted, witnesses=witnesses)


@requirements("DV-ABSENT-KEYS-OK", "DV-SUCCESS-204", "DV-NO-COLLATERAL")
@profile(10)
@given(stored=unique_key_lists(3), absent=unique_key_lists(3))
@example(stored=[], absent=["never-stored"])
def test_delete_vectors_absent_keys_are_not_an_error(case: Case, stored: list[str], absent: list[str]) -> None:
    absent = [k for k in absent if k not in stored] or ["never-stored-" + str(len(stored))]
    case.example(stored=stored, absent=absent)
    case.delete(delete_request(absent), stored=stored)


@requirements("DV-LIMIT-500", "DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL")
@profile(3)
@given(keys=unique_key_lists(500), extra=unique_key_lists(5))
def test_delete_vectors_500_unique_keys_accepted(case: Case, keys: list[str], extra: list[str]) -> None:
    survivors = [k for k in extra if k not in keys]
    case.example(keys=keys, survivors=survivors)
    case.delete(delete_request(keys), stored=[*keys, *survivors])


@requirements(
    "DV-SUCCESS-204",
    "DV-DELETES-REQUESTED",
    "DV-NO-COLLATERAL",
    "DV-LIMIT-500",
    "DV-LIMIT-501",
    "DV-KEYS-EMPTY",
    "DV-REJECT-NO-EFFECT",
    "DV-OBS-DUPLICATES",
    "DV-OBS-RAW-OVER-500",
    "DV-OBS-KEY-LENGTH",
)
@profile()
@given(scenario=delete_scenarios())
@example(scenario=EXAMPLES["zero_unique_keys"])
@example(scenario=EXAMPLES["501_raw_500_unique"])
@example(scenario=EXAMPLES["1024_code_point_keys"])
@example(scenario=EXAMPLES["1025_code_point_key"])
@example(scenario=EXAMPLES["500_unique_keys"])
@example(scenario=EXAMPLES["501_unique_keys"])
@example(scenario=EXAMPLES["502_raw_501_unique"])
def test_delete_vectors_generated_scenarios_match_the_documentation(case: Case, scenario: DeleteScenario) -> None:
    """Everything the key-list strategies make, judged by the oracle from the request sent."""
    case.example(scenario=scenario)
    case.delete(delete_request(list(scenario.request)), stored=scenario.stored, predeleted=scenario.predeleted)
