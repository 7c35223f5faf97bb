"""``ossv-emulator --data FILE``: SIGKILL during concurrent writes loses no acknowledged write.

The emulator runs as a user runs it (a subprocess on 127.0.0.1). Writers record which PutVectors
got 200 and which DeleteVectors got 204; after SIGKILL the database must pass SQLite's integrity
check, and a restarted emulator on the same file must serve every acknowledged put that no delete
touched and none of the keys an acknowledged delete removed. SQLite in WAL mode with
``synchronous=NORMAL`` makes a commit durable against a process crash (the WAL is in the OS page
cache before the answer is sent); only a power loss could drop the last transactions.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.helpers.emulator_client import MAIN, EmulatorClient

WRITERS = 6
WRITE_SECONDS = 1.5
BATCH = 20


@contextmanager
def emulator_process(data: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    cred = f"{MAIN.access_key_id}:{MAIN.access_key_secret}:{MAIN.account_id}"
    cmd = [sys.executable, "-m", "emulator.cli", "--host", "127.0.0.1", "--port", "0", "--cred", cred, "--data", str(data)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else url
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class Writer(threading.Thread):
    """Puts fresh batches and deletes every other earlier batch; remembers what was acknowledged."""

    def __init__(self, url: str, n: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.raw = EmulatorClient(url)
        self.n = n
        self.stop = stop
        self.acked_puts: set[str] = set()
        self.acked_deletes: set[str] = set()
        self.touched_by_delete: set[str] = set()  # any delete sent, answered or not

    def run(self) -> None:
        batch = 0
        while not self.stop.is_set():
            keys = [f"w{self.n}-b{batch}-k{i}" for i in range(BATCH)]
            vectors = [{"key": k, "data": {"float32": [1.0, 2.0, 3.0, float(i)]}} for i, k in enumerate(keys)]
            try:
                r = self.raw.call("putVectors", "dur", {"indexName": "idx", "vectors": vectors})
                if r.status_code == 200:
                    self.acked_puts.update(keys)
                if batch % 2 == 1:
                    doomed = [f"w{self.n}-b{batch - 1}-k{i}" for i in range(BATCH)]
                    self.touched_by_delete.update(doomed)
                    if self.raw.delete("dur", doomed).status_code == 204:
                        self.acked_deletes.update(doomed)
            except requests.RequestException:
                return  # the server is gone
            batch += 1


def test_sigkill_during_concurrent_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data = tmp_path / "emu.sqlite"
    with emulator_process(data) as (proc, url):
        setup = EmulatorClient(url)
        setup.create_bucket("dur")
        setup.create_index("dur")
        stop = threading.Event()
        writers = [Writer(url, n, stop) for n in range(WRITERS)]
        for w in writers:
            w.start()
        time.sleep(WRITE_SECONDS)
        os.kill(proc.pid, signal.SIGKILL)  # mid-write: the writers are still sending
        proc.wait(timeout=10)
        stop.set()
        for w in writers:
            w.join(timeout=30)
    acked_puts = set().union(*(w.acked_puts for w in writers))
    acked_deletes = set().union(*(w.acked_deletes for w in writers))
    touched = set().union(*(w.touched_by_delete for w in writers))
    assert len(acked_puts) > 10 * BATCH and acked_deletes  # the kill really came during a busy write phase

    with sqlite3.connect(data) as conn:  # opens (recovering the WAL) and is consistent
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with emulator_process(data) as (_, url):
        stored = EmulatorClient(url).keys("dur")
        assert acked_puts - touched <= stored  # no acknowledged put lost
        assert not stored & acked_deletes  # no acknowledged delete undone
        in_flight = set().union(*(_in_flight(w) for w in writers))
        assert stored - acked_puts <= in_flight  # nothing that was never sent


def _in_flight(writer: Writer) -> set[str]:
    """Keys of the put a writer had sent when the server died (it may or may not have been committed)."""
    batches = {int(k.split("-b")[1].split("-")[0]) for k in writer.acked_puts} or {-1}
    nxt = max(batches) + 1
    return {f"w{writer.n}-b{nxt}-k{i}" for i in range(BATCH)}
