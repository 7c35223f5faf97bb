"""Run-unique names for everything the suite creates.

Every bucket and index name starts with the run's prefix, so the sweep at the end can
find exactly what this run made and nothing else, and a name the suite never created
(for "does not exist" checks) can be made without any chance of meeting user data.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading

PREFIX_ROOT = "ossvc"


def new_run_id() -> str:
    """Short, lowercase, alphanumeric: fits bucket names (3-32 chars) and index names (letters+digits)."""
    return secrets.token_hex(4)


class Names:
    """Name factory for one worker of one run."""

    def __init__(self, run_id: str, worker: str = "main") -> None:
        if not re.fullmatch(r"[0-9a-f]{8}", run_id):
            raise ValueError(f"run id must be 8 lowercase hex characters, got {run_id!r}")
        self.run_id = run_id
        self.worker = re.sub(r"[^0-9a-z]", "", worker.lower()) or "main"
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def bucket_prefix(self) -> str:
        return f"{PREFIX_ROOT}-{self.run_id}-"

    @property
    def index_prefix(self) -> str:
        return f"{PREFIX_ROOT}{self.run_id}"

    @property
    def worker_bucket_prefix(self) -> str:
        """What this worker alone creates: the unit its own sweep may remove."""
        return f"{self.bucket_prefix}{self.worker}-"

    @property
    def worker_index_prefix(self) -> str:
        return f"{self.index_prefix}{self.worker}x"

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def bucket(self, role: str) -> str:
        """e.g. ``ossvc-1a2b3c4d-gw0-p`` (at most 32 characters)."""
        name = f"{self.bucket_prefix}{self.worker}-{role}"
        return name[:32].rstrip("-")

    def index(self, role: str = "t") -> str:
        """e.g. ``ossvc1a2b3c4dgw0xt17``: letters and digits, starting with a letter."""
        return f"{self.worker_index_prefix}{role}{self._next()}"

    def key(self, role: str = "k") -> str:
        """A vector key no user data can carry, e.g. ``ossvc1a2b3c4d-probe3``."""
        return f"{self.index_prefix}-{role}{self._next()}"

    def owns_key(self, key: str) -> bool:
        return key.startswith(self.index_prefix)

    def owns_index(self, name: str) -> bool:
        return name.startswith(self.index_prefix)

    def owns_bucket(self, name: str) -> bool:
        return name.startswith(self.bucket_prefix)
