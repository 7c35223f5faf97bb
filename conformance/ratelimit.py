"""A request-rate budget, optionally shared by every pytest-xdist worker through a file.

A real endpoint has a QPS quota (503 QpsLimitExceeded); the budget keeps the whole run under
``max_rps`` no matter how many workers there are. It schedules "next free slot" timestamps
(one slot every ``1/max_rps`` seconds, no bursts); with ``state_path`` that timestamp lives in a
small JSON file guarded by a ``filelock.FileLock``, so processes share one schedule.
Slots are spaced a little wider than ``1/max_rps`` (``PACING_MARGIN``): a server counting a
sliding one-second window sees the jitter of real sends, and a request that lands a hair early
costs a 503 and a back-off. ``note_throttled`` pushes the schedule back by one interval and
widens the interval, so a target whose real limit is below the configured one is met where it
is. Without a configured budget the first 503 switches pacing on, at a little under the rate
that was just throttled: a run against a throttling endpoint then spends its time on requests,
not on retries.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

DEFAULT_THROTTLE_BACKOFF_S = 1.0
PACING_MARGIN = 1.05  # slots 5% wider than 1/max_rps
WIDEN_ON_THROTTLE = 1.1  # a 503 widens the interval by this much (at most once a second)
ADAPTIVE_SHARE = 0.9  # without a budget, pace at this share of the rate that was throttled
RATE_WINDOW_S = 1.0


class RateBudget:
    """``acquire()`` blocks until one more request fits in the budget; None means unlimited."""

    def __init__(
        self,
        max_rps: float | None,
        state_path: str | Path | None = None,
        *,
        throttle_backoff_s: float = DEFAULT_THROTTLE_BACKOFF_S,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_rps is not None and not max_rps > 0:
            raise ValueError(f"max_rps must be > 0 or None, got {max_rps!r}")
        self.max_rps = max_rps
        self.interval = PACING_MARGIN / max_rps if max_rps else 0.0
        self._recent: deque[float] = deque()  # grant times in the last RATE_WINDOW_S, for adaptive pacing
        self._widened_at = 0.0
        self._configured = self.interval  # the user's budget: never loosened
        self._bursts = 0
        self.state_path = Path(state_path) if state_path is not None else None
        self.throttle_backoff_s = throttle_backoff_s
        self._clock = clock  # wall clock: the only clock several processes agree on
        self._sleep = sleep
        self._thread_lock = threading.Lock()
        self._file_lock = FileLock(str(self.state_path) + ".lock") if self.state_path is not None else None
        self._next = 0.0  # in-process state
        self._backoff_until = 0.0

    @property
    def unlimited(self) -> bool:
        return self.max_rps is None

    # --- state: memory or file --------------------------------------------------------

    def _read(self) -> tuple[float, float]:
        if self.state_path is None:
            return self._next, self._backoff_until
        try:
            data = json.loads(self.state_path.read_text())
            return float(data["next"]), float(data["backoff_until"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return 0.0, 0.0  # absent or torn: start afresh (only ever too permissive by one slot)

    def _write(self, next_slot: float, backoff_until: float) -> None:
        if self.state_path is None:
            self._next, self._backoff_until = next_slot, backoff_until
            return
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps({"next": next_slot, "backoff_until": backoff_until}))
        tmp.replace(self.state_path)

    def _update(self, change: Callable[[float, float, float], tuple[float, float, float]]) -> float:
        """Run ``change(now, next, backoff_until) -> (next, backoff_until, grant)`` atomically."""
        with self._thread_lock:
            if self._file_lock is not None:
                with self._file_lock:
                    return self._apply(change)
            return self._apply(change)

    def _apply(self, change: Callable[[float, float, float], tuple[float, float, float]]) -> float:
        next_slot, backoff_until = self._read()
        new_next, new_backoff, grant = change(self._clock(), next_slot, backoff_until)
        self._write(new_next, new_backoff)
        return grant

    # --- public -----------------------------------------------------------------------

    def acquire(self) -> None:
        """Wait for this caller's slot; returns at once while unlimited and never throttled."""
        interval = self._configured if self._bursts else self.interval
        if interval == 0.0:
            if self.max_rps is None:
                with self._thread_lock:
                    now = self._clock()
                    while self._recent and now - self._recent[0] >= RATE_WINDOW_S:
                        self._recent.popleft()
                    self._recent.append(now)
            return

        def take(now: float, next_slot: float, backoff_until: float) -> tuple[float, float, float]:
            slot = max(now, next_slot, backoff_until if not self._bursts else now)
            return slot + interval, backoff_until, slot

        slot = self._update(take)
        delay = slot - self._clock()
        while delay > 0:
            self._sleep(delay)
            delay = slot - self._clock()

    @contextmanager
    def bursts(self) -> Iterator[None]:
        """Inside: only the configured budget holds, not the pacing learnt from 503s.

        For the one property that must make the target throttle (within the user's budget).
        """
        with self._thread_lock:
            self._bursts += 1
        try:
            yield
        finally:
            with self._thread_lock:
                self._bursts -= 1

    def note_throttled(self) -> None:
        """The target throttled us (503): widen the spacing, and make later acquires wait one interval."""
        with self._thread_lock:
            now = self._clock()
            if self.interval == 0.0:
                # unlimited until now: start pacing a little under the rate that was just refused
                rate = max(len(self._recent), 1) / RATE_WINDOW_S
                self.interval = 1.0 / (rate * ADAPTIVE_SHARE)
                self._widened_at = now
            elif now - self._widened_at >= RATE_WINDOW_S:
                # one widening per window: a burst of 503s answers one over-fast second, not many
                self.interval *= WIDEN_ON_THROTTLE
                self._widened_at = now
            pause = min(self.interval, self.throttle_backoff_s)

        def back_off(now: float, next_slot: float, backoff_until: float) -> tuple[float, float, float]:
            until = max(backoff_until, now + pause)
            return max(next_slot, until), until, until

        self._update(back_off)

    def __getstate__(self) -> dict[str, object]:
        """Picklable (e.g. into a worker process): locks are rebuilt, the shared file is the state."""
        state = dict(self.__dict__)
        del state["_thread_lock"], state["_file_lock"]
        state["_recent"] = deque()
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._thread_lock = threading.Lock()
        self._file_lock = FileLock(str(self.state_path) + ".lock") if self.state_path is not None else None

    def __repr__(self) -> str:
        shared = f", state_path={str(self.state_path)!r}" if self.state_path else ""
        return f"RateBudget(max_rps={self.max_rps!r}{shared})"
