"""No false alarm on servers that differ from the bundled emulator wherever the documentation is silent,
several differences at once: the quick profile, strict, against random combinations of the emulator's
undocumented-behaviour options (lagging reads, other check orders, stricter throttling of setup calls,
``Connection: close``, ...). A combination is named by its seed; ``python -m benchmarks.bench_combinations
--seed N`` replays one, and runs 30 or more."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from emulator.options import random_combination
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import FAULT, run_suite

# CI's few: 1 (Connection: close, duplicates rejected, index fields required, setup calls throttled), 2 (member names
# matched case-insensitively, XML errors, key length in bytes), 4 (another check order, GetVectors lagging 0.3 s,
# invalid keys ignored, raw key counting). The benchmark runs 30 and more, lags of 1-2 s included.
SEEDS = [int(s) for s in os.environ.get("OSSV_COMBINATION_SEEDS", "1,2,4").split(",") if s.strip()]
LAGS = ("list_delete_lag_s", "get_delete_lag_s", "put_visibility_lag_s")
COMBINATION_SIZE = 4
READ_LAG_S = "8"  # above every lag the combinations use (at most 2 s), as a user sets it for a lagging endpoint
QUICK_BOUND_S = 90.0


@pytest.mark.parametrize("seed", SEEDS)
def test_the_quick_profile_is_conformant_on_a_combination(seed: int, tmp_path: Path) -> None:
    import time

    options = random_combination(seed, size=COMBINATION_SIZE)
    config = EmulatorConfig(identities=FAULT.identities, options={**options, "max_buckets": 10000})
    started = time.monotonic()
    with EmulatorServer(config) as server:
        run = run_suite(server.url, tmp_path / "run", "--strict", extra_env={"OSSV_READ_LAG": READ_LAG_S})
    elapsed = time.monotonic() - started
    replay = f"python -m benchmarks.bench_combinations --seed {seed}"
    assert run.exit_code == 0, f"combination {seed} {options} (replay: {replay}) failed: {sorted(run.failed())}\n{run.explain()}"
    assert not run.failed()
    # every example waits for lagging reads: the bound grows with the lag (about 150 examples in the quick profile)
    bound = QUICK_BOUND_S + 150 * sum(float(str(options.get(k, 0))) for k in LAGS)
    assert elapsed < bound, f"combination {seed} {options}: {elapsed:.0f} s (bound {bound:.0f} s)"
