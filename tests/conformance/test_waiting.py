"""Patience: every wait gets the whole allowed lag until one runs out; then waits are bounded by what the
endpoint has shown, so a broken server still gets a finished report."""

from __future__ import annotations

from conformance.waiting import FLOOR_S, Patience


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def patience(allowed: float = 10.0) -> tuple[Patience, Clock]:
    clock = Clock()
    return Patience(allowed, clock=clock, sleep=clock.sleep), clock


def test_a_lagging_read_is_waited_for_within_the_allowed_lag() -> None:
    p, clock = patience()
    waited = p.until(lambda: clock.now, lambda now: now >= 6.0)  # converges after 6 s of a 10 s allowance
    assert waited.held and 6.0 <= waited.elapsed_s < 10.0
    assert waited.lag.startswith("converged after")
    assert not p.ran_out and p.budget_s() == 10.0


def test_after_a_wait_ran_out_waits_are_bounded_by_what_was_seen() -> None:
    p, clock = patience()
    p.until(lambda: clock.now, lambda now: now >= 1.0)  # converged after about 1 s
    never = p.until(lambda: 0, lambda _: False)
    assert not never.held and never.elapsed_s >= 10.0 and p.ran_out
    assert p.budget_s() == max(FLOOR_S, 3 * p.longest_s) < 10.0
    start = clock.now
    p.until(lambda: 0, lambda _: False)
    assert clock.now - start < p.budget_s() + 1.0


def test_an_immediately_consistent_read_does_not_sleep() -> None:
    p, clock = patience()
    waited = p.until(lambda: 1, lambda v: v == 1)
    assert waited.held and waited.polls == 0 and clock.now == 0.0 and waited.lag == "immediately consistent"
