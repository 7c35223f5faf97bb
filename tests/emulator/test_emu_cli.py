"""The ossv-emulator command line."""

from __future__ import annotations

import signal
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from emulator.faults import FAULTS
from emulator.server import Identity
from tests.helpers.emulator_client import EmulatorClient

CMD = [sys.executable, "-m", "emulator.cli"]


def test_console_script_entry_point() -> None:
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["ossv-emulator"] == "emulator.cli:main"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serves_until_signal(sig: signal.Signals) -> None:
    proc = subprocess.Popen([*CMD, "--port", "0", "--cred", "AK1:SK1:1234567890123456", "--sts", "AK2:SK2:TOK:1234567890123456",
                             "--option", "max_delete_keys=10", "--fault", "success_200_body",
                             "--option", "delete_check_order=keys,fields,json,index,digest,bucket,auth",
                             "--option", "setup_qps_limit=50", "--option", "get_delete_lag_s=0.5", "--option", "lag_jitter=on",
                             "--option", "connection_close=true"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        raw = EmulatorClient(url, Identity("AK1", "SK1", "1234567890123456"))
        raw.create_bucket("cli")
        raw.create_index("cli")
        assert raw.delete("cli", [f"k{i}" for i in range(11)]).status_code == 400
        assert raw.delete("cli", ["a"]).status_code == 200
        sts = EmulatorClient(url, Identity("AK2", "SK2", "1234567890123456", "TOK"))
        assert sts.request("GET", None).status_code == 200
    finally:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_generated_credentials() -> None:
    proc = subprocess.Popen(CMD, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        cred = proc.stdout.readline().strip()
        assert cred.startswith("credentials: ")
        ak, sk, acct = cred.removeprefix("credentials: ").split(":")
        assert acct.isdigit()
        assert EmulatorClient(url, Identity(ak, sk, acct)).request("GET", None).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    "args",
    [["--cred", "nocolons"], ["--cred", "AK:SK:notdigits"], ["--sts", "AK:SK:1"], ["--fault", "no_such_fault"],
     ["--option", "nope=1"], ["--option", "max_delete_keys=many"], ["--option", "novalue"], ["--qps-limit", "0"],
     ["--port", "70000"], ["--bogus"], ["--qps-limit", "x"], ["--option", "list_delete_lag_s=-1"],
     ["--option", "put_visibility_lag_s=soon"], ["--option", "setup_qps_limit=0.5"],
     ["--option", "delete_check_order=auth,bucket"]],
)
def test_bad_arguments(args: list[str]) -> None:
    proc = subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_list_faults() -> None:
    proc = subprocess.run([*CMD, "--list-faults"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert names == list(FAULTS)
