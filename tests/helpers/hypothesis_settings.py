"""Shared test settings: no example database, no deadline, and a no-shrink reachability check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

T = TypeVar("T")

FAST = settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def fast(max_examples: int) -> settings:
    return settings(FAST, max_examples=max_examples)


def reaches(strategy: st.SearchStrategy[T], condition: Callable[[T], Any], max_examples: int = 3000) -> T:
    """Some generated value satisfies ``condition`` (found by generation alone; no shrinking, so it is quick)."""
    return find(strategy, condition, settings=settings(FAST, max_examples=max_examples, phases=[Phase.generate]))


def minimal(strategy: st.SearchStrategy[T], condition: Callable[[T], Any] = lambda _: True) -> T:
    """The shrunk simplest value satisfying ``condition``."""
    # derandomized: the shrinker's result must not depend on the machine's load or the run
    quiet = settings(FAST, max_examples=500, derandomize=True, phases=[Phase.generate, Phase.shrink])
    return find(strategy, condition, settings=quiet)
