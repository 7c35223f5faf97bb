"""The shrinker's moves: each candidate is a simpler case of the same family, short names keep the pattern of
equal keys, and kinds that shrank to the same name become one."""

from __future__ import annotations

from conformance.differential.cases import DiffCase
from conformance.differential.compare import Difference
from conformance.differential.explore import Found, _short_names, candidates, merged, simplest_body
from conformance.differential.pair import Outcome
from conformance.records import AuthKind, AuthSpec

FANCY = DiffCase(
    "valid",
    ("doc-1", "doc-10"),
    ("doc-1", "doc-1", "zz"),
    b'{"keys": ["doc-1", "doc-1", "zz"], "foo": 1, "indexName": "ossvcdiffindex"}',
    auth=AuthSpec(AuthKind.STS),
)


def test_the_simplest_valid_body_is_the_compact_object() -> None:
    assert simplest_body("valid", ("a", "a")) == b'{"indexName":"ossvcdiffindex","keys":["a","a"]}'
    assert simplest_body("top_level_array", ("a",)) == b"[]"


def test_short_names_keep_equal_keys_equal_and_distinct_ones_distinct() -> None:
    names = _short_names(FANCY, "")
    assert names == {"doc-1": "a", "zz": "b", "doc-10": "c"}


def test_candidates_simplify_one_thing_at_a_time() -> None:
    found = list(candidates(FANCY))
    assert found[0].body == b"" and found[1].stored == ()
    assert any(c.keys == ("a", "a", "b") and c.body == b'{"indexName":"ossvcdiffindex","keys":["a","a","b"]}' for c in found)
    assert any(c.auth == AuthSpec() and c.keys == FANCY.keys for c in found)
    assert sum(c.size < FANCY.size for c in found) >= len(found) - 1


def _found(kind: str, count: int, case: DiffCase) -> Found:
    core = kind.split(": ", 1)[1]
    context = kind.split(": ", 1)[0]
    return Found(kind, count, Outcome(case, differences=(Difference(core, "detail", context),)))


def test_kinds_that_shrank_to_one_name_are_one_kind() -> None:
    small = FANCY.with_(stored=(), keys=("a", "a"), body=simplest_body("valid", ("a", "a")), auth=AuthSpec())
    x, y = "X: answer 1 vs 2", "Y: answer 1 vs 2"
    one = merged([_found(x, 3, FANCY), _found(x, 2, small), _found(y, 1, FANCY)])
    assert sorted((f.kind, f.count) for f in one) == [("X: answer 1 vs 2", 5), ("Y: answer 1 vs 2", 1)]
    assert next(f for f in one if f.kind.startswith("X")).case == small
