"""Everything a conformance property is written with: the requirement marker, the profile, request
builders, and ``Case`` (the ``case`` fixture's object) with the verbs multi-step properties need:
arrange an arena, send, check, read, wait, judge.

It keeps the properties short and declarative: say what is stored, how the request is built from
the fresh index, and let the harness judge. It also keeps the reproduction record (the world the
request met and the request itself) with every example, so a failure can be replayed later without
Hypothesis, and it bounds shrinking: once a test has failed, further examples get a time budget
(the profile's ``shrink_budget_s``), after which Hypothesis' remaining shrink attempts are rejected
unsent. The final replay of the minimal example always runs.
"""

from __future__ import annotations

import base64
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from hypothesis import reject, settings

from conformance import profiles
from conformance.arenas import Arena as Arena  # re-exported: properties type their request builders with it
from conformance.arenas import Keeper, body_strings
from conformance.config import Settings
from conformance.drivers.judging import judge_surface
from conformance.harness import DeleteHarness, Judged
from conformance.judge import describe_response, judge_conventions
from conformance.limits import DOCUMENTED_QUERY
from conformance.ops import delete_vectors_spec, sdk_spec
from conformance.recorder import Recorder
from conformance.records import AuthSpec, Exchange, Location, RequestSpec, Snapshot, Verdict
from conformance.target import Buckets, Target

if TYPE_CHECKING:
    from conformance.drivers import Driver

MAX_SHOWN = 4000
FAMILY_CAP = 20  # examples of one parametrised input family (nightly would draw 50)
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def requirements(*ids: str) -> pytest.MarkDecorator:
    """The one declaration of what a check judges; collection fails without it."""
    return pytest.mark.requirements(*ids)


def profile(scale: int = 30, *, cap: int | None = None) -> Callable[[F], F]:
    """The run's Hypothesis profile, scaled down for expensive properties (30 = full size); ``cap`` bounds the
    examples of one parametrised case where more draws of it find nothing new (one malformed-JSON family,
    one wrong-signature kind), so the big profiles spend a rate-limited endpoint's requests elsewhere."""
    active = profiles.current()
    count = max(1, active.max_examples * scale // 30)
    count = min(count, cap) if cap is not None else count
    decorator: Callable[[F], F] = settings(active, max_examples=count)
    return decorator


def shown(value: Any) -> str:
    """A repr short enough for a report, long enough to reproduce by eye."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f"... ({len(text)} characters)"


def _final_replay() -> bool:
    """True while Hypothesis replays the minimal failing example (or outside Hypothesis altogether)."""
    try:
        from hypothesis.control import current_build_context

        return bool(current_build_context().is_final)
    except Exception:
        return True


class Case:
    def __init__(self, target: Target, recorder: Recorder, settings: Settings, keeper: Keeper | None = None) -> None:
        self.target = target
        self.recorder = recorder
        self.settings = settings
        self.harness = DeleteHarness(target, recorder, keeper)  # the target's held worlds, shared by its tests
        self._tally_at_start = target.client.tally.copy()  # every request this test makes, setup included
        target.server_error_seen = self._server_error
        self._failed_at: float | None = None

    def requests_sent(self) -> Counter[tuple[str, str]]:
        """The requests this test made so far, by (operation, purpose)."""
        return self.target.client.tally.since(self._tally_at_start)

    def example(self, **inputs: Any) -> None:
        """Open a fresh example; ``inputs`` is what the report shows as the minimal example."""
        if self.recorder.failures:
            now = time.monotonic()
            self._failed_at = self._failed_at or now
            if now - self._failed_at > profiles.shrink_budget_s() and not _final_replay():
                self.recorder.note("shrinking stopped at the profile's time budget")
                reject()
        self.recorder.start_example(", ".join(f"{k}={shown(v)}" for k, v in inputs.items()))

    def delete(
        self,
        request: Callable[[Arena], RequestSpec],
        *,
        stored: Sequence[str] = (),
        predeleted: Sequence[str] = (),
        witnesses: bool = False,
        index_exists: bool = True,
        bucket_exists: bool = True,
    ) -> Judged:
        """Arrange the test's index for this example, send the request built for it, judge."""
        probe = self.harness.keeper.peek(witnesses=witnesses, index_exists=index_exists, bucket_exists=bucket_exists)
        spec = request(probe)  # built once (a request may draw from Hypothesis), for the index it will meet
        with self.harness.arena(
            stored,
            predeleted,
            witnesses=witnesses,
            index_exists=index_exists,
            bucket_exists=bucket_exists,
            named=body_strings(spec.body),
        ) as arena:
            if arena.index != probe.index:  # the held index was replaced (it had grown past a page)
                spec = request(arena)
            self.remember(arena, spec, stored, predeleted, witnesses)
            return self.harness.check(arena, spec)

    def _server_error(self, operation: str, exchange: Exchange) -> None:
        """Any request, setup and read-back included, that gets a 5xx twice fails DV-NO-SERVER-ERROR."""
        self.recorder.exchange(exchange)
        seen = f"{operation}: {describe_response(exchange.response)}, twice"
        self.recorder.record([Verdict("DV-NO-SERVER-ERROR", False, "no 5xx other than 503 QpsLimitExceeded", seen)])

    # --- the verbs of multi-step properties

    def arena(
        self,
        stored: Sequence[str] = (),
        predeleted: Sequence[str] = (),
        *,
        witnesses: bool = False,
        index_exists: bool = True,
        bucket_exists: bool = True,
    ) -> AbstractContextManager[Arena]:
        """The test's run-unique index holding exactly ``stored`` (minus ``predeleted``), kept for the next example."""
        return self.harness.arena(stored, predeleted, witnesses=witnesses, index_exists=index_exists, bucket_exists=bucket_exists)

    def over(self, location: Location, watched: Sequence[Location], expected: Mapping[Location, Snapshot]) -> Arena:
        """An arena over indexes the property made itself (``new_index``), whose contents it models."""
        return Arena(location[0], location[1], True, True, list(watched), {w: dict(s) for w, s in expected.items()})

    def check(self, arena: Arena, request: RequestSpec | Callable[[Arena], RequestSpec]) -> Judged:
        """Send one DeleteVectors into the arena and judge its answer and effect against the documentation."""
        spec = request(arena) if callable(request) else request
        return self.harness.check(arena, spec)

    def send(self, spec: RequestSpec) -> Exchange:
        """One request, transport errors retried, not judged (the property judges what it means)."""
        return self.harness.send(spec)

    def answer(self, spec: RequestSpec) -> Exchange:
        """Like ``send``, but a 5xx other than throttling is repeated once, as ``check`` does."""
        return self.harness.answer(spec)

    def read(self, location: Location) -> Snapshot:
        """Every vector of an index (ListVectors, all pages): key -> canonical data and metadata."""
        return self.target.snapshot(*location)

    def reads(self, arena: Arena) -> dict[Location, Snapshot]:
        """A fresh photograph of every index the arena watches."""
        return self.harness.snapshots(arena.watched)

    def get(self, location: Location, keys: Sequence[str]) -> Snapshot:
        """What GetVectors returns for ``keys`` (data and metadata), as a snapshot."""
        return self.target.get(*location, keys)

    def put(self, location: Location, keys: Sequence[str], salt: str) -> list[str]:
        """Store recognisable vectors; the keys the target refused to store."""
        self.harness.keeper.mark_stale()
        return self.target.put(*location, keys, salt)

    def new_index(self, bucket: str, role: str = "s", name: str | None = None) -> str:
        """A run-unique index the property owns (removed at the end of the run, or by ``drop_index``)."""
        return self.target.new_index(bucket, role, name)

    def drop_index(self, location: Location) -> None:
        self.target.drop_index(*location)

    def key(self, key: str) -> str:
        """The key as sent: run-prefixed inside a user's bucket (OSSV_BUCKET)."""
        return self.target.user_key(key)

    @property
    def buckets(self) -> Buckets:
        return self.target.buckets

    @property
    def driver(self) -> Driver | None:
        """What sends the DeleteVectors under test (None: the raw client)."""
        return self.target.driver

    def wait_until(self, read: Callable[[], T], holds: Callable[[T], bool]) -> T:
        """Read until ``holds`` or the allowed read lag has passed (the one waiting rule, conformance/waiting.py)."""
        return self.target.patience.until(read, holds).value

    def bursts(self) -> AbstractContextManager[object]:
        """Let parallel requests through the rate budget as a burst (the configured OSSV_MAX_RPS still holds)."""
        budget = self.target.client.budget
        return budget.bursts() if budget is not None else contextlib.nullcontext()

    def judge(self, verdicts: Sequence[Verdict]) -> None:
        """Record verdicts the property reached itself; a binding failure stops the example (and shrinks)."""
        self.recorder.record(list(verdicts))

    def judge_answer_conventions(self, exchange: Exchange) -> None:
        """The conventions every answer is held to (request id, error shape, throttle code), and the driver's surface."""
        assert exchange.response is not None
        self.recorder.record([*judge_conventions(exchange.response), *judge_surface(exchange)])

    def keep(self, exchange: Exchange) -> None:
        """Keep an exchange the property sent by other means (the SDK) with the example, for the report."""
        self.recorder.exchange(exchange)

    def note(self, text: str) -> None:
        """Why a requirement was not exercised (shown in the report and the verdict line)."""
        self.recorder.note(text)

    def describe(self, text: str) -> None:
        """Replace the current example's description (stateful properties describe their steps)."""
        self.recorder.example = text

    def remember(
        self, arena: Arena, spec: RequestSpec, stored: Sequence[str], predeleted: Sequence[str], witnesses: bool
    ) -> None:
        self.recorder.case = {
            "stored": list(stored),
            "predeleted": list(predeleted),
            "witnesses": witnesses,
            "index_exists": arena.index_exists,
            "bucket_exists": arena.bucket_exists,
            "index": arena.index,
            "bucket": arena.bucket,
            "spec": spec_json(spec),
        }


def spec_json(spec: RequestSpec) -> dict[str, Any]:
    return {
        "method": spec.method,
        "query": spec.query,
        "body_base64": base64.b64encode(spec.body).decode("ascii"),
        "headers": [list(h) for h in spec.headers],
        "bucket": spec.bucket,
        "auth": {"kind": spec.auth.kind.value, "detail": spec.auth.detail, "skew_seconds": spec.auth.skew_seconds},
    }


def delete_request(
    keys: Sequence[str] | None,
    *,
    auth: AuthSpec | None = None,
    extra: Mapping[str, object] | None = None,
    query: str = DOCUMENTED_QUERY,
) -> Callable[[Arena], RequestSpec]:
    """A well-formed JSON DeleteVectors of these keys for the arena's index (body and headers as the SDK
    writes them), on the documented request line unless ``query`` says otherwise."""
    def build(arena: Arena) -> RequestSpec:
        sent = arena.keys(keys) if keys is not None else None
        return delete_vectors_spec(arena.bucket, arena.index, sent, auth=auth, extra_body=extra, query=query)

    return build


def raw_delete(
    body: Callable[[Arena], bytes],
    *,
    headers: Callable[[bytes], tuple[tuple[str, str], ...]] | None = None,
    auth: AuthSpec | None = None,
) -> Callable[[Arena], RequestSpec]:
    """Exactly these body bytes; SDK headers (Content-Type, Content-MD5 of the bytes) unless told otherwise."""

    def build(arena: Arena) -> RequestSpec:
        data = body(arena)
        spec = sdk_spec("POST", arena.bucket, DOCUMENTED_QUERY, data, auth=auth)
        if headers is not None:
            spec = RequestSpec(spec.method, spec.query, spec.body, headers(data), spec.bucket, spec.auth)
        return spec

    return build
