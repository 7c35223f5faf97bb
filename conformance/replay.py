"""Replay a recorded failure without Hypothesis: rebuild its world, re-send, re-judge.

A failure's record keeps the world the request met (stored and already-deleted keys,
whether the index and bucket existed, whether witness indexes watched) and the request
itself, unsigned. Replay builds a fresh run-unique index holding the same keys, re-signs
the same bytes at the current time (signatures expire), and judges it with the same
oracle. Exit 1 if the failure reproduces, 0 if it does not, 2 if it cannot be judged.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

from conformance.config import ConfigError, load_settings
from conformance.ops import content_md5
from conformance.recorder import HarnessError, NonConformance, Recorder
from conformance.records import AuthKind, AuthSpec, RequestSpec


def _spec(data: dict[str, Any], old_index: str, new_index: str, old_bucket: str, new_bucket: str) -> RequestSpec:
    """The recorded request aimed at the fresh index; a Content-MD5 that was right stays right."""
    original = base64.b64decode(data["body_base64"])
    body = original.replace(old_index.encode(), new_index.encode())
    headers = []
    for name, value in data.get("headers", []):
        if str(name).lower() == "content-md5" and value == content_md5(original):
            value = content_md5(body)
        headers.append((str(name), str(value)))
    auth = data.get("auth") or {}
    bucket = data.get("bucket")
    return RequestSpec(
        method=data["method"],
        query=data["query"],
        body=body,
        headers=tuple(headers),
        bucket=new_bucket if bucket == old_bucket else bucket,
        auth=AuthSpec(AuthKind(auth.get("kind", "header")), str(auth.get("detail", "")), int(auth.get("skew_seconds", 0))),
    )


def failures(run_dir: Path, check: str | None) -> list[dict[str, Any]]:
    path = run_dir / "results.ndjson"
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} is not a results directory (no results.ndjson)")
    found = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        event = json.loads(line)
        if event.get("outcome") not in ("fail", "xfail"):
            continue
        if check is not None and check not in event.get("test_id", ""):
            continue
        found.append(event)
    return found


def replay_one(target: Any, event: dict[str, Any], strict: bool, read_lag_s: float) -> tuple[bool, str]:
    """Returns (reproduced, one line)."""
    from conformance.harness import DeleteHarness

    case = (event.get("reproduction") or {}).get("case") or {}
    if "spec" not in case:
        return (
            False,
            f"{event['test_id']}: no recorded request to replay (rerun: {(event.get('reproduction') or {}).get('rerun')})",
        )
    recorder = Recorder(event["test_id"], [], strict)
    harness = DeleteHarness(target, recorder, read_lag_s)
    recorder.start_example("replay")
    try:
        with harness.arena(
            case["stored"],
            case["predeleted"],
            witnesses=case["witnesses"],
            index_exists=case["index_exists"],
            bucket_exists=case["bucket_exists"],
        ) as arena:
            spec = _spec(case["spec"], case["index"], arena.index, case["bucket"], arena.bucket)
            harness.check(arena, spec)
    except NonConformance as err:
        return True, f"{event['test_id']}: reproduced: {err}"
    wanted = set(event.get("requirements") or [])
    soft = [f for r, f in recorder.soft_failures.items() if r in wanted]
    if soft:
        v = soft[0].verdict
        return True, f"{event['test_id']}: reproduced: {v.requirement}: expected {v.expected}; observed {v.observed}"
    return False, f"{event['test_id']}: not reproduced (the target now answers as documented)"


def replay_main(run_dir: str, check: str | None, config: str | None) -> int:
    from conformance.client import RawClient
    from conformance.naming import Names, new_run_id
    from conformance.target import Target

    try:
        events = failures(Path(run_dir), check)
    except (FileNotFoundError, ValueError) as err:
        sys.stderr.write(f"ossv-conformance replay: {err}\n")
        return 2
    if not events:
        sys.stderr.write(f"ossv-conformance replay: no failure{' matching ' + check if check else ''} in {run_dir}\n")
        return 2
    try:
        settings = load_settings({"config": config})
    except ConfigError as err:
        sys.stderr.write(f"ossv-conformance replay: {err}\n")
        return 2
    embedded = None
    if settings.uses_emulator:
        from conformance import launcher

        embedded = launcher.start(settings)
        settings = embedded.settings
    client = RawClient(settings)
    target = Target(settings, client, Names(new_run_id(), "replay"))
    reproduced = 0
    try:
        target.setup()
        for event in events:
            ok, line = replay_one(target, event, settings.strict, settings.read_lag_s)
            reproduced += ok
            print(line)
    except HarnessError as err:
        sys.stderr.write(f"ossv-conformance replay: cannot judge: {err}\n")
        return 2
    finally:
        for problem in target.teardown():
            sys.stderr.write(f"ossv-conformance replay: cleanup: {problem}\n")
        client.close()
        if embedded is not None:
            embedded.stop()
    return 1 if reproduced else 0
