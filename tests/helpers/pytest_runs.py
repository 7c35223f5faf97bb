"""Run pytest on a file of tests in a fresh process, as a user of the plugin would."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

PLUGIN = "emulator.pytest_plugin"


def plugin_installed() -> bool:
    """True when the installed distribution registers the plugin (entry point group ``pytest11``)."""
    return any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))


def run_pytest(directory: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in ``directory`` with only the installed plugins (nothing of the outer run leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OSSV_", "OSS_"))}
    load = [] if plugin_installed() else ["-p", PLUGIN]  # an editable install older than the entry point
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *load, *args]
    return subprocess.run(cmd, cwd=directory, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def explain(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
