"""The one way the suite waits for reads to catch up with writes.

Every read that judges state (read-back after a delete, witnesses, setup visibility, the
concurrency union, the canaries, the stateful model, replay) polls through ``Patience.until``: read
until the condition holds or the allowed lag (``OSSV_READ_LAG``) has passed, and remember how long
convergence took.

A correct endpoint converges within the allowed lag by definition, so as long as no wait has run
out, every wait gets the whole allowed lag and no correct server can be failed for lagging. Once a
wait *has* run out, the endpoint is known not to converge somewhere, and a broken server must still
get a finished report: from then on waits are bounded by what the endpoint has shown (three times
the longest convergence seen, at least ``FLOOR_S``), never more than the allowed lag.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
FLOOR_S = 0.5
FIRST_PAUSE_S = 0.05
MAX_PAUSE_S = 0.5


@dataclass(frozen=True)
class Waited(Generic[T]):
    """The last value read, whether the condition held, and how long it took."""

    value: T
    held: bool
    elapsed_s: float
    polls: int

    @property
    def lag(self) -> str:
        """The read-after-write lag seen, for DV-OBS-READ-LAG ("" when the condition never held)."""
        if not self.held:
            return ""
        return "immediately consistent" if self.polls == 0 else f"converged after {self.elapsed_s:.1f} s"


class Patience:
    """How long reads may lag, and what this endpoint has shown so far (one per worker process)."""

    def __init__(
        self,
        allowed_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.allowed_s = allowed_s
        self.clock = clock
        self.sleep = sleep
        self.longest_s = 0.0  # the longest convergence seen
        self.ran_out = False  # some wait reached the allowed lag without its condition holding

    def budget_s(self) -> float:
        if not self.ran_out:
            return self.allowed_s
        return min(self.allowed_s, max(FLOOR_S, 3 * self.longest_s))

    def until(self, read: Callable[[], T], holds: Callable[[T], bool], *, budget_s: float | None = None) -> Waited[T]:
        """Read until ``holds(value)`` or the budget is spent; the last value either way."""
        budget = self.budget_s() if budget_s is None else min(budget_s, self.budget_s())
        start = self.clock()
        pause = FIRST_PAUSE_S
        polls = 0
        while True:
            value = read()
            elapsed = self.clock() - start
            if holds(value):
                if polls:
                    self.longest_s = max(self.longest_s, elapsed)
                return Waited(value, True, elapsed, polls)
            if elapsed >= budget:
                if budget >= self.allowed_s:
                    self.ran_out = True
                return Waited(value, False, elapsed, polls)
            polls += 1
            self.sleep(min(pause, max(budget - elapsed, 0.01)))
            pause = min(pause * 2, MAX_PAUSE_S)
