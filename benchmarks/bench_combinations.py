"""No false alarm on combinations: the quick profile (strict) against the emulator with several of its
undocumented-behaviour options changed at once, one combination per seed.

Usage (from the repository root)::

    python -m benchmarks.bench_combinations [--count 30] [--first-seed 1] [--size 4] [--seed N]

Prints, for each combination, its seed, the options, the verdict, the failed requirements (none expected)
and the wall time; then how many were conformant. ``--seed N`` replays one combination. Always exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from emulator.options import random_combination
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import accounts, env_for, ossv

ACCOUNTS = accounts("combo", "1234567890123456", "6543210987654321", target="combination", read_lag="8")


def run_one(seed: int, size: int, workdir: Path) -> tuple[str, list[str], float]:
    options = random_combination(seed, size=size)
    config = EmulatorConfig(identities=ACCOUNTS.identities, options={**options, "max_buckets": 10000})
    report = workdir / f"seed-{seed}"
    started = time.monotonic()
    with EmulatorServer(config) as server:
        args = ["run", "--profile", "quick", "--strict", "-n", "0", "--report-dir", str(report)]
        run = ossv(env_for(ACCOUNTS.env, server.url), workdir, *args, report_dir=report)
    verdict = {0: "conformant", 1: "NOT conformant", 2: "inconclusive"}.get(run.exit_code, f"exit {run.exit_code}")
    return verdict, sorted(run.failed()), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--size", type=int, default=4, help="options changed per combination")
    parser.add_argument("--seed", type=int, default=None, help="replay this one combination")
    args = parser.parse_args()
    seeds = [args.seed] if args.seed is not None else list(range(args.first_seed, args.first_seed + args.count))
    times: list[float] = []
    good = 0
    with tempfile.TemporaryDirectory(prefix="ossv-combos-") as tmp:
        for seed in seeds:
            options = random_combination(seed, size=args.size)
            verdict, failed, elapsed = run_one(seed, args.size, Path(tmp))
            times.append(elapsed)
            good += verdict == "conformant"
            shown = " ".join(f"{k}={v}" for k, v in sorted(options.items()))
            print(f"seed {seed:3d}  {verdict:14s} {elapsed:6.1f} s  failed={failed or '-'}  {shown}", flush=True)
    print(
        f"{good}/{len(seeds)} combinations conformant; wall time median {statistics.median(times):.1f} s, "
        f"max {max(times):.1f} s"
    )


if __name__ == "__main__":
    main()
