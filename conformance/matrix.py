"""``ossv-conformance matrix``: the same suite through every installed driver, as one table.

Each driver runs as its own ``ossv-conformance run`` subprocess (same environment, same
configuration file), so a run here is exactly a run a user could make; this module only
reads the runs' ``summary.json`` files and lays their per-requirement verdicts side by side:
what holds on the wire (raw) and what an SDK user gets (sdk). Exit 0 when every driver's run
is conformant, 1 when any is not, 2 otherwise (a run could not judge, or did not finish).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.config import load_settings
from conformance.drivers import DRIVERS, sdk_available, sdk_version
from conformance.reporting.files import SUMMARY_FILE, write_atomic

EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, EXIT_ERROR = 0, 1, 2
MATRIX_MD, MATRIX_JSON = "matrix.md", "matrix.json"


@dataclass
class DriverRun:
    """One driver's run: how it ended and its summary (None if it wrote none)."""

    driver: str
    report_dir: Path
    exit_code: int | None = None
    summary: dict[str, Any] | None = None
    skipped_because: str | None = None  # the driver is not available

    @property
    def verdict(self) -> str:
        if self.summary is None:
            return "not run" if self.skipped_because else "inconclusive"
        return str(self.summary.get("verdict", "inconclusive"))


@dataclass
class Matrix:
    target: str
    profile: str
    sdk_version: str | None
    runs: list[DriverRun] = field(default_factory=list)

    @property
    def ran(self) -> list[DriverRun]:
        return [r for r in self.runs if r.skipped_because is None]

    def exit_code(self) -> int:
        verdicts = [r.verdict for r in self.ran]
        if any(v == "not-conformant" for v in verdicts):
            return EXIT_NOT_CONFORMANT
        if verdicts and all(v == "conformant" for v in verdicts):
            return EXIT_CONFORMANT
        return EXIT_ERROR

    def rows(self) -> list[dict[str, Any]]:
        """One row per requirement (catalog order of the first summary), a cell per driver that ran."""
        order: dict[str, dict[str, Any]] = {}
        for run in self.ran:
            for req in (run.summary or {}).get("requirements") or []:
                req_id = str(req["id"])
                order.setdefault(req_id, {"id": req_id, "level": str(req.get("level", "")), "title": str(req.get("title", ""))})
        rows = []
        for req_id, row in order.items():
            row["cells"] = {run.driver: cell(run.summary, req_id) for run in self.ran}
            rows.append(row)
        return rows

    def header(self) -> str:
        sdk = f"alibabacloud-oss-v2 {self.sdk_version}" if self.sdk_version else "SDK not installed"
        return f"DeleteVectors driver matrix: target {self.target}, profile {self.profile}, {sdk}"

    def markdown(self) -> str:
        drivers = [r.driver for r in self.ran]
        names = [f"{d} ({self.sdk_version})" if d == "sdk" and self.sdk_version else d for d in drivers]
        lines = [f"## {self.header()}", ""]
        lines.append("| Requirement | Level | " + " | ".join(names) + " |")
        lines.append("|---|---|" + "---|" * len(drivers))
        for row in self.rows():
            lines.append(f"| {row['id']} | {row['level']} | " + " | ".join(row["cells"][d] for d in drivers) + " |")
        lines.append("| **verdict** | | " + " | ".join(f"**{r.verdict}**" for r in self.ran) + " |")
        lines.append("")
        for run in self.runs:
            if run.skipped_because:
                lines.append(f"- {run.driver}: not run: {run.skipped_because}")
            else:
                lines.append(f"- {run.driver}: exit {run.exit_code}, {run.verdict}, results in {run.report_dir}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "profile": self.profile,
            "sdk_version": self.sdk_version,
            "exit_code": self.exit_code(),
            "drivers": {
                r.driver: {
                    "verdict": r.verdict,
                    "exit_code": r.exit_code,
                    "report_dir": str(r.report_dir),
                    "not_run": r.skipped_because,
                }
                for r in self.runs
            },
            "requirements": self.rows(),
        }


def cell(summary: dict[str, Any] | None, req_id: str) -> str:
    """pass | fail | xfail | error | observed | skip (checks exist, all skipped) | not-covered (no check)."""
    if summary is None:
        return "not-covered"
    for req in summary.get("requirements") or []:
        if req.get("id") == req_id:
            verdict = str(req.get("verdict", "not-covered"))
            if verdict == "not-covered" and int((req.get("outcomes") or {}).get("skip", 0)):
                return "skip"
            return verdict
    return "not-covered"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name or "target")


def run_driver(driver: str, profile: str, report_dir: Path, config: str | None) -> DriverRun:
    """``ossv-conformance run --driver D`` as a subprocess; its output goes to ``<report_dir>.log``."""
    run = DriverRun(driver, report_dir)
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--driver", driver, "--profile", profile]
    cmd += ["--report-dir", str(report_dir)]
    if config:
        cmd += ["--config", config]
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    log = report_dir.with_name(report_dir.name + ".log")
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        run.exit_code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ), check=False).returncode
    summary_path = report_dir / SUMMARY_FILE
    if summary_path.exists():
        run.summary = json.loads(summary_path.read_text(encoding="utf-8"))
    took = time.monotonic() - started
    sys.stderr.write(f"ossv-conformance matrix: {driver}: exit {run.exit_code}, {run.verdict} ({took:.0f} s; log {log})\n")
    return run


def matrix_main(profile: str, report_dir: str | None, config: str | None) -> int:
    """Run each available driver, print the requirement x driver table, write matrix.md and matrix.json."""
    settings = load_settings({"config": config, "profile": profile})
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = Path(report_dir) if report_dir else Path("reports") / _safe(settings.target) / f"matrix-{stamp}"
    base = base.resolve()
    base.mkdir(parents=True, exist_ok=True)
    matrix = Matrix(settings.target, profile, sdk_version())
    for driver in DRIVERS:
        problem = sdk_available() if driver == "sdk" else None
        if problem:
            matrix.runs.append(DriverRun(driver, base / driver, skipped_because=problem))
            continue
        matrix.runs.append(run_driver(driver, profile, base / driver, config))
    text = matrix.markdown()
    write_atomic(base / MATRIX_MD, text)
    write_atomic(base / MATRIX_JSON, json.dumps(matrix.to_json(), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.write(text + f"\nmatrix: {base / MATRIX_MD}\n")
    return matrix.exit_code()
