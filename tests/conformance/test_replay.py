"""``ossv-conformance replay``: exit 1 while a failure reproduces, 0 once fixed, 2 when it cannot judge; one line says which."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conformance import cli
from conformance.ops import content_md5
from conformance.replay import EXIT_CANNOT_JUDGE, EXIT_FIXED, EXIT_STILL_FAILING, Replayed, ReplayResult, replay_main, verdict
from emulator.testing import RunningEmulator

TEST = "test_delete_success.py::test_delete_vectors_valid_request_deletes_exactly_the_requested_keys"


def failure(requirement: str = "DV-NO-COLLATERAL", *, stored: list[str] | None = None, keys: list[str] | None = None,
            recorded: bool = True) -> dict[str, Any]:
    """A failure record as the plugin writes it: the world the request met and the request, unsigned."""
    index, bucket = "ossvc-old-run-index", "ossvc-old-run-bucket"
    body = json.dumps({"indexName": index, "keys": keys or ["doc-1"]}).encode()
    event: dict[str, Any] = {
        "test_id": f"{TEST}[{requirement}]",
        "requirements": [requirement],
        "level": "MUST",
        "outcome": "fail",
        "reproduction": {"seed": 1, "rerun": f"ossv-conformance run --seed 1 -k {TEST}"},
    }
    if recorded:
        event["reproduction"]["case"] = {
            "stored": stored if stored is not None else ["doc-1", "doc-10", "doc-2"],
            "predeleted": [],
            "witnesses": True,
            "index_exists": True,
            "bucket_exists": True,
            "index": index,
            "bucket": bucket,
            "spec": {
                "method": "POST",
                "query": "deleteVectors",
                "body_base64": base64.b64encode(body).decode("ascii"),
                "headers": [["Content-Type", "application/json"], ["Content-MD5", content_md5(body)]],
                "bucket": bucket,
                "auth": {"kind": "header", "detail": "", "skew_seconds": 0},
            },
        }
    return event


def results_dir(tmp_path: Path, *events: dict[str, Any]) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    passing = {"test_id": "t::ok[DV-SUCCESS-204]", "requirements": ["DV-SUCCESS-204"], "outcome": "pass"}
    lines = [json.dumps(e) for e in (passing, *events)]
    (run_dir / "results.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run_dir


@pytest.fixture
def pointed(ossv_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    """The environment points the suite at this test's emulator, and at nothing else."""
    import os

    for name in list(os.environ):
        if name.startswith(("OSSV_", "OSS_")):
            monkeypatch.delenv(name)
    creds = ossv_emulator.credentials
    monkeypatch.setenv("OSSV_ENDPOINT", ossv_emulator.endpoint)
    monkeypatch.setenv("OSSV_REGION", ossv_emulator.region)
    monkeypatch.setenv("OSSV_ACCOUNT_ID", creds.account_id)
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", creds.access_key_id)
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", creds.access_key_secret)
    monkeypatch.setenv("OSSV_READ_LAG", "0.3")
    return ossv_emulator


def replay(run_dir: Path, check: str | None = None) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    code = replay_main(str(run_dir), check, None, stdout=out, stderr=err)
    return code, out.getvalue().splitlines(), err.getvalue()


def test_reproduced_failure_exits_1_and_says_still_failing(pointed: RunningEmulator, tmp_path: Path) -> None:
    pointed.set_faults({"prefix_match"})
    code, lines, err = replay(results_dir(tmp_path, failure()))
    assert code == EXIT_STILL_FAILING, (lines, err)
    assert "reproduced: DV-NO-COLLATERAL" in lines[0]
    assert lines[-1] == "ossv-conformance replay: still failing: 1 of 1 failure reproduced"


def test_fixed_failure_exits_0_and_says_fixed(pointed: RunningEmulator, tmp_path: Path) -> None:
    code, lines, err = replay(results_dir(tmp_path, failure()))
    assert code == EXIT_FIXED, (lines, err)
    assert "not reproduced" in lines[0]
    assert lines[-1] == "ossv-conformance replay: fixed: none of 1 failure reproduced"


def test_a_different_failure_of_the_same_request_is_still_failing(pointed: RunningEmulator, tmp_path: Path) -> None:
    pointed.set_faults({"prefix_match"})
    code, lines, _ = replay(results_dir(tmp_path, failure("DV-SUCCESS-204")))
    assert code == EXIT_STILL_FAILING
    assert "fails differently: DV-NO-COLLATERAL" in lines[0]


def test_a_failure_without_a_recorded_request_cannot_be_judged(pointed: RunningEmulator, tmp_path: Path) -> None:
    code, lines, _ = replay(results_dir(tmp_path, failure(recorded=False)))
    assert code == EXIT_CANNOT_JUDGE
    assert "cannot judge: no recorded request to replay (rerun: ossv-conformance run --seed 1" in lines[0]
    assert lines[-1] == "ossv-conformance replay: cannot judge: 1 of 1 failure could not be replayed"


def test_fixed_beside_unreplayable_cannot_be_judged(pointed: RunningEmulator, tmp_path: Path) -> None:
    code, lines, _ = replay(results_dir(tmp_path, failure(), failure("DV-CONCURRENT-UNION", recorded=False)))
    assert code == EXIT_CANNOT_JUDGE
    assert lines[-1] == "ossv-conformance replay: cannot judge: 1 of 2 failures could not be replayed, 1 no longer reproduced"


def test_reproduced_beside_unreplayable_is_still_failing(pointed: RunningEmulator, tmp_path: Path) -> None:
    pointed.set_faults({"prefix_match"})
    code, lines, _ = replay(results_dir(tmp_path, failure(), failure("DV-CONCURRENT-UNION", recorded=False)))
    assert code == EXIT_STILL_FAILING
    assert lines[-1] == "ossv-conformance replay: still failing: 1 of 2 failures reproduced (1 could not be replayed)"


def test_check_selects_one_failure(pointed: RunningEmulator, tmp_path: Path) -> None:
    run_dir = results_dir(tmp_path, failure(), failure("DV-CONCURRENT-UNION", recorded=False))
    code, lines, _ = replay(run_dir, check="[DV-NO-COLLATERAL]")
    assert code == EXIT_FIXED and len(lines) == 2


def test_cli_replay_exit_codes(pointed: RunningEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = results_dir(tmp_path, failure())
    pointed.set_faults({"prefix_match"})
    assert cli.main(["replay", str(run_dir)]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("ossv-conformance replay: still failing")
    pointed.set_faults(())
    assert cli.main(["replay", str(run_dir)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ossv-conformance replay: fixed")


@pytest.mark.parametrize("which", ["missing", "not-results", "no-failures", "corrupt"])
def test_nothing_to_replay_is_one_line_exit_2(tmp_path: Path, which: str) -> None:
    run_dir = tmp_path / "run"
    if which != "missing":
        run_dir.mkdir()
    if which == "no-failures":
        (run_dir / "results.ndjson").write_text(json.dumps({"test_id": "t", "outcome": "pass"}) + "\n")
    if which == "corrupt":
        (run_dir / "results.ndjson").write_text("{not json\n")
    code, lines, err = replay(run_dir)
    assert code == EXIT_CANNOT_JUDGE and lines == []
    assert len(err.splitlines()) == 1 and err.startswith("ossv-conformance replay: cannot judge: ")


def test_verdict_rule() -> None:
    def r(outcome: Replayed) -> ReplayResult:
        return ReplayResult("t", outcome, "")

    assert verdict([r(Replayed.FIXED)])[0] == EXIT_FIXED
    assert verdict([r(Replayed.FIXED), r(Replayed.REPRODUCED)])[0] == EXIT_STILL_FAILING
    assert verdict([r(Replayed.OTHER_FAILURE)])[0] == EXIT_STILL_FAILING
    assert verdict([r(Replayed.CANNOT_JUDGE), r(Replayed.REPRODUCED)])[0] == EXIT_STILL_FAILING
    assert verdict([r(Replayed.CANNOT_JUDGE), r(Replayed.FIXED)])[0] == EXIT_CANNOT_JUDGE
    assert verdict([])[0] == EXIT_FIXED  # (replay_main never asks: no failure is exit 2 before this)
    for results in ([r(Replayed.FIXED)], [r(Replayed.REPRODUCED)], [r(Replayed.CANNOT_JUDGE)]):
        assert "\n" not in verdict(results)[1]
