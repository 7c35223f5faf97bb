"""DeleteVectors throughput and latency: the bundled emulator vs moto's S3 Vectors server.

Usage::

    python -m benchmarks.bench_emulator [--seconds N] [--max-requests N] [--profile | --no-profile]

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
    """Child process: run an EmulatorServer until told to stop.

    With ``profile_path``, every thread started afterwards (uvicorn's event loop, anyio's
    worker threads) runs under its own cProfile; "reset" clears them (so setup and refills
    are not counted) and "stop" writes the merged stats to ``profile_path``.
    """
    profilers: list[cProfile.Profile] = []
    if profile_path:

        def _start_thread_profiler(_frame: object, _event: str, _arg: object) -> None:
            prof = cProfile.Profile()
            profilers.append(prof)
            prof.enable()  # replaces this hook for the calling thread

        threading.setprofile(_start_thread_profiler)

    from emulator.server import EmulatorConfig, EmulatorServer, Identity

    config = EmulatorConfig(identities=[Identity(AK, SK, ACCOUNT)], region=REGION, qps_limit=None)
    server = EmulatorServer(config, host="127.0.0.1", port=0).start()
    conn.send(server.url)
    while conn.recv() == "reset":
        for prof in list(profilers):
            prof.clear()
        conn.send("ok")
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

    def __init__(
        self, target: Callable[[multiprocessing.connection.Connection, str | None], None], profile_path: str | None = None
    ) -> None:
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

    def command(self, message: str) -> None:
        """Send a control message to the child and wait for its answer."""
        self._parent.send(message)
        if not self._parent.poll(30):
            raise RuntimeError(f"server process did not answer {message!r}")
        self._parent.recv()

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


class BenchTarget(Protocol):
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
            self._ops.put_vectors(bucket, index, [vector(k, _vec(k)) for k in keys[start : start + PUT_CHUNK]])

    def prepare_delete(self, bucket: str, index: str, keys: Sequence[str]) -> Prepared:
        from conformance.ops import delete_vectors_spec
        from conformance.signing import sign_header

        spec = delete_vectors_spec(bucket, index, keys)
        signed = sign_header(
            method=spec.method,
            query=spec.query,
            headers=list(spec.headers),
            credentials=self._creds,
            region=REGION,
            account_id=ACCOUNT,
            bucket=bucket,
            at=datetime.now(UTC),
        )
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
        self._client = boto3.client(
            "s3vectors", endpoint_url=url, region_name=AWS_REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        self._creds = AwsCredentials("testing", "testing")

    def setup(self, bucket: str, index: str) -> None:
        self._client.create_vector_bucket(vectorBucketName=bucket)
        self._client.create_index(
            vectorBucketName=bucket, indexName=index, dataType="float32", dimension=DIMENSION, distanceMetric="euclidean"
        )

    def fill(self, bucket: str, index: str, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), PUT_CHUNK):
            vectors: Any = [{"key": k, "data": {"float32": _vec(k)}} for k in keys[start : start + PUT_CHUNK]]
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


def run_config(target: BenchTarget, batch: int, clients: int, seconds: float, max_requests: int, tag: str) -> Result:
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
    ("ASGI app, request to response (EmulatorApp.__call__)", "emulator/app.py", "__call__"),
    ("  authentication (Authenticator.authenticate)", "emulator/auth.py", "authenticate"),
    ("    signature recompute (signing.verify_trace)", "conformance/signing.py", "verify_trace"),
    ("  bucket check on the event loop (ops_bucket.require_bucket, 2x per delete)", "emulator/ops_bucket.py", "require_bucket"),
    ("  DeleteVectors handler, worker thread (ops_delete.delete_vectors)", "emulator/ops_delete.py", "delete_vectors"),
    ("    JSON body parse (jsonbody.parse)", "emulator/jsonbody.py", "parse"),
    ("      of which the re-serialisation check (json.dumps)", "json/__init__.py", "dumps"),
    ("    key checks (ops_delete._check_keys)", "emulator/ops_delete.py", "_check_keys"),
    ("    existence read for faults (Tx.get_vectors in _apply)", "emulator/store.py", "get_vectors"),
    ("    delete + tombstone copy (Tx.delete_keys)", "emulator/store.py", "delete_keys"),
    ("    transaction BEGIN/COMMIT (Store.tx)", "emulator/store.py", "tx"),
    ("  Content-MD5 check (hashlib.md5)", "~", "<built-in method _hashlib.openssl_md5>"),
    ("HTTP parsing (uvicorn H11Protocol.data_received)", "uvicorn/protocols/http/h11_impl.py", "data_received"),
)

_LOOP_FILES = ("/asyncio/", "/anyio/", "threading.py", "concurrent/", "queue.py", "contextvars")
AREAS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("sqlite3 (C, GIL released)", lambda f, n: f == "~" and "sqlite3" in n),
    (
        "emulator/ops_delete.py + context.py (validation)",
        lambda f, n: f.endswith(("emulator/ops_delete.py", "emulator/context.py")),
    ),
    (
        "emulator/jsonbody.py + json stdlib",
        lambda f, n: f.endswith("emulator/jsonbody.py") or "/json/" in f or (f == "~" and "json" in n),
    ),
    ("emulator/store.py (Python side)", lambda f, n: f.endswith("emulator/store.py")),
    (
        "emulator/auth.py + conformance/signing.py + hmac/hashlib",
        lambda f, n: f.endswith(("emulator/auth.py", "signing.py", "hmac.py")) or (f == "~" and ("_hashlib" in n or "hmac" in n)),
    ),
    ("emulator/app.py, addressing, errors, other emulator", lambda f, n: "/emulator/" in f),
    ("uvicorn + h11 (HTTP)", lambda f, n: "/uvicorn/" in f or "/h11/" in f),
    ("starlette (Request/Response)", lambda f, n: "/starlette/" in f),
    ("asyncio + anyio + threading (event loop, thread hop)", lambda f, n: any(p in f for p in _LOOP_FILES)),
    ("socket send/recv", lambda f, n: f == "~" and ("socket" in n or "send" in n or "recv" in n)),
)
IDLE = ("poll", "select", "acquire", "'wait'", "<method 'get' of '_queue", "sleep")


def _short(file: str, line: int, func: str) -> str:
    return f"builtin {func}" if file == "~" else f"{'/'.join(Path(file).parts[-2:])}:{line} {func}"


def profile_emulator(batch: int, clients: int, requests: int, seconds: float) -> None:
    """Profile one emulator configuration: cProfile in every server thread, timed deletes only."""
    with tempfile.TemporaryDirectory(prefix="ossv-bench-prof-") as tmp:
        path = os.path.join(tmp, "emulator.prof")
        with ServerProcess(_emulator_main, profile_path=path) as srv:
            target = EmulatorTarget(srv.url)
            try:
                bucket, index = f"bprof{batch}x{clients}", "idx"
                target.setup(bucket, index)
                groups = [[f"p{i:06d}-{j:03d}" for j in range(batch)] for i in range(requests + 4 * clients)]
                target.fill(bucket, index, [k for g in groups for k in g])
                prepared = [target.prepare_delete(bucket, index, g) for g in groups]
                _phase(target.port, prepared[: 4 * clients], clients, time.perf_counter() + 30)  # warm-up
                srv.command("reset")  # count only the timed deletes below
                lat, errors, first, wall = _phase(target.port, prepared[4 * clients :], clients, time.perf_counter() + seconds)
            finally:
                target.close()
        if not os.path.exists(path):
            print("  (no profile written)")
            return
        stats = pstats.Stats(path)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    n = max(len(lat), 1)
    p50 = _fmt(sorted(lat)[len(lat) // 2] if lat else math.nan)
    print(
        f"\nProfile: emulator, DeleteVectors of {batch} key(s), {clients} client(s): {len(lat)} deletes in {wall:.2f} s under "
        f"cProfile ({errors} errors{'; ' + first if first else ''}); p50 {p50} ms profiled. Times are per delete and "
        "inflated by the profiler; share = of all non-idle server time (threads overlap, so shares of nested rows do not add up)."
    )
    busy = {k: v for k, v in raw.items() if not any(word in k[2] for word in IDLE)}
    own_total = sum(v[2] for v in busy.values())
    print(f"  {'phase (inclusive)':<78} {'ms/delete':>9} {'share':>6}")
    for label, file_end, func in PHASES:
        rows = [v for (f, _, fn), v in raw.items() if f.endswith(file_end) and fn == func]
        if rows:
            cum = sum(r[3] for r in rows)
            print(f"  {label:<78} {1000 * cum / n:>9.3f} {100 * cum / own_total if own_total else 0:>5.0f}%")
    print(f"\n  own (non-idle) time by area, all server threads: {1000 * own_total / n:.3f} ms/delete")
    remaining = dict(busy)
    for label, pred in AREAS:
        keys = [k for k in remaining if pred(k[0], k[2])]
        own = sum(remaining.pop(k)[2] for k in keys)
        print(f"    {label:<66} {1000 * own / n:>8.3f} ms {100 * own / own_total if own_total else 0:>5.0f}%")
    rest = sum(v[2] for v in remaining.values())
    print(f"    {'other':<66} {1000 * rest / n:>8.3f} ms {100 * rest / own_total if own_total else 0:>5.0f}%")
    print("\n  top 15 functions by own time:")
    for (file, line, func), (_cc, nc, tt, ct, _callers) in sorted(busy.items(), key=lambda kv: kv[1][2], reverse=True)[:15]:
        where = _short(file, line, func)
        print(f"    {1000 * tt / n:8.3f} ms/delete own {1000 * ct / n:8.3f} cum {nc / n:8.1f} calls/delete  {where}")


# --- output ----------------------------------------------------------------------------------


def _fmt(x: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def print_results(results: list[Result]) -> tuple[list[str], bool]:
    by = {(r.server, r.batch, r.clients): r for r in results}
    print("\nDeleteVectors, per server and configuration")
    print(
        f"{'server':<9} {'keys':>5} {'clients':>7} {'requests':>8} {'deletes/s':>10} {'keys/s':>10} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    )
    for r in results:
        print(
            f"{r.server:<9} {r.batch:>5} {r.clients:>7} {r.requests:>8} {r.rate:>10.1f} {r.rate * r.batch:>10.0f} "
            f"{_fmt(r.pct(0.5)):>8} {_fmt(r.pct(0.99)):>8} {r.errors:>6}"
        )
    for r in results:
        if r.errors:
            print(f"  {r.server} {r.batch}x{r.clients}: first error: {r.first_error}")

    print("\nSide by side (ratio = emulator / moto throughput; target >= 3.0x)")
    print(
        f"{'keys':>5} {'clients':>7} | {'emu del/s':>9} {'emu p50':>8} {'emu p99':>8} | {'moto del/s':>10} {'moto p50':>8} "
        f"{'moto p99':>8} | {'ratio':>6} target"
    )
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
            print(
                f"{batch:>5} {clients:>7} | {e.rate:>9.1f} {_fmt(e.pct(0.5)):>8} {_fmt(e.pct(0.99)):>8} | {m.rate:>10.1f} "
                f"{_fmt(m.pct(0.5)):>8} {_fmt(m.pct(0.99)):>8} | {_fmt(ratio):>5}x {'met' if ok else 'MISSED'}"
            )
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

    print(
        f"bench_emulator: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs (load {os.getloadavg()[0]:.2f}), {args.seconds:g} s per configuration (after warm-up), "
        f"<= {args.max_requests} requests"
    )
    results: list[Result] = []
    factories: list[tuple[Callable[[multiprocessing.connection.Connection, str | None], None], Callable[[str], BenchTarget]]] = [
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
                            print(
                                f"  {r.server:<8} {batch:>3} keys x {clients} client(s): {r.requests} deletes in "
                                f"{r.elapsed_s:.2f} s, {r.rate:.1f}/s, p50 {_fmt(r.pct(0.5))} ms",
                                flush=True,
                            )
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
        profile_emulator(500, 1, requests=300, seconds=10.0)
        profile_emulator(1, 1, requests=3000, seconds=10.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
