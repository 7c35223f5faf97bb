"""Which requests a run sent, by operation and by purpose: what a rate-limited, billed endpoint pays for.

Real endpoints limit and bill requests, so a user wants to know what one judged example costs and
where the rest goes. Every request leaves through ``RawClient.send`` or the SDK driver; both count
it in the process's ``RequestTally`` under the operation its request line names and the purpose the
caller declared with ``purpose(...)``. The outermost declaration wins, so the target's methods
can declare their natural purpose (a listing is a read-back) while a caller that knows better
(the canary's listing during setup) says so around them. Threads start with no purpose: the
harness declares it where a request is made, not where the thread was started.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

UNDER_TEST, SETUP, READ_BACK, CLEANUP = "under-test", "setup", "read-back", "cleanup"
PURPOSES = (UNDER_TEST, SETUP, READ_BACK, CLEANUP)

_purpose: ContextVar[str | None] = ContextVar("ossv_request_purpose", default=None)

# the request line's operation marker (``?putVectors=``, ``?deleteVectors``) -> the API's operation name
_BY_MARKER = {
    "deleteVectors": "DeleteVectors",
    "putVectors": "PutVectors",
    "getVectors": "GetVectors",
    "listVectors": "ListVectors",
    "queryVectors": "QueryVectors",
    "putVectorIndex": "PutVectorIndex",
    "getVectorIndex": "GetVectorIndex",
    "deleteVectorIndex": "DeleteVectorIndex",
    "listVectorIndexes": "ListVectorIndexes",
    "bucketInfo": "GetVectorBucket",
}


@contextlib.contextmanager
def purpose(name: str) -> Iterator[None]:
    """Count the requests made inside under ``name`` (one of PURPOSES), unless an outer block declared one."""
    if name not in PURPOSES:
        raise ValueError(f"unknown request purpose {name!r}")
    if _purpose.get() is not None:
        yield
        return
    token = _purpose.set(name)
    try:
        yield
    finally:
        _purpose.reset(token)


def declares(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A method's natural purpose (``purpose(name)`` around each call)."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            with purpose(name):
                return func(*args, **kwargs)

        inner.__name__, inner.__qualname__, inner.__doc__ = func.__name__, func.__qualname__, func.__doc__
        return inner

    return wrap


def current_purpose() -> str:
    """The declared purpose; undeclared requests are setup (the run's own buckets, indexes and vectors)."""
    return _purpose.get() or SETUP


def operation_of(method: str, query: str, bucket: str | None) -> str:
    """The operation a request line names; requests no operation matches are counted as ``other``."""
    first = query.split("&", 1)[0].split("=", 1)[0] if query else ""
    if first in _BY_MARKER:
        return _BY_MARKER[first]
    verb = method.upper()
    if bucket is None and verb == "GET":
        return "ListVectorBuckets"
    if not query and verb == "PUT":
        return "PutVectorBucket"
    if not query and verb == "DELETE":
        return "DeleteVectorBucket"
    return "other"


@dataclass
class RequestTally:
    """Requests counted by (operation, purpose); shared by every client of a process, thread-safe."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, operation: str, n: int = 1, purpose_name: str | None = None) -> None:
        with self._lock:
            self.counts[(operation, purpose_name or current_purpose())] += n

    def copy(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self.counts)

    def since(self, earlier: Mapping[tuple[str, str], int]) -> Counter[tuple[str, str]]:
        """What was counted after ``earlier`` (a ``copy()``)."""
        now = self.copy()
        now.subtract(earlier)
        return +now

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())
