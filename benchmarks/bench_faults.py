"""A finished report on broken servers: the quick profile (whole, not restricted) against the emulator with
each of its faults switched on, one at a time. Prints each fault's verdict, failed requirements and wall
time, then the median, p95 and maximum wall time (the bound is 90 s on a 2-core machine).

Usage (from the repository root)::

    python -m benchmarks.bench_faults [--fault NAME ...] [--profile quick] [--read-lag 0.3]

Always exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from emulator.faults import FAULTS
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import accounts, env_for, ossv

BOUND_S = {"quick": 90.0, "default": 300.0}
THROTTLED = {"throttle_429", "throttle_collateral", "retry_after_throttle_noop"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", action="append", default=[], help="only these faults (repeatable)")
    parser.add_argument("--profile", default="quick", choices=sorted(BOUND_S))
    parser.add_argument("--read-lag", default="10", help="OSSV_READ_LAG for the runs (the suite's default is 10 s)")
    args = parser.parse_args()
    faults = args.fault or sorted(FAULTS)
    env = accounts("bench", "1234567890123456", "6543210987654321", target="faulty", read_lag=args.read_lag)
    times: list[float] = []
    missed = []
    with tempfile.TemporaryDirectory(prefix="ossv-faults-") as tmp:
        for fault in faults:
            config = EmulatorConfig(
                identities=env.identities,
                options={"max_buckets": 10000},
                faults=frozenset({fault}),
                qps_limit=10 if fault in THROTTLED else None,
            )
            report = Path(tmp) / fault
            started = time.monotonic()
            with EmulatorServer(config) as server:
                run_args = ["run", "--profile", args.profile, "-n", "0", "--report-dir", str(report)]
                run = ossv(env_for(env.env, server.url), Path(tmp), *run_args, report_dir=report, timeout=1800)
            elapsed = time.monotonic() - started
            times.append(elapsed)
            finished = (report / "summary.json").exists()
            if run.exit_code != 1:
                missed.append(fault)
            print(
                f"{fault:32s} exit {run.exit_code}  {elapsed:6.1f} s  report {'yes' if finished else 'NO'}  "
                f"failed={sorted(run.failed())[:4]}",
                flush=True,
            )
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{len(faults)} faults, {len(faults) - len(missed)} caught (missed: {missed or 'none'}); wall time median "
        f"{statistics.median(times):.1f} s, p95 {p95:.1f} s, max {times[-1]:.1f} s (bound {BOUND_S[args.profile]:.0f} s)"
    )


if __name__ == "__main__":
    main()
