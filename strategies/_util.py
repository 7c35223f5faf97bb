"""Private helpers shared by the strategy modules: weighted choice and cheap shuffling."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

_SEED_MAX = 2**32 - 1


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """Pick one strategy by integer weight; shrinks toward the FIRST choice (put the simplest first)."""
    if not choices or any(w <= 0 for w, _ in choices):
        raise ValueError("weighted() needs at least one choice, all weights positive")
    total = sum(w for w, _ in choices)

    @st.composite
    def _pick(draw: st.DrawFn) -> T:
        i = draw(st.integers(0, total - 1))
        for w, strategy in choices:
            if i < w:
                return draw(strategy)
            i -= w
        raise AssertionError("unreachable")

    return _pick()


def maybe_shuffled(draw: st.DrawFn, items: Sequence[T]) -> list[T]:
    """Return ``items`` in order or shuffled by a drawn seed: two choices whatever the length, shrinks to in-order."""
    out = list(items)
    if len(out) > 1 and draw(st.booleans()):
        random.Random(draw(st.integers(0, _SEED_MAX))).shuffle(out)
    return out


def seeded_sample(draw: st.DrawFn, items: Sequence[T], k: int) -> list[T]:
    """Choose ``k`` of ``items`` (order kept) with one drawn seed; shrinks toward the first ``k``."""
    if k >= len(items):
        return list(items)
    seed = draw(st.integers(0, _SEED_MAX))
    if seed == 0:
        return list(items[:k])
    picked = sorted(random.Random(seed).sample(range(len(items)), k))
    return [items[i] for i in picked]
