"""``ossv-conformance matrix``: the same suite through every driver and SDK release, as one table.

Each column is its own ``ossv-conformance run`` subprocess (same environment, same configuration
file), so a run here is exactly a run a user could make; this module only reads the runs'
``summary.json``/``results.ndjson`` and lays their per-requirement verdicts side by side: what holds
on the wire (``raw``) and what an SDK user gets (``sdk``), for the SDK installed here and, with
``--sdk``, for other releases of ``alibabacloud-oss-v2``:

* ``--sdk installed`` (the default): the SDK of this environment;
* ``--sdk 1.3.2`` an exact release, ``--sdk 1.3`` the newest patch of a minor release;
* ``--sdk minors``: the newest patch of every minor release that has the vectors client (1.2 on),
  found with ``pip index versions``.

A release other than the installed one is installed once, with ``pip install --target``, into a
cache directory (``--cache-dir``, default ``~/.cache/ossv-conformance/sdk/``) and put first on the
run's ``PYTHONPATH``: the run uses that SDK and everything else of this environment. The run's
summary must name the release asked for, or the column is marked as not run. Below the table,
every failing or erroring cell says what failed (the first message per requirement), and an
inconclusive run lists the MUST requirements it could not judge, with the reason its summary gives.

Exit 0 when every column's run is conformant, 1 when any is not, 2 otherwise (a run could not
judge, did not finish, or an SDK release could not be installed).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.config import load_settings
from conformance.drivers import RAW, SDK, SDK_DISTRIBUTION, sdk_available, sdk_version
from conformance.reporting.files import RESULTS_FILE, SUMMARY_FILE, write_atomic

EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, EXIT_ERROR = 0, 1, 2
MATRIX_MD, MATRIX_JSON = "matrix.md", "matrix.json"
FIRST_VECTORS_RELEASE = (1, 2, 0)  # alibabacloud-oss-v2 gained the vectors client in 1.2.0
INSTALLED, MINORS = "installed", "minors"
_RELEASE = re.compile(r"^\d+\.\d+\.\d+$")
_MINOR = re.compile(r"^\d+\.\d+$")
MAX_FAILURES_LISTED = 12


class MatrixError(RuntimeError):
    """The matrix cannot be built as asked (one line for the user)."""


@dataclass(frozen=True)
class Column:
    """One run of the matrix: a driver, and for the SDK driver which release (None: this environment's)."""

    driver: str
    release: str | None = None

    @property
    def label(self) -> str:
        """The key in matrix.json: ``raw``, ``sdk`` (this environment's SDK) or ``sdk 1.3.2``."""
        return self.driver if self.release is None else f"{self.driver} {self.release}"


@dataclass
class DriverRun:
    """One column's run: how it ended and its summary (None if it wrote none)."""

    driver: str
    report_dir: Path
    exit_code: int | None = None
    summary: dict[str, Any] | None = None
    skipped_because: str | None = None  # the column could not run (SDK missing, release not installable, ...)
    release: str | None = None  # the SDK release asked for (None: raw, or this environment's SDK)
    sdk_ran: str | None = None  # the SDK release the run's summary names
    log: Path | None = None
    problems: dict[str, str] = field(default_factory=dict)  # requirement id -> what failed first

    @property
    def label(self) -> str:
        return Column(self.driver, self.release).label

    @property
    def verdict(self) -> str:
        if self.summary is None:
            return "not run" if self.skipped_because else "inconclusive"
        return str(self.summary.get("verdict", "inconclusive"))

    def heading(self) -> str:
        """The column's name in the Markdown table."""
        if self.driver == SDK and self.release is None and self.sdk_ran:
            return f"{SDK} ({self.sdk_ran})"
        return self.label


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
        verdicts = [r.verdict for r in self.runs]
        if any(v == "not-conformant" for v in verdicts):
            return EXIT_NOT_CONFORMANT
        pinned_missing = any(r.skipped_because and r.release for r in self.runs)
        ran = [r.verdict for r in self.ran]
        if ran and all(v == "conformant" for v in ran) and not pinned_missing:
            return EXIT_CONFORMANT
        return EXIT_ERROR

    def rows(self) -> list[dict[str, Any]]:
        """One row per requirement (catalog order of the first summary), a cell per column that ran."""
        order: dict[str, dict[str, Any]] = {}
        for run in self.ran:
            for req in (run.summary or {}).get("requirements") or []:
                req_id = str(req["id"])
                order.setdefault(req_id, {"id": req_id, "level": str(req.get("level", "")), "title": str(req.get("title", ""))})
        rows = []
        for req_id, row in order.items():
            row["cells"] = {run.label: cell(run.summary, req_id) for run in self.ran}
            rows.append(row)
        return rows

    def header(self) -> str:
        pinned = [r.release for r in self.runs if r.release]
        if pinned:
            sdk = f"{SDK_DISTRIBUTION} {', '.join(pinned)}"
            if any(r.driver == SDK and r.release is None for r in self.runs) and self.sdk_version:
                sdk += f" and {self.sdk_version} (installed)"
        else:
            sdk = f"{SDK_DISTRIBUTION} {self.sdk_version}" if self.sdk_version else "SDK not installed"
        return f"DeleteVectors driver matrix: target {self.target}, profile {self.profile}, {sdk}"

    def markdown(self) -> str:
        runs = self.ran
        lines = [f"## {self.header()}", ""]
        lines.append("| Requirement | Level | " + " | ".join(r.heading() for r in runs) + " |")
        lines.append("|---|---|" + "---|" * len(runs))
        for row in self.rows():
            lines.append(f"| {row['id']} | {row['level']} | " + " | ".join(row["cells"][r.label] for r in runs) + " |")
        lines.append("| **verdict** | | " + " | ".join(f"**{r.verdict}**" for r in runs) + " |")
        lines.append("")
        for run in self.runs:
            if run.skipped_because:
                lines.append(f"- {run.label}: not run: {run.skipped_because}")
            else:
                lines.append(f"- {run.heading()}: exit {run.exit_code}, {run.verdict}, results in {run.report_dir}")
        failing = [r for r in runs if r.problems]
        if failing:
            lines += ["", "What fails (or, in an inconclusive run, was not judged):", ""]
            for run in failing:
                for req_id, problem in list(run.problems.items())[:MAX_FAILURES_LISTED]:
                    lines.append(f"- {run.heading()}: {req_id}: {problem}")
                more = len(run.problems) - MAX_FAILURES_LISTED
                if more > 0:
                    lines.append(f"- {run.heading()}: ... and {more} more (see its report.html)")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "profile": self.profile,
            "sdk_version": self.sdk_version,
            "exit_code": self.exit_code(),
            "drivers": {
                r.label: {
                    "driver": r.driver,
                    "sdk_release": r.release or (r.sdk_ran if r.driver == SDK else None),
                    "verdict": r.verdict,
                    "exit_code": r.exit_code,
                    "report_dir": str(r.report_dir),
                    "not_run": r.skipped_because,
                    "failures": r.problems,
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


def problems_of(report_dir: Path) -> dict[str, str]:
    """Requirement id -> the first failing (else erroring) check's message, from a run's results.ndjson."""
    path = report_dir / RESULTS_FILE
    if not path.is_file():
        return {}
    failing: dict[str, str] = {}
    erroring: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("outcome") not in ("fail", "error"):
            continue
        message = " ".join(str(event.get("message") or "").split())[:300]
        text = f"{message} ({event.get('test_id')})"
        into = failing if event["outcome"] == "fail" else erroring
        for req in event.get("requirements") or ["(harness)"]:
            into.setdefault(str(req), text)
    return {**failing, **{k: f"error: {v}" for k, v in erroring.items() if k not in failing}}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name or "target")


def _log_tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " / ".join(line.strip() for line in text[-lines:] if line.strip())


def run_driver(
    driver: str,
    profile: str,
    report_dir: Path,
    config: str | None,
    *,
    release: str | None = None,
    sdk_path: Path | None = None,
) -> DriverRun:
    """``ossv-conformance run --driver D`` as a subprocess (with ``sdk_path`` first on PYTHONPATH); output in ``<dir>.log``."""
    run = DriverRun(driver, report_dir, release=release)
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--driver", driver, "--profile", profile]
    cmd += ["--report-dir", str(report_dir)]
    if config:
        cmd += ["--config", config]
    env = dict(os.environ)
    if sdk_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(sdk_path), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    log = report_dir.with_name(report_dir.name + ".log")
    run.log = log
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        run.exit_code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode
    summary_path = report_dir / SUMMARY_FILE
    if summary_path.exists():
        run.summary = json.loads(summary_path.read_text(encoding="utf-8"))
        run.sdk_ran = ((run.summary.get("run") or {}).get("versions") or {}).get("sdk")
    run.problems = problems_of(report_dir)
    if run.summary is not None and run.verdict == "inconclusive":
        for item in run.summary.get("must_not_judged") or []:  # why a MUST could not be judged, when the summary says
            if isinstance(item, dict) and item.get("id"):
                why = " ".join(str(item.get("why") or "").split("\n")[0].split())
                run.problems.setdefault(str(item["id"]), "not judged: " + (why[:200] + ("…" if len(why) > 200 else "")))
    if run.summary is None:
        run.problems.setdefault("(run)", f"exit {run.exit_code} without a summary: {_log_tail(log)}")
    if release is not None and run.summary is not None and run.sdk_ran != release:
        ran = run.sdk_ran
        run.summary = None
        run.skipped_because = f"the run used {SDK_DISTRIBUTION} {ran}, not {release} (is another copy first on sys.path?)"
    took = time.monotonic() - started
    sys.stderr.write(f"ossv-conformance matrix: {run.label}: exit {run.exit_code}, {run.verdict} ({took:.0f} s; log {log})\n")
    return run


# --- SDK releases ------------------------------------------------------------------------


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def available_releases(runner: Callable[[list[str]], str] | None = None) -> list[str]:
    """Final releases of the SDK on the package index (``pip index versions``), newest first."""
    cmd = [sys.executable, "-m", "pip", "index", "versions", SDK_DISTRIBUTION, "--disable-pip-version-check"]
    if runner is None:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
        if proc.returncode != 0:
            raise MatrixError(f"cannot list {SDK_DISTRIBUTION} releases (pip index versions): {_last_line(proc.stderr)}")
        output = proc.stdout
    else:
        output = runner(cmd)
    match = re.search(r"Available versions:\s*(.+)", output)
    if not match:
        raise MatrixError(f"cannot list {SDK_DISTRIBUTION} releases: no 'Available versions' in pip's answer")
    versions = [v.strip() for v in match.group(1).split(",") if _RELEASE.match(v.strip())]
    return sorted(set(versions), key=_key, reverse=True)


def newest_per_minor(releases: Sequence[str]) -> list[str]:
    """The newest patch of every minor release that has the vectors client, oldest minor first."""
    newest: dict[tuple[int, int], str] = {}
    for version in releases:
        key = _key(version)
        if key < FIRST_VECTORS_RELEASE:
            continue
        minor = (key[0], key[1])
        if minor not in newest or key > _key(newest[minor]):
            newest[minor] = version
    return [newest[m] for m in sorted(newest)]


def resolve_sdk_specs(specs: Sequence[str], releases: Callable[[], list[str]] = available_releases) -> list[str | None]:
    """``installed`` -> None; ``minors`` -> the newest patch per minor; ``1.3`` -> its newest patch; ``1.3.2`` as is."""
    out: list[str | None] = []
    listed: list[str] | None = None

    def known() -> list[str]:
        nonlocal listed
        if listed is None:
            listed = releases()
        return listed

    for spec in specs:
        spec = spec.strip()
        if spec == INSTALLED:
            found: list[str | None] = [None]
        elif spec == MINORS:
            found = list(newest_per_minor(known()))
            if not found:
                raise MatrixError(f"no release of {SDK_DISTRIBUTION} with the vectors client on the package index")
        elif _MINOR.match(spec):
            patches = [v for v in known() if v.startswith(spec + ".")]
            if not patches:
                raise MatrixError(f"no {SDK_DISTRIBUTION} {spec}.x release on the package index")
            found = [max(patches, key=_key)]
        elif _RELEASE.match(spec):
            found = [spec]
        else:
            raise MatrixError(f"--sdk {spec!r}: expected 'installed', 'minors', a minor release (1.3) or a release (1.3.2)")
        for release in found:
            if release is not None and _key(release) < FIRST_VECTORS_RELEASE:
                raise MatrixError(f"{SDK_DISTRIBUTION} {release} has no vectors client (it appeared in 1.2.0)")
            if release not in out:
                out.append(release)
    return out


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "ossv-conformance" / "sdk"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _unmet_requirements(site: Path, release: str) -> list[str]:
    """Requirements of the release (its dist-info in ``site``) this environment does not satisfy."""
    from importlib.metadata import PackageNotFoundError, PathDistribution, version

    from packaging.requirements import Requirement

    infos = list(site.glob(f"{SDK_DISTRIBUTION.replace('-', '_')}-{release}.dist-info"))
    if not infos:
        return []
    unmet = []
    for text in PathDistribution(infos[0]).requires or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            have = version(req.name)
        except PackageNotFoundError:
            unmet.append(str(req))
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            unmet.append(str(req))
    return unmet


def ensure_sdk(release: str, cache_dir: Path, pip: Callable[[list[str]], subprocess.CompletedProcess[str]] | None = None) -> Path:
    """A directory holding exactly ``alibabacloud-oss-v2==release`` (plus any dependency this environment lacks)."""
    target = cache_dir / f"{SDK_DISTRIBUTION}-{release}"
    done = target / ".ossv-complete"
    if done.is_file():
        return target

    def run_pip(args: list[str]) -> None:
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", *args]
        proc = pip(cmd) if pip is not None else subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise MatrixError(f"cannot install {SDK_DISTRIBUTION} {release}: {_last_line(proc.stderr)}")

    partial = cache_dir / f".{SDK_DISTRIBUTION}-{release}.partial-{os.getpid()}"
    cache_dir.mkdir(parents=True, exist_ok=True)
    run_pip(["--no-deps", "--target", str(partial), f"{SDK_DISTRIBUTION}=={release}"])
    missing = _unmet_requirements(partial, release)
    if missing:
        run_pip(["--target", str(partial), *missing])
    if target.exists():  # another matrix got there first, or an unfinished earlier attempt
        import shutil

        shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    done.write_text(f"{SDK_DISTRIBUTION}=={release}\n", encoding="utf-8")
    return target


# --- the command -------------------------------------------------------------------------


def plan(sdk_specs: Sequence[str] | None) -> list[Column]:
    """raw first, then one SDK column per resolved spec."""
    releases = resolve_sdk_specs(list(sdk_specs) if sdk_specs else [INSTALLED])
    return [Column(RAW), *(Column(SDK, release) for release in releases)]


def matrix_main(
    profile: str,
    report_dir: str | None,
    config: str | None,
    sdk_specs: Sequence[str] | None = None,
    cache_dir: str | None = None,
) -> int:
    """Run each column, print the requirement x driver/release table, write matrix.md and matrix.json."""
    settings = load_settings({"config": config, "profile": profile})
    try:
        columns = plan(sdk_specs)
    except MatrixError as err:
        sys.stderr.write(f"ossv-conformance matrix: {err}\n")
        return EXIT_ERROR
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = Path(report_dir) if report_dir else Path("reports") / _safe(settings.target) / f"matrix-{stamp}"
    base = base.resolve()
    base.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir).expanduser().resolve() if cache_dir else default_cache_dir()
    matrix = Matrix(settings.target, profile, sdk_version())
    for column in columns:
        folder = base / _safe(column.label.replace(" ", "-"))
        if column.driver == RAW:
            matrix.runs.append(run_driver(RAW, profile, folder, config))
            continue
        if column.release is None:
            problem = sdk_available()
            if problem:
                matrix.runs.append(DriverRun(SDK, folder, skipped_because=problem))
                continue
            matrix.runs.append(run_driver(SDK, profile, folder, config))
            continue
        if column.release == matrix.sdk_version and sdk_available() is None:  # this environment has that release
            matrix.runs.append(run_driver(SDK, profile, folder, config, release=column.release))
            continue
        try:
            path = ensure_sdk(column.release, cache)
        except MatrixError as err:
            matrix.runs.append(DriverRun(SDK, folder, skipped_because=str(err), release=column.release))
            continue
        matrix.runs.append(run_driver(SDK, profile, folder, config, release=column.release, sdk_path=path))
    text = matrix.markdown()
    write_atomic(base / MATRIX_MD, text)
    write_atomic(base / MATRIX_JSON, json.dumps(matrix.to_json(), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.write(text + f"\nmatrix: {base / MATRIX_MD}\n")
    return matrix.exit_code()
