"""The suite never harms the target: it removes what it made, even when interrupted, and in a
user's bucket it touches nothing but its own run-prefixed indexes."""

from __future__ import annotations

import http.client
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from conformance.client import RawClient
from conformance.config import load_settings
from conformance.jsonparse import classify, strings_in
from conformance.ops import VectorOps
from conformance.target import canonical
from emulator.server import EmulatorServer
from tests.helpers.cli_runs import FAULT, run_suite


def _ops(url: str) -> VectorOps:
    return VectorOps(RawClient(load_settings({}, dict(FAULT.env, OSSV_ENDPOINT=url))))


def _contents(ops: VectorOps) -> dict[str, str]:
    listing = ops.list_vectors_all("users-bucket", "usersindex", return_data=True, return_metadata=True)
    return {str(v["key"]): canonical(v) for v in listing.items}


def _suite_buckets(ops: VectorOps) -> list[str]:
    return [str(b.get("Name")) for b in ops.list_vector_buckets("ossvc").items]


def test_interrupted_run_removes_everything_it_created(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    env.update(FAULT.env, OSSV_ENDPOINT=emulator.url)
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


class _Recorder(threading.Thread):
    """A recording HTTP relay in front of the emulator: what the suite really sent, byte for byte."""

    def __init__(self, upstream: str) -> None:
        super().__init__(daemon=True)
        parts = urllib.parse.urlsplit(upstream)
        seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.seen = seen

        class Relay(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                seen.append((self.command, self.path, headers, body))
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def run(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _members(value: object) -> list[str]:
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.extend(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def test_in_a_users_bucket_every_key_carries_the_run_prefix_and_index_is_spelled_indexName(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    ops = _ops(emulator.url)
    ops.put_vector_bucket("users-bucket2")
    relay = _Recorder(emulator.url)
    relay.start()
    try:
        run = run_suite(relay.url, tmp_path / "run", extra_env={"OSSV_BUCKET": "users-bucket2"})
    finally:
        relay.stop()
    assert run.exit_code == 0, run.stdout[-3000:]
    into_users_bucket = [s for s in relay.seen if s[2].get("Host", "").startswith("users-bucket2-")]
    assert any("deleteVectors" in path for _, path, _, _ in into_users_bucket)
    for method, path, _, body in into_users_bucket:
        if not body:
            continue
        parsed = classify(body)  # the guard sends nothing a lenient parser could read another way
        readings = (parsed.value,) if parsed.value is not None else parsed.readings
        assert readings, (path, body[:200])
        for data in readings:
            spellings = [m for m in _members(data) if m.lower() == "indexname"]
            assert all(m == "indexName" for m in spellings), (path, body[:200])
            keys = [v.get("key") for v in data.get("vectors", [])] if "putVectors" in path else strings_in(data.get("keys"))
            assert all(isinstance(k, str) and k.startswith("ossvc") for k in keys), (method, path, body[:200])
    ops.delete_vector_bucket("users-bucket2")
