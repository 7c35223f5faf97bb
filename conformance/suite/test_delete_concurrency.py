"""Concurrency and throttling: overlapping deletes at once, and what a 503 may leave behind."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.authoring import Case, profile, requirements
from conformance.judge import describe_response, is_server_error, is_throttle, judge_conventions
from conformance.ops import delete_vectors_spec
from conformance.records import Verdict
from strategies.keylists import unique_key_lists
from strategies.keys import ascii_keys

RETRIES = 8


def _delete_until_answered(case: Case, spec_for: object, lock: threading.Lock, statuses: list[str]) -> None:
    """One client: send, and on a throttle answer send again (as the SDK's retryer would)."""
    import time

    delay = 0.2
    for _ in range(RETRIES):
        exchange = case.answer(spec_for())  # type: ignore[operator]
        response = exchange.response
        assert response is not None
        with lock:
            case.judge(judge_conventions(response))
        if not is_throttle(response):
            with lock:
                statuses.append(describe_response(response))
                server_error = is_server_error(response)
                case.judge(
                    [Verdict("DV-NO-SERVER-ERROR", not server_error, "no 5xx other than 503 QpsLimitExceeded", statuses[-1])]
                )
            return
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
    with lock:
        statuses.append("still throttled")


@requirements("DV-CONCURRENT-UNION", "DV-NO-COLLATERAL", "DV-THROTTLE-CODE", "DV-NO-SERVER-ERROR")
@profile(10)
@given(
    stored=unique_key_lists(60, elements=ascii_keys()),  # plain keys: this property is about the union
    picks=st.lists(st.lists(st.integers(0, 79), min_size=5, max_size=25, unique=True), min_size=4, max_size=8),
)
def test_delete_vectors_concurrent_overlapping_deletes_remove_the_union(
    case: Case, stored: list[str], picks: list[list[int]]
) -> None:
    """Several clients delete overlapping sets at the same moment: every answer is 204, the result is the union."""
    pool = [*stored, *(f"never-{i}" for i in range(20))]
    batches = [[pool[i] for i in pick] for pick in picks]
    case.example(stored=stored, batches=batches)
    lock = threading.Lock()
    statuses: list[str] = []
    with case.arena(stored) as arena:
        specs = [lambda b=b: delete_vectors_spec(arena.bucket, arena.index, arena.keys(b)) for b in batches]
        with ThreadPoolExecutor(max_workers=len(specs)) as executor:
            list(executor.map(lambda s: _delete_until_answered(case, s, lock, statuses), specs))
        requested = {arena.key(k) for b in batches for k in b}
        expected = {k for k in arena.before[arena.location] if k not in requested}
        if "still throttled" in statuses:
            case.note("a client stayed throttled through its retries: the union was not judged")
            return
        # reads may lag behind the deletes: wait (within the allowed lag) for exactly the union to be gone
        left = case.wait_until(lambda: set(case.read(arena.location)), lambda now: now == expected)
    all_ok = all(s == "204" for s in statuses)
    case.judge(
        [
            Verdict(
                "DV-CONCURRENT-UNION",
                all_ok and left == expected,
                "every delete answers 204 and exactly the union is gone",
                f"answers {sorted(set(statuses))}; unrequested keys gone {sorted(expected - left)[:5]}, "
                f"requested keys still there {sorted(left & requested)[:5]}",
            ),
            Verdict(
                "DV-NO-COLLATERAL", expected <= left, "no vector outside the union is gone", f"lost {sorted(expected - left)[:5]}"
            ),
        ]
    )


@pytest.mark.throttling
@requirements("DV-THROTTLE-CODE", "DV-THROTTLE-PARTIAL", "DV-THROTTLE-RETRY", "DV-NO-COLLATERAL", "DV-DELETES-REQUESTED")
@profile(2, cap=10)
@given(stored=unique_key_lists(120, elements=ascii_keys()))
def test_delete_vectors_throttled_batches_complete_on_retry(case: Case, stored: list[str]) -> None:
    """A burst of deletes (within the configured request budget): any throttling must be a 503
    QpsLimitExceeded, may only have removed requested keys, and retrying must complete the batch.
    A target that never throttles at the allowed rate leaves these requirements unexercised."""
    case.example(stored_count=len(stored))
    with case.arena(stored) as arena:
        batches = [arena.keys(stored[i : i + 10]) for i in range(0, 100, 10)]
        survivors = set(arena.keys(stored[100:]))
        throttled = threading.Event()
        lock = threading.Lock()

        def one(batch: list[str]) -> None:
            spec = delete_vectors_spec(arena.bucket, arena.index, batch)
            for _ in range(4):
                exchange = case.send(spec)
                response = exchange.response
                assert response is not None
                if not is_throttle(response):
                    return
                throttled.set()
                with lock:
                    case.judge(judge_conventions(response))

        for _ in range(3):  # bursts of parallel requests (the configured OSSV_MAX_RPS still holds)
            with case.bursts(), ThreadPoolExecutor(len(batches)) as executor:
                list(executor.map(one, batches))
            if throttled.is_set():
                break
        if not throttled.is_set():
            case.note("the target did not throttle within the request budget")
            return
        kept = arena.before[arena.location]

        def lost_of(now: Mapping[str, str]) -> list[str]:
            return sorted(k for k in survivors if now.get(k) != kept.get(k))

        now = case.wait_until(lambda: case.read(arena.location), lambda snap: not lost_of(snap))
        lost = lost_of(now)
        case.judge(
            [
                Verdict(
                    "DV-THROTTLE-PARTIAL",
                    not lost,
                    "throttled deletes removed only requested keys",
                    f"lost {lost[:5]}" if lost else "as allowed",
                )
            ]
        )
        # the bursts may have left batches half-done: each batch, retried alone, must complete
        arena.before = {loc: dict(snap) for loc, snap in arena.before.items()}
        arena.before[arena.location] = dict(now)
        for batch in batches:
            case.check(arena, delete_vectors_spec(arena.bucket, arena.index, batch))
        left = set(arena.before[arena.location]) - survivors
    case.judge(
        [Verdict("DV-THROTTLE-RETRY", not left, "retrying completes every throttled batch", f"{len(left)} key(s) left")]
    )
