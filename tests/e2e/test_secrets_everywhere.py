"""No secret, token or signature reaches any byte a run produces, in any encoding, in either mode.

The suite runs against an emulator with a fault on in every family (so checks fail and their
exchanges, tracebacks and locals get printed), with everything that could show a secret turned
up: ``--tb=long -l`` (the locals of every frame), ``--log-cli-level=DEBUG`` (urllib3 logs every
request line, presigned query and STS token included), ``--log-file`` at DEBUG and
``--junitxml``. Once through ``ossv-conformance run`` and once as a plain pytest plugin run.
Then every byte it produced (stdout, stderr, the results directory, the JUnit file, the log
file) is searched for each secret and token, plain, URL-encoded, JSON-escaped, base64 and
HTML-escaped, and for every signature the emulator received.
"""

from __future__ import annotations

import base64
import html
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from emulator.faults import FAULTS
from emulator.server import EmulatorConfig, EmulatorServer, Identity
from tests.helpers.cli_runs import FAULT, env_for, run_suite
from tests.helpers.signatures import record_signatures

# Characters that URL-encoding and JSON-escaping change, so every encoded form differs from the plain one.
SECRET = 'Own3r/Secret+Val"ue=With/Slash=='
STS_SECRET = 'St5/Secret+Val"ue=Other/Slash=='
TOKEN = 'CAIS/Sts+Token"Va1ue=/with+odd==chars'
OTHER_SECRET = 'Oth3r/Secret+Val"ue=Third/Slash=='
SECRETS = (SECRET, STS_SECRET, TOKEN, OTHER_SECRET)

# One fault of each family of emulator.faults.FAULTS: something in every part of the suite fails.
FAULTS_BY_FAMILY = {
    "limits": "accept_501_keys",
    "json": "malformed_json_wrong_code",
    "lookup": "missing_index_wrong_code",
    "semantics (effect)": "touches_survivors",
    "success shape": "success_no_request_id",
    "error shape": "error_request_id_mismatch",
    "auth": "auth_accept_bad_signature",
    "throttling": "throttle_429",
}
# Checks that sign every way (header, presigned, STS header and query), send bodies, and fail under the faults.
SUBSET = "wrong_signatures or presigned_and_sts or malformed_json_rejected or valid_request_deletes_exactly or missing_index"
# junit_logging=all: the JUnit file also gets every test's captured stdout, stderr and log records.
LOUD = ["--tb=long", "-l", "--log-cli-level=DEBUG", "--log-file-level=DEBUG", "-o", "junit_logging=all"]


def forms(value: str) -> set[str]:
    """Every way a value could be echoed: plain, URL-encoded, JSON-escaped, base64, HTML/XML-escaped."""
    out = {value, quote(value, safe=""), quote(value, safe="/"), quote_plus(value)}
    out |= {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1].replace("/", "\\/")}
    for encoded in (base64.b64encode(value.encode()), base64.urlsafe_b64encode(value.encode())):
        out |= {encoded.decode(), encoded.decode().rstrip("=")}
    out |= {html.escape(value), html.escape(value, quote=False)}
    return out


def test_the_secrets_differ_in_every_encoding() -> None:
    for secret in SECRETS:
        assert len(forms(secret)) >= 6, secret
    assert set(FAULTS_BY_FAMILY.values()) <= set(FAULTS)


@pytest.fixture(scope="module")
def recording_emulator() -> Iterator[tuple[EmulatorServer, set[str]]]:
    """An emulator whose identities carry the odd secrets, with a fault of every family on, recording every signature."""
    patch = pytest.MonkeyPatch()
    signatures = record_signatures(patch)
    identities = [
        Identity(FAULT.identities[0].access_key_id, SECRET, FAULT.identities[0].account_id),
        Identity(FAULT.identities[1].access_key_id, STS_SECRET, FAULT.identities[1].account_id, security_token=TOKEN),
        Identity(FAULT.identities[2].access_key_id, OTHER_SECRET, FAULT.identities[2].account_id),
    ]
    try:
        with EmulatorServer(EmulatorConfig(identities=identities, options={"max_buckets": 10000})) as server:
            server.set_faults(set(FAULTS_BY_FAMILY.values()))
            yield server, signatures
    finally:
        patch.undo()


EXTRA_ENV = {
    "OSS_ACCESS_KEY_SECRET": SECRET,
    "OSSV_STS_ACCESS_KEY_SECRET": STS_SECRET,
    "OSSV_STS_TOKEN": TOKEN,
    "OSSV_OTHER_ACCESS_KEY_SECRET": OTHER_SECRET,
}


def _leaks(outputs: dict[str, bytes], signatures: set[str]) -> list[tuple[str, str]]:
    needles = {form for secret in SECRETS for form in forms(secret)}
    needles |= {form for sig in signatures for form in (sig, base64.b64encode(sig.encode()).decode())}
    return [(where, needle[:10] + "…") for where, data in outputs.items() for needle in needles if needle.encode() in data]


def _files(*roots: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_file():
                out[str(path)] = path.read_bytes()
    return out


def _check(outputs: dict[str, bytes], signatures: set[str], log_file: Path, junit: Path, stdout: str) -> None:
    assert len(signatures) > 20, "the run should have signed many requests"
    leaks = _leaks(outputs, signatures)
    assert not leaks, f"secrets leaked: {leaks[:8]}"
    # and the run really did print what could have leaked
    assert junit.read_bytes().count(b"<failure") >= 1, "faults on: some checks fail and their tracebacks are in the JUnit file"
    log = log_file.read_text()
    assert "x-oss-signature=<redacted>" in log, "urllib3's request lines of presigned requests are logged, redacted"
    assert "x-oss-security-token=<redacted>" in log
    assert "live log" in stdout, "live logging was on"


def test_cli_run_leaks_nothing(recording_emulator: tuple[EmulatorServer, set[str]], tmp_path: Path) -> None:
    server, signatures = recording_emulator
    report_dir, junit, log_file = tmp_path / "run", tmp_path / "run" / "junit.xml", tmp_path / "suite.log"
    run = run_suite(
        server.url,
        report_dir,
        "--strict",
        "-k",
        SUBSET,
        "--",
        *LOUD,
        f"--junitxml={junit}",
        f"--log-file={log_file}",
        extra_env=EXTRA_ENV,
    )
    assert run.exit_code == 1, run.explain()
    outputs = {"stdout": run.stdout.encode(), "stderr": run.stderr.encode(), **_files(report_dir, log_file)}
    assert len(outputs) >= 8 and str(junit) in outputs
    _check(outputs, signatures, log_file, junit, run.stdout)


def test_plugin_run_leaks_nothing(recording_emulator: tuple[EmulatorServer, set[str]], tmp_path: Path) -> None:
    server, signatures = recording_emulator
    report_dir, junit, log_file = tmp_path / "run", tmp_path / "junit.xml", tmp_path / "suite.log"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "conformance.suite",
        "-p",
        "no:cacheprovider",
        "--ossv-profile",
        "quick",
        "--ossv-strict",
        "true",
        "--ossv-report-dir",
        str(report_dir),
        "-n",
        "0",
        "-k",
        SUBSET,
        *LOUD,
        f"--junitxml={junit}",
        f"--log-file={log_file}",
    ]
    env = env_for(FAULT.env, server.url, EXTRA_ENV)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    outputs = {"stdout": proc.stdout.encode(), "stderr": proc.stderr.encode(), **_files(report_dir, junit, log_file)}
    assert len(outputs) >= 8 and str(junit) in outputs
    _check(outputs, signatures, log_file, junit, proc.stdout)


PASSWORD = 'Pa55/w0rd+"x"='


@pytest.mark.parametrize("mode", ["cli", "plugin"])
def test_an_endpoint_with_a_password_is_one_line_that_does_not_echo_it(mode: str, tmp_path: Path) -> None:
    url = f"http://ossv-user:{quote(PASSWORD, safe='')}@127.0.0.1:9"
    env = env_for(FAULT.env, url, EXTRA_ENV)
    if mode == "cli":
        cmd = [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(tmp_path / "run")]
    else:
        cmd = [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider"]
        cmd += ["--ossv-report-dir", str(tmp_path / "run"), f"--junitxml={tmp_path / 'junit.xml'}"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode != 0 and proc.returncode in (2, 4), proc.stdout + proc.stderr  # 4: pytest's usage error
    lines = [line for line in proc.stderr.splitlines() if "OSSV_ENDPOINT" in line]
    assert len(lines) == 1 and "user information" in lines[0] and "<redacted>@127.0.0.1:9" in lines[0], proc.stderr
    outputs = {"stdout": proc.stdout.encode(), "stderr": proc.stderr.encode(), **_files(tmp_path)}
    leaked = [where for where, data in outputs.items() for form in forms(PASSWORD) if form.encode() in data]
    assert not leaked and "ossv-user" not in proc.stderr, leaked
