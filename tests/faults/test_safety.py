"""The suite never harms the target: it removes what it made, even when interrupted, and in a
user's bucket it touches nothing but its own run-prefixed indexes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conformance.client import RawClient
from conformance.config import load_settings
from conformance.ops import VectorOps
from conformance.target import canonical
from emulator.server import EmulatorServer
from tests.faults.conftest import ENV, run_suite


def _ops(url: str) -> VectorOps:
    return VectorOps(RawClient(load_settings({}, dict(ENV, OSSV_ENDPOINT=url))))


def _contents(ops: VectorOps) -> dict[str, str]:
    listing = ops.list_vectors_all("users-bucket", "usersindex", return_data=True, return_metadata=True)
    return {str(v["key"]): canonical(v) for v in listing.items}


def _suite_buckets(ops: VectorOps) -> list[str]:
    return [str(b.get("Name")) for b in ops.list_vector_buckets("ossvc").items]


def test_interrupted_run_removes_everything_it_created(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    env.update(ENV, OSSV_ENDPOINT=emulator.url)
    ops = _ops(emulator.url)
    assert _suite_buckets(ops) == []
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--profile", "default", "--report-dir", str(tmp_path / "run")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not _suite_buckets(ops) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    assert _suite_buckets(ops), "the run never created its buckets"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert _suite_buckets(ops) == []
    assert (tmp_path / "run" / "ledger").is_dir()


def test_run_inside_a_users_bucket_touches_only_its_own_indexes(emulator: EmulatorServer, tmp_path: Path) -> None:
    ops = _ops(emulator.url)
    ops.put_vector_bucket("users-bucket")
    ops.put_vector_index("users-bucket", "usersindex", 4)
    vectors = [
        {"key": key, "data": {"float32": [1.0, 2.0, 3.0, 4.0]}, "metadata": {"owner": "user"}}
        for key in ("doc-1", "doc-10", "k0", "k1", "canary-0", "probe")
    ]
    ops.put_vectors("users-bucket", "usersindex", vectors)
    before = _contents(ops)
    run = run_suite(emulator.url, tmp_path / "run", extra_env={"OSSV_BUCKET": "users-bucket"})
    assert run.exit_code == 0, run.stdout[-3000:]
    after = _contents(ops)
    assert after == before
    indexes = [i.get("indexName") for i in ops.list_vector_indexes("users-bucket").items]
    assert indexes == ["usersindex"]
    assert _suite_buckets(ops) == []
    ops.delete_vector_index("users-bucket", "usersindex")
    ops.delete_vector_bucket("users-bucket")
