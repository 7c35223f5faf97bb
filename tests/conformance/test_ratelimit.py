"""RateBudget: the rate holds across threads and processes; unlimited costs nothing; 503 backs off."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from conformance.ratelimit import RateBudget

RPS = 20.0


def _assert_within_budget(stamps: list[float], rps: float) -> None:
    """No 1-second window holds more than rps (+1 for the window's closed end); spacing holds overall."""
    stamps = sorted(stamps)
    for i, start in enumerate(stamps):
        in_window = sum(1 for t in stamps[i:] if t < start + 1.0)
        assert in_window <= rps + 1, f"{in_window} requests within 1 s of t={start - stamps[0]:.3f}"
    span = stamps[-1] - stamps[0]
    assert span >= (len(stamps) - 1) / rps - 0.03, f"{len(stamps)} grants in {span:.3f} s"


def test_threads_share_an_in_process_budget() -> None:
    budget = RateBudget(RPS, None)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(6):
            budget.acquire()
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stamps) == 24
    _assert_within_budget(stamps, RPS)


def _process_worker(state: str, count: int, out: multiprocessing.Queue, ready: threading.Barrier) -> None:  # type: ignore[type-arg]
    budget = RateBudget(RPS, state)
    ready.wait(timeout=30)  # all start together: an unshared budget would then burst 4x
    stamps = []
    for _ in range(count):
        budget.acquire()
        stamps.append(time.time())
    out.put(stamps)


def test_processes_share_a_file_budget(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    state = str(tmp_path / "budget.json")
    ready = ctx.Barrier(4)
    procs = [ctx.Process(target=_process_worker, args=(state, 6, out, ready)) for _ in range(4)]
    for p in procs:
        p.start()
    stamps: list[float] = []
    for _ in procs:
        stamps.extend(out.get(timeout=30))
    for p in procs:
        p.join(timeout=30)
    assert len(stamps) == 24
    _assert_within_budget(stamps, RPS)


def test_threads_on_a_file_budget(tmp_path: Path) -> None:
    budgets = [RateBudget(RPS, tmp_path / "b.json") for _ in range(3)]  # separate objects, one file
    stamps: list[float] = []
    lock = threading.Lock()

    def worker(b: RateBudget) -> None:
        for _ in range(7):
            b.acquire()
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=worker, args=(b,)) for b in budgets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _assert_within_budget(stamps, RPS)


@pytest.mark.parametrize("shared", [False, True])
def test_unlimited_is_fast(tmp_path: Path, shared: bool) -> None:
    budget = RateBudget(None, str(tmp_path / "u.json") if shared else None)
    started = time.perf_counter()
    for _ in range(10_000):
        budget.acquire()
    assert time.perf_counter() - started < 0.5
    assert not (tmp_path / "u.json").exists()


def test_unlimited_budget_starts_pacing_after_a_throttle() -> None:
    budget = RateBudget(None, None)
    for _ in range(20):
        budget.acquire()
    budget.note_throttled()  # refused at ~20+ requests/s: pace at 80% of that from now on
    started = time.perf_counter()
    for _ in range(5):
        budget.acquire()
    assert time.perf_counter() - started >= 4 / (20 * 0.9) * 0.9


@pytest.mark.parametrize("shared", [False, True])
def test_throttled_answer_makes_later_acquires_wait(tmp_path: Path, shared: bool) -> None:
    path = str(tmp_path / "t.json") if shared else None
    budget = RateBudget(4.0, path, throttle_backoff_s=1.0)
    budget.acquire()
    budget.note_throttled()  # waits one (widened) interval, about 0.3 s
    other = RateBudget(4.0, path, throttle_backoff_s=1.0) if shared else budget  # another worker sees it too
    started = time.perf_counter()
    other.acquire()
    assert time.perf_counter() - started >= 0.25


def test_rejects_non_positive_rate() -> None:
    with pytest.raises(ValueError):
        RateBudget(0, None)


def test_budget_pickles_for_worker_processes(tmp_path: Path) -> None:
    import pickle

    budget = RateBudget(5.0, tmp_path / "p.json")
    clone = pickle.loads(pickle.dumps(budget))
    clone.acquire()
    assert clone.state_path == budget.state_path
