"""An emulator with the three identities the suite uses, and the installed command run against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator.server import EmulatorConfig, EmulatorServer, Identity

OWNER, OTHER = "1357924680135792", "2468013579246801"
IDENTITIES = [
    Identity("LTAIsdkowner0001", "sdk-owner-secret", OWNER),
    Identity("STS.sdksts000001", "sdk-sts-secret", OWNER, security_token="CAISsdkststoken"),
    Identity("LTAIsdkother0001", "sdk-other-secret", OTHER),
]
ENV = {
    "OSSV_ACCOUNT_ID": OWNER,
    "OSS_ACCESS_KEY_ID": "LTAIsdkowner0001",
    "OSS_ACCESS_KEY_SECRET": "sdk-owner-secret",
    "OSSV_STS_ACCESS_KEY_ID": "STS.sdksts000001",
    "OSSV_STS_ACCESS_KEY_SECRET": "sdk-sts-secret",
    "OSSV_STS_TOKEN": "CAISsdkststoken",
    "OSSV_OTHER_ACCOUNT_ID": OTHER,
    "OSSV_OTHER_ACCESS_KEY_ID": "LTAIsdkother0001",
    "OSSV_OTHER_ACCESS_KEY_SECRET": "sdk-other-secret",
    "OSSV_READ_LAG": "0.5",
    "OSSV_TARGET": "sdk-emulator",
}
SECRETS = ("sdk-owner-secret", "sdk-sts-secret", "CAISsdkststoken", "sdk-other-secret")


@dataclass
class Run:
    """One ``ossv-conformance`` invocation: exit code, output, and the results it wrote."""

    exit_code: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]]

    def with_outcome(self, outcome: str) -> set[str]:
        return {str(r) for e in self.results if e.get("outcome") == outcome for r in _ids(e)}

    def failed(self) -> set[str]:
        return self.with_outcome("fail")

    def explain(self) -> str:
        return f"exit {self.exit_code}\n{self.stdout[-3000:]}\n{self.stderr[-2000:]}"


def _ids(event: dict[str, Any]) -> list[str]:
    value = event.get("requirements")
    return [str(r) for r in value] if isinstance(value, list) else []


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    env.update(ENV, OSSV_ENDPOINT=url)
    return env


def ossv(url: str, cwd: Path, *args: str, report_dir: Path | None = None) -> Run:
    """Run the CLI as a user would (configured through the environment); read results.ndjson if any."""
    cwd.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "conformance.cli", *args]
    proc = subprocess.run(cmd, env=env_for(url), capture_output=True, text=True, timeout=300, cwd=cwd)
    results_file = (report_dir or cwd) / "results.ndjson"
    lines = results_file.read_text().splitlines() if results_file.exists() else []
    results = [json.loads(line) for line in lines if line.strip()]
    return Run(proc.returncode, proc.stdout, proc.stderr, results)


def run_sdk(url: str, report_dir: Path, *args: str) -> Run:
    """``ossv-conformance run --driver sdk --profile quick`` against ``url``."""
    run_args = ["run", "--driver", "sdk", "--profile", "quick", "--report-dir", str(report_dir), "-n", "0", *args]
    return ossv(url, report_dir.parent, *run_args, report_dir=report_dir)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, options={"max_buckets": 10000})) as server:
        yield server


@pytest.fixture(scope="module")
def throttling_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, qps_limit=6, options={"max_buckets": 10000})) as server:
        yield server
