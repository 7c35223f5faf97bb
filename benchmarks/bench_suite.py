"""Wall time of the conformance suite itself: quick profile, xdist speed-up, and a throttled target.

Usage::

    python -m benchmarks.bench_suite [--only quick|workers|throttled] [--repeats N]

* quick: ``ossv-conformance run --profile quick`` against the embedded emulator (no configuration):
  wall time (target < 60 s), tests, Hypothesis examples; then the same seed against an external
  emulator started here whose ASGI app is wrapped to count every HTTP request it answers, which
  gives the request count and requests/s.
* workers: ``--profile default`` with ``-n 0`` and ``-n 2`` (embedded emulator), interleaved,
  ``--repeats`` times each (default 3); medians and the speed-up (target >= 1.6x).
* throttled: the quick profile against an external emulator throttling at 5 requests/s
  (``EmulatorConfig(qps_limit=5)``), configured through the environment, with and without
  ``OSSV_MAX_RPS=5``; target: finishes within 5 minutes and exits 0 (conformant).

Every run is a subprocess (this interpreter's ``ossv-conformance run ...``) with a clean environment (no
inherited ``OSS*`` variables), a 10-minute timeout, its cwd and ``--report-dir`` under one temp
dir. The script reports; it always exits 0.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: put on a child run's PYTHONPATH when nothing is installed

RUN_TIMEOUT_S = 600.0
QUICK_TARGET_S = 60.0
SPEEDUP_TARGET = 1.6
THROTTLED_TARGET_S = 300.0
QPS_LIMIT = 5.0
ENTRY_POINT = Path(sys.executable).with_name("ossv-conformance")


# --- one suite run ---------------------------------------------------------------------------


@dataclass
class RunResult:
    label: str
    wall_s: float
    exit_code: int | None  # None: timed out
    verdict: str = "?"
    tests: str = ""
    examples: int | None = None
    server_requests: int | None = None
    server_statuses: dict[int, int] = field(default_factory=dict)
    report_dir: str = ""
    tail: str = ""
    cpu_s: float = 0.0  # user + sys of the run and every process it waited for (xdist workers included)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment minus every suite/OSS setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    if not ENTRY_POINT.exists():  # not installed: run the checkout's package
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def _command() -> list[str]:
    """``ossv-conformance`` of this interpreter (as a user runs it), else ``python -m conformance.cli``."""
    return [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "conformance.cli"]


def _examples(junit: Path) -> int | None:
    """Hypothesis examples run (passing + failing, every phase), from the statistics it puts in junit.xml."""
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return None
    total, seen = 0, False
    for prop in tree.iter("property"):
        if not prop.get("name", "").startswith("hypothesis-statistics"):
            continue
        seen = True
        try:
            text = base64.b64decode(prop.get("value", "")).decode("utf-8", "replace")
        except ValueError:
            continue
        for m in re.finditer(r"(\d+) passing examples, (\d+) failing examples", text):
            total += int(m.group(1)) + int(m.group(2))
    return total if seen else None


def run_suite(label: str, args: Sequence[str], workdir: Path, env: Mapping[str, str]) -> RunResult:
    """``ossv-conformance run <args> --report-dir <workdir>/<label>``, timed, bounded by RUN_TIMEOUT_S."""
    report_dir = workdir / re.sub(r"[^A-Za-z0-9_.-]+", "-", label)
    cmd = [*_command(), "run", *args, "--report-dir", str(report_dir)]
    log_path = workdir / f"{report_dir.name}.log"
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code: int | None = proc.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            code = None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # the session this script started for the run
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = log_path.read_text("utf-8", "replace")
    result = RunResult(label, wall, code, report_dir=str(report_dir), cpu_s=usage.ru_utime + usage.ru_stime - cpu_before)
    last = [ln for ln in out.splitlines() if re.search(r"\b(passed|failed|error|skipped)\b.* in [\d.]+s", ln)]
    result.tests = last[-1].strip("= ") if last else ""
    result.tail = "\n".join(out.splitlines()[-8:])
    try:
        result.verdict = str(json.loads((report_dir / "summary.json").read_text())["verdict"])
    except (OSError, ValueError, KeyError):
        result.verdict = "no summary"
    result.examples = _examples(report_dir / "junit.xml")
    return result


# --- an external emulator that counts what it answers ----------------------------------------


class RequestCounter:
    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()

    def add(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def snapshot(self) -> dict[int, int]:
        with self._lock:
            return dict(self.statuses)


@contextlib.contextmanager
def counting_emulator(qps_limit: float | None) -> Iterator[tuple[dict[str, str], RequestCounter]]:
    """An EmulatorServer (owner, STS identity, second account: ``conformance.launcher.RunIdentities``) that counts
    every answer through its public ``on_answer`` hook; nothing else changes."""
    import dataclasses

    from conformance.launcher import RunIdentities
    from emulator.server import EmulatorServer

    counter = RequestCounter()
    identities = RunIdentities.fresh()
    config = dataclasses.replace(
        identities.emulator_config(region="cn-hangzhou", qps_limit=qps_limit),
        on_answer=lambda _method, _query, status: counter.add(status),
    )
    srv = EmulatorServer(config, host="127.0.0.1", port=0).start()
    try:
        yield identities.environment(srv.url), counter
    finally:
        srv.stop()


def run_external(
    label: str, args: Sequence[str], workdir: Path, qps_limit: float | None, extra_env: Mapping[str, str] | None = None
) -> RunResult:
    with counting_emulator(qps_limit) as (env, counter):
        result = run_suite(label, args, workdir, _clean_env({**env, **(extra_env or {})}))
        result.server_statuses = counter.snapshot()
        result.server_requests = sum(result.server_statuses.values())
    return result


# --- the three measurements ------------------------------------------------------------------


def _fmt_s(x: float) -> str:
    return f"{x:.1f} s"


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))


def _status(r: RunResult) -> str:
    return "timeout" if r.exit_code is None else f"exit {r.exit_code}"


def bench_quick(workdir: Path, lines: list[str]) -> None:
    seed = str(secrets.randbelow(2**31))
    print(f"[quick] embedded emulator, --profile quick --seed {seed} ...", flush=True)
    emb = run_suite("quick-embedded", ["--profile", "quick", "--seed", seed, "-n", "0"], workdir, _clean_env())
    print("[quick] same seed against a counting external emulator ...", flush=True)
    ext = run_external("quick-external-counted", ["--profile", "quick", "--seed", seed, "-n", "0"], workdir, None)
    met = emb.ok and emb.wall_s < QUICK_TARGET_S
    rps = (ext.server_requests or 0) / ext.wall_s if ext.wall_s else 0.0
    widths = (24, 8, 8, 12, 34, 9, 9, 6)
    out = [
        "",
        f"(a) quick profile (seed {seed}); target: embedded wall time < {QUICK_TARGET_S:.0f} s",
        _row(("run", "wall", "status", "verdict", "tests", "examples", "requests", "req/s"), widths),
    ]
    for r in (emb, ext):
        reqs = "-" if r.server_requests is None else str(r.server_requests)
        rate = "-" if r.server_requests is None else f"{r.server_requests / r.wall_s:.0f}"
        out.append(_row((r.label, _fmt_s(r.wall_s), _status(r), r.verdict, r.tests[:34], str(r.examples), reqs, rate), widths))
    if ext.server_requests:
        out.append(
            f"  requests counted by the external emulator: {ext.server_requests} ({_statuses(ext)}); "
            f"~{(ext.server_requests or 0) / emb.wall_s:.0f} req/s over the embedded run's wall time "
            f"(same seed; {rps:.0f} req/s measured on the external run)"
        )
    out.append(f"  -> quick < {QUICK_TARGET_S:.0f} s: {'met' if met else 'MISSED'}")
    _emit(out, lines, (emb, ext))


def _statuses(r: RunResult) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(r.server_statuses.items()))


_BUSY = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(20_000_000):\n    x += i\nprint(time.perf_counter() - t)"


def parallel_ceiling() -> tuple[float, float, float]:
    """A pure-Python busy loop alone and as one of two concurrent processes: (s, s, what 2 workers can gain)."""

    def timed(n: int) -> float:
        procs = [subprocess.Popen([sys.executable, "-c", _BUSY], stdout=subprocess.PIPE, text=True) for _ in range(n)]
        return max(float(p.communicate(timeout=120)[0]) for p in procs)

    one = timed(1)
    two = timed(2)
    return one, two, 2 * one / two if two else float("nan")


def bench_workers(workdir: Path, lines: list[str], repeats: int) -> None:
    runs: dict[str, list[RunResult]] = {"0": [], "2": []}
    for i in range(repeats):
        for workers in ("0", "2"):  # interleaved so drift hits both alike
            print(f"[workers] --profile default -n {workers}, run {i + 1}/{repeats} ...", flush=True)
            runs[workers].append(
                run_suite(f"default-n{workers}-run{i + 1}", ["--profile", "default", "-n", workers], workdir, _clean_env())
            )
    one, two, ceiling = parallel_ceiling()
    widths = (20, 8, 8, 8, 12, 34)
    out = [
        "",
        f"(b) default profile, -n 0 vs -n 2 (embedded emulator, {repeats} runs each, interleaved)",
        _row(("run", "wall", "cpu", "status", "verdict", "tests"), widths),
    ]
    for workers in ("0", "2"):
        for r in runs[workers]:
            out.append(_row((r.label, _fmt_s(r.wall_s), _fmt_s(r.cpu_s), _status(r), r.verdict, r.tests[:34]), widths))
    med0 = statistics.median(r.wall_s for r in runs["0"])
    med2 = statistics.median(r.wall_s for r in runs["2"])
    speedup = med0 / med2 if med2 else float("nan")
    all_ok = all(r.ok for rs in runs.values() for r in rs)
    out.append(
        f"  median -n 0: {med0:.1f} s   median -n 2: {med2:.1f} s   speed-up: {speedup:.2f}x "
        f"-> target >= {SPEEDUP_TARGET}x: {'met' if speedup >= SPEEDUP_TARGET else 'MISSED'}"
        + ("" if all_ok else "  (some runs did not exit 0; see above)")
    )
    out.append(
        f"  machine ceiling: a CPU-bound loop takes {one:.2f} s alone and {two:.2f} s as one of two concurrent processes"
        f" -> two processes can gain at most {ceiling:.2f}x on this machine"
    )
    _emit(out, lines, [r for rs in runs.values() for r in rs])


def bench_throttled(workdir: Path, lines: list[str]) -> None:
    results = []
    for label, extra in (("throttled-no-max-rps", {}), ("throttled-max-rps-5", {"OSSV_MAX_RPS": "5"})):
        print(f"[throttled] quick profile vs an emulator limited to {QPS_LIMIT:g} req/s, {label} ...", flush=True)
        results.append(run_external(label, ["--profile", "quick", "-n", "0"], workdir, QPS_LIMIT, extra))
    widths = (22, 8, 8, 12, 34, 9, 6, 6)
    out = [
        "",
        f"(c) quick profile vs an external emulator with qps_limit={QPS_LIMIT:g}; target: < {THROTTLED_TARGET_S:.0f} s "
        "and exit 0 (conformant)",
        _row(("run", "wall", "status", "verdict", "tests", "requests", "req/s", "target"), widths),
    ]
    for r in results:
        met = r.ok and r.wall_s < THROTTLED_TARGET_S
        reqs = str(r.server_requests)
        rate = f"{(r.server_requests or 0) / r.wall_s:.1f}"
        out.append(
            _row((r.label, _fmt_s(r.wall_s), _status(r), r.verdict, r.tests[:34], reqs, rate, "met" if met else "MISSED"), widths)
        )
        out.append(f"    server answers: {_statuses(r)}")
    _emit(out, lines, results)


def _emit(out: list[str], lines: list[str], results: Sequence[RunResult]) -> None:
    for r in results:
        if not r.ok:
            out.append(f"  {r.label}: {_status(r)}, last output lines:")
            out += ["      " + ln for ln in r.tail.splitlines()]
    print("\n".join(out), flush=True)
    lines += out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("quick", "workers", "throttled"), help="run one measurement only")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each -n setting for the median (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with every results directory and log")
    args = parser.parse_args(argv)
    print(
        f"bench_suite: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs (load {os.getloadavg()[0]:.2f})"
    )
    lines: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="ossv-bench-suite-"))
    try:
        print(f"results directories under {tmp}")
        if args.only in (None, "quick"):
            bench_quick(tmp, lines)
        if args.only in (None, "workers"):
            bench_workers(tmp, lines, max(1, args.repeats))
        if args.only in (None, "throttled"):
            bench_throttled(tmp, lines)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    print("\nSummary" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
