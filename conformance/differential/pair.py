"""The two sides together: one case arranged on both, sent to both, read back on both, compared.

Both worlds are arranged before either request is sent, and a request is only sent once both sides
have accepted it (the guard, the identities), so a case is compared whole or not at all. When the
answers agree but the effects do not, both sides are read again until they agree or the allowed lag
has passed: a read that lags on one side is not a difference in behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.differential.cases import DiffCase
from conformance.differential.compare import Difference, differences
from conformance.differential.exchange import Arranged, Effect, NotSent, arrange
from conformance.differential.interrupt import StopRequest
from conformance.differential.normalise import Normalised, normalise
from conformance.differential.sides import Side
from conformance.records import Exchange


@dataclass(frozen=True)
class Outcome:
    """A case's result: both sides' normalised outcomes and exchanges, and how they differ."""

    case: DiffCase
    a: Normalised | None = None
    b: Normalised | None = None
    exchanges: tuple[Exchange | None, Exchange | None] = (None, None)
    differences: tuple[Difference, ...] = ()
    not_sent: str | None = None

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(d.kind for d in self.differences)

    @property
    def cores(self) -> frozenset[str]:
        """What differs, whatever the context (shrinking keeps this and may simplify the context away)."""
        return frozenset(d.core for d in self.differences)


def _effect_of(arranged: Arranged, effect: Effect) -> tuple[object, ...]:
    previous = arranged.effect
    arranged.effect = effect
    try:
        n = normalise(arranged)
    finally:
        arranged.effect = previous
    return (n.gone, n.changed, n.returned)


@dataclass
class Pair:
    a: Side
    b: Side
    cases: int = 0
    compared: int = 0
    not_sent: dict[str, int] = field(default_factory=dict)
    stop: StopRequest = field(default_factory=StopRequest)

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.a, self.b)

    @property
    def requests_total(self) -> int:
        return self.a.client.sent + self.b.client.sent

    def run(self, case: DiffCase) -> Outcome:
        """Arrange, send, settle, compare; every index the case created is removed again."""
        self.stop.check()  # Ctrl-C: no new case starts
        self.cases += 1
        arranged: list[Arranged] = []
        try:
            for side in self.sides:
                arranged.append(arrange(side.target, case))
            xa, xb = arranged
            try:
                xa.prepare()
                xb.prepare()
                xa.send()
                xb.send()
            except NotSent as err:
                reason = str(err)
                self.not_sent[reason] = self.not_sent.get(reason, 0) + 1
                return Outcome(case, not_sent=reason)
            xa.settle()
            xb.settle()
            na, nb = normalise(xa), normalise(xb)
            if na.answer == nb.answer and (na.gone, na.changed, na.returned) != (nb.gone, nb.changed, nb.returned):
                assert xa.effect is not None and xb.effect is not None
                b_effect = _effect_of(xb, xb.effect)
                xa.reread(lambda e: _effect_of(xa, e) == b_effect)
                a_effect = _effect_of(xa, xa.effect) if xa.effect is not None else ()
                xb.reread(lambda e: _effect_of(xb, e) == a_effect)
                na, nb = normalise(xa), normalise(xb)
            self.compared += 1
            return Outcome(case, na, nb, (xa.exchange, xb.exchange), tuple(differences(na, nb)))
        finally:
            for x in arranged:
                x.drop()
