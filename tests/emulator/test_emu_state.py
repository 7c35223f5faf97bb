"""Persistence across restarts, concurrent clients, and the QPS limit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.emulator_client import IDENTITIES, EmulatorClient, error_code


def test_restart_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "emu.sqlite"
    config = EmulatorConfig(identities=IDENTITIES, data_path=db)
    vectors = [{"key": "k\u00e9", "data": {"float32": [0.1, -2.5e-7, 3, 1e30]}, "metadata": {"a": ["x", "y"], "n": 1.5}},
               {"key": "plain", "data": {"float32": [0, 0, 0, 1]}}]
    with EmulatorServer(config) as srv:
        raw = EmulatorClient(srv.url)
        raw.create_bucket("persist")
        raw.create_index("persist")
        assert raw.call("putVectors", "persist", {"indexName": "idx", "vectors": vectors}).status_code == 200
        raw.put("persist", "idx", ["gone"])
        assert raw.delete("persist", ["gone"]).status_code == 204
    with EmulatorServer(config) as srv:
        raw = EmulatorClient(srv.url)
        assert raw.keys("persist") == {"k\u00e9", "plain"}
        assert raw.get("persist", ["k\u00e9", "plain"]) == vectors
        assert raw.request("GET", "persist", "bucketInfo").status_code == 200
        assert raw.delete("persist", ["plain"]).status_code == 204
    with EmulatorServer(config) as srv:
        assert EmulatorClient(srv.url).keys("persist") == {"k\u00e9"}


def test_start_stop_many_times() -> None:
    before = threading.active_count()
    for _ in range(5):
        with EmulatorServer(EmulatorConfig(identities=IDENTITIES)) as srv:
            assert EmulatorClient(srv.url).request("GET", None).status_code == 200
    assert threading.active_count() == before


def test_concurrent_deletes_and_puts(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    initial = [f"k{i:03d}" for i in range(400)]
    raw.put(bucket, "idx", initial)
    deleted: set[str] = set()
    added: set[str] = set()
    plans = []
    for t in range(8):
        dels = [initial[(t * 40 + j) % 400] for j in range(90)]  # overlapping ranges
        puts = [f"t{t}-{j}" for j in range(30)]  # disjoint per thread
        deleted.update(dels)
        added.update(puts)
        plans.append((dels, puts))
    errors: list[str] = []

    def worker(dels: list[str], puts: list[str]) -> None:
        client = EmulatorClient(emu.url)
        for chunk in range(3):
            part = dels[chunk * 30:(chunk + 1) * 30]
            r = client.delete(bucket, part)
            if r.status_code != 204:
                errors.append(r.text)
            client.put(bucket, "idx", puts[chunk * 10:(chunk + 1) * 10])

    threads = [threading.Thread(target=worker, args=plan) for plan in plans]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert raw.keys(bucket) == (set(initial) - deleted) | added


def test_qps_limit() -> None:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, qps_limit=3)) as srv:
        raw = EmulatorClient(srv.url)
        raw.create_bucket("qps")
        raw.create_index("qps")
        keys = [f"k{i:02d}" for i in range(10)]
        raw.put("qps", "idx", keys)
        r = raw.delete("qps", keys)
        assert (r.status_code, error_code(r)) == (503, "QpsLimitExceeded")
        assert r.json()["Error"]["RequestId"] == r.headers["x-oss-request-id"]
        r = raw.request("GET", "qps", "bucketInfo")
        assert (r.status_code, error_code(r)) == (503, "QpsLimitExceeded")
        time.sleep(1.05)
        left = sorted(raw.keys("qps"))
        # a throttled batch deletes nothing or a strict prefix, never the whole batch (no atomicity promised)
        assert left and left == keys[len(keys) - len(left):]
        assert raw.delete("qps", keys).status_code == 204
