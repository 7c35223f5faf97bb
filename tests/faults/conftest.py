"""Start emulators for the fault tests and run the installed suite against them, as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.server import EmulatorServer
from tests.cli_runs import Run, accounts, env_for, ossv, serving

ACCOUNTS = accounts("fault", "1234567890123456", "6543210987654321", target="faulty-emulator", read_lag="0.3")
IDENTITIES = ACCOUNTS.identities
ENV = ACCOUNTS.env


def run_suite(url: str, report_dir: Path, *args: str, extra_env: dict[str, str] | None = None) -> Run:
    """``ossv-conformance run --profile quick`` against ``url``, configured through the environment."""
    run_args = ["run", "--profile", "quick", "--report-dir", str(report_dir), "-n", "0", *args]
    return ossv(env_for(ENV, url, extra_env), report_dir.parent, *run_args, report_dir=report_dir)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with serving(IDENTITIES) as server:
        yield server


@pytest.fixture(scope="module")
def throttling_emulator() -> Iterator[EmulatorServer]:
    with serving(IDENTITIES, qps_limit=10) as server:
        yield server
