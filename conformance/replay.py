"""Replay a recorded failure without Hypothesis: rebuild its world, re-send, re-judge.

A failure's record keeps the world the request met (stored and already-deleted keys,
whether the index and bucket existed, whether witness indexes watched) and the request
itself, unsigned. Replay builds a fresh run-unique index holding the same keys, re-signs
the same bytes at the current time (signatures expire), and judges it with the same
oracle. One line per failure, then one line with the answer:

* exit 1, ``still failing``: a replayed failure reproduces (or the same request now breaks
  another requirement);
* exit 0, ``fixed``: every failure was replayed and the target now answers as documented;
* exit 2, ``cannot judge``: nothing reproduced, but some failure could not be replayed (no
  recorded request, the target could not be set up, endless throttling), or there is nothing
  to replay.
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

from conformance.config import ConfigError, load_settings
from conformance.errors import HarnessError, NonConformance
from conformance.ops import content_md5
from conformance.recorder import Recorder
from conformance.records import AuthKind, AuthSpec, RequestSpec

EXIT_FIXED, EXIT_STILL_FAILING, EXIT_CANNOT_JUDGE = 0, 1, 2
PROG = "ossv-conformance replay"


class Replayed(str, Enum):
    REPRODUCED = "reproduced"
    OTHER_FAILURE = "fails differently"
    FIXED = "not reproduced"
    CANNOT_JUDGE = "cannot judge"


@dataclass(frozen=True)
class ReplayResult:
    test_id: str
    outcome: Replayed
    detail: str

    @property
    def still_failing(self) -> bool:
        return self.outcome in (Replayed.REPRODUCED, Replayed.OTHER_FAILURE)

    def line(self) -> str:
        return f"{self.test_id}: {self.outcome.value}" + (f": {self.detail}" if self.detail else "")


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
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            raise ValueError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(event, dict) or event.get("outcome") not in ("fail", "xfail"):
            continue
        if check is not None and check not in str(event.get("test_id", "")):
            continue
        found.append(event)
    return found


def replay_one(target: Any, event: dict[str, Any], strict: bool) -> ReplayResult:
    """Rebuild the recorded world, re-send the recorded request, judge it again."""
    import pytest

    from conformance.harness import DeleteHarness

    test_id = str(event.get("test_id", "?"))
    reproduction = event.get("reproduction") or {}
    case = reproduction.get("case") or {}
    if "spec" not in case:
        rerun = reproduction.get("rerun")
        detail = "no recorded request to replay" + (f" (rerun: {rerun})" if rerun else "")
        return ReplayResult(test_id, Replayed.CANNOT_JUDGE, detail)
    wanted = {str(r) for r in event.get("requirements") or []}
    recorder = Recorder(test_id, [], strict)
    harness = DeleteHarness(target, recorder)
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
        hit = [r for r in recorder.failures if r in wanted]
        if hit:
            v = recorder.failures[hit[0]].verdict
            return ReplayResult(test_id, Replayed.REPRODUCED, f"{v.requirement}: expected {v.expected}; observed {v.observed}")
        return ReplayResult(test_id, Replayed.OTHER_FAILURE, str(err))
    except HarnessError as err:
        return ReplayResult(test_id, Replayed.CANNOT_JUDGE, str(err))
    except pytest.skip.Exception as err:  # the safety guard would not send it here
        return ReplayResult(test_id, Replayed.CANNOT_JUDGE, str(err.msg))
    finally:
        harness.close()
    soft = [f for r, f in recorder.soft_failures.items() if r in wanted]
    if soft:
        v = soft[0].verdict
        return ReplayResult(test_id, Replayed.REPRODUCED, f"{v.requirement}: expected {v.expected}; observed {v.observed}")
    return ReplayResult(test_id, Replayed.FIXED, "the target now answers as documented")


def verdict(results: list[ReplayResult]) -> tuple[int, str]:
    """The exit code and the one line that says it."""
    total = len(results)
    still = sum(r.still_failing for r in results)
    unjudged = sum(r.outcome is Replayed.CANNOT_JUDGE for r in results)
    fixed = total - still - unjudged
    noun = "failure" if total == 1 else "failures"
    if still:
        return EXIT_STILL_FAILING, f"{PROG}: still failing: {still} of {total} {noun} reproduced" + (
            f" ({unjudged} could not be replayed)" if unjudged else ""
        )
    if unjudged:
        return EXIT_CANNOT_JUDGE, (
            f"{PROG}: cannot judge: {unjudged} of {total} {noun} could not be replayed"
            + (f", {fixed} no longer reproduced" if fixed else "")
        )
    return EXIT_FIXED, f"{PROG}: fixed: none of {total} {noun} reproduced"


def replay_main(
    run_dir: str, check: str | None, config: str | None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Exit 1 if a failure still reproduces, 0 if all are fixed, 2 if it cannot judge; the last line says which."""
    from conformance.client import RawClient
    from conformance.naming import Names, new_run_id
    from conformance.target import Target

    out = stdout or sys.stdout
    err = stderr or sys.stderr

    def cannot_judge(reason: str) -> int:
        err.write(f"{PROG}: cannot judge: {reason}\n")
        return EXIT_CANNOT_JUDGE

    try:
        events = failures(Path(run_dir), check)
    except (FileNotFoundError, ValueError, OSError) as exc:
        return cannot_judge(str(exc))
    if not events:
        return cannot_judge(f"no failure{' matching ' + repr(check) if check else ''} in {run_dir}")
    try:
        settings = load_settings({"config": config})
    except ConfigError as exc:
        return cannot_judge(str(exc))
    embedded = None
    if settings.uses_emulator:
        from conformance import launcher

        embedded = launcher.start(settings)
        settings = embedded.settings
    client = RawClient(settings)
    target = Target(settings, client, Names(new_run_id(), "replay"))
    results: list[ReplayResult] = []
    try:
        try:
            target.setup()
        except HarnessError as exc:
            return cannot_judge(f"the target could not be set up: {exc}")
        for event in events:
            result = replay_one(target, event, settings.strict)
            results.append(result)
            out.write(result.line() + "\n")
            out.flush()
    finally:
        for problem in target.teardown():
            err.write(f"{PROG}: cleanup: {problem}\n")
        client.close()
        if embedded is not None:
            embedded.stop()
    code, line = verdict(results)
    out.write(line + "\n")
    return code
