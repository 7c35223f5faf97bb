"""Run ``ossv-conformance`` as a user would, against emulators the tests start themselves.

Shared by the end-to-end tests (tests/e2e), the SDK driver tests and the benchmarks: identities for
an emulator, the environment that points the suite at it (no other OSSV_/OSS_ variable leaks in from
the developer's shell), one record of a run (exit code, output, the results it wrote), and the two
configurations the tests run the suite with: the fault proof's (``FAULT``, ``run_suite``) and the SDK
driver's (``SDK``, ``run_sdk``, ``sdk_cli``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.server import EmulatorConfig, EmulatorServer, Identity


@dataclass(frozen=True)
class Accounts:
    """An owner, an STS identity of the owner's account, and a key of another account."""

    identities: list[Identity]
    env: dict[str, str]
    secrets: tuple[str, ...]


def accounts(name: str, owner: str, other: str, target: str, read_lag: str) -> Accounts:
    owner_key, sts_key, other_key = f"LTAI{name}owner01", f"STS.{name}sts0001", f"LTAI{name}other01"
    owner_secret, sts_secret, other_secret = f"{name}-owner-secret", f"{name}-sts-secret", f"{name}-other-secret"
    token = f"CAIS{name}ststoken"
    identities = [
        Identity(owner_key, owner_secret, owner),
        Identity(sts_key, sts_secret, owner, security_token=token),
        Identity(other_key, other_secret, other),
    ]
    env = {
        "OSSV_ACCOUNT_ID": owner,
        "OSS_ACCESS_KEY_ID": owner_key,
        "OSS_ACCESS_KEY_SECRET": owner_secret,
        "OSSV_STS_ACCESS_KEY_ID": sts_key,
        "OSSV_STS_ACCESS_KEY_SECRET": sts_secret,
        "OSSV_STS_TOKEN": token,
        "OSSV_OTHER_ACCOUNT_ID": other,
        "OSSV_OTHER_ACCESS_KEY_ID": other_key,
        "OSSV_OTHER_ACCESS_KEY_SECRET": other_secret,
        "OSSV_READ_LAG": read_lag,
        "OSSV_TARGET": target,
    }
    return Accounts(identities, env, (owner_secret, sts_secret, token, other_secret))


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
        """Requirement ids with a failing check."""
        return self.with_outcome("fail")

    def explain(self) -> str:
        return f"exit {self.exit_code}\n{self.stdout[-3000:]}\n{self.stderr[-2000:]}"


def _ids(event: dict[str, Any]) -> list[str]:
    value = event.get("requirements")
    return [str(r) for r in value] if isinstance(value, list) else []


def env_for(base: Mapping[str, str], url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    env.update(base, OSSV_ENDPOINT=url, **(extra or {}))
    return env


def ossv(env: Mapping[str, str], cwd: Path, *args: str, report_dir: Path | None = None, timeout: int = 600) -> Run:
    """Run the CLI in ``cwd``; read ``report_dir/results.ndjson`` if the run wrote one."""
    cwd.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "conformance.cli", *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    results_file = (report_dir or cwd) / "results.ndjson"
    lines = results_file.read_text().splitlines() if results_file.exists() else []
    return Run(proc.returncode, proc.stdout, proc.stderr, [json.loads(line) for line in lines if line.strip()])


@contextmanager
def serving(identities: list[Identity], qps_limit: int | None = None) -> Iterator[EmulatorServer]:
    """An emulator for a module of tests: room for every run's buckets, optionally throttling."""
    with EmulatorServer(EmulatorConfig(identities=identities, qps_limit=qps_limit, options={"max_buckets": 10000})) as server:
        yield server


# --- the fault proof's configuration (tests/e2e): a faulty emulator is caught, the correct one passes

FAULT = accounts("fault", "1234567890123456", "6543210987654321", target="faulty-emulator", read_lag="0.3")


def run_suite(url: str, report_dir: Path, *args: str, extra_env: Mapping[str, str] | None = None) -> Run:
    """``ossv-conformance run --profile quick`` against ``url``, configured through the environment."""
    run_args = ["run", "--profile", "quick", "--report-dir", str(report_dir), "-n", "0", *args]
    return ossv(env_for(FAULT.env, url, extra_env), report_dir.parent, *run_args, report_dir=report_dir)


# --- the SDK driver's configuration (tests/e2e/test_sdk_suite.py, tests/conformance/drivers)

SDK_OWNER, SDK_OTHER = "1357924680135792", "2468013579246801"
SDK = accounts("sdk", SDK_OWNER, SDK_OTHER, target="sdk-emulator", read_lag="0.5")


def sdk_cli(url: str, cwd: Path, *args: str, report_dir: Path | None = None) -> Run:
    """Run the CLI with the SDK configuration (through the environment); read results.ndjson if any."""
    return ossv(env_for(SDK.env, url), cwd, *args, report_dir=report_dir, timeout=300)


def run_sdk(url: str, report_dir: Path, *args: str) -> Run:
    """``ossv-conformance run --driver sdk --profile quick`` against ``url``."""
    run_args = ["run", "--driver", "sdk", "--profile", "quick", "--report-dir", str(report_dir), "-n", "0", *args]
    return sdk_cli(url, report_dir.parent, *run_args, report_dir=report_dir)
