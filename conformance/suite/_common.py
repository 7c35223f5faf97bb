"""Shared pieces of the suite's modules: the requirement marker and the active profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import settings

from conformance import profiles

F = TypeVar("F", bound=Callable[..., Any])


def requirements(*ids: str) -> pytest.MarkDecorator:
    """The one declaration of what a check judges; collection fails without it."""
    return pytest.mark.requirements(*ids)


def profile(scale: int = 30) -> Callable[[F], F]:
    """The run's Hypothesis profile, scaled down for expensive properties (30 = full size)."""
    active = profiles.current()
    count = max(1, active.max_examples * scale // 30)
    decorator: Callable[[F], F] = settings(active, max_examples=count)
    return decorator
