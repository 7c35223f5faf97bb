"""Per-emulator QPS limit over a sliding one-second window (digest §5.1, QpsLimitExceeded)."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindowLimiter:
    """Admit at most ``limit`` requests (floor, if fractional) in any 1 s window; ``None`` disables limiting."""

    def __init__(self, limit: float | None, count_rejected: bool = False, window: float = 1.0) -> None:
        if limit is not None and limit < 1:
            raise ValueError("qps limit must be >= 1")
        self._limit = limit
        self._count_rejected = count_rejected
        self._window = window
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """Record one arrival; False means the request must be throttled."""
        if self._limit is None:
            return True
        now = time.monotonic()
        with self._lock:
            while self._stamps and self._stamps[0] <= now - self._window:
                self._stamps.popleft()
            allowed = len(self._stamps) + 1 <= self._limit
            if allowed or self._count_rejected:
                self._stamps.append(now)
            return allowed
