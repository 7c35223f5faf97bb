"""``ossv-conformance matrix``: which SDK releases, how each is installed and run, and the one table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance import matrix as m

PIP_INDEX = """WARNING: pip index is currently an experimental command.
alibabacloud-oss-v2 (1.4.1)
Available versions: 1.4.1, 1.4.0, 1.3.2, 1.3.1, 1.3.0, 1.2.5, 1.2.4, 1.2.0, 1.1.3, 1.1.0, 2.0.0rc1
  INSTALLED: 1.4.1
"""
RELEASES = ["1.4.1", "1.4.0", "1.3.2", "1.3.1", "1.3.0", "1.2.5", "1.2.4", "1.2.0", "1.1.3", "1.1.0"]


def test_available_releases_parses_pip_index_and_drops_prereleases() -> None:
    assert m.available_releases(lambda cmd: PIP_INDEX) == RELEASES
    with pytest.raises(m.MatrixError, match="Available versions"):
        m.available_releases(lambda cmd: "nothing here")


def test_newest_patch_per_minor_with_the_vectors_client() -> None:
    assert m.newest_per_minor(RELEASES) == ["1.2.5", "1.3.2", "1.4.1"]


@pytest.mark.parametrize(
    ("specs", "resolved"),
    [
        (["installed"], [None]),
        (["minors"], ["1.2.5", "1.3.2", "1.4.1"]),
        (["1.3"], ["1.3.2"]),
        (["1.2.0", "minors", "1.2.5"], ["1.2.0", "1.2.5", "1.3.2", "1.4.1"]),
        (["installed", "1.4.0"], [None, "1.4.0"]),
    ],
)
def test_resolve_sdk_specs(specs: list[str], resolved: list[str | None]) -> None:
    assert m.resolve_sdk_specs(specs, lambda: RELEASES) == resolved


@pytest.mark.parametrize(
    ("spec", "why"), [("1.1.3", "no vectors client"), ("0.9", "no alibabacloud-oss-v2 0.9.x"), ("latest", "expected")]
)
def test_resolve_sdk_specs_refuses(spec: str, why: str) -> None:
    with pytest.raises(m.MatrixError, match=why):
        m.resolve_sdk_specs([spec], lambda: RELEASES)


def test_exact_releases_need_no_index() -> None:
    def no_index() -> list[str]:
        raise AssertionError("the package index was asked")

    assert m.resolve_sdk_specs(["1.2.0", "installed"], no_index) == ["1.2.0", None]


class FakePip:
    """Stands in for ``pip install --target``: writes a dist-info whose requirements the test chooses."""

    def __init__(self, requires: list[str]) -> None:
        self.requires = requires
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(cmd)
        target = Path(cmd[cmd.index("--target") + 1])
        spec = cmd[-1]
        if spec.startswith("alibabacloud-oss-v2=="):
            version = spec.split("==")[1]
            info = target / f"alibabacloud_oss_v2-{version}.dist-info"
            info.mkdir(parents=True)
            lines = [f"Metadata-Version: 2.1\nName: alibabacloud-oss-v2\nVersion: {version}\n"]
            lines += [f"Requires-Dist: {r}\n" for r in self.requires]
            (info / "METADATA").write_text("".join(lines))
            (target / "alibabacloud_oss_v2").mkdir()
        return subprocess.CompletedProcess(cmd, 0, "", "")


def test_ensure_sdk_installs_once_into_the_cache(tmp_path: Path) -> None:
    pip = FakePip(["pytest>=1", "pytest<1; python_version < '3'"])  # met here; the second does not apply
    path = m.ensure_sdk("1.2.0", tmp_path, pip)
    assert path == tmp_path / "alibabacloud-oss-v2-1.2.0" and (path / "alibabacloud_oss_v2").is_dir()
    assert len(pip.calls) == 1 and "--no-deps" in pip.calls[0] and pip.calls[0][-1] == "alibabacloud-oss-v2==1.2.0"
    assert m.ensure_sdk("1.2.0", tmp_path, pip) == path and len(pip.calls) == 1  # cached
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial directory left


def test_ensure_sdk_adds_what_this_environment_lacks(tmp_path: Path) -> None:
    pip = FakePip(["pytest>=1", "surely-not-installed-ossv>=2", "pytest>=999"])
    m.ensure_sdk("1.3.2", tmp_path, pip)
    assert len(pip.calls) == 2
    assert pip.calls[1][-2:] == ["surely-not-installed-ossv>=2", "pytest>=999"]


def test_ensure_sdk_failure_is_one_line(tmp_path: Path) -> None:
    def failing(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        error = "noise\nERROR: No matching distribution found for alibabacloud-oss-v2==9.9.9\n"
        return subprocess.CompletedProcess(cmd, 1, "", error)

    expected = re.escape("cannot install alibabacloud-oss-v2 9.9.9: ERROR: No matching distribution")
    with pytest.raises(m.MatrixError, match=expected):
        m.ensure_sdk("9.9.9", tmp_path, failing)


def _summary(verdict: str, sdk: str | None, cells: dict[str, str]) -> dict[str, Any]:
    reqs = []
    for req_id, outcome in cells.items():
        outcomes = {"skip": 2} if outcome == "skip" else {outcome: 1}
        verdict_of = "not-covered" if outcome == "skip" else outcome
        reqs.append({"id": req_id, "level": "MUST", "title": req_id, "verdict": verdict_of, "outcomes": outcomes})
    return {"verdict": verdict, "run": {"versions": {"sdk": sdk}}, "requirements": reqs}


class FakeRuns:
    """Stands in for the ``ossv-conformance run`` subprocesses: records the command and environment, writes results."""

    def __init__(self, outcomes: dict[str | None, tuple[str, str | None, dict[str, str]]]) -> None:
        self.outcomes = outcomes  # SDK path suffix (None: no PYTHONPATH) -> (verdict, sdk version reported, cells)
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        env: dict[str, str] = kwargs["env"]
        self.calls.append((cmd, env))
        report_dir = Path(cmd[cmd.index("--report-dir") + 1])
        driver = cmd[cmd.index("--driver") + 1]
        key = None if driver == "raw" else Path(env["PYTHONPATH"].split(":")[0]).name if "PYTHONPATH" in env else "installed"
        verdict, sdk, cells = self.outcomes[key]
        report_dir.mkdir(parents=True)
        (report_dir / "summary.json").write_text(json.dumps(_summary(verdict, sdk, cells)))
        events = [
            {"test_id": f"t::{r}[{r}]", "requirements": [r], "outcome": o, "message": f"{r}: expected 204; observed 400"}
            for r, o in cells.items()
        ]
        (report_dir / "results.ndjson").write_text("".join(json.dumps(ev) + "\n" for ev in events))
        return subprocess.CompletedProcess(cmd, {"conformant": 0, "not-conformant": 1}.get(verdict, 2))


@pytest.fixture
def fake_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeRuns:
    for name in ("OSSV_ENDPOINT", "OSSV_CONFIG", "PYTHONPATH"):
        monkeypatch.delenv(name, raising=False)
    runs = FakeRuns(
        {
            None: ("conformant", "1.4.1", {"DV-SUCCESS-204": "pass", "SDK-RESULT": "skip"}),
            "alibabacloud-oss-v2-1.2.0": ("not-conformant", "1.2.0", {"DV-SUCCESS-204": "fail", "SDK-RESULT": "pass"}),
            "alibabacloud-oss-v2-1.3.2": ("conformant", "1.4.1", {"DV-SUCCESS-204": "pass", "SDK-RESULT": "pass"}),
            "installed": ("conformant", "1.4.1", {"DV-SUCCESS-204": "pass", "SDK-RESULT": "pass"}),
        }
    )
    monkeypatch.setattr(subprocess, "run", runs)  # what conformance.matrix calls
    monkeypatch.setattr(m, "sdk_version", lambda: "1.4.1")
    monkeypatch.setattr(m, "sdk_available", lambda: None)
    monkeypatch.setattr(m, "ensure_sdk", lambda release, cache: tmp_path / "cache" / f"alibabacloud-oss-v2-{release}")
    return runs


def test_matrix_runs_each_release_and_says_what_fails(
    fake_world: FakeRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "matrix"
    code = m.matrix_main("quick", str(out), None, ["1.2.0", "1.3.2", "1.4.1"], str(tmp_path / "cache"))
    text = capsys.readouterr().out
    assert code == m.EXIT_NOT_CONFORMANT
    drivers = [cmd[cmd.index("--driver") + 1] for cmd, _ in fake_world.calls]
    assert drivers == ["raw", "sdk", "sdk", "sdk"]
    paths = [env.get("PYTHONPATH", "") for _, env in fake_world.calls]
    assert paths[0] == "" and paths[1].endswith("alibabacloud-oss-v2-1.2.0") and paths[3] == ""  # 1.4.1 is installed here
    # 1.3.2's run reported another SDK release: no column, and the list below the table says why
    assert "| Requirement | Level | raw | sdk 1.2.0 | sdk 1.4.1 |" in text
    assert "| DV-SUCCESS-204 | MUST | pass | fail | pass |" in text
    assert "| SDK-RESULT | MUST | skip | pass | pass |" in text
    assert "- sdk 1.3.2: not run: the run used alibabacloud-oss-v2 1.4.1, not 1.3.2" in text
    assert "What fails (or, in an inconclusive run, was not judged):" in text
    assert "- sdk 1.2.0: DV-SUCCESS-204: DV-SUCCESS-204: expected 204; observed 400" in text
    data = json.loads((out / "matrix.json").read_text())
    assert set(data["drivers"]) == {"raw", "sdk 1.2.0", "sdk 1.3.2", "sdk 1.4.1"}
    failures = data["drivers"]["sdk 1.2.0"]["failures"]
    assert failures == {"DV-SUCCESS-204": "DV-SUCCESS-204: expected 204; observed 400 (t::DV-SUCCESS-204[DV-SUCCESS-204])"}
    assert (out / "matrix.md").read_text() in text


def test_default_matrix_is_raw_and_the_installed_sdk(
    fake_world: FakeRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = m.matrix_main("quick", str(tmp_path / "mx"), None)
    text = capsys.readouterr().out
    assert code == m.EXIT_CONFORMANT
    assert "| Requirement | Level | raw | sdk (1.4.1) |" in text and "alibabacloud-oss-v2 1.4.1" in text
    data = json.loads((tmp_path / "mx" / "matrix.json").read_text())
    assert set(data["drivers"]) == {"raw", "sdk"} and data["drivers"]["sdk"]["sdk_release"] == "1.4.1"


def test_a_release_that_cannot_be_installed_is_not_conformant_evidence(
    fake_world: FakeRuns, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def cannot(release: str, cache: Path) -> Path:
        raise m.MatrixError(f"cannot install alibabacloud-oss-v2 {release}: offline")

    monkeypatch.setattr(m, "ensure_sdk", cannot)
    assert m.matrix_main("quick", str(tmp_path / "mx"), None, ["1.3.2"]) == m.EXIT_ERROR
    assert "- sdk 1.3.2: not run: cannot install alibabacloud-oss-v2 1.3.2: offline" in capsys.readouterr().out


def test_bad_sdk_spec_is_one_line_exit_2(fake_world: FakeRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert m.matrix_main("quick", str(tmp_path / "mx"), None, ["newest"]) == m.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("ossv-conformance matrix: --sdk 'newest'") and len(err.splitlines()) == 1
    assert fake_world.calls == []


def test_cli_matrix_passes_sdk_and_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance import cli

    seen: list[tuple[Any, ...]] = []

    def fake_main(*args: Any) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(m, "matrix_main", fake_main)
    assert cli.main(["matrix", "--sdk", "minors", "--sdk", "1.2.0", "--cache-dir", "/tmp/c"]) == 0
    assert seen == [("quick", None, None, ["minors", "1.2.0"], "/tmp/c")]


def test_real_pinned_sdk_shadows_the_installed_one(tmp_path: Path) -> None:
    """The mechanism itself: a directory first on PYTHONPATH decides which SDK release a run reports."""
    fake = FakePip([])
    site = m.ensure_sdk("1.2.0", tmp_path, fake)
    code = "import importlib.metadata as md; print(md.version('alibabacloud-oss-v2'))"
    env = {"PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "1.2.0"


def test_an_inconclusive_run_says_what_was_not_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        report_dir = Path(cmd[cmd.index("--report-dir") + 1])
        report_dir.mkdir(parents=True)
        summary = _summary("inconclusive", "1.4.1", {"DV-SUCCESS-204": "skip"})
        summary["must_not_judged"] = [{"id": "DV-SUCCESS-204", "why": "Skipped: not expressible through the sdk driver\nmore"}]
        (report_dir / "summary.json").write_text(json.dumps(summary))
        return subprocess.CompletedProcess(cmd, 2)

    monkeypatch.setattr(subprocess, "run", fake_run)
    run = m.run_driver("sdk", "quick", tmp_path / "sdk", None)
    assert run.problems == {"DV-SUCCESS-204": "not judged: Skipped: not expressible through the sdk driver"}
