"""DeleteVectors throughput and latency: the bundled emulator vs moto's S3 Vectors server.

Usage::

    python benchmarks/bench_emulator.py [--seconds N] [--max-requests N] [--profile | --no-profile]

For each server, batch size (1 and 500 keys) and client concurrency (1 and 8 threads) it
measures deletes/s and the p50/p99 latency of DeleteVectors. Every delete targets keys that
exist: keys are put (untimed) before each timed round and every request gets fresh keys.

Fairness: both servers run in their own child process (so the load generator never competes
with them for one GIL), both are driven by the same lean client (one keep-alive
``http.client.HTTPConnection`` per thread, requests signed *before* the timed phase: OSS4-HMAC-SHA256
with ``conformance.signing.sign_header`` for the emulator, SigV4 with botocore for moto).
Setup and refills go through the project's ``VectorOps`` (emulator) and boto3 (moto).

If a target is missed (emulator >= 3x moto's throughput; emulator p50 < 5 ms for a 500-key
delete) the script profiles the emulator (cProfile in every server thread, in a separate
emulator process) and prints where the time goes. The script reports; it always exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import http.client
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGION = "cn-hangzhou"
ACCOUNT = "1234567890123456"
AK, SK = "LTAIbenchAccessKey", "bench-secret-not-a-real-one"
AWS_REGION = "us-east-1"
DIMENSION = 4
PUT_CHUNK = 500
MAX_VECTORS_PER_ROUND = 100_000
BATCHES = (1, 500)
CONCURRENCY = (1, 8)
TARGET_RATIO = 3.0
TARGET_P50_MS = 5.0


# --- servers, each in its own process ----------------------------------------------------


def _emulator_main(conn: multiprocessing.connection.Connection, profile_path: str | None) -> None:
    """Child process: run an EmulatorServer until told to stop (optionally profiling every thread)."""
    profilers: list[cProfile.Profile] = []
    if profile_path:

        def _start_thread_profiler(_frame: object, _event: str, _arg: object) -> None:
            prof = cProfile.Profile()
            profilers.append(prof)
            prof.enable()  # replaces this hook for the calling thread

        threading.setprofile(_start_thread_profiler)  # every thread started from now on: uvicorn's loop, anyio workers

    from emulator.server import EmulatorConfig, EmulatorServer, Identity

    config = EmulatorConfig(identities=[Identity(AK, SK, ACCOUNT)], region=REGION, qps_limit=None)
    server = EmulatorServer(config, host="127.0.0.1", port=0).start()
    conn.send(server.url)
    conn.recv()  # stop
    server.stop()
    if profile_path and profilers:
        stats = pstats.Stats(profilers[0])
        for prof in profilers[1:]:
            stats.add(prof)
        stats.dump_stats(profile_path)
    conn.send("stopped")


def _moto_main(conn: multiprocessing.connection.Connection, _profile_path: str | None) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request (the emulator has none either)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    conn.send(f"http://{host}:{port}")
    conn.recv()
    server.stop()
    conn.send("stopped")


class ServerProcess:
    """A server in a spawned child process; ``url`` once started."""

    def __init__(self, target: Callable[[multiprocessing.connection.Connection, str | None], None],
                 profile_path: str | None = None) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=target, args=(child, profile_path), daemon=True)
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self._proc.start()
        if not self._parent.poll(60):
            self._proc.kill()
            raise RuntimeError("server process did not start within 60 s")
        self.url = str(self._parent.recv())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._parent.send("stop")
            self._parent.poll(30)
        except (BrokenPipeError, OSError):
            pass
        self._proc.join(timeout=30)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)


# --- the two workloads --------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One signed request, ready to go on the wire."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Target(Protocol):
    name: str
    port: int

    def setup(self, bucket: str, index: str) -> None: ...
    def fill(self, bucket: str, index: str, keys: Sequence[str]) -> None: ...
    def prepare_delete(self, bucket: str, index: str, keys: Sequence[str]) -> Prepared: ...
    def close(self) -> None: ...


def _vec(key: str) -> list[float]:
    h = hash(key)
    return [((h >> (8 * i)) & 0xFF) / 255.0 for i in range(DIMENSION)]


class EmulatorTarget:
    """OSS Vectors wire format: POST /?deleteVectors= on the virtual host, OSS4-HMAC-SHA256."""

    name = "emulator"

    def __init__(self, url: str) -> None:
        from conformance.client import RawClient
        from conformance.config import load_settings
        from conformance.ops import VectorOps
        from conformance.signing import Credentials

        settings = dataclasses.replace(
            load_settings(environ={}), endpoint=url, account_id=ACCOUNT, access_key_id=AK, access_key_secret=SK
        )
        self._client = RawClient(settings)
        self._ops = VectorOps(self._client)
        self._creds = Credentials(AK, SK)
        self._netloc = urlsplit(url).netloc
        self.port = int(urlsplit(url).port or 80)

    def setup(self, bucket: str, index: str) -> None:
        self._ops.put_vector_bucket(bucket)
        self._ops.put_vector_index(bucket, index, DIMENSION)

    def fill(self, bucket: str, index: str, keys: Sequence[str]) -> None:
        from conformance.ops import vector

        for start in range(0, len(keys), PUT_CHUNK):
            self._ops.put_vectors(bucket, index, [vector(k, _vec(k)) for k in keys[start:start + PUT_CHUNK]])

    def prepare_delete(self, bucket: str, index: str, keys: Sequence[str]) -> Prepared:
        from conformance.ops import delete_vectors_spec
        from conformance.signing import sign_header

        spec = delete_vectors_spec(bucket, index, keys)
        signed = sign_header(method=spec.method, query=spec.query, headers=list(spec.headers), credentials=self._creds,
                             region=REGION, account_id=ACCOUNT, bucket=bucket, at=datetime.now(UTC))
        headers = {"Host": f"{bucket}-{ACCOUNT}.{self._netloc}", **dict(signed.headers)}
        return Prepared(spec.method, "/?" + spec.query, headers, spec.body)

    def close(self) -> None:
        self._client.close()


class MotoTarget:
    """AWS S3 Vectors wire format: POST /DeleteVectors with a JSON body, SigV4 (moto routes on its scope)."""

    name = "moto"

    def __init__(self, url: str) -> None:
        import boto3
        from botocore.credentials import Credentials as AwsCredentials

        self._url = url
        self.port = int(urlsplit(url).port or 80)
        self._client = boto3.client("s3vectors", endpoint_url=url, region_name=AWS_REGION,
                                    aws_access_key_id="testing", aws_secret_access_key="testing")
        self._creds = AwsCredentials("testing", "testing")

    def setup(self, bucket: str, index: str) -> None:
        self._client.create_vector_bucket(vectorBucketName=bucket)
        self._client.create_index(vectorBucketName=bucket, indexName=index, dataType="float32", dimension=DIMENSION,
                                  distanceMetric="euclidean")

    def fill(self, bucket: str, index: str, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), PUT_CHUNK):
            vectors: Any = [{"key": k, "data": {"float32": _vec(k)}} for k in keys[start:start + PUT_CHUNK]]
            self._client.put_vectors(vectorBucketName=bucket, indexName=index, vectors=vectors)

    def prepare_delete(self, bucket: str, index: str, keys: Sequence[str]) -> Prepared:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        body = json.dumps({"vectorBucketName": bucket, "indexName": index, "keys": list(keys)}).encode()
        req = AWSRequest(method="POST", url=f"{self._url}/DeleteVectors", data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(self._creds, "s3vectors", AWS_REGION).add_auth(req)
        return Prepared("POST", "/DeleteVectors", {k: str(v) for k, v in req.headers.items()}, body)

    def close(self) -> None:
        self._client.close()


# --- the load generator --------------------------------------------------------------------


@dataclass
class Result:
    server: str
    batch: int
    clients: int
    requests: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, max(0, math.ceil(q * len(data)) - 1))]  # nearest rank


def _phase(port: int, prepared: list[Prepared], clients: int, deadline: float) -> tuple[list[float], int, str, float]:
    """Send ``prepared`` from ``clients`` threads until done or ``deadline``; (latencies, errors, first error, wall s)."""
    lock = threading.Lock()
    cursor = 0
    latencies: list[float] = []
    errors = 0
    first_error = ""

    def worker() -> None:
        nonlocal cursor, errors, first_error
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if cursor >= len(prepared):
                        break
                    req = prepared[cursor]
                    cursor += 1
                t0 = time.perf_counter()
                try:
                    conn.request(req.method, req.path, body=req.body, headers=req.headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    with lock:
                        errors += 1
                        first_error = first_error or f"{type(exc).__name__}: {exc}"
                    continue
                local.append((time.perf_counter() - t0) * 1000.0)
                if resp.status not in (200, 204):
                    with lock:
                        errors += 1
                        first_error = first_error or f"HTTP {resp.status}: {data[:200]!r}"
                if resp.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        finally:
            conn.close()
            with lock:
                latencies.extend(local)

    threads = [threading.Thread(target=worker, name=f"bench-client-{i}") for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, first_error, time.perf_counter() - started


def run_config(target: Target, batch: int, clients: int, seconds: float, max_requests: int, tag: str) -> Result:
    """Warm up, then timed rounds (refill untimed, delete timed) until ``seconds`` of timed deletes or ``max_requests``."""
    bucket, index = f"b{tag}", "idx"
    target.setup(bucket, index)
    serial = 0

    def fresh(n: int) -> list[list[str]]:
        nonlocal serial
        groups = [[f"k{serial + i:07d}-{j:03d}" for j in range(batch)] for i in range(n)]
        serial += n
        return groups

    def round_(n: int, budget_s: float) -> tuple[list[float], int, str, float]:
        groups = fresh(n)
        target.fill(bucket, index, [k for g in groups for k in g])
        prepared = [target.prepare_delete(bucket, index, g) for g in groups]
        return _phase(target.port, prepared, clients, time.perf_counter() + budget_s)

    warm = max(2 * clients, 10 if batch > 1 else 50)
    wl, _, _, wt = round_(warm, 30.0)
    rate = len(wl) / wt if wt > 0 else 100.0
    per_round_cap = max(clients, MAX_VECTORS_PER_ROUND // batch)
    result = Result(target.name, batch, clients)
    hard_stop = time.monotonic() + 10 * seconds + 120  # fills included
    while result.elapsed_s < seconds and result.requests < max_requests and time.monotonic() < hard_stop:
        remaining = seconds - result.elapsed_s
        n = min(per_round_cap, max_requests - result.requests, max(4 * clients, math.ceil(rate * remaining * 1.2) + clients))
        lat, errs, first, wall = round_(n, remaining)
        result.latencies_ms += lat
        result.requests += len(lat)
        result.errors += errs
        result.first_error = result.first_error or first
        result.elapsed_s += wall
        if wall > 0 and lat:
            rate = len(lat) / wall
    return result


# --- profiling -----------------------------------------------------------------------------

PHASES = (
    ("whole request in the app (EmulatorApp._handle)", "app.py", "_handle"),
    ("  authentication (Authenticator.authenticate)", "auth.py", "authenticate"),
    ("    signature recompute (signing.verify_trace)", "signing.py", "verify_trace"),
    ("  bucket check on the loop thread (app._dispatch require_bucket)", "ops_bucket.py", "require_bucket"),
    ("  thread hop + handler (anyio.to_thread.run_sync)", "to_thread.py", "run_sync"),
    ("  DeleteVectors handler (ops_delete.delete_vectors)", "ops_delete.py", "delete_vectors"),
    ("    JSON body parse (jsonbody.parse)", "jsonbody.py", "parse"),
    ("    key checks (ops_delete._check_keys)", "ops_delete.py", "_check_keys"),
    ("    existence read (Tx.get_vectors)", "store.py", "get_vectors"),
    ("    delete + tombstones (Tx.delete_keys)", "store.py", "delete_keys"),
    ("    sqlite execute (all)", "~", "<method 'execute' of 'sqlite3.Connection' objects>"),
    ("HTTP layer: h11 parse/serialize (H11Protocol.data_received)", "h11_impl.py", "data_received"),
    ("HTTP layer: response send (Response.__call__)", "responses.py", "__call__"),
)


def profile_emulator(batch: int, clients: int, seconds: float, max_requests: int) -> None:
    """Re-run one emulator configuration with cProfile in every server thread and print the breakdown."""
    with tempfile.TemporaryDirectory(prefix="ossv-bench-prof-") as tmp:
        path = os.path.join(tmp, "emulator.prof")
        with ServerProcess(_emulator_main, profile_path=path) as srv:
            target = EmulatorTarget(srv.url)
            try:
                result = run_config(target, batch, clients, seconds, max_requests, tag=f"prof{batch}x{clients}")
            finally:
                target.close()
        if not os.path.exists(path):
            print("  (no profile written)")
            return
        stats = pstats.Stats(path)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    # every request of the run (warm-up and refills included) went through the app
    handled = sum(v[0] for (f, _, n), v in raw.items() if f.endswith("app.py") and n == "_handle")
    deletes = sum(v[0] for (f, _, n), v in raw.items() if f.endswith("ops_delete.py") and n == "delete_vectors")
    print(f"\nProfile of the emulator, DeleteVectors of {batch} keys, {clients} client(s), under cProfile "
          f"({result.requests} timed deletes; the profiled server saw {handled} requests, {deletes} of them deletes;"
          " absolute times are inflated by the profiler, the shares are what matters):")
    print(f"  {'phase':<70} {'calls':>7} {'cum ms/call':>12}")
    for label, file_end, func in PHASES:
        rows = [v for (f, _, n), v in raw.items() if f.endswith(file_end) and n == func]
        if not rows:
            continue
        calls = sum(r[0] for r in rows)
        cum = sum(r[3] for r in rows)
        print(f"  {label:<70} {calls:>7} {1000 * cum / max(calls, 1):>12.3f}")
    print("\n  top 25 functions by own time (tottime), all server threads:")
    ranked = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)
    idle = ("select", "poll", "acquire", "wait", "_worker")
    shown = 0
    for (file, line, func), (_cc, nc, tt, ct, _callers) in ranked:
        if any(word in func for word in idle):
            continue  # threads waiting for work, not work
        short = "/".join(Path(file).parts[-2:]) if file != "~" else "builtin"
        print(f"    {tt * 1000:9.1f} ms own {ct * 1000:9.1f} ms cum {nc:>8} calls  {short}:{line} {func}")
        shown += 1
        if shown >= 25:
            break


# --- output ----------------------------------------------------------------------------------


def _fmt(x: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def print_results(results: list[Result]) -> tuple[list[str], bool]:
    by = {(r.server, r.batch, r.clients): r for r in results}
    print("\nDeleteVectors, per server and configuration")
    print(f"{'server':<9} {'keys':>5} {'clients':>7} {'requests':>8} {'deletes/s':>10} {'keys/s':>10} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for r in results:
        print(f"{r.server:<9} {r.batch:>5} {r.clients:>7} {r.requests:>8} {r.rate:>10.1f} {r.rate * r.batch:>10.0f} "
              f"{_fmt(r.pct(0.5)):>8} {_fmt(r.pct(0.99)):>8} {r.errors:>6}")
    for r in results:
        if r.errors:
            print(f"  {r.server} {r.batch}x{r.clients}: first error: {r.first_error}")

    print("\nSide by side (ratio = emulator / moto throughput; target >= 3.0x)")
    print(f"{'keys':>5} {'clients':>7} | {'emu del/s':>9} {'emu p50':>8} {'emu p99':>8} | {'moto del/s':>10} {'moto p50':>8} "
          f"{'moto p99':>8} | {'ratio':>6} target")
    misses: list[str] = []
    for batch in BATCHES:
        for clients in CONCURRENCY:
            e, m = by.get(("emulator", batch, clients)), by.get(("moto", batch, clients))
            if e is None or m is None:
                continue
            ratio = e.rate / m.rate if m.rate > 0 else float("nan")
            ok = ratio >= TARGET_RATIO
            if not ok:
                misses.append(f"throughput {batch}x{clients}: {ratio:.2f}x < {TARGET_RATIO}x")
            print(f"{batch:>5} {clients:>7} | {e.rate:>9.1f} {_fmt(e.pct(0.5)):>8} {_fmt(e.pct(0.99)):>8} | {m.rate:>10.1f} "
                  f"{_fmt(m.pct(0.5)):>8} {_fmt(m.pct(0.99)):>8} | {_fmt(ratio):>5}x {'met' if ok else 'MISSED'}")
    p50_ok = True
    print(f"\nEmulator p50 for a 500-key delete (target < {TARGET_P50_MS} ms):")
    for clients in CONCURRENCY:
        e = by.get(("emulator", 500, clients))
        if e is None:
            continue
        ok = e.pct(0.5) < TARGET_P50_MS
        note = "" if clients == 1 else " (queueing behind 7 other clients on 2 cores; informative)"
        print(f"  {clients} client(s): p50 {_fmt(e.pct(0.5))} ms -> {'met' if ok else 'MISSED'}{note}")
        if clients == 1 and not ok:
            p50_ok = False
            misses.append(f"p50 500 keys, 1 client: {e.pct(0.5):.2f} ms >= {TARGET_P50_MS} ms")
    return misses, p50_ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per configuration (default 3)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap on timed requests per configuration")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--profile", action="store_true", default=None, help="always profile the emulator (500 keys, 1 client)")
    group.add_argument("--no-profile", dest="profile", action="store_false", help="never profile")
    args = parser.parse_args(argv)

    print(f"bench_emulator: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, {args.seconds:g} s per configuration (after warm-up), <= {args.max_requests} requests")
    results: list[Result] = []
    factories: list[tuple[Callable[[multiprocessing.connection.Connection, str | None], None], Callable[[str], Target]]] = [
        (_emulator_main, EmulatorTarget),
        (_moto_main, MotoTarget),
    ]
    for server_main, make_target in factories:
        try:
            with ServerProcess(server_main) as srv:
                target = make_target(srv.url)
                try:
                    for batch in BATCHES:
                        for clients in CONCURRENCY:
                            r = run_config(target, batch, clients, args.seconds, args.max_requests, tag=f"{batch}x{clients}")
                            print(f"  {r.server:<8} {batch:>3} keys x {clients} client(s): {r.requests} deletes in "
                                  f"{r.elapsed_s:.2f} s, {r.rate:.1f}/s, p50 {_fmt(r.pct(0.5))} ms", flush=True)
                            results.append(r)
                finally:
                    target.close()
        except Exception as exc:  # report and go on: the script reports, it does not assert
            print(f"  {server_main.__name__}: failed: {type(exc).__name__}: {exc}")

    misses, _ = print_results(results)
    if misses:
        print("\nTargets missed: " + "; ".join(misses))
    else:
        print("\nAll targets met.")
    if args.profile or (args.profile is None and misses):
        profile_emulator(500, 1, min(args.seconds, 3.0), args.max_requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
