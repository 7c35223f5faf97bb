"""Start emulators for the fault tests and run the installed suite against them, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator.server import EmulatorConfig, EmulatorServer, Identity

OWNER, OTHER = "1234567890123456", "6543210987654321"
IDENTITIES = [
    Identity("LTAIfaultowner01", "fault-owner-secret", OWNER),
    Identity("STS.faultsts0001", "fault-sts-secret", OWNER, security_token="CAISfaultststoken"),
    Identity("LTAIfaultother01", "fault-other-secret", OTHER),
]
ENV = {
    "OSSV_ACCOUNT_ID": OWNER,
    "OSS_ACCESS_KEY_ID": "LTAIfaultowner01",
    "OSS_ACCESS_KEY_SECRET": "fault-owner-secret",
    "OSSV_STS_ACCESS_KEY_ID": "STS.faultsts0001",
    "OSSV_STS_ACCESS_KEY_SECRET": "fault-sts-secret",
    "OSSV_STS_TOKEN": "CAISfaultststoken",
    "OSSV_OTHER_ACCOUNT_ID": OTHER,
    "OSSV_OTHER_ACCESS_KEY_ID": "LTAIfaultother01",
    "OSSV_OTHER_ACCESS_KEY_SECRET": "fault-other-secret",
    "OSSV_READ_LAG": "0.3",
    "OSSV_TARGET": "faulty-emulator",
}


@dataclass
class SuiteRun:
    exit_code: int
    stdout: str
    stderr: str
    results: list[dict[str, object]]

    def failed(self) -> set[str]:
        """Requirement ids with a failing check."""
        return {str(r) for e in self.results if e.get("outcome") == "fail" for r in e.get("requirements") or []}  # type: ignore[union-attr]


def run_suite(url: str, report_dir: Path, *args: str, extra_env: dict[str, str] | None = None) -> SuiteRun:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    env.update(ENV, OSSV_ENDPOINT=url, **(extra_env or {}))
    cmd = [
        sys.executable,
        "-m",
        "conformance.cli",
        "run",
        "--profile",
        "quick",
        "--report-dir",
        str(report_dir),
        "-n",
        "0",
        *args,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=report_dir.parent)
    results_file = report_dir / "results.ndjson"
    results = (
        [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()] if results_file.exists() else []
    )
    return SuiteRun(proc.returncode, proc.stdout, proc.stderr, results)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, options={"max_buckets": 10000})) as server:
        yield server


@pytest.fixture(scope="module")
def throttling_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, qps_limit=10, options={"max_buckets": 10000})) as server:
        yield server
