"""Remember everything the suite creates on the target, and undo it in reverse order.

The ledger is written through to a file as it grows, so even a killed run leaves a
list of what it made. Cleanup never hides a failure: each failed removal is returned
(and reported), never swallowed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Resource:
    kind: str  # "bucket" | "index"
    bucket: str
    index: str | None = None

    def describe(self) -> str:
        return f"index {self.index} in bucket {self.bucket}" if self.kind == "index" else f"bucket {self.bucket}"


class Ledger:
    def __init__(self, path: Path | None = None) -> None:
        self._items: list[Resource] = []
        self._lock = threading.Lock()
        self._path = path

    def add(self, resource: Resource) -> None:
        with self._lock:
            self._items.append(resource)
            self._flush()

    def discard(self, resource: Resource) -> None:
        with self._lock:
            if resource in self._items:
                self._items.remove(resource)
                self._flush()

    def __contains__(self, resource: object) -> bool:
        with self._lock:
            return resource in self._items

    def items(self) -> list[Resource]:
        with self._lock:
            return list(self._items)

    def _flush(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps([r.__dict__ for r in self._items], indent=1))
        tmp.replace(self._path)

    def unwind(self, remove: Callable[[Resource], None]) -> list[str]:
        """Remove everything, newest first; return one line per removal that failed."""
        problems = []
        for resource in reversed(self.items()):
            try:
                remove(resource)
            except Exception as err:  # reported to the caller, not hidden
                problems.append(f"could not remove {resource.describe()}: {err}")
            else:
                self.discard(resource)
        return problems
