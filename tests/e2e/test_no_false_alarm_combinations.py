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

SEEDS = [int(s) for s in os.environ.get("OSSV_COMBINATION_SEEDS", "1,2,3").split(",") if s.strip()]
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
    assert elapsed < QUICK_BOUND_S, f"combination {seed} {options}: {elapsed:.0f} s"
