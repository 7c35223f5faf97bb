"""Reference profiles end to end: a profile recorded from an emulator with undocumented options set, checked
against emulators with fewer of them, lists exactly the families those options change, and nothing else; the
shipped emulator profile is current; a difference changes the exit code only with --fail-on-reference-diff;
a bad reference is one line and exit 2; no secret reaches a profile."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import FAULT, Run, ossv, run_suite

EXIT_REFERENCE_DIFF = 6
DUPLICATES = "keys:duplicates"
STS_FAMILIES = {"auth:missing_sts_token", "auth:wrong_sts_token"}
PINNED_DUPLICATES = "test_delete_limits.py::test_delete_vectors_duplicate_keys_delete_the_unique_set"


def _run(options: dict[str, Any], report_dir: Path, *args: str) -> Run:
    config = EmulatorConfig(identities=FAULT.identities, options={**options, "max_buckets": 10000})
    with EmulatorServer(config) as server:
        return run_suite(server.url, report_dir, *args)


def _section(report_dir: Path) -> dict[str, Any]:
    section = json.loads((report_dir / "summary.json").read_text())["reference"]
    assert isinstance(section, dict)
    return section


def _differing(report_dir: Path) -> list[tuple[str, str, str]]:
    return [(d["requirement"], d["test"], d["family"]) for d in _section(report_dir)["differs"]]


def test_a_reference_lists_exactly_the_options_that_differ(tmp_path: Path) -> None:
    two = tmp_path / "two-options.json"
    recorded = _run({"duplicate_keys": "reject", "sts_error_code": "AccessDenied"}, tmp_path / "two", "--seed", "11",
                    "--record-reference", str(two))
    assert recorded.exit_code == 0, recorded.explain()
    text = two.read_text()
    assert not [s for s in (*FAULT.secrets, *(i.access_key_id for i in FAULT.identities)) if s in text]
    assert json.loads(text)["answers"]["DV-OBS-DUPLICATES"][PINNED_DUPLICATES][f"{DUPLICATES} + keys:over-500-entries"] == [
        "400 VectorIndexParameterInvalid"
    ]

    # the default emulator differs in both options, and nowhere else; the verdict and exit code stand
    default = _run({}, tmp_path / "default", "--seed", "12", "--reference", str(two))
    assert default.exit_code == 0, default.explain()
    found = _differing(tmp_path / "default")
    assert {f for _, _, f in found if f in STS_FAMILIES} == STS_FAMILIES
    assert ("DV-OBS-DUPLICATES", PINNED_DUPLICATES, f"{DUPLICATES} + keys:over-500-entries") in found
    assert [x for x in found if x[2] not in STS_FAMILIES and DUPLICATES not in x[2]] == []
    assert {r for r, _, f in found if f in STS_FAMILIES} == {"DV-OBS-AUTH-CODE"}
    assert "differs from reference: DV-OBS-AUTH-CODE" in default.stdout
    assert not default.failed()

    # a server with one of the two options: only the other one differs, and the flag gives it its exit code
    sts = _run({"sts_error_code": "AccessDenied"}, tmp_path / "sts", "--seed", "13", "--reference", str(two),
               "--fail-on-reference-diff")
    assert sts.exit_code == EXIT_REFERENCE_DIFF, sts.explain()
    found = _differing(tmp_path / "sts")
    assert found and all(DUPLICATES in family for _, _, family in found), found
    assert ("DV-OBS-DUPLICATES", PINNED_DUPLICATES, f"{DUPLICATES} + keys:over-500-entries") in found
    summary = json.loads((tmp_path / "sts" / "summary.json").read_text())
    assert summary["verdict"] == "conformant" and summary["run"]["exit_code"] == EXIT_REFERENCE_DIFF
    assert "Differs from reference (" in (tmp_path / "sts" / "report.html").read_text()


def test_xml_errors_differ_from_the_shipped_reference_in_the_error_format_only(tmp_path: Path) -> None:
    run = _run({"error_format": "xml"}, tmp_path / "xml", "--seed", "14", "--reference", "emulator", "--fail-on-reference-diff")
    assert run.exit_code == EXIT_REFERENCE_DIFF, run.explain()
    section = _section(tmp_path / "xml")
    assert {d["requirement"] for d in section["differs"]} == {"DV-OBS-ERROR-FORMAT"}
    assert {tuple(d["answers"]) for d in section["differs"]} == {("OSS XML",)}
    assert section["matched"] > 50


def _bundled_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}


def test_the_shipped_reference_is_current(tmp_path: Path) -> None:
    """The quick profile, another seed than the profile was recorded with, against the bundled emulator: no
    difference. If this fails after a change of the emulator or the suite, regenerate the profile with the
    command in conformance/reporting/reference.py (REGENERATE) and review its diff."""
    report = tmp_path / "run"
    run = ossv(_bundled_env(), tmp_path, "run", "--profile", "quick", "--seed", "5", "--report-dir", str(report),
               "--reference", "emulator", "--fail-on-reference-diff", report_dir=report)
    section = _section(report)
    assert run.exit_code == 0, f"{section['differs']}\n{run.explain()}"
    assert section["differs"] == [] and section["matched"] > 50
    assert "Reference emulator (bundled: " in run.stdout and " 0 differ from reference" in run.stdout


def test_a_bad_reference_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    cases = [
        (["--reference", str(tmp_path / "bad.json")], "not JSON"),
        (["--reference", str(tmp_path / "missing.json")], "file not found"),
        (["--fail-on-reference-diff"], "--fail-on-reference-diff needs --reference"),
        (["--record-reference", str(tmp_path / "no" / "such" / "ref.json")], "no such directory"),
    ]
    for args, text in cases:
        run = ossv(_bundled_env(), tmp_path, "run", "--profile", "quick", *args)
        assert run.exit_code == 2, run.explain()
        assert run.stderr.count("\n") == 1 and text in run.stderr and "Traceback" not in run.stderr, run.stderr
