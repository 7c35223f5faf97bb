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
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pytest
from hypothesis import reject, settings

from conformance import profiles
from conformance.config import Settings
from conformance.harness import Arena, DeleteHarness, Judged
from conformance.limits import DOCUMENTED_QUERY
from conformance.ops import delete_vectors_spec, sdk_spec
from conformance.recorder import Recorder
from conformance.records import AuthSpec, RequestSpec
from conformance.target import Target

MAX_SHOWN = 4000
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
    def __init__(self, target: Target, recorder: Recorder, settings: Settings) -> None:
        self.target = target
        self.recorder = recorder
        self.settings = settings
        self.harness = DeleteHarness(target, recorder)
        self.sent_at_start = target.client.sent  # every request this test makes, setup included
        self._failed_at: float | None = None

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
        """Arrange a fresh index, send the request built for it, judge, clean up."""
        with self.harness.arena(
            stored, predeleted, witnesses=witnesses, index_exists=index_exists, bucket_exists=bucket_exists
        ) as arena:
            spec = request(arena)
            self.remember(arena, spec, stored, predeleted, witnesses)
            return self.harness.check(arena, spec)

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
