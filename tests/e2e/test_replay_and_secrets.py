"""A failure replays with one command; no secret, token or signature ever reaches any output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.server import EmulatorConfig, EmulatorServer, Identity
from tests.helpers.cli_runs import FAULT, run_suite
from tests.helpers.signatures import record_signatures


def _replay(url: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV_", "OSS_"))}
    env.update(FAULT.env, OSSV_ENDPOINT=url)
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", "replay", str(run_dir)], env=env, capture_output=True, text=True, timeout=120
    )


def test_failure_replays_without_hypothesis_and_stops_reproducing_once_fixed(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.set_faults({"prefix_match"})
    try:
        run = run_suite(emulator.url, tmp_path / "run", "-k", "valid_request_deletes_exactly")
        assert run.exit_code == 1
        replay = _replay(emulator.url, tmp_path / "run")
        assert replay.returncode == 1, replay.stdout + replay.stderr
        assert "reproduced: DV-NO-COLLATERAL" in replay.stdout
    finally:
        emulator.set_faults(set())
    fixed = _replay(emulator.url, tmp_path / "run")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "not reproduced" in fixed.stdout


SECRET = "Zq9SecretValueNeverPrinted7x"
TOKEN = "CAIS+TokenValueNeverPrinted/8y=="
OTHER_SECRET = "Other9SecretNeverPrinted3w"


@pytest.fixture
def recording_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmulatorServer, set[str]]]:
    """An emulator whose identities carry distinctive secrets, recording every signature it receives."""
    signatures = record_signatures(monkeypatch)
    identities = [
        Identity(FAULT.identities[0].access_key_id, SECRET, FAULT.identities[0].account_id),
        Identity(FAULT.identities[1].access_key_id, SECRET + "sts", FAULT.identities[1].account_id, security_token=TOKEN),
        Identity(FAULT.identities[2].access_key_id, OTHER_SECRET, FAULT.identities[2].account_id),
    ]
    with EmulatorServer(EmulatorConfig(identities=identities, options={"max_buckets": 10000})) as server:
        yield server, signatures


def test_no_secret_token_or_signature_in_any_output(recording_emulator: tuple[EmulatorServer, set[str]], tmp_path: Path) -> None:
    server, signatures = recording_emulator
    server.set_faults({"error_request_id_mismatch", "auth_accept_bad_signature"})  # failures: exchanges get recorded
    extra = {
        "OSS_ACCESS_KEY_SECRET": SECRET,
        "OSSV_STS_ACCESS_KEY_SECRET": SECRET + "sts",
        "OSSV_STS_TOKEN": TOKEN,
        "OSSV_OTHER_ACCESS_KEY_SECRET": OTHER_SECRET,
    }
    run = run_suite(
        server.url, tmp_path / "run", "--strict", "-k", "signatures or sts or missing_index or malformed", extra_env=extra
    )
    assert run.exit_code == 1, run.stdout[-2000:]
    assert len(signatures) > 20
    from urllib.parse import quote

    needles = {SECRET, SECRET + "sts", OTHER_SECRET, TOKEN, quote(TOKEN, safe=""), *signatures}
    haystacks: dict[str, bytes] = {"stdout": run.stdout.encode(), "stderr": run.stderr.encode()}
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            haystacks[str(path)] = path.read_bytes()
    assert len(haystacks) >= 6
    leaks = [(where, needle[:12]) for where, data in haystacks.items() for needle in needles if needle.encode() in data]
    assert not leaks, f"secrets leaked: {leaks[:5]}"
