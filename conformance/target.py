"""The endpoint under test, as the suite is allowed to touch it.

A Target owns the run's buckets and indexes: it creates them (ledger-tracked), fills
them with vectors it can recognise byte for byte, reads them back as snapshots, and
removes them at the end, with a sweep of anything left under the run's prefix. It
refuses to aim a DeleteVectors anywhere the run did not create.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from conformance.accounting import CLEANUP, READ_BACK, SETUP, declares
from conformance.client import RawClient
from conformance.config import Settings
from conformance.drivers.base import RAW
from conformance.errors import HarnessError, OperationFailed, Refused
from conformance.jsonparse import classify, strings_in
from conformance.judge import is_server_error, is_throttle
from conformance.ledger import Ledger, Resource
from conformance.limits import MAX_GET_KEYS, MAX_KEY_CHARS, MAX_PUT_VECTORS, MAX_UNIQUE_KEYS
from conformance.naming import Names
from conformance.ops import Listing, VectorOps, get_vector_bucket_spec
from conformance.records import Exchange, RequestSpec, Snapshot
from conformance.waiting import Patience

if TYPE_CHECKING:
    from conformance.drivers import Driver

DIMENSION = 4
PUT_BATCH = MAX_PUT_VECTORS
CANARY_COUNT = 8
TRANSPORT_BUDGET_S = 8.0
T = TypeVar("T")


def fetchable(key: str) -> bool:
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return 0 < len(key) <= MAX_KEY_CHARS and size <= MAX_KEY_CHARS


def vector_for(key: str, salt: str) -> dict[str, Any]:
    """A vector recognisable by its key and salt; every value is exact in float32."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode("utf-8", "surrogatepass")).digest()
    data = [(digest[i] - 128) / 16.0 + 0.25 for i in range(DIMENSION)]
    return {"key": key, "data": {"float32": data}, "metadata": {"salt": salt, "tag": digest[DIMENSION : DIMENSION + 4].hex()}}


def _numbers_as_floats(value: Any) -> Any:
    """1 and 1.0 are the same stored number; servers differ in how they print it."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_numbers_as_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _numbers_as_floats(v) for k, v in value.items()}
    return value


def canonical(item: dict[str, Any]) -> str:
    """A vector's data and metadata in one comparable string, byte-for-byte up to number spelling."""
    data = item.get("data")
    floats = data.get("float32") if isinstance(data, dict) else data
    return json.dumps({"data": _numbers_as_floats(floats), "metadata": _numbers_as_floats(item.get("metadata"))}, sort_keys=True)


@dataclass(frozen=True)
class Buckets:
    primary: str
    second: str | None  # another bucket of the run, for cross-bucket collateral checks
    missing: str  # a run-prefixed bucket name that is never created


class Target:
    def __init__(
        self, settings: Settings, client: RawClient, names: Names, ledger_path: Path | None = None, driver: Driver | None = None
    ) -> None:
        self.settings = settings
        self.client = client
        self.driver = driver  # sends the DeleteVectors under test (issue 5); None: the raw client does
        self.ops = VectorOps(client)
        self.names = names
        self.ledger = Ledger(ledger_path)
        self.patience = Patience(settings.read_lag_s)
        # called with a setup or read-back request's second 5xx (the current test fails DV-NO-SERVER-ERROR)
        self.server_error_seen: Callable[[str, Exchange], None] | None = None
        self.buckets = Buckets(
            primary=settings.bucket or names.bucket("p"),
            second=None if settings.bucket else names.bucket("s"),
            missing=names.bucket("x"),
        )
        self.canary: tuple[str, str] | None = None
        self.canary_snapshot: Snapshot = {}
        self.witness: str | None = None  # an index in the primary bucket beside every test index
        self.twin: str | None = None  # an index of the same role in the second bucket
        # keys last removed from a shared witness index, which must read as gone before it is judged
        self._removed: dict[tuple[str, str], dict[str, float]] = {}  # location -> key -> when it was removed

    # --- plumbing

    @property
    def driver_name(self) -> str:
        return self.driver.name if self.driver is not None else RAW

    def send(self, spec: RequestSpec) -> Exchange:
        """The one place a request under test leaves: DeleteVectors through the driver, the rest raw."""
        if self.driver is not None and spec.query.startswith("deleteVectors"):
            exchange = self.driver.send(spec)
            if exchange.sdk is not None:  # sent by the SDK, not the raw client: each of its attempts is a request
                self.client.tally.count("DeleteVectors", max(1, len(exchange.sdk.attempts)))
            return exchange
        return self.client.send(spec)

    def retrying(self, what: str, call: Callable[[], T], budget_s: float = 60.0, settling: tuple[int, ...] = ()) -> T:
        """Setup calls ride out throttling (the documented 503) and brief transport errors, and
        ``settling`` statuses (an index that is still being created) for a while."""
        started = time.monotonic()
        deadline = started + budget_s
        delay = 0.2
        server_errors = 0
        while True:
            try:
                return call()
            except OperationFailed as err:
                response = err.exchange.response
                transient = response is None or is_throttle(response) or response.status in settling
                if response is None:  # the network: a few quick tries, then say so
                    deadline = min(deadline, started + TRANSPORT_BUDGET_S)
                if is_server_error(response):  # repeated once; seen again, it is the target's failure
                    server_errors += 1
                    transient = server_errors == 1
                    if not transient and self.server_error_seen is not None:
                        self.server_error_seen(what, err.exchange)
                if not transient or time.monotonic() + delay > deadline:
                    raise HarnessError(f"{what}: {err}", status=err.status, code=err.code) from None
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    # --- lifecycle

    @declares(SETUP)
    def setup(self) -> None:
        """Create the run's buckets, a witness index and twin, and the canary vectors."""
        if self.settings.bucket is None:
            self._create_bucket(self.buckets.primary)
        else:
            bucket = self.settings.bucket
            found = self.retrying(
                "GetVectorBucket", lambda: self.ops.call("GetVectorBucket", get_vector_bucket_spec(bucket), (200, 404))
            )
            if found.exchange.response is not None and found.exchange.response.status == 404:
                raise HarnessError(f"OSSV_BUCKET {bucket!r} does not exist")
        if self.buckets.second is not None:
            self._create_bucket(self.buckets.second)
        canary = self.new_index(self.buckets.primary, role="c")
        keys = [self.user_key(f"canary-{i}") for i in range(CANARY_COUNT)]
        refused = set(self.put(self.buckets.primary, canary, keys, salt="canary"))
        self.canary = (self.buckets.primary, canary)
        # the photograph the end is compared with, once the puts are visible (reads may lag behind writes)
        self.canary_snapshot = self.patience.until(
            lambda: self.snapshot(self.buckets.primary, canary), lambda snap: set(keys) - refused <= set(snap)
        ).value
        self.witness = self.new_index(self.buckets.primary, role="w")
        if self.buckets.second is not None:
            self.twin = self.new_index(self.buckets.second, role="w")

    @declares(SETUP)
    def _create_bucket(self, bucket: str) -> None:
        self.retrying("PutVectorBucket", lambda: self.ops.put_vector_bucket(bucket))
        self.ledger.add(Resource("bucket", bucket))

    @declares(SETUP)
    def new_index(self, bucket: str, role: str = "t", name: str | None = None) -> str:
        index = name or self.names.index(role)
        self.retrying("PutVectorIndex", lambda: self.ops.put_vector_index(bucket, index, DIMENSION))
        self.ledger.add(Resource("index", bucket, index))
        return index

    @declares(CLEANUP)
    def drop_index(self, bucket: str, index: str) -> None:
        self.retrying("DeleteVectorIndex", lambda: self.ops.delete_vector_index(bucket, index, missing_ok=True))
        self.ledger.discard(Resource("index", bucket, index))

    @declares(SETUP)
    def put(self, bucket: str, index: str, keys: Iterable[str], salt: str) -> list[str]:
        """Store the keys; return those the target refused to store (e.g. a key over its length limit).

        Which keys a target accepts at the edges is undocumented for DeleteVectors' purposes, so a
        refused batch is retried one vector at a time and the world is whatever was stored.
        """
        keys = list(dict.fromkeys(keys))
        if bucket == self.settings.bucket and not all(self.names.owns_key(k) for k in keys):
            raise Refused("would store keys without the run's prefix in a user's bucket (OSSV_BUCKET)")
        items = [vector_for(k, salt) for k in keys]
        pending = self._removed.get((bucket, index), {})
        for key in keys:  # stored again: no longer a removal that reads may lag behind
            pending.pop(key, None)
        refused: list[str] = []
        for start in range(0, len(items), PUT_BATCH):
            batch = items[start : start + PUT_BATCH]
            try:
                self._put_batch(bucket, index, batch)
            except HarnessError as err:
                if err.status != 400:
                    raise
                for item in batch:
                    try:
                        self._put_batch(bucket, index, [item])
                    except HarnessError as single:
                        if single.status != 400:
                            raise
                        refused.append(str(item["key"]))
        return refused

    def _put_batch(self, bucket: str, index: str, batch: list[dict[str, Any]]) -> None:
        self.retrying("PutVectors", lambda: self.ops.put_vectors(bucket, index, batch), settling=(404, 409))

    @declares(SETUP)
    def delete_own(self, bucket: str, index: str, keys: Sequence[str]) -> None:
        """Setup/cleanup deletes, always well formed and always aimed at the run's own index."""
        self.guard(bucket, index)
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), MAX_UNIQUE_KEYS):
            chunk = unique[start : start + MAX_UNIQUE_KEYS]
            try:
                self._delete_batch(bucket, index, chunk)
            except HarnessError as err:
                if err.status != 400:
                    raise
                for key in chunk:  # a key the target refuses to name is one it cannot have stored
                    with contextlib.suppress(HarnessError):
                        self._delete_batch(bucket, index, [key])

    def _delete_batch(self, bucket: str, index: str, keys: list[str]) -> None:
        self.retrying("DeleteVectors", lambda: self.ops.delete_vectors(bucket, index, keys))

    @declares(READ_BACK)
    def snapshot(self, bucket: str, index: str) -> Snapshot:
        listing = self.retrying(
            "ListVectors", lambda: self.ops.list_vectors_all(bucket, index, return_data=True, return_metadata=True)
        )
        return {str(item.get("key")): canonical(item) for item in listing.items}

    def removed(self, location: tuple[str, str], keys: Iterable[str]) -> None:
        """Remember keys the suite removed from a shared index: reads may show them for up to the allowed lag."""
        now = time.monotonic()
        self._removed.setdefault(location, {}).update(dict.fromkeys(keys, now))

    def pending_removals(self, location: tuple[str, str]) -> frozenset[str]:
        """Keys removed from ``location`` recently enough that a lagging read may still show them."""
        horizon = time.monotonic() - self.patience.allowed_s
        pending = {k: t for k, t in self._removed.get(location, {}).items() if t >= horizon}
        self._removed[location] = pending
        return frozenset(pending)

    @declares(READ_BACK)
    def get(self, bucket: str, index: str, keys: Sequence[str]) -> Snapshot:
        """GetVectors of ``keys`` with data and metadata, as a snapshot (at most 100 keys a call)."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), MAX_GET_KEYS):
            chunk = wanted[start : start + MAX_GET_KEYS]
            result = self.retrying("GetVectors", lambda chunk=chunk: self.ops.get_vectors(bucket, index, chunk, True, True))  # type: ignore[misc]
            vectors = result.data.get("vectors", []) if isinstance(result.data, dict) else []
            out.update({str(v.get("key")): canonical(v) for v in vectors if isinstance(v, dict)})
        return out

    @declares(READ_BACK)
    def still_returned(self, bucket: str, index: str, keys: Iterable[str]) -> frozenset[str]:
        """Which of ``keys`` GetVectors still returns (the second read path: a deleted key must be gone from both).

        Keys GetVectors cannot name as documented (empty, over 1024 characters or bytes, lone
        surrogates) are not asked for."""
        wanted = sorted(k for k in set(keys) if fetchable(k))
        found: set[str] = set()
        for start in range(0, len(wanted), MAX_GET_KEYS):
            chunk = wanted[start : start + MAX_GET_KEYS]
            result = self.retrying("GetVectors", lambda chunk=chunk: self.ops.get_vectors(bucket, index, chunk))  # type: ignore[misc]
            vectors = result.data.get("vectors", []) if isinstance(result.data, dict) else []
            found |= {str(v.get("key")) for v in vectors if isinstance(v, dict)}
        return frozenset(found & set(wanted))

    # --- safety

    def user_key(self, key: str) -> str:
        """The key as the suite sends it: inside a user's bucket, with the run's prefix, so that no key the
        suite names can be a user's, whatever a server makes of the index name."""
        return f"{self.names.index_prefix}-{key}" if self.settings.bucket else key

    def owns_bucket(self, bucket: str | None) -> bool:
        return bucket in (self.buckets.primary, self.buckets.second, self.buckets.missing)

    def guard(self, bucket: str | None, index: str | None) -> None:
        """Never let a DeleteVectors reach an index the run did not create.

        In a bucket the run created, every index is the run's. In a user's bucket (OSSV_BUCKET)
        only run-prefixed names are.
        """
        if not self.owns_bucket(bucket):
            raise HarnessError(f"refusing to send DeleteVectors to bucket {bucket!r}: not this run's")
        if bucket == self.settings.bucket and index is not None and not self.names.owns_index(index):
            raise Refused(f"refusing to send DeleteVectors to index {index!r} of bucket {bucket!r}: not this run's")

    def guard_spec(self, spec: RequestSpec) -> None:
        """In a user's bucket, send only bodies every reading of which names one of the run's indexes, spelled
        exactly ``indexName`` (a server matching member names case-insensitively could read another spelling)."""
        self.guard(spec.bucket, None)
        if spec.bucket != self.settings.bucket:
            return
        parsed = classify(spec.body)
        readings = (parsed.value,) if parsed.value is not None else parsed.readings
        safe = bool(readings) and all(
            isinstance(r, dict)
            and isinstance(r.get("indexName"), str)
            and self.names.owns_index(r["indexName"])
            and not any(isinstance(k, str) and k.lower() == "indexname" and k != "indexName" for k in r)
            and all(self.names.owns_key(k) for k in strings_in(r.get("keys")))
            for r in readings
        )
        if not safe:
            raise Refused(
                "sends a body whose index name or keys cannot be guaranteed to be this run's; "
                "not run inside a user's bucket (OSSV_BUCKET): use a suite-created bucket for it"
            )

    # --- the end

    @declares(READ_BACK)
    def check_canary(self) -> str | None:
        """The canary index is never named in any request: it must read as it was (reads may lag)."""
        self.server_error_seen = None  # no test is running: a 5xx here is the harness's to report
        if self.canary is None:
            return None
        canary = self.canary
        now = self.patience.until(lambda: self.snapshot(*canary), lambda snap: snap == self.canary_snapshot).value
        if now != self.canary_snapshot:
            changed = sorted(set(now) ^ set(self.canary_snapshot) | {k for k in now if now.get(k) != self.canary_snapshot.get(k)})
            return f"canary vectors changed during the run: {changed[:5]}"
        return None

    @declares(CLEANUP)
    def teardown(self) -> list[str]:
        """Remove everything the run created, then sweep its prefix; return the problems."""
        self.server_error_seen = None
        problems = self.ledger.unwind(self._remove)
        problems += self.sweep()
        return problems

    def _remove(self, resource: Resource) -> None:
        if resource.kind == "index" and resource.index is not None:
            self.retrying(
                "DeleteVectorIndex", lambda: self.ops.delete_vector_index(resource.bucket, resource.index or "", missing_ok=True)
            )
        else:
            self.retrying("DeleteVectorBucket", lambda: self.ops.delete_vector_bucket(resource.bucket, missing_ok=True))

    def sweep(self) -> list[str]:
        """Anything still carrying this run's prefix goes; nothing else is looked at twice."""
        problems = []
        buckets = [b for b in (self.buckets.primary, self.buckets.second) if b]
        try:
            listed = self.retrying("ListVectorBuckets", lambda: self.ops.list_vector_buckets(self.names.worker_bucket_prefix))
            for item in listed.items:
                name = str(item.get("Name") or item.get("name") or "").rsplit(":", 1)[-1]
                if name.startswith(self.names.worker_bucket_prefix) and name not in buckets:
                    buckets.append(name)
        except HarnessError as err:
            problems.append(f"sweep: {err}")
        for bucket in buckets:
            try:
                indexes = self._list_own_indexes(bucket)
            except HarnessError as err:
                if err.status != 404:
                    problems.append(f"sweep: {err}")
                continue
            for item in indexes.items:
                name = str(item.get("indexName", ""))
                if name.startswith(self.names.worker_index_prefix):
                    try:
                        self.drop_index(bucket, name)
                    except HarnessError as err:
                        problems.append(f"sweep: {err}")
            if bucket.startswith(self.names.worker_bucket_prefix) and bucket != self.settings.bucket:
                try:
                    self._remove(Resource("bucket", bucket))
                except HarnessError as err:
                    problems.append(f"sweep: {err}")
        return problems

    def _list_own_indexes(self, bucket: str) -> Listing:
        return self.retrying("ListVectorIndexes", lambda: self.ops.list_vector_indexes(bucket, self.names.worker_index_prefix))
