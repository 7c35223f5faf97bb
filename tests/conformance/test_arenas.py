"""The held worlds (conformance/arenas.py) against a real emulator: an index kept across examples holds exactly
what each example needs, no request-named leftover survives, an unjudged change is read before it is trusted,
and closing removes everything (the black-box view: what ListVectors shows)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conformance.accounting import UNDER_TEST
from conformance.arenas import ROTATE_AT, Keeper, body_strings
from conformance.client import RawClient
from conformance.config import load_settings
from conformance.harness import DeleteHarness
from conformance.naming import Names, new_run_id
from conformance.ops import delete_vectors_spec
from conformance.recorder import Recorder
from conformance.records import Verdict
from conformance.target import Target
from emulator.testing import RunningEmulator, start_emulator


def _target_of(emulator: RunningEmulator) -> Target:
    creds = emulator.credentials
    settings = load_settings(
        environ={
            "OSSV_ENDPOINT": emulator.endpoint,
            "OSSV_REGION": emulator.region,
            "OSSV_ACCOUNT_ID": creds.account_id,
            "OSS_ACCESS_KEY_ID": creds.access_key_id,
            "OSS_ACCESS_KEY_SECRET": creds.access_key_secret,
            "OSSV_READ_LAG": "3",
        }
    )
    target = Target(settings, RawClient(settings), Names(new_run_id(), "arena"))
    target.setup()
    return target


@pytest.fixture
def target(ossv_emulator: RunningEmulator) -> Iterator[Target]:
    target = _target_of(ossv_emulator)
    yield target
    target.teardown()
    target.client.close()


def test_puts_a_lagging_read_does_not_show_yet_cannot_surface_after_a_relearn() -> None:
    """An example that broke off after storing keys leaves puts a read may not show yet: the next example
    must not take "not shown" for "not there" (they would appear later, from nowhere, as collateral)."""
    with start_emulator(options={"put_visibility_lag_s": 1.0}) as emulator:
        target = _target_of(emulator)
        try:
            keeper = Keeper(target)
            keeper.arrange(["a", "b"], [], witnesses=False, index_exists=True, bucket_exists=True,
                           named=None, record=_ignore)
            keeper.mark_stale()  # the example broke off before any read-back
            second, _ = keeper.arrange(["c"], [], witnesses=False, index_exists=True, bucket_exists=True,
                                       named=None, record=_ignore)
            assert set(second.before[second.location]) == {"c"}
            time.sleep(1.5)  # every put is visible by now
            assert set(target.snapshot(*second.location)) == {"c"}
        finally:
            target.teardown()
            target.client.close()


def _ignore(verdicts: list[Verdict]) -> None:
    pass


def test_an_index_is_kept_and_holds_exactly_what_each_example_needs(target: Target) -> None:
    keeper = Keeper(target)
    first, held = keeper.arrange(["a", "b", "c"], [], witnesses=False, index_exists=True, bucket_exists=True,
                                 named=frozenset({"a"}), record=_ignore)
    assert set(target.snapshot(*first.location)) == {"a", "b", "c"}
    keeper.adopt(held, first)
    sent_before = target.client.sent
    # the next example names "b" (a leftover) without storing it: it must be absent; "c" stays as a bystander
    second, _ = keeper.arrange(["a", "d"], [], witnesses=False, index_exists=True, bucket_exists=True,
                               named=frozenset({"a", "b", "d"}), record=_ignore)
    assert target.client.sent - sent_before == 2  # one PutVectors of "d", one DeleteVectors of "b"
    assert second.location == first.location  # the same index, not a fresh one
    assert set(second.before[second.location]) == {"a", "c", "d"}
    assert set(target.snapshot(*second.location)) == {"a", "c", "d"}
    assert second.unsettled == {"d"}  # only the new key's put may not be visible yet
    assert "b" in second.may_vanish[second.location]


def test_a_multi_step_example_gets_every_leftover_removed(target: Target) -> None:
    keeper = Keeper(target)
    first, held = keeper.arrange(["a", "b"], [], witnesses=False, index_exists=True, bucket_exists=True,
                                 named=None, record=_ignore)
    keeper.adopt(held, first)
    second, _ = keeper.arrange(["c"], [], witnesses=False, index_exists=True, bucket_exists=True, named=None, record=_ignore)
    assert set(target.snapshot(*second.location)) == {"c"}


def test_predeleted_keys_were_stored_and_are_gone(target: Target) -> None:
    keeper = Keeper(target)
    arena, _ = keeper.arrange(["a"], ["p"], witnesses=False, index_exists=True, bucket_exists=True,
                              named=frozenset(), record=_ignore)
    assert set(arena.before[arena.location]) == {"a"}
    assert set(target.snapshot(*arena.location)) == {"a"}


def test_an_unjudged_change_is_read_before_the_model_is_trusted(target: Target) -> None:
    keeper = Keeper(target)
    first, held = keeper.arrange(["a", "b"], [], witnesses=False, index_exists=True, bucket_exists=True,
                                 named=frozenset(), record=_ignore)
    keeper.adopt(held, first)
    target.delete_own(*first.location, ["b"])  # behind the model's back, as a property's own send would
    keeper.mark_stale()
    second, _ = keeper.arrange(["a"], [], witnesses=False, index_exists=True, bucket_exists=True,
                               named=frozenset(), record=_ignore)
    assert set(second.before[second.location]) == {"a"}


def test_witnesses_are_shared_and_closing_removes_everything(target: Target) -> None:
    keeper = Keeper(target)
    arena, held = keeper.arrange(["w1", "w2"], [], witnesses=True, index_exists=True, bucket_exists=True,
                                 named=frozenset(), record=_ignore)
    assert held.twin is not None and held.twin[1] == arena.index
    assert target.witness is not None
    shared = (target.buckets.primary, target.witness)
    assert {"w1", "w2"} <= set(target.snapshot(*shared))
    keeper.adopt(held, arena)
    # another world (a missing index) watches the same witness index: one model, no false "appeared"
    other, _ = keeper.arrange(["w3"], [], witnesses=True, index_exists=False, bucket_exists=True,
                              named=frozenset(), record=_ignore)
    assert set(other.before[shared]) == {"w1", "w2", "w3"}
    keeper.close()
    assert not set(target.snapshot(*shared)) & {"w1", "w2", "w3"}
    indexes = {str(i.get("indexName")) for i in target.ops.list_vector_indexes(target.buckets.primary).items}
    assert arena.index not in indexes


def test_an_index_grown_past_the_page_is_replaced(target: Target) -> None:
    keeper = Keeper(target)
    keys = [f"k{i}" for i in range(ROTATE_AT - 10)]
    first, held = keeper.arrange(keys, [], witnesses=False, index_exists=True, bucket_exists=True,
                                 named=frozenset(), record=_ignore)
    keeper.adopt(held, first)
    second, _ = keeper.arrange([f"n{i}" for i in range(20)], [], witnesses=False, index_exists=True, bucket_exists=True,
                               named=frozenset(), record=_ignore)
    assert second.index != first.index
    assert set(target.snapshot(*second.location)) == {f"n{i}" for i in range(20)}


def test_body_strings_names_every_reading() -> None:
    assert body_strings(b'{"indexName": "i", "keys": ["a", "b"]}') == {"indexName", "i", "keys", "a", "b"}
    assert body_strings(b'{"keys": ["a"], "keys": ["b"]}') >= {"a", "b"}  # duplicate members: both readings
    assert body_strings(b"{not json") == frozenset()


def test_an_example_costs_its_request_and_one_read_once_the_index_holds_its_keys(target: Target) -> None:
    """The headline of issue 11: a rejected request in a kept index is two requests."""
    recorder = Recorder("t", [], False)
    harness = DeleteHarness(target, recorder)
    stored = ["doc-1", "doc-2"]

    for round_ in range(3):
        recorder.start_example(f"round {round_}")
        before = target.client.tally.copy()
        with harness.arena(stored, named=frozenset({"doc-1"})) as arena:
            harness.check(arena, delete_vectors_spec(arena.bucket, arena.index, []))  # empty keys: 400
        spent = target.client.tally.since(before)
        if round_ > 0:
            assert sum(spent.values()) == 2, spent
            assert spent[("DeleteVectors", UNDER_TEST)] == 1
    harness.close()
