"""The worlds examples run in: one index per test, kept across its examples, with a model of what it holds.

A rate-limited endpoint pays for every request, and most of an example's requests used to go to
creating, filling, photographing and removing a fresh index. A test now keeps its index (and, with
witnesses, the same-named twin in the second bucket and the shared witness indexes) for all its
examples. Each example arranges only the difference: it stores the keys it needs that the index
does not hold, deletes leftovers its request names (so an absent key stays absent), and starts from
the model the last example's read-back verified, with no photograph of its own. Leftovers no request
names stay, as extra bystanders. Removed keys are remembered with the target (``Target.removed``):
a lagging read may still show them, and their vanishing or lingering is no collateral damage.

The model is trusted only while every change to the index went through a judged check. After
anything else (an unjudged send, a failure, an exception) the next example reads the index first.
An index grown past ``ROTATE_AT`` keys is replaced, so one ListVectors page still shows all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from conformance.accounting import CLEANUP, SETUP, purpose
from conformance.errors import HarnessError
from conformance.jsonparse import classify, strings_in
from conformance.limits import MAX_UNIQUE_KEYS
from conformance.oracle import World
from conformance.records import Location, Snapshot, Verdict
from conformance.target import Target, canonical, vector_for

ROTATE_AT = 600  # keys; ListVectors pages hold 1000, so a read-back stays one request


@dataclass
class Arena:
    """One example's world: the index under test and every index watched for collateral damage."""

    bucket: str
    index: str
    index_exists: bool
    bucket_exists: bool
    watched: list[Location] = field(default_factory=list)
    before: dict[Location, Snapshot] = field(default_factory=dict)
    key: Callable[[str], str] = str  # the key as sent: run-prefixed inside a user's bucket (OSSV_BUCKET)
    may_vanish: dict[Location, frozenset[str]] = field(default_factory=dict)  # removals reads may not show yet
    unsettled: set[str] = field(default_factory=set)  # keys stored for this example whose puts no read has shown yet

    @property
    def location(self) -> Location:
        return (self.bucket, self.index)

    def keys(self, keys: Sequence[str]) -> list[str]:
        return [self.key(k) for k in keys]

    def world(self) -> World:
        return World(self.bucket_exists, self.index_exists, frozenset(self.before.get(self.location, {})), self.index)


@dataclass
class Held:
    """What a test keeps across its examples: its index, the witnesses it filled, and what each holds."""

    bucket: str
    index: str
    created: bool  # the test index exists (False: the name of an index that must not exist)
    witnesses: bool
    twin: Location | None = None  # the same index name in the second bucket, created for this test
    models: dict[Location, dict[str, str]] = field(default_factory=dict)  # the keeper's: shared witnesses, one model
    locations: list[Location] = field(default_factory=list)  # the indexes this world watches
    stale: bool = False  # changed outside a judged check: read before trusting ``models``


def body_strings(body: bytes) -> frozenset[str]:
    """Every string any reading of a body names: the keys a request could be asking about."""
    parsed = classify(body)
    readings = (parsed.value,) if parsed.value is not None else parsed.readings
    return frozenset(s for r in readings for s in strings_in(r))


class Keeper:
    """The held worlds of one target, shared by the tests of a process, arranged per example, removed at the end."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._held: dict[tuple[str, bool, bool, bool], Held] = {}
        self.models: dict[Location, dict[str, str]] = {}  # location -> key -> canonical value, for every world
        self._salt = 0

    def next_salt(self) -> str:
        self._salt += 1
        return f"{self.target.names.run_id}{self._salt}"

    def mark_stale(self) -> None:
        for held in self._held.values():
            held.stale = True

    # --- an example's world

    def peek(self, *, witnesses: bool, index_exists: bool, bucket_exists: bool) -> Arena:
        """The arena's names (bucket, index, key spelling) before anything is arranged: to build its request early."""
        bucket = self.target.buckets.primary if bucket_exists else self.target.buckets.missing
        held = self._hold((bucket, index_exists, witnesses, False))
        return Arena(bucket, held.index, index_exists, bucket_exists, key=self.target.user_key)

    def arrange(
        self,
        stored: Sequence[str],
        predeleted: Sequence[str],
        *,
        witnesses: bool,
        index_exists: bool,
        bucket_exists: bool,
        named: frozenset[str] | None,
        record: Callable[[list[Verdict]], None],
    ) -> tuple[Arena, Held]:
        """The arena for one example: ``stored`` present, ``predeleted`` stored once and removed, every key
        ``named`` (None: any key) that is not stored absent; the rest of what the index holds stays."""
        target = self.target
        bucket = target.buckets.primary if bucket_exists else target.buckets.missing
        kind = (bucket, index_exists, witnesses, named is None)
        held = self._hold(kind)
        arena = Arena(bucket, held.index, index_exists, bucket_exists, key=target.user_key)
        keys = list(dict.fromkeys(arena.keys(stored)))
        gone = [k for k in dict.fromkeys(arena.keys(predeleted))]
        salt = self.next_salt()
        if index_exists:
            if held.stale:
                self._relearn(held)
            model = held.models.setdefault(arena.location, {})
            leftovers = [k for k in model if k not in keys and (named is None or k in named)]
            if len(model) + len(keys) > ROTATE_AT or len(leftovers) > MAX_UNIQUE_KEYS:
                held = self._rotate(kind)
                arena.index = held.index
                model = held.models.setdefault(arena.location, {})
                leftovers = []
            self._fill(arena, model, keys, gone, leftovers, salt, record)
            arena.watched.append(arena.location)
        for location in self._witness_locations(held):
            model = held.models.setdefault(location, {})
            new = [k for k in keys if k not in model]
            if new:
                refused = set(target.put(*location, new, "w" + salt))
                model.update({k: canonical(vector_for(k, "w" + salt)) for k in new if k not in refused})
            arena.watched.append(location)
        arena.before = {loc: dict(held.models[loc]) for loc in arena.watched}
        arena.may_vanish = {loc: target.pending_removals(loc) - set(held.models[loc]) for loc in arena.watched}
        return arena, held

    def _fill(
        self,
        arena: Arena,
        model: dict[str, str],
        keys: list[str],
        gone: list[str],
        leftovers: list[str],
        salt: str,
        record: Callable[[list[Verdict]], None],
    ) -> None:
        """Store what is missing, then remove the predeleted keys and the leftovers in one call."""
        target = self.target
        location = arena.location
        missing = [k for k in keys if k not in model]
        to_put = list(dict.fromkeys([*missing, *(k for k in gone if k not in model)]))
        refused: set[str] = set()
        if to_put:
            refused = set(target.put(*location, to_put, salt))
            if refused & set(missing):
                seen = f"PutVectors refused to store {len(refused & set(missing))} key(s)"
                record([Verdict("DV-OBS-KEY-LENGTH", True, "recorded", seen)])
        written = [k for k in missing if k not in refused and k not in gone]
        model.update({k: canonical(vector_for(k, salt)) for k in written})
        arena.unsettled = set(written)
        removing = list(dict.fromkeys([*(k for k in gone if k not in refused), *leftovers]))
        if removing:
            target.delete_own(*location, removing)
            target.removed(location, removing)
            for k in removing:
                model.pop(k, None)

    # --- held indexes

    def _hold(self, kind: tuple[str, bool, bool, bool]) -> Held:
        """Held worlds are kept per bucket, index existence, witnesses, and whether examples say which keys
        their request names (multi-step properties do not: their leftovers all go, so they keep their own)."""
        held = self._held.get(kind)
        if held is None:
            held = self._create(kind)
        return held

    def _create(self, kind: tuple[str, bool, bool, bool]) -> Held:
        target = self.target
        bucket, index_exists, witnesses, _ = kind
        with purpose(SETUP):
            index = target.new_index(bucket) if index_exists else target.names.index("m")
            held = Held(bucket, index, index_exists, witnesses, models=self.models)
            self._held[kind] = held
            if index_exists:
                held.locations.append((bucket, index))
                self.models[(bucket, index)] = {}
            if witnesses and bucket == target.buckets.primary and target.buckets.second:
                # the same index name in another bucket: a delete must not cross buckets
                target.new_index(target.buckets.second, name=index)
                held.twin = (target.buckets.second, index)
        for location in self._witness_locations(held):
            held.locations.append(location)
            self.models.setdefault(location, {})
        return held

    def _rotate(self, kind: tuple[str, bool, bool, bool]) -> Held:
        """A fresh index for a world grown too large to read in one page."""
        self._release(self._held.pop(kind))
        return self._create(kind)

    def _witness_locations(self, held: Held) -> list[Location]:
        if not held.witnesses:
            return []
        out = []
        if self.target.witness:
            out.append((self.target.buckets.primary, self.target.witness))
        if held.twin is not None:
            out.append(held.twin)
        elif self.target.twin and self.target.buckets.second:
            out.append((self.target.buckets.second, self.target.twin))
        return out

    def _relearn(self, held: Held) -> None:
        """Read what the held indexes hold now (the model is not to be trusted after an unjudged change)."""
        for location in held.locations:
            pending = self.target.pending_removals(location)
            seen = {k: v for k, v in self.target.snapshot(*location).items() if k not in pending}
            # a key the model held that the read does not show as modelled may be a put the read lags behind
            # (it would surface later, as if from nowhere): remove it, so that what the index holds is known
            known = held.models.get(location, {})
            unsure = [k for k, v in known.items() if k not in pending and seen.get(k) != v]
            if unsure:
                with purpose(SETUP):
                    self.target.delete_own(*location, unsure)
                self.target.removed(location, unsure)
                for k in unsure:
                    seen.pop(k, None)
            held.models[location] = seen
        held.stale = False

    def adopt(self, held: Held, arena: Arena) -> None:
        """The example ended without an exception: what its last read-back showed is the model."""
        for location in arena.watched:
            held.models[location] = dict(arena.before.get(location, {}))

    # --- the end

    def close(self) -> None:
        """Remove everything kept: the held indexes, and their keys in the shared witness indexes."""
        problems: list[str] = []
        for held in list(self._held.values()):
            try:
                self._release(held)
            except HarnessError as err:
                problems.append(str(err))
        self._held.clear()
        with purpose(CLEANUP):
            for location, model in self.models.items():  # what is left: keys in the target's shared witnesses
                try:
                    if model:
                        self.target.delete_own(*location, list(model))
                        self.target.removed(location, list(model))
                except HarnessError as err:
                    problems.append(str(err))
        self.models.clear()
        if problems:
            raise HarnessError("; ".join(problems))

    def _release(self, held: Held) -> None:
        target = self.target
        with purpose(CLEANUP):  # its own indexes, keys and all; the shared witnesses' keys go in ``close``
            if held.created:
                target.drop_index(held.bucket, held.index)
                self.models.pop((held.bucket, held.index), None)
            if held.twin is not None:
                target.drop_index(*held.twin)
                self.models.pop(held.twin, None)
