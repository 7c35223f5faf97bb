"""What a run costs a rate-limited endpoint: requests, requests per judged example, and the wall time at 5 req/s.

Usage (from the repository root)::

    python -m benchmarks.bench_requests [--profile quick --profile default ...] [--no-throttled] [--seed 1]

For each profile it runs the suite twice against the bundled emulator's server, both times counting every
request the server answers (``EmulatorConfig.on_answer``, so the count does not trust the suite's own):

* unthrottled, for the request count and the suite's own accounting (``summary.json``: judged examples,
  requests by purpose);
* throttled at 5 requests a second (DeleteVectors and every setup operation) with ``OSSV_MAX_RPS=5``,
  for the wall time a rate-limited endpoint sees. ``--no-throttled`` skips it; for the nightly profile the
  time is projected from the request count (requests / 5 per second) unless ``--measure-nightly``.

Targets at 5 req/s: quick within 2 minutes, default within 10, nightly within 60. To measure another
checkout (the figures "before" a change), run this module with that checkout first on ``PYTHONPATH``.
Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import accounts, env_for, ossv

ACCOUNTS = accounts("budget", "1234567890123456", "6543210987654321", target="rate-limited", read_lag="2")
RATE = 5.0
TARGET_S = {"quick": 120.0, "default": 600.0, "nightly": 3600.0}


def run_profile(profile: str, workdir: Path, seed: int, *, throttled: bool) -> dict[str, Any]:
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def on_answer(method: str, query: str, status: int) -> None:
        with lock:
            seen["requests"] += 1
            seen[f"status {status}"] += 1

    options: dict[str, object] = {"max_buckets": 10000}
    if throttled:
        options["setup_qps_limit"] = RATE
    config = EmulatorConfig(
        identities=ACCOUNTS.identities, qps_limit=RATE if throttled else None, options=options, on_answer=on_answer
    )
    report = workdir / f"{profile}-{'throttled' if throttled else 'free'}"
    extra = {"OSSV_MAX_RPS": str(RATE)} if throttled else {}
    started = time.monotonic()
    with EmulatorServer(config) as server:
        args = ["run", "--profile", profile, "--seed", str(seed), "--report-dir", str(report)]
        run = ossv(env_for(ACCOUNTS.env, server.url, extra), workdir, *args, report_dir=report, timeout=6 * 3600)
    elapsed = time.monotonic() - started
    summary_path = report / "summary.json"
    accounting: dict[str, Any] = {}
    if summary_path.is_file():
        accounting = json.loads(summary_path.read_text()).get("requests") or {}
    return {
        "exit": run.exit_code,
        "served": seen["requests"],
        "throttled": seen["status 503"],
        "elapsed_s": elapsed,
        "accounting": accounting,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", choices=sorted(TARGET_S), default=[])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-throttled", action="store_true", help="skip the runs at 5 req/s")
    parser.add_argument("--measure-nightly", action="store_true", help="run the nightly profile at 5 req/s too (hours)")
    args = parser.parse_args()
    profiles = args.profile or ["quick", "default", "nightly"]
    print(f"{'profile':8s} {'requests':>9s} {'judged':>7s} {'per ex.':>8s}  {'by purpose':44s} {'at 5 req/s':>12s}  target")
    with tempfile.TemporaryDirectory(prefix="ossv-requests-") as tmp:
        for profile in profiles:
            free = run_profile(profile, Path(tmp), args.seed, throttled=False)
            acc = free["accounting"]
            judged = acc.get("judged_examples")
            per = acc.get("per_judged_example")
            purposes = " ".join(f"{p} {n}" for p, n in (acc.get("by_purpose") or {}).items())
            measure = not args.no_throttled and (profile != "nightly" or args.measure_nightly)
            if measure:
                slow = run_profile(profile, Path(tmp), args.seed, throttled=True)
                timed = f"{slow['elapsed_s']:8.0f} s  " + ("" if slow["exit"] == 0 else f"(exit {slow['exit']}) ")
                timed += f"[{slow['served']} requests, {slow['throttled']} throttled]"
            else:
                timed = f"~{free['served'] / RATE:7.0f} s (projected)"
            print(
                f"{profile:8s} {free['served']:9d} {judged if judged is not None else '-':>7} "
                f"{per if per is not None else '-':>8}  {purposes:44s} {timed}  {TARGET_S[profile]:.0f} s"
                + ("" if free["exit"] == 0 else f"  (unthrottled run exit {free['exit']})"),
                flush=True,
            )


if __name__ == "__main__":
    main()
