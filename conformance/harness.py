"""The flow every DeleteVectors check shares: arrange, send, judge, clean up.

A property describes a case (which keys are stored, which are already deleted, how the
request is built); the harness creates a fresh run-unique index for it, photographs
every index it watches, sends the request (riding out throttling, judging what a 503
left behind), asks the oracle what the documentation expects of the request actually
sent, and hands answer and effect to the judge. The index is removed afterwards,
whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from conformance.drivers import NotExpressible
from conformance.drivers.judging import judge_surface, judge_surface_effect
from conformance.judge import (
    Location,
    Snapshot,
    Verdict,
    describe_response,
    is_throttle,
    judge_answer,
    judge_conventions,
    judge_effect,
)
from conformance.ops import get_vector_bucket_spec
from conformance.oracle import Expectation, World, expect_delete
from conformance.recorder import HarnessError, Recorder, Refused
from conformance.records import Exchange, ReceivedResponse, RequestSpec
from conformance.target import Target

SpecBuilder = Callable[[str, str], RequestSpec]
TRANSPORT_RETRIES = 2
SERVER_ERROR_RETRIES = 2
THROTTLE_BUDGET_S = 30.0
THROTTLE_BUDGET_AFTER_GIVING_UP_S = 4.0  # once a test met endless throttling, its shrinking need not wait 30 s each time


@dataclass
class Arena:
    """One example's world: the index under test and every index watched for collateral damage."""

    bucket: str
    index: str
    index_exists: bool
    bucket_exists: bool
    watched: list[Location] = field(default_factory=list)
    before: dict[Location, Snapshot] = field(default_factory=dict)

    @property
    def location(self) -> Location:
        return (self.bucket, self.index)

    def world(self) -> World:
        return World(self.bucket_exists, self.index_exists, frozenset(self.before.get(self.location, {})), self.index)


@dataclass(frozen=True)
class Judged:
    exchange: Exchange
    expectation: Expectation
    response: ReceivedResponse


class DeleteHarness:
    def __init__(self, target: Target, recorder: Recorder, read_lag_s: float) -> None:
        self.target = target
        self.recorder = recorder
        self.read_lag_s = read_lag_s
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
        arena = Arena(bucket, index, index_exists, bucket_exists)
        stored = list(dict.fromkeys(stored))
        witnessed: list[Location] = []
        twin: Location | None = None
        expect: dict[Location, tuple[set[str], set[str]]] = {}  # location -> (must be visible, must be gone)
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
                expect[arena.location] = (set(stored) - set(predeleted) - set(refused), set(predeleted))
            if witnesses:
                if bucket_exists and target.buckets.second:
                    # the same index name in another bucket: a delete must not cross buckets
                    target.new_index(target.buckets.second, name=index)
                    twin = (target.buckets.second, index)
                for location in self._witness_locations(twin):
                    kept = set(stored) - set(target.put(*location, stored, "w" + salt)) if stored else set()
                    witnessed.append(location)
                    arena.watched.append(location)
                    expect[location] = (kept, self.target.recently_removed.get(location, set()) - kept)
            arena.before = {loc: self._visible(loc, *expect.get(loc, (set(), set()))) for loc in arena.watched}
            yield arena
        finally:
            if index_exists:
                target.drop_index(bucket, index)
            for location in witnessed:
                if location == twin:
                    target.drop_index(*location)
                elif stored:
                    target.delete_own(*location, stored)
                    self.target.recently_removed[location] = set(stored)

    def _visible(self, location: Location, present: set[str], gone: set[str]) -> Snapshot:
        """The snapshot once setup writes are visible (reads may lag), or the last one when the lag runs out.

        Judging against a half-visible setup would blame the delete for the put's lag.
        """
        deadline = time.monotonic() + self.read_lag_s
        pause = 0.05
        while True:
            snap = self.target.snapshot(*location)
            keys = set(snap)
            if (present <= keys and not gone & keys) or time.monotonic() >= deadline:
                return snap
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

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

    # --- sending and judging

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

    def check(self, arena: Arena, spec: RequestSpec) -> Judged:
        """Send one DeleteVectors and judge answer and effect against the oracle."""
        expectation = expect_delete(auth=spec.auth, headers=spec.headers, body=spec.body, world=arena.world())
        before_final = arena.before
        throttled = False
        deadline = time.monotonic() + self.throttle_budget_s
        server_errors = 0
        delay = 0.5
        while True:
            exchange = self.send(spec)
            response = exchange.response
            assert response is not None
            throttle = is_throttle(response)
            if not throttle and not (response.status in (500, 502, 504) and server_errors < SERVER_ERROR_RETRIES):
                break
            # A 5xx may leave part of the batch applied: judge what it left, then try again.
            self.recorder.record([*judge_conventions(response), *judge_surface(exchange)])
            middle = self._settled_collateral(expectation, response.status, arena)
            before_final = middle
            if throttle:
                throttled = True
                if time.monotonic() + delay > deadline:
                    self._give_up_throttled(spec)
            else:
                server_errors += 1
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
        verdicts, observations = judge_answer(expectation, response)
        verdicts += judge_surface(exchange)  # how the driver (e.g. the SDK) surfaced it; nothing for raw
        self.recorder.record(verdicts, observations)
        effect_before = before_final if 400 <= response.status < 500 else arena.before
        after, effect, lag = self._settle(expectation, response.status, arena, effect_before)
        if throttled and 200 <= response.status < 300:
            effect.append(Verdict("DV-THROTTLE-RETRY", True, "retrying completes the delete", "completed"))
        effect += judge_surface_effect(exchange, effect)
        observations = [Verdict("DV-OBS-READ-LAG", True, "recorded", lag)] if lag else []
        self.recorder.record(effect, observations)
        arena.before = after
        return Judged(exchange, expectation, response)

    def _settled_collateral(self, expectation: Expectation, status: int, arena: Arena) -> dict[Location, Snapshot]:
        after, verdicts, _ = self._settle(expectation, 503, arena, arena.before)
        self.recorder.record([v for v in verdicts if v.requirement in ("DV-NO-COLLATERAL", "DV-THROTTLE-PARTIAL")])
        return after

    def _settle(
        self, expectation: Expectation, status: int, arena: Arena, before: dict[Location, Snapshot]
    ) -> tuple[dict[Location, Snapshot], list[Verdict], str]:
        """Read back until the effect is as expected or the allowed lag has passed."""
        start = time.monotonic()
        pause = 0.1
        polls = 0
        while True:
            after = self.snapshots(arena.watched)
            full_before = {**before}
            full_after = {**after}
            if arena.location not in full_before:
                full_before[arena.location] = {}
                full_after[arena.location] = {}
            verdicts = judge_effect(expectation, status, arena.location, full_before, full_after)
            elapsed = time.monotonic() - start
            if all(v.ok for v in verdicts):
                lag = f"converged after {elapsed:.1f} s" if polls else "immediately consistent"
                return after, verdicts, lag
            if elapsed >= self.read_lag_s:
                return after, verdicts, ""
            polls += 1
            time.sleep(min(pause, max(self.read_lag_s - elapsed, 0.01)))
            pause = min(pause * 2, 1.0)

    def _give_up_throttled(self, spec: RequestSpec) -> None:
        """Throttled past the budget: is it this request, or everything?"""
        budget = self.throttle_budget_s
        self.throttle_budget_s = min(budget, THROTTLE_BUDGET_AFTER_GIVING_UP_S)
        # a small, valid read through the raw client, whatever the driver: does anything get through?
        probe = get_vector_bucket_spec(self.target.buckets.primary)
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
                        f"while a small request got {describe_response(exchange.response)}",
                    )
                ]
            )
        raise HarnessError(f"the endpoint kept answering 503 QpsLimitExceeded for {budget:.0f} s; cannot judge")
