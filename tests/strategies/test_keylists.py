"""Key lists and delete scenarios have the sizes, uniqueness and structure their names promise."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import keylists as kl
from strategies.keys import MAX_KEY_LENGTH
from tests.helpers.hypothesis_settings import FAST, fast, minimal, reaches


@pytest.mark.parametrize("n", [0, 1, 2, 499, 500, 501, 1000])
def test_unique_key_lists_have_exactly_n_unique(n: int) -> None:
    @FAST
    @given(kl.unique_key_lists(n))
    def check(keys: list[str]) -> None:
        assert len(keys) == n and len(set(keys)) == n

    check()


def test_generating_a_500_key_list() -> None:
    """Generation speed smoke check (not timed): a 500-key list comes out of a single draw."""
    keys = reaches(kl.exactly_500_key_lists(), lambda ks: len(set(ks)) == 500, max_examples=1)
    assert len(keys) == 500


def test_key_lists_shrink_to_numbered_ascii() -> None:
    assert minimal(kl.unique_key_lists(5)) == [f"k{i}" for i in range(5)]
    assert minimal(kl.key_lists(3, 10)) == ["k0", "k1", "k2"]


@pytest.mark.parametrize(
    ("strategy", "sizes"),
    [
        (kl.empty_lists(), {0}),
        (kl.single_key_lists(), {1}),
        (kl.in_range_key_lists(), set(range(2, 500))),
        (kl.exactly_500_key_lists(), {500}),
        (kl.exactly_501_key_lists(), {501}),
        (kl.exactly_1000_key_lists(), {1000}),
        (kl.oversized_unique_lists(), set(range(501, 1001))),
    ],
    ids=["empty", "single", "2-499", "500", "501", "1000", "oversized"],
)
def test_named_sizes_are_unique_and_sized(strategy: st.SearchStrategy[list[str]], sizes: set[int]) -> None:
    @FAST
    @given(strategy)
    def check(keys: list[str]) -> None:
        assert len(keys) in sizes and len(set(keys)) == len(keys)

    check()


@FAST
@given(st.integers(0, 30), st.integers(0, 30), st.booleans(), st.data())
def test_key_lists_respect_bounds(a: int, b: int, unique: bool, data: st.DataObject) -> None:
    lo, hi = min(a, b), max(a, b)
    keys = data.draw(kl.key_lists(lo, hi, unique=unique))
    assert lo <= len(keys) <= hi
    if unique:
        assert len(set(keys)) == len(keys)


def test_key_lists_can_repeat_entries() -> None:
    reaches(kl.key_lists(2, 10), lambda ks: len(set(ks)) < len(ks))


@FAST
@given(kl.lists_with_duplicates())
def test_lists_with_duplicates_repeat_and_cap_unique(keys: list[str]) -> None:
    assert len(set(keys)) < len(keys)
    assert 1 <= len(set(keys)) <= kl.MAX_UNIQUE_KEYS
    assert len(keys) <= 2 * kl.MAX_UNIQUE_KEYS


def test_lists_with_duplicates_reach_the_raw_over_500_boundary() -> None:
    reaches(kl.lists_with_duplicates(), lambda ks: len(ks) > 500 and len(set(ks)) == 500)
    reaches(kl.lists_with_duplicates(), lambda ks: len(ks) == 501 and len(set(ks)) == 500)


@FAST
@given(kl.lists_with_duplicates(min_unique=501, max_unique=600))
def test_lists_with_duplicates_can_be_over_500_unique(keys: list[str]) -> None:
    assert 501 <= len(set(keys)) <= 600 and len(set(keys)) < len(keys)


def _check_scenario(s: kl.DeleteScenario) -> None:
    stored = set(s.stored)
    assert len(stored) == len(s.stored), "stored keys are unique"
    assert set(s.predeleted) <= stored
    assert set(s.bystanders) <= stored
    assert not set(s.bystanders) & set(s.request), "bystanders are never requested"
    assert not set(s.bystanders) & set(s.predeleted)
    assert all(1 <= len(k) <= MAX_KEY_LENGTH for k in s.stored)


@fast(40)
@given(kl.delete_scenarios())
def test_delete_scenarios_are_consistent(s: kl.DeleteScenario) -> None:
    _check_scenario(s)


@pytest.mark.parametrize("s", kl.scenario_examples(), ids=lambda s: s.label)
def test_scenario_examples_are_consistent(s: kl.DeleteScenario) -> None:
    _check_scenario(s)
    assert s.label


def test_scenario_examples_cover_the_boundaries() -> None:
    by_label = {s.label: s for s in kl.scenario_examples()}
    assert len(set(by_label["zero_unique_keys"].request)) == 0
    assert len(set(by_label["one_unique_key"].request)) == 1
    assert len(set(by_label["500_unique_keys"].request)) == 500
    assert len(set(by_label["501_unique_keys"].request)) == 501
    dup = by_label["501_raw_500_unique"].request
    assert (len(dup), len(set(dup))) == (501, 500)
    long = by_label["1024_code_point_keys"].request
    assert all(len(k) == 1024 for k in long) and any(len(k.encode()) > 1024 for k in long)


@pytest.mark.parametrize(
    "condition",
    [
        lambda s: len(set(s.request)) == 0,
        lambda s: len(set(s.request)) == 1,
        lambda s: len(set(s.request)) == 500,
        lambda s: len(set(s.request)) == 501,
        lambda s: len(s.request) > 500 >= len(set(s.request)),
        lambda s: len(s.stored) > 100,
        lambda s: len(s.bystanders) >= 2,
        lambda s: set(s.predeleted) & set(s.request),
        lambda s: set(s.request) - set(s.stored) and set(s.request) & set(s.stored),
        lambda s: s.request != tuple(dict.fromkeys(s.request)) and len(set(s.request)) == len(s.request) - 1,
    ],
    ids=["0-unique", "1-unique", "500-unique", "501-unique", "raw>500", "big-store", "bystanders", "predeleted-requested",
         "mixed-existence", "one-duplicate"],
)  # fmt: skip
def test_delete_scenarios_reach_interesting_shapes(condition: Callable[[kl.DeleteScenario], object]) -> None:
    reaches(kl.delete_scenarios(), condition)


@FAST
@given(kl.split_pairs())
def test_split_pairs_draw_from_a_common_store(split: kl.KeySplit) -> None:
    assert split.first and split.second
    assert len(set(split.first)) == len(split.first) and len(set(split.second)) == len(split.second)
    union = split.union()
    assert set(union) == set(split.first) | set(split.second) and len(union) == len(set(union))
    assert len(set(split.stored)) == len(split.stored)


def test_split_pairs_can_overlap_and_be_disjoint() -> None:
    reaches(kl.split_pairs(), lambda s: bool(set(s.first) & set(s.second)))
    reaches(kl.split_pairs(), lambda s: not set(s.first) & set(s.second))


@FAST
@given(st.sampled_from([0, 1, 5, 20, 21, 500]), st.data())
def test_permutations_of_keep_the_multiset(n: int, data: st.DataObject) -> None:
    items = [f"k{i % 7}" for i in range(n)]
    perm = data.draw(kl.permutations_of(items))
    assert sorted(perm) == sorted(items)


def test_permutations_of_long_lists_can_reorder() -> None:
    items = [f"k{i}" for i in range(100)]
    assert minimal(kl.permutations_of(items), lambda _: True) == items
    reaches(kl.permutations_of(items), lambda p: p != items and p != items[::-1])
