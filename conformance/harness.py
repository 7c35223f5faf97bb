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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from conformance.accounting import UNDER_TEST, declares, purpose
from conformance.arenas import Arena, Keeper
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
from conformance.limits import MAX_GET_KEYS
from conformance.ops import delete_vectors_spec
from conformance.oracle import Expectation, expect_delete
from conformance.recorder import Recorder
from conformance.records import Exchange, Location, ReceivedResponse, RequestSpec, Snapshot, Verdict
from conformance.target import Target, fetchable

TRANSPORT_RETRIES = 2
THROTTLE_BUDGET_S = 30.0
THROTTLE_BUDGET_AFTER_GIVING_UP_S = 4.0  # once a test met endless throttling, its shrinking need not wait 30 s each time
SERVER_ERROR_PAUSE_S = 0.5
LIST_EVERY = 4  # after a 2xx, every fourth read-back (and a test's first) is a ListVectors, the rest one GetVectors


@dataclass(frozen=True)
class Judged:
    exchange: Exchange
    expectation: Expectation
    response: ReceivedResponse

    @property
    def succeeded(self) -> bool:
        return 200 <= self.response.status < 300


class DeleteHarness:
    def __init__(self, target: Target, recorder: Recorder, keeper: Keeper | None = None) -> None:
        self.target = target
        self.recorder = recorder
        self._owns_keeper = keeper is None  # a harness of its own (replay) removes what it kept when closed
        self.keeper = keeper if keeper is not None else Keeper(target)
        self.throttle_budget_s = THROTTLE_BUDGET_S
        self._success_reads = 0  # read-backs after a 2xx in this test: the first and every LIST_EVERY-th list

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
        named: frozenset[str] | None = None,
    ) -> Iterator[Arena]:
        """The held index holding ``stored`` (minus ``predeleted``) and none of the keys ``named`` besides.

        ``named`` (every string the example's request body names) tells which leftovers of earlier examples
        must go; None: every leftover goes, as a multi-step property may name any key."""
        try:
            arena, held = self.keeper.arrange(
                stored, predeleted, witnesses=witnesses, index_exists=index_exists, bucket_exists=bucket_exists, named=named,
                record=self.recorder.record,
            )
        except BaseException:
            self.keeper.mark_stale()
            raise
        try:
            yield arena
        except BaseException:
            held.stale = True  # the example broke off: what the index holds is not known
            raise
        self.keeper.adopt(held, arena)

    def close(self) -> None:
        """Remove what this harness's own keeper kept (a shared keeper is closed with its target)."""
        if self._owns_keeper:
            self.keeper.close()

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

    def snapshots(self, locations: Sequence[Location]) -> dict[Location, Snapshot]:
        return {loc: self.target.snapshot(*loc) for loc in locations}

    # --- sending

    def send(self, spec: RequestSpec) -> Exchange:
        """One attempt, with transport errors retried; never judged here (so the held model is not trusted after it)."""
        self.keeper.mark_stale()
        return self._attempt(spec)

    @declares(UNDER_TEST)
    def _attempt(self, spec: RequestSpec) -> Exchange:
        self.recorder.under_test()
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
        self._settle_setup(arena, expectation)
        before_final = arena.before
        throttled = False
        repeated = False
        deadline = time.monotonic() + self.throttle_budget_s
        delay = 0.5
        while True:
            exchange = self._attempt(spec)
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
        self._adopt_reads(arena, after)
        return Judged(exchange, expectation, response)

    def _settle_setup(self, arena: Arena, expectation: Expectation) -> None:
        """Before a request that may delete keys this example just stored, wait until reads show them: a delete
        overtaking its put on an eventually consistent server would be blamed on the delete."""
        risky = arena.unsettled & expectation.requested
        if risky and any(a.is_success for a in expectation.alternatives):
            current = arena.before.get(arena.location, {})
            self._visible(arena.location, {k: current[k] for k in risky if k in current}, set())
            arena.unsettled -= risky

    def _adopt_reads(self, arena: Arena, after: dict[Location, Snapshot]) -> None:
        """What the read-back showed becomes the next check's before, less removals reads may still show."""
        for location, snap in after.items():
            before = arena.before.get(location, {})
            lingering = arena.may_vanish.get(location, frozenset()) - set(before)
            gone = [k for k in before if k not in snap]
            if gone:
                self.target.removed(location, gone)
                arena.may_vanish[location] = arena.may_vanish.get(location, frozenset()) | frozenset(gone)
            arena.before[location] = {k: v for k, v in snap.items() if k not in lingering}
        arena.unsettled.clear()

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
        fetched = self._fetch_instead(expectation, status, arena, full_before[arena.location])

        def read() -> tuple[dict[Location, Snapshot], list[Verdict]]:
            if fetched is None:
                after = self.snapshots(arena.watched)
            else:  # one GetVectors of every key that matters shows both what is gone and what survived
                after = self.snapshots([w for w in arena.watched if w != arena.location])
                after[arena.location] = self.target.get(arena.bucket, arena.index, fetched)
            full_after = {**after}
            full_after.setdefault(arena.location, {})
            returned = frozenset(after[arena.location]) & expectation.requested if fetched is not None else frozenset()
            verdicts = judge_effect(
                expectation, status, arena.location, full_before, full_after, returned, arena.may_vanish
            )
            if fetched is None and 200 <= status < 300 and arena.index_exists and all(v.ok for v in verdicts):
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

    def _fetch_instead(
        self, expectation: Expectation, status: int, arena: Arena, before: Snapshot
    ) -> list[str] | None:
        """The keys one GetVectors reads back instead of ListVectors plus GetVectors, after a 2xx: every key the
        index held and every key requested, when GetVectors can name them all in one call. The test's first such
        read, and every ``LIST_EVERY``-th, is a full listing still: only it sees keys the suite never stored, and
        a listing that still shows deleted keys."""
        if not (200 <= status < 300 and arena.index_exists and arena.location in arena.watched):
            return None
        self._success_reads += 1
        if self._success_reads % LIST_EVERY == 1:
            return None
        keys = sorted(set(before) | expectation.requested)
        if len(keys) > MAX_GET_KEYS or not all(fetchable(k) for k in keys):
            return None
        return keys

    def _give_up_throttled(self, arena: Arena) -> None:
        """Throttled past the budget: is it this request, or every DeleteVectors?"""
        budget = self.throttle_budget_s
        self.throttle_budget_s = min(budget, THROTTLE_BUDGET_AFTER_GIVING_UP_S)
        # the same operation, the smallest valid request: one absent run-prefixed key in the run's own index
        bucket, index = (arena.bucket, arena.index) if arena.index_exists else (self.target.buckets.primary, self.target.witness)
        if index is not None:
            probe = delete_vectors_spec(bucket, index, [self.target.names.key("probe")])
            with purpose(UNDER_TEST):
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
