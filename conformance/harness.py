"""The flow every DeleteVectors check shares: arrange, send, judge, clean up.

A property describes a case (which keys are stored, which are already deleted, how the request is
built); the harness creates a fresh run-unique index for it, photographs every index it watches once
setup writes are visible, sends the request (riding out throttling and repeating a 5xx once, judging
what each left behind), asks the oracle what the documentation expects of the request actually sent,
and hands answer and effect to the judge. Every read that judges waits through the target's
``Patience`` (conformance/waiting.py). The index is removed afterwards, whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from conformance.drivers import NotExpressible
from conformance.drivers.judging import judge_surface, judge_surface_effect
from conformance.errors import HarnessError, Refused
from conformance.judge import (
    describe_response,
    is_server_error,
    is_throttle,
    judge_answer,
    judge_conventions,
    judge_effect,
)
from conformance.ops import delete_vectors_spec
from conformance.oracle import Expectation, World, expect_delete
from conformance.recorder import Recorder
from conformance.records import Exchange, Location, ReceivedResponse, RequestSpec, Snapshot, Verdict
from conformance.target import Target, canonical, vector_for

TRANSPORT_RETRIES = 2
THROTTLE_BUDGET_S = 30.0
THROTTLE_BUDGET_AFTER_GIVING_UP_S = 4.0  # once a test met endless throttling, its shrinking need not wait 30 s each time
SERVER_ERROR_PAUSE_S = 0.5


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

    @property
    def location(self) -> Location:
        return (self.bucket, self.index)

    def keys(self, keys: Sequence[str]) -> list[str]:
        return [self.key(k) for k in keys]

    def world(self) -> World:
        return World(self.bucket_exists, self.index_exists, frozenset(self.before.get(self.location, {})), self.index)


@dataclass(frozen=True)
class Judged:
    exchange: Exchange
    expectation: Expectation
    response: ReceivedResponse

    @property
    def succeeded(self) -> bool:
        return 200 <= self.response.status < 300


class DeleteHarness:
    def __init__(self, target: Target, recorder: Recorder) -> None:
        self.target = target
        self.recorder = recorder
        self._salt = 0
        self.throttle_budget_s = THROTTLE_BUDGET_S

    def _next_salt(self) -> str:
        self._salt += 1
        return f"{self.target.names.run_id}{self._salt}"

    # --- arranging

    @contextmanager
    def arena(
        self,
        stored: Sequence[str] = (),
        predeleted: Sequence[str] = (),
        *,
        witnesses: bool = False,
        index_exists: bool = True,
        bucket_exists: bool = True,
    ) -> Iterator[Arena]:
        """A fresh index holding ``stored`` (minus ``predeleted``), removed again on exit."""
        target = self.target
        bucket = target.buckets.primary if bucket_exists else target.buckets.missing
        salt = self._next_salt()
        index = target.new_index(bucket) if index_exists else target.names.index("m")
        arena = Arena(bucket, index, index_exists, bucket_exists, key=target.user_key)
        stored = list(dict.fromkeys(arena.keys(stored)))
        predeleted = arena.keys(predeleted)
        witnessed: list[Location] = []
        twin: Location | None = None
        expect: dict[Location, tuple[dict[str, str], set[str]]] = {}  # location -> (must read as put, must be gone)
        try:
            if index_exists:
                refused: list[str] = []
                if stored:
                    refused = target.put(bucket, index, stored, salt)
                    if refused:
                        seen = f"PutVectors refused to store {len(refused)} key(s)"
                        self.recorder.record([], [Verdict("DV-OBS-KEY-LENGTH", True, "recorded", seen)])
                if predeleted:
                    target.delete_own(bucket, index, predeleted)
                arena.watched.append(arena.location)
                written = set(stored) - set(predeleted) - set(refused)
                expect[arena.location] = ({k: canonical(vector_for(k, salt)) for k in written}, set(predeleted))
            if witnesses:
                if bucket_exists and target.buckets.second:
                    # the same index name in another bucket: a delete must not cross buckets
                    target.new_index(target.buckets.second, name=index)
                    twin = (target.buckets.second, index)
                for location in self._witness_locations(twin):
                    kept = set(stored) - set(target.put(*location, stored, "w" + salt)) if stored else set()
                    witnessed.append(location)
                    arena.watched.append(location)
                    # the last example's witness keys were removed; reads may still show them: they may vanish
                    # while this example runs, which is no collateral damage, so nothing waits for their removal
                    expect[location] = ({k: canonical(vector_for(k, "w" + salt)) for k in kept}, set())
                    arena.may_vanish[location] = target.pending_removals(location) - kept
            arena.before = {loc: self._visible(loc, *expect.get(loc, ({}, set()))) for loc in arena.watched}
            yield arena
        finally:
            if index_exists:
                target.drop_index(bucket, index)
            for location in witnessed:
                if location == twin:
                    target.drop_index(*location)
                elif stored:
                    target.delete_own(*location, stored)
                    target.removed(location, stored)

    def _visible(self, location: Location, present: dict[str, str], gone: set[str]) -> Snapshot:
        """The snapshot once setup writes read as written (reads may lag: a key put again may still show its
        deleted predecessor), or the last one when the wait runs out.

        Judging against a half-visible setup would blame the delete for the put's lag.
        """
        waited = self.target.patience.until(
            lambda: self.target.snapshot(*location),
            lambda snap: all(snap.get(k) == v for k, v in present.items()) and not gone & set(snap),
        )
        return waited.value

    def _witness_locations(self, twin: Location | None) -> list[Location]:
        out = []
        if self.target.witness:
            out.append((self.target.buckets.primary, self.target.witness))
        if twin is not None:
            out.append(twin)
        elif self.target.twin and self.target.buckets.second:
            out.append((self.target.buckets.second, self.target.twin))
        return out

    def snapshots(self, locations: Sequence[Location]) -> dict[Location, Snapshot]:
        return {loc: self.target.snapshot(*loc) for loc in locations}

    # --- sending

    def send(self, spec: RequestSpec) -> Exchange:
        """One attempt, with transport errors retried; never judged here."""
        try:
            self.target.guard_spec(spec)
        except Refused as err:
            pytest.skip(str(err))
        for attempt in range(TRANSPORT_RETRIES + 1):
            try:
                exchange = self.target.send(spec)
            except NotExpressible as err:  # the driver cannot send this request: the property does not apply
                pytest.skip(f"not expressible through the {self.target.driver_name} driver: {err}")
            self.recorder.exchange(exchange)
            if exchange.response is not None:
                return exchange
            if attempt < TRANSPORT_RETRIES:
                time.sleep(0.5 * (attempt + 1))
        raise HarnessError(f"no answer from the endpoint: {exchange.transport_error}")

    def answer(self, spec: RequestSpec) -> Exchange:
        """Send until the answer is final: a 5xx other than throttling is repeated once (a second one is a
        failure the caller judges). Throttling is returned as it is; ``check`` rides it out."""
        exchange = self.send(spec)
        if is_server_error(exchange.response):
            assert exchange.response is not None
            self.recorder.record(judge_conventions(exchange.response))
            time.sleep(SERVER_ERROR_PAUSE_S)
            exchange = self.send(spec)
        return exchange

    # --- judging

    def check(self, arena: Arena, spec: RequestSpec) -> Judged:
        """Send one DeleteVectors and judge answer and effect against the oracle."""
        expectation = expect_delete(auth=spec.auth, headers=spec.headers, body=spec.body, world=arena.world())
        before_final = arena.before
        throttled = False
        repeated = False
        deadline = time.monotonic() + self.throttle_budget_s
        delay = 0.5
        while True:
            exchange = self.send(spec)
            response = exchange.response
            assert response is not None
            throttle = is_throttle(response)
            if not throttle and (repeated or not is_server_error(response)):
                break
            # Any 5xx may leave part of the batch applied (digest §8 A7): judge what it left, then try again.
            self.recorder.record([*judge_conventions(response), *judge_surface(exchange)])
            before_final = self._partial_effect(expectation, response.status, arena)
            if throttle:
                throttled = True
                if time.monotonic() + delay > deadline:
                    self._give_up_throttled(arena)
                time.sleep(delay)
                delay = min(delay * 2, 4.0)
            else:
                repeated = True  # a 5xx is seen again or not: the next answer is final
                time.sleep(SERVER_ERROR_PAUSE_S)
        verdicts, observations = judge_answer(expectation, response)
        verdicts += judge_surface(exchange)  # how the driver (e.g. the SDK) surfaced it; nothing for raw
        self.recorder.record(verdicts, observations)
        effect_before = before_final if 400 <= response.status < 500 else arena.before
        after, effect, lag = self.settle(expectation, response.status, arena, effect_before)
        if throttled and 200 <= response.status < 300:
            complete = all(v.ok for v in effect if v.requirement == "DV-DELETES-REQUESTED")
            effect.append(
                Verdict(
                    "DV-THROTTLE-RETRY",
                    complete,
                    "retrying a throttled delete completes it",
                    "completed" if complete else "the retry answered 2xx but requested keys are still readable",
                )
            )
        effect += judge_surface_effect(exchange, effect)
        self.recorder.record(effect, [Verdict("DV-OBS-READ-LAG", True, "recorded", lag)] if lag else [])
        arena.before = after
        return Judged(exchange, expectation, response)

    def _partial_effect(self, expectation: Expectation, status: int, arena: Arena) -> dict[Location, Snapshot]:
        """What a 5xx left behind: only requested keys may be gone (THROTTLE-PARTIAL after a throttle)."""
        after, verdicts, _ = self.settle(expectation, status, arena, arena.before)
        kept = {"DV-NO-COLLATERAL", "DV-THROTTLE-PARTIAL"} if status == 503 else {"DV-NO-COLLATERAL"}
        self.recorder.record([v for v in verdicts if v.requirement in kept])
        return after

    def settle(
        self, expectation: Expectation, status: int, arena: Arena, before: dict[Location, Snapshot]
    ) -> tuple[dict[Location, Snapshot], list[Verdict], str]:
        """Read back, through ListVectors and (after a 2xx) GetVectors, until the effect is as expected or the
        allowed lag has passed; the snapshots, the effect verdicts and the lag seen."""
        full_before = {**before}
        if arena.location not in full_before:
            full_before[arena.location] = {}

        def read() -> tuple[dict[Location, Snapshot], list[Verdict]]:
            after = self.snapshots(arena.watched)
            full_after = {**after}
            full_after.setdefault(arena.location, {})
            verdicts = judge_effect(expectation, status, arena.location, full_before, full_after, (), arena.may_vanish)
            if 200 <= status < 300 and arena.index_exists and all(v.ok for v in verdicts):
                existed = expectation.requested & set(full_before[arena.location])
                returned = self.target.still_returned(arena.bucket, arena.index, existed)
                if returned:
                    verdicts = judge_effect(
                        expectation, status, arena.location, full_before, full_after, returned, arena.may_vanish
                    )
            return after, verdicts

        waited = self.target.patience.until(read, lambda got: all(v.ok for v in got[1]))
        after, verdicts = waited.value
        return after, verdicts, waited.lag

    def _give_up_throttled(self, arena: Arena) -> None:
        """Throttled past the budget: is it this request, or every DeleteVectors?"""
        budget = self.throttle_budget_s
        self.throttle_budget_s = min(budget, THROTTLE_BUDGET_AFTER_GIVING_UP_S)
        # the same operation, the smallest valid request: one absent run-prefixed key in the run's own index
        bucket, index = (arena.bucket, arena.index) if arena.index_exists else (self.target.buckets.primary, self.target.witness)
        if index is not None:
            probe = delete_vectors_spec(bucket, index, [self.target.names.key("probe")])
            exchange = self.target.client.send(probe)
            self.recorder.exchange(exchange)
            if exchange.response is not None and not is_throttle(exchange.response):
                self.recorder.record(
                    [
                        Verdict(
                            "DV-THROTTLE-RETRY",
                            False,
                            "retrying a throttled delete completes it",
                            f"still throttled after {budget:.0f} s "
                            f"while a one-key DeleteVectors got {describe_response(exchange.response)}",
                        )
                    ]
                )
        raise HarnessError(f"the endpoint kept answering 503 QpsLimitExceeded for {budget:.0f} s; cannot judge")
