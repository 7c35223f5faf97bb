"""Run ``ossv-conformance diff`` as a user would, against emulators the tests start themselves.

Side a is configured through the environment prefix ``OSSVA_``, side b through ``OSSVB_`` (or a TOML
file), so both ways a side gets its settings are used. ``DIFF`` are the identities every emulator of
these tests knows.
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

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import accounts

DIFF = accounts("diff", "1234567890123456", "6543210987654321", target="diff", read_lag="1")
SIDE_FLAGS = ("--a-env-prefix", "OSSVA_", "--b-env-prefix", "OSSVB_")


def prefixed(env: Mapping[str, str], prefix: str) -> dict[str, str]:
    """``OSSV_X`` / ``OSS_X`` -> ``PREFIX + X``."""
    out = {}
    for name, value in env.items():
        stem = next(s for s in ("OSSV_", "OSS_") if name.startswith(s))
        out[prefix + name[len(stem) :]] = value
    return out


def side_env(url: str, **extra: str) -> dict[str, str]:
    """One side's settings under the ordinary names: DIFF's identities pointed at ``url``."""
    return {**DIFF.env, "OSSV_ENDPOINT": url, **extra}


@contextmanager
def emulator(options: Mapping[str, object] | None = None) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(identities=DIFF.identities, options={"max_buckets": 1000, **(options or {})})
    with EmulatorServer(config) as server:
        yield server


@dataclass
class DiffRun:
    exit_code: int
    stdout: str
    stderr: str
    data: dict[str, Any]

    @property
    def kinds(self) -> dict[str, dict[str, Any]]:
        return {str(k["kind"]): k for k in self.data.get("kinds", [])}

    def explain(self) -> str:
        return f"exit {self.exit_code}\n{self.stdout[-4000:]}\n{self.stderr[-2000:]}"


def diff(
    cwd: Path, a: Mapping[str, str], b: Mapping[str, str], *args: str, flags: tuple[str, ...] = SIDE_FLAGS, timeout: int = 300
) -> DiffRun:
    """``ossv-conformance diff`` with side a's settings as OSSVA_*, side b's as OSSVB_*; diff.json read if written."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV", "OSS_"))}
    env.update(prefixed(a, "OSSVA_"), **prefixed(b, "OSSVB_"))
    report = cwd / "report"
    cmd = [sys.executable, "-m", "conformance.cli", "diff", *flags, "--report-dir", str(report), *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    path = report / "diff.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return DiffRun(proc.returncode, proc.stdout, proc.stderr, data)


def command(cwd: Path, a: Mapping[str, str], b: Mapping[str, str], argv: list[str], timeout: int = 120) -> DiffRun:
    """A printed command line (``ossv-conformance ...``) run as it stands, with the sides' environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV", "OSS_"))}
    env.update(prefixed(a, "OSSVA_"), **prefixed(b, "OSSVB_"))
    assert argv[0] == "ossv-conformance"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.cli", *argv[1:]], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )
    return DiffRun(proc.returncode, proc.stdout, proc.stderr, {})
