"""An emulator with the three identities the suite uses, and the installed command run against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.server import EmulatorServer
from tests.cli_runs import Run, accounts, env_for, serving
from tests.cli_runs import ossv as run_cli

OWNER, OTHER = "1357924680135792", "2468013579246801"
ACCOUNTS = accounts("sdk", OWNER, OTHER, target="sdk-emulator", read_lag="0.5")
IDENTITIES = ACCOUNTS.identities
ENV = ACCOUNTS.env
SECRETS = ACCOUNTS.secrets


def ossv(url: str, cwd: Path, *args: str, report_dir: Path | None = None) -> Run:
    """Run the CLI as a user would (configured through the environment); read results.ndjson if any."""
    return run_cli(env_for(ENV, url), cwd, *args, report_dir=report_dir, timeout=300)


def run_sdk(url: str, report_dir: Path, *args: str) -> Run:
    """``ossv-conformance run --driver sdk --profile quick`` against ``url``."""
    run_args = ["run", "--driver", "sdk", "--profile", "quick", "--report-dir", str(report_dir), "-n", "0", *args]
    return ossv(url, report_dir.parent, *run_args, report_dir=report_dir)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with serving(IDENTITIES) as server:
        yield server


@pytest.fixture(scope="module")
def throttling_emulator() -> Iterator[EmulatorServer]:
    with serving(IDENTITIES, qps_limit=6) as server:
        yield server
