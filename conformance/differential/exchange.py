"""One case on one side: arrange its world, send its request, read back what it did.

The world is built with the Target's own API (``new_index``, ``put``, ``snapshot``, ``get``,
``drop_index``), so the run's names, ledger and guard apply. The request rides out ``503
QpsLimitExceeded`` and transport errors, and a 5xx is repeated once, as in ``run``. Reads wait through
the target's ``Patience`` until the effect is what the documentation allows for the answer given
(``conformance.oracle`` + ``judge_effect``), so a lagging read alone never reads as a different effect;
``Arranged.reread`` polls again until the effect matches the other side's, for the same reason.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from conformance.auth_variants import MissingIdentity
from conformance.differential.cases import DiffCase
from conformance.errors import HarnessError, Refused
from conformance.judge import is_server_error, is_throttle, judge_effect
from conformance.oracle import Expectation, World, expect_delete
from conformance.records import AuthKind, Exchange, RequestSpec, Snapshot
from conformance.target import Target

TRANSPORT_RETRIES = 2
THROTTLE_BUDGET_S = 30.0
SERVER_ERROR_PAUSE_S = 0.5
_salts = itertools.count(1)


class NotSent(Exception):
    """This side cannot send the case (the safety guard refuses it, an identity it needs is missing)."""


@dataclass(frozen=True)
class Effect:
    """What a side's index held after the request: ListVectors, and GetVectors of the requested stored keys."""

    after: Snapshot
    returned: frozenset[str] | None  # None: nothing requested was stored, GetVectors not asked


@dataclass
class Arranged:
    """One case's world on one side: the fresh index, what it held before, and (once sent) the answer."""

    target: Target
    case: DiffCase
    bucket: str
    index: str
    refused: tuple[str, ...]  # stored keys the side refused to store
    before: Snapshot
    spec: RequestSpec | None = None
    exchange: Exchange | None = None
    expectation: Expectation | None = None
    effect: Effect | None = None

    @property
    def requested_stored(self) -> frozenset[str]:
        assert self.expectation is not None
        return frozenset(self.before) & (self.expectation.requested | frozenset(self.case.keys))

    def read(self) -> Effect:
        if not self.case.index_exists:
            return Effect({}, None)
        after = self.target.snapshot(self.bucket, self.index) if self.before or self.case.stored else {}
        wanted = self.requested_stored
        returned = self.target.still_returned(self.bucket, self.index, wanted) if wanted else None
        return Effect(after, returned)

    def _documented(self, effect: Effect) -> bool:
        """The effect is one the documentation allows for the answer given (a correct server has settled)."""
        assert self.exchange is not None and self.exchange.response is not None and self.expectation is not None
        location = (self.bucket, self.index)
        verdicts = judge_effect(
            self.expectation,
            self.exchange.response.status,
            location,
            {location: self.before},
            {location: effect.after},
            effect.returned or (),
        )
        return all(v.ok for v in verdicts)

    def settle(self) -> Effect:
        self.effect = self.target.patience.until(self.read, self._documented).value
        return self.effect

    def reread(self, agrees: Callable[[Effect], bool]) -> Effect:
        """Read again until ``agrees`` (the other side's effect) or the allowed lag has passed."""
        self.effect = self.target.patience.until(self.read, agrees).value
        return self.effect

    def prepare(self) -> RequestSpec:
        """The request this side will send, passed by the guard, and what the documentation allows of it."""
        spec = self.case.render(self.bucket, self.index)
        try:
            self.target.guard_spec(spec)
        except Refused as err:
            raise NotSent(str(err)) from None
        missing = _missing_identity(self.target, spec)
        if missing:
            raise NotSent(missing)
        world = World(True, self.case.index_exists, frozenset(self.before), self.index)
        self.expectation = expect_delete(auth=spec.auth, headers=spec.headers, body=spec.body, world=world)
        self.spec = spec
        return spec

    def send(self) -> Exchange:
        spec = self.spec if self.spec is not None else self.prepare()
        self.exchange = _final_answer(self.target, lambda: self.target.client.send(spec))
        return self.exchange

    def drop(self) -> None:
        if self.case.index_exists:
            self.target.drop_index(self.bucket, self.index)


def arrange(target: Target, case: DiffCase) -> Arranged:
    """A fresh run-unique index holding ``case.stored``, photographed once the puts read as written."""
    bucket = target.buckets.primary
    index = target.names.index("d")
    if not case.index_exists:
        return Arranged(target, case, bucket, index, (), {})
    target.new_index(bucket, name=index)
    arranged = Arranged(target, case, bucket, index, (), {})
    try:
        if case.stored:
            refused = tuple(target.put(bucket, index, case.stored, f"{target.names.run_id}d{next(_salts)}"))
            arranged.refused = refused
            wanted = set(case.stored) - set(refused)
            arranged.before = target.patience.until(
                lambda: target.snapshot(bucket, index), lambda snap: wanted <= set(snap)
            ).value
    except BaseException:
        arranged.drop()
        raise
    return arranged


_NEEDS_STS = frozenset({AuthKind.STS, AuthKind.STS_PRESIGNED, AuthKind.MISSING_STS_TOKEN, AuthKind.WRONG_STS_TOKEN})


def _missing_identity(target: Target, spec: RequestSpec) -> str | None:
    """Why this side cannot sign the request as asked (an identity it was not given), before anything is sent."""
    kind = spec.auth.kind
    side = f"side {target.names.worker}"
    if kind in _NEEDS_STS and target.settings.sts is None:
        return f"{side} has no STS identity (sts_access_key_id, sts_access_key_secret, sts_token) for {kind.value}"
    if kind is AuthKind.OTHER_ACCOUNT and target.settings.other is None:
        return f"{side} has no second account (other_account_id, other_access_key_id, other_access_key_secret)"
    return None


def _final_answer(target: Target, send: Callable[[], Exchange]) -> Exchange:
    """Transport errors retried, throttling ridden out, a 5xx repeated once; the answer that stands."""
    deadline = time.monotonic() + THROTTLE_BUDGET_S
    delay = 0.5
    transport_failures = 0
    repeated = False
    while True:
        try:
            exchange = send()
        except MissingIdentity as err:
            raise NotSent(str(err)) from None
        response = exchange.response
        if response is None:
            transport_failures += 1
            if transport_failures > TRANSPORT_RETRIES:
                raise HarnessError(f"no answer from the endpoint: {exchange.transport_error}")
            time.sleep(0.5 * transport_failures)
            continue
        if is_throttle(response):
            if time.monotonic() + delay > deadline:
                raise HarnessError(f"the endpoint kept answering 503 QpsLimitExceeded for {THROTTLE_BUDGET_S:.0f} s")
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
            continue
        if is_server_error(response) and not repeated:
            repeated = True
            time.sleep(SERVER_ERROR_PAUSE_S)
            continue
        return exchange
