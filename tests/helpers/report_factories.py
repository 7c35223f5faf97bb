"""Synthetic events for the reporting tests: every outcome, every level, hostile and binary bodies."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.records import CheckResult, Level, Outcome
from conformance.reporting.runinfo import CatalogEntry, ExpectationsInfo, RunInfo, Versions
from conformance.reporting.sink import EventSink

HOSTILE = '<script>alert("x")</script>'
BINARY = bytes(range(256))

RunWriter = Callable[..., Path]  # the reporting tests' ``make_run`` fixture: (name, results, **info) -> run directory

CATALOG = [
    CatalogEntry("DV-MUST-1", "MUST", "Valid requests delete the named vectors", "docs#delete"),
    CatalogEntry("DV-MUST-2", "MUST", "More than 500 keys are rejected", "docs#limits"),
    CatalogEntry("DV-SHOULD-1", "SHOULD", "Errors carry a request id", "docs#errors"),
    CatalogEntry("DV-OBS-1", "OBSERVE", "Content-Type the docs do not name", ""),
    CatalogEntry("DV-MUST-9", "MUST", "Never exercised by this suite", "docs#other"),
]


def exchange(status: int | None = 200, req_body: str = "{}", resp_body: bytes = b"", error: str | None = None) -> dict[str, Any]:
    response = None
    if status is not None:
        try:
            body: dict[str, str] = {"text": resp_body.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"base64": base64.b64encode(resp_body).decode("ascii")}
        response = {"status": status, "headers": [["x-oss-request-id", "RID1"], [f'X-"Evil"{HOSTILE}', HOSTILE]], "body": body}
    return {
        "request": {
            "method": "POST",
            "url": "https://bucket-123.oss-vectors.example.invalid/?deleteVectors",
            "headers": [["Authorization", "OSS4-HMAC-SHA256 Credential=***"], ["Content-Type", "application/json"]],
            "body": {"text": req_body},
        },
        "response": response,
        "elapsed_s": 0.012,
        "transport_error": error,
        "spec": {"method": "POST", "query": "deleteVectors", "auth": {"kind": "header", "detail": "", "skew_seconds": 0}},
    }


def check(
    test_id: str,
    outcome: Outcome,
    level: Level = Level.MUST,
    requirements: tuple[str, ...] = ("DV-MUST-1",),
    worker: str = "main",
    **extra: Any,
) -> CheckResult:
    return CheckResult(
        test_id=test_id,
        requirements=list(requirements),
        level=level,
        outcome=outcome,
        duration_s=0.5,
        worker=worker,
        **extra,
    )


def standard_results() -> list[CheckResult]:
    """One of everything: pass, fail (hostile + binary), error, skip, xfail, xpass, observed."""
    return [
        check("tests/test_delete.py::test_delete_vectors_valid_keys_deleted", Outcome.PASS, worker="gw0"),
        check(
            "tests/test_limits.py::test_delete_vectors_501_unique_keys_rejected",
            Outcome.FAIL,
            requirements=("DV-MUST-2",),
            worker="gw1",
            message=f"expected 400, got 200 {HOSTILE}",
            expected="HTTP 400 InvalidArgument",
            observed=f'HTTP 200 "ok" {HOSTILE}',
            example=f"keys=['{HOSTILE}', ...501 keys]",
            exchanges=[exchange(200, req_body='{"keys": ["' + HOSTILE + '"]}', resp_body=BINARY)],
            reproduction={
                "seed": 1234,
                "blob": "AXicY2BgAAAABAAB",
                "replay": "ossv-conformance replay results/x/results.ndjson --check 'test_501'",
                "rerun": "ossv-conformance run -k test_delete_vectors_501_unique_keys_rejected --seed 1234",
            },
        ),
        check(
            "tests/test_delete.py::test_delete_vectors_network",
            Outcome.ERROR,
            worker="gw0",
            message="ConnectionResetError",
            exchanges=[exchange(None, error="connection reset by peer")],
        ),
        check(
            "tests/test_errors.py::test_sts_request_id", Outcome.SKIP, Level.SHOULD, ("DV-SHOULD-1",), message="no STS identity"
        ),
        check(
            "tests/test_errors.py::test_error_request_id",
            Outcome.XFAIL,
            Level.SHOULD,
            ("DV-SHOULD-1",),
            message="known: no request id",
        ),
        check("tests/test_delete.py::test_delete_vectors_empty_list", Outcome.XPASS, message="listed as failing, passed"),
        check(
            "tests/test_observe.py::test_content_type_text_plain",
            Outcome.OBSERVED,
            Level.OBSERVE,
            ("DV-OBS-1",),
            observed=f"HTTP 415 <b>{HOSTILE}</b>",
        ),
    ]


def make_info(
    target: str = "emulator", sha: str = "a" * 64, strict: bool = False, catalog: list[CatalogEntry] | None = None
) -> RunInfo:
    return RunInfo(
        run_id="20250101T000000Z-abc",
        target=target,
        endpoint="http://127.0.0.1:8080",
        driver="requests",
        settings_redacted={"strict": strict, "access_key_secret": "***"},
        versions=Versions(suite="0.1.0", python="3.11.7", hypothesis="6.155.2", pytest="9.0.3", sdk=None),
        profile="nightly",
        seed=1234,
        started_at="2025-01-01T00:00:00Z",
        ended_at="2025-01-01T00:10:00Z",
        argv=["ossv-conformance", "run", "--profile", "nightly"],
        exit_code=1,
        expectations=ExpectationsInfo(path="conformance/expectations/emulator.toml", sha256=sha, entries=[{"test": "x"}]),
        catalog=list(CATALOG if catalog is None else catalog),
    )


def write_run(run_dir: Path, results: list[CheckResult]) -> None:
    """Emit through the sinks, one per worker named in the results, as the runner would."""
    sinks: dict[str, EventSink] = {}
    for result in results:
        sink = sinks.setdefault(result.worker, EventSink(run_dir, result.worker))
        sink.emit(result)
    for sink in sinks.values():
        sink.close()
