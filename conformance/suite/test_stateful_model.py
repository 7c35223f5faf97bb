"""A stateful model of indexes in two buckets: puts, deletes, gets and lists, checked at every step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from conformance import profiles
from conformance.authoring import Case, profile, requirements
from conformance.ops import delete_vectors_spec
from conformance.records import Location, Verdict
from conformance.target import canonical, vector_for

KEY_POOL = ["doc-1", "doc-10", "Doc-1", "doc-2", "a/b", "caf\u00e9", "cafe\u0301", " pad", "\U0001f600", "x" * 40]
keys_lists = st.lists(st.sampled_from(KEY_POOL), min_size=1, max_size=6)


def eventually(case: Case, read: Callable[[], dict[str, str]], expected: dict[str, str]) -> dict[str, str]:
    """Read until the answer matches the model or the allowed read lag has passed (reads may lag writes)."""
    return case.wait_until(read, lambda got: got == expected)


def _machine(case: Case) -> type[RuleBasedStateMachine]:

    class DeleteVectorsModel(RuleBasedStateMachine):
        """Model: location -> key -> canonical vector. Every answer and read-back is compared with it."""

        def __init__(self) -> None:
            super().__init__()
            self.locations: list[Location] = []
            self.model: dict[Location, dict[str, str]] = {}
            self.salt = 0
            self.steps: list[str] = []
            case.example(steps="(none yet)")

        def _step(self, text: str) -> None:
            self.steps.append(text)
            case.describe("steps=" + "; ".join(self.steps))

        @initialize()
        def create_indexes(self) -> None:
            primary = case.buckets.primary
            first = case.new_index(primary, "s")
            second = case.new_index(primary, "s")
            self.locations = [(primary, first), (primary, second)]
            if case.buckets.second:
                case.new_index(case.buckets.second, name=first)  # same index name, other bucket
                self.locations.append((case.buckets.second, first))
            self.model = {loc: {} for loc in self.locations}

        def teardown(self) -> None:
            for location in self.locations:
                case.drop_index(location)

        def _where(self, which: int) -> Location:
            return self.locations[which % len(self.locations)]

        @rule(which=st.integers(0, 2), keys=keys_lists)
        def put(self, which: int, keys: list[str]) -> None:
            loc = self._where(which)
            self.salt += 1
            salt = f"m{self.salt}"
            self._step(f"put {keys!r} into {loc[1]}@{loc[0]}")
            keys = [case.key(k) for k in keys]
            refused = set(case.put(loc, keys, salt))
            for key in keys:
                if key not in refused:
                    self.model[loc][key] = canonical(vector_for(key, salt))

        @rule(which=st.integers(0, 2), keys=keys_lists)
        def delete(self, which: int, keys: list[str]) -> None:
            loc = self._where(which)
            arena = case.over(loc, self.locations, self.model)
            self._step(f"delete {keys!r} from {loc[1]}@{loc[0]}")
            keys = [case.key(k) for k in keys]
            judged = case.check(arena, delete_vectors_spec(loc[0], loc[1], list(dict.fromkeys(keys))))
            if judged.succeeded:
                for key in keys:
                    self.model[loc].pop(key, None)
            for where in self.locations:  # the server, not the model, is what is compared
                self._agree(where, arena.before[where])

        def _agree(self, where: Location, seen: Mapping[str, str] | None = None) -> None:
            expected = self.model[where]
            got = dict(seen) if seen is not None and dict(seen) == expected else None
            if got is None:
                got = eventually(case, lambda: dict(case.read(where)), expected)
            case.judge(
                [
                    Verdict(
                        "DV-STATEFUL-MODEL",
                        got == expected,
                        f"ListVectors of {where[1]}@{where[0]} returns {len(expected)} vectors as modelled",
                        f"extra {sorted(set(got) - set(expected))[:5]}, missing {sorted(set(expected) - set(got))[:5]}, "
                        f"changed {sorted(k for k in set(got) & set(expected) if got[k] != expected[k])[:5]}",
                    )
                ]
            )

        @rule(which=st.integers(0, 2), keys=keys_lists)
        def get(self, which: int, keys: list[str]) -> None:
            loc = self._where(which)
            self._step(f"get {list(dict.fromkeys(keys))!r} from {loc[1]}@{loc[0]}")
            wanted = list(dict.fromkeys(case.key(k) for k in keys))
            expected = {k: self.model[loc][k] for k in wanted if k in self.model[loc]}
            got = eventually(case, lambda: dict(case.get(loc, wanted)), expected)
            case.judge(
                [
                    Verdict(
                        "DV-STATEFUL-MODEL", got == expected, f"GetVectors returns {sorted(expected)}", f"returned {sorted(got)}"
                    )
                ]
            )

        @rule(which=st.integers(0, 2))
        def list_all(self, which: int) -> None:
            loc = self._where(which)
            self._step(f"list {loc[1]}@{loc[0]}")
            self._agree(loc)

    return DeleteVectorsModel


@requirements("DV-STATEFUL-MODEL", "DV-NO-COLLATERAL", "DV-DELETES-REQUESTED", "DV-SUCCESS-204")
def test_delete_vectors_stateful_model_of_two_buckets(case: Case) -> None:
    machine: Any = _machine(case)
    run_state_machine_as_test(machine, settings=profiles.settings_for_stateful(profiles.current()))  # type: ignore[no-untyped-call,unused-ignore]


@requirements("DV-STATEFUL-MODEL", "DV-SUCCESS-204", "DV-DELETES-REQUESTED")
@profile(5)
@given(keys=st.lists(st.sampled_from(KEY_POOL), min_size=1, max_size=4, unique=True))
def test_delete_vectors_deleted_keys_can_be_written_again(case: Case, keys: list[str]) -> None:
    """A delete leaves no tombstone behind: the same keys can be put again and read back."""
    case.example(keys=keys)
    with case.arena([*keys, "survivor"]) as arena:
        keys = arena.keys(keys)
        case.check(arena, delete_vectors_spec(arena.bucket, arena.index, keys))
        case.put(arena.location, keys, "again")
        expected = {k: canonical(vector_for(k, "again")) for k in keys}

        def read() -> dict[str, str]:
            now = case.read(arena.location)
            return {k: now[k] for k in keys if k in now}

        got = eventually(case, read, expected)
    case.judge(
        [
            Verdict(
                "DV-STATEFUL-MODEL",
                got == expected,
                "keys put again after a delete are stored",
                f"missing {sorted(set(expected) - set(got))}",
            )
        ]
    )
