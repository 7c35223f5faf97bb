"""SDK compatibility (issue 5): what an application using the official Python SDK sees.

These checks only run under ``--driver sdk``; every other property also runs through the SDK
then, and the harness judges how the SDK surfaced each answer (SDK-RESULT, SDK-ERROR-SURFACES,
SDK-AUTH-MODES, SDK-RETRY-COMPLETES). Here: keys that stress encoding round-trip through the
SDK's put, delete and get; the SDK's STS and query-signed modes; documented errors; and a
throttled delete the SDK's own retryer completes.
"""

from __future__ import annotations

import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.authoring import Arena, Case, delete_request, profile, requirements
from conformance.drivers import SDK
from conformance.drivers.judging import describe_attempts, retried_throttle
from conformance.ops import delete_vectors_spec
from conformance.records import AuthKind, AuthSpec, Exchange, SdkKind, SdkOutcome, Verdict
from conformance.target import canonical, vector_for
from strategies.keylists import KEY_POOL, pooled_key_lists, unique_key_lists
from strategies.keys import non_bmp_keys, punctuation_keys, rtl_keys, unicode_keys

ONLY_SDK = "only under --driver sdk"
SALT = "sdk-roundtrip"


@pytest.fixture
def sdk(case: Case) -> Any:
    """The SDK driver of this run (typed loosely: the SDK need not be installed to collect this module)."""
    driver = case.driver
    if driver is None or driver.name != SDK:
        pytest.skip(ONLY_SDK)
    return driver


def _shown(outcome: SdkOutcome) -> str:
    if outcome.kind is SdkKind.RESULT:
        return f"result, status_code {outcome.status_code}"
    return f"{outcome.error_type} {outcome.status_code or ''} {outcome.code or ''}: {outcome.message[:160]}".strip()


def _keep(case: Case, outcome: SdkOutcome) -> None:
    """Setup and read-back through the SDK are part of the record too."""
    for attempt in outcome.attempts:
        case.keep(attempt)


def _neighbours(keys: list[str]) -> list[str]:
    """Survivors a sloppy matcher would take for the requested keys: other normal forms, case, padding."""
    out = ["survivor"]
    for key in keys:
        out += [unicodedata.normalize("NFC", key), unicodedata.normalize("NFD", key), key.upper(), key + " "]
    return [k for k in dict.fromkeys(out) if k not in keys]


ROUNDTRIP_KEYS = st.one_of(unicode_keys(), punctuation_keys(), non_bmp_keys(), rtl_keys())


@requirements("SDK-ROUNDTRIP", "SDK-RESULT", "DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL")
@profile(10)
@given(keys=st.lists(ROUNDTRIP_KEYS, min_size=1, max_size=5, unique=True))
@example(keys=["caf\u00e9", "\U0001f600/%2F?&=#", "\u05e9\u05dc\u05d5\u05dd-1", 'a"b\\c'])
def test_sdk_unicode_and_punctuation_keys_round_trip(case: Case, sdk: Any, keys: list[str]) -> None:
    survivors = _neighbours(keys)
    case.example(keys=keys, survivors=survivors)
    with case.arena() as arena:
        keys, survivors = arena.keys(keys), arena.keys(survivors)  # run-prefixed inside a user's bucket
        put = sdk.put_vectors(arena.bucket, arena.index, [vector_for(k, SALT) for k in [*keys, *survivors]])
        _keep(case, put)
        put_ok = put.kind is SdkKind.RESULT and put.status_code is not None and 200 <= put.status_code < 300
        case.judge([Verdict("SDK-ROUNDTRIP", put_ok, "PutVectors through the SDK succeeds", _shown(put))])
        arena.before = case.reads(arena)
        listed = set(arena.before[arena.location])
        case.judge(
            [
                Verdict(
                    "SDK-ROUNDTRIP",
                    listed == {*keys, *survivors},
                    "the index holds exactly the keys the SDK put",
                    f"missing {sorted({*keys, *survivors} - listed)[:5]!r}, extra {sorted(listed - {*keys, *survivors})[:5]!r}",
                )
            ]
        )
        expected = {k: canonical(vector_for(k, SALT)) for k in keys}
        got = _get(case, sdk, arena, keys)
        seen = f"returned {sorted(got)!r}" if set(got) != set(expected) else "other data"
        wanted = "GetVectors through the SDK returns every key with its data"
        case.judge([Verdict("SDK-ROUNDTRIP", got == expected, wanted, seen)])
        case.check(arena, delete_vectors_spec(arena.bucket, arena.index, keys))  # through the SDK driver, judged
        left = _get_until(case, sdk, arena, [*keys, *survivors], set(survivors))
    case.judge(
        [
            Verdict(
                "SDK-ROUNDTRIP",
                set(left) == set(survivors),
                "after the SDK's delete, GetVectors returns exactly the survivors",
                f"still there {sorted(set(left) & set(keys))[:5]!r}, lost {sorted(set(survivors) - set(left))[:5]!r}",
            )
        ]
    )


def _get(case: Case, sdk: Any, arena: Arena, keys: list[str]) -> dict[str, str]:
    got: dict[str, str] = {}
    for start in range(0, len(keys), 100):  # GetVectors takes at most 100 keys
        outcome, vectors = sdk.get_vectors(arena.bucket, arena.index, keys[start : start + 100])
        _keep(case, outcome)
        ok = outcome.kind is SdkKind.RESULT
        case.judge([Verdict("SDK-ROUNDTRIP", ok, "GetVectors through the SDK succeeds", _shown(outcome))])
        got.update({str(v.get("key")): canonical(v) for v in vectors})
    return got


def _get_until(case: Case, sdk: Any, arena: Arena, keys: list[str], wanted: set[str]) -> dict[str, str]:
    """GetVectors until it shows ``wanted`` or the configured read lag has passed."""
    return case.wait_until(lambda: _get(case, sdk, arena, keys), lambda got: set(got) == wanted)


SDK_MODES = [AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED]


@requirements(
    "SDK-AUTH-MODES", "SDK-RESULT", "DV-AUTH-VALID-VARIANTS", "DV-SUCCESS-204", "DV-DELETES-REQUESTED", "DV-NO-COLLATERAL"
)
@pytest.mark.parametrize("kind", SDK_MODES, ids=[k.value for k in SDK_MODES])
@profile(3)
@given(keys=pooled_key_lists(2))
def test_sdk_sts_and_query_signed_deletes_succeed(case: Case, sdk: Any, kind: AuthKind, keys: list[str]) -> None:
    if kind in (AuthKind.STS, AuthKind.STS_PRESIGNED) and case.settings.sts is None:
        pytest.skip("needs an STS identity (OSSV_STS_ACCESS_KEY_ID, OSSV_STS_ACCESS_KEY_SECRET, OSSV_STS_TOKEN)")
    case.example(auth=kind.value, keys=keys)
    case.delete(delete_request(keys, auth=AuthSpec(kind)), stored=[*KEY_POOL, "survivor"])  # the oracle judges the variant


ERRORS = ["missing_index", "missing_bucket", "too_many_keys", "no_keys", "other_account"]


@requirements("SDK-ERROR-SURFACES", "DV-REJECT-NO-EFFECT", "DV-NO-COLLATERAL")
@pytest.mark.parametrize("situation", ERRORS)
@profile(2)
@given(keys=pooled_key_lists(3))
def test_sdk_documented_errors_surface_as_service_errors(case: Case, sdk: Any, situation: str, keys: list[str]) -> None:
    """Each documented DeleteVectors error reaches the SDK user as ServiceError(status, code), never BadErrorResponse."""
    if situation == "other_account" and case.settings.other is None:
        pytest.skip("needs a second account (OSSV_OTHER_ACCOUNT_ID, OSSV_OTHER_ACCESS_KEY_ID, OSSV_OTHER_ACCESS_KEY_SECRET)")
    case.example(situation=situation, keys=keys)
    if situation == "missing_index":
        case.delete(delete_request(keys), stored=KEY_POOL, index_exists=False)
    elif situation == "missing_bucket":
        case.delete(delete_request(keys), stored=KEY_POOL, bucket_exists=False, index_exists=False)
    elif situation == "too_many_keys":
        case.delete(delete_request([*keys, *(f"k{i}" for i in range(501))]), stored=KEY_POOL)
    elif situation == "no_keys":
        case.delete(delete_request([]), stored=KEY_POOL)
    else:
        case.delete(delete_request(keys, auth=AuthSpec(AuthKind.OTHER_ACCOUNT)), stored=KEY_POOL)


@pytest.mark.throttling
@requirements("SDK-RETRY-COMPLETES", "SDK-ERROR-SURFACES", "DV-THROTTLE-CODE", "DV-NO-COLLATERAL")
@profile(1)
@given(stored=unique_key_lists(70))
def test_sdk_throttled_delete_completes_after_the_sdks_retries(case: Case, sdk: Any, stored: list[str]) -> None:
    """Bursts of parallel SDK deletes (within the request budget): when the SDK met a 503 and its own
    retries then got a 2xx, that batch must be gone. A target that never throttles leaves this unexercised."""
    case.example(stored_count=len(stored))
    lock = threading.Lock()
    finals: list[tuple[list[str], Exchange]] = []
    with case.arena(stored) as arena:
        batches = [arena.keys(stored[i : i + 6]) for i in range(0, 60, 6)]
        survivors = arena.keys(stored[60:])

        def one(batch: list[str]) -> None:
            exchange = case.send(delete_vectors_spec(arena.bucket, arena.index, batch))
            assert exchange.response is not None
            with lock:
                finals.append((batch, exchange))
                case.judge_answer_conventions(exchange)

        for _ in range(5):  # bursts past any pacing learnt from setup's 503s (the configured OSSV_MAX_RPS still holds)
            with case.bursts(), ThreadPoolExecutor(max_workers=len(batches)) as executor:
                list(executor.map(one, batches))
            if any(retried_throttle(e) for _, e in finals):
                break
        completed = [(b, e) for b, e in finals if retried_throttle(e)]
        if not completed:
            case.note("the SDK never retried a throttled delete: the target did not throttle within the request budget")
            return
        gone = {k for b, _ in completed for k in b}
        now = case.wait_until(lambda: case.read(arena.location), lambda snap: not gone & set(snap))
        before = arena.before[arena.location]
    left = sorted(gone & set(now))
    lost = sorted(k for k in survivors if now.get(k) != before.get(k))
    attempts = "; ".join(describe_attempts(e) for _, e in completed[:3])
    changed = f"changed {lost[:5]!r}" if lost else "untouched"
    case.judge(
        [
            Verdict(
                "SDK-RETRY-COMPLETES",
                not left,
                "every batch the SDK's retries completed is gone",
                f"{len(completed)} batch(es) retried by the SDK (attempts {attempts}); still there: {left[:5]!r}",
            ),
            Verdict("DV-NO-COLLATERAL", not lost, "no key outside the batches changes", changed),
        ]
    )
