"""Compare one answer, and the state of the indexes around it, with an Expectation.

Two halves: ``judge_answer`` looks at status, code and shape of a response;
``judge_effect`` compares snapshots of every index the case watches, taken before the
request and after it. Both return plain ``Verdict`` values; deciding what fails a test is
the recorder's job, by requirement level.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping

from conformance.limits import THROTTLE_CODE
from conformance.oracle import Allowed, Expectation
from conformance.records import Level, Location, ReceivedResponse, Snapshot, Verdict


def _json_error(data: object) -> dict[str, object] | None:
    inner = data.get("Error") if isinstance(data, dict) else None
    return inner if isinstance(inner, dict) else None


def _header_error(response: ReceivedResponse) -> dict[str, object] | None:
    """The error the SDK decodes from the base64 ``x-oss-err`` header when the body is empty (spec 4.2)."""
    header = response.header("x-oss-err")
    if not header or response.body:
        return None
    try:
        return _json_error(json.loads(base64.b64decode(header, validate=True)))
    except (ValueError, binascii.Error):
        return None


def error_dialect(response: ReceivedResponse) -> tuple[str, str | None, str | None]:
    """How the error is spelled, its code and its RequestId, read the way the official SDK reads them (spec 4.2):
    with Content-Type exactly application/json, the ``x-oss-error-type`` header, or ``{"Error": {...}}`` in the
    body, or (empty body) in the base64 ``x-oss-err`` header; with any other Content-Type, OSS XML."""
    if response.header("content-type") == "application/json":
        error_type = response.header("x-oss-error-type")
        if error_type:
            return "JSON, code in x-oss-error-type", error_type, None
        inner = _header_error(response)
        if inner is not None:
            dialect = "x-oss-err header"
        else:
            dialect = 'JSON {"Error": {...}}'
            try:
                inner = _json_error(json.loads(response.body))
            except ValueError:
                inner = None
        if inner is None:
            return "unreadable as JSON", None, None
        code, request_id = inner.get("Code"), inner.get("RequestId")
        return dialect, code if isinstance(code, str) else None, request_id if isinstance(request_id, str) else None
    try:
        root = ET.fromstring(response.body)
    except ET.ParseError:
        return "neither JSON (by its Content-Type) nor XML", None, None
    if root.tag != "Error":
        return "XML without <Error>", None, None
    return "OSS XML", root.findtext("Code") or None, root.findtext("RequestId") or None


def error_code(response: ReceivedResponse) -> str | None:
    """The error code, whatever dialect the answer speaks (judging the code is not judging the shape)."""
    _, code, _ = error_dialect(response)
    if code:
        return code
    with contextlib.suppress(ValueError):  # lenient: a JSON body behind another Content-Type
        inner = _json_error(json.loads(response.body))
        if inner is not None and isinstance(inner.get("Code"), str):
            return str(inner["Code"])
    return None


def is_throttle(response: ReceivedResponse | None) -> bool:
    """An answer that says "slow down": the documented 503 QpsLimitExceeded, or an undocumented
    way of saying it (429, SlowDown), which DV-THROTTLE-CODE then judges."""
    if response is None:
        return False
    return response.status == 429 or (response.status == 503 and error_code(response) in (THROTTLE_CODE, "SlowDown"))


def is_server_error(response: ReceivedResponse | None) -> bool:
    """A 5xx that is not the documented throttle answer (nor an undocumented way of saying "slow down")."""
    return response is not None and response.status >= 500 and not is_throttle(response)


def describe_response(response: ReceivedResponse | None) -> str:
    if response is None:
        return "no response"
    code = error_code(response) if response.status >= 300 else None
    text = str(response.status) + (f" {code}" if code else "")
    if response.status < 300 and response.body:
        text += f" with a {len(response.body)}-byte body"
    return text


def _matches(allowed: Allowed, response: ReceivedResponse) -> bool:
    if not allowed.status_matches(response.status):
        return False
    if not allowed.code_matches(error_code(response)):
        return False
    return not (allowed.status == 204 and response.body)


def _error_shape_problem(response: ReceivedResponse) -> str | None:
    """None when the official SDK reads this error's code as the endpoint sent it; else why it cannot.

    Which of the dialects the SDK understands an endpoint speaks is not documented on the API pages
    (spec 4.1: "the exact field set ... is not documented"); DV-OBS-ERROR-FORMAT records it."""
    dialect, code, request_id = error_dialect(response)
    if code is None:
        content_type = response.header("content-type")
        return f"the SDK cannot read a code: Content-Type {content_type!r}, body {dialect}"
    header_id = response.header("x-oss-request-id")
    if request_id is not None and header_id is not None and request_id != header_id:
        return f"Error.RequestId {request_id!r} differs from x-oss-request-id {header_id!r}"
    return None


def request_id_format(value: str) -> str:
    if re.fullmatch(r"[0-9A-F]{24}", value):
        return "24 uppercase hex characters"
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return f"{len(value)} hex characters"
    return f"{len(value)} characters"


def judge_answer(expectation: Expectation, response: ReceivedResponse) -> tuple[list[Verdict], list[Verdict]]:
    """Verdicts on the answer itself, and observations (OBSERVE records)."""
    verdicts: list[Verdict] = []
    observations: list[Verdict] = []
    seen = describe_response(response)
    server_error = is_server_error(response)
    verdicts.append(Verdict("DV-NO-SERVER-ERROR", not server_error, "no 5xx other than 503 QpsLimitExceeded", seen))
    primary_ok = any(_matches(a, response) for a in expectation.alternatives)
    if expectation.success_checks and not 200 <= response.status < 300:
        # a valid request refused: blame what made it special (a presigned URL, 500 keys, absent keys)
        verdicts.extend(Verdict(r, False, "a 2xx for this valid request", seen) for r in expectation.success_checks)
    else:
        if expectation.level is Level.OBSERVE:
            observations.append(Verdict(expectation.requirement, primary_ok, expectation.describe(), seen, expectation.family))
        else:
            verdicts.append(Verdict(expectation.requirement, primary_ok, expectation.describe(), seen))
        verdicts.extend(Verdict(r, True, "a 2xx for this valid request", seen) for r in expectation.success_checks)
    for req_id, alternatives in expectation.secondary:
        ok = any(_matches(a, response) for a in alternatives)
        verdicts.append(Verdict(req_id, ok, " | ".join(a.describe() for a in alternatives), seen))
    for req_id in expectation.observe:
        if req_id != expectation.requirement:
            observations.append(Verdict(req_id, True, "recorded", seen, expectation.family))
    verdicts.extend(judge_conventions(response))
    # these two describe the surface of the answer itself, so the answer (status and code) is their family
    request_id = response.header("x-oss-request-id")
    if request_id:
        observations.append(Verdict("DV-OBS-REQUEST-ID-FORMAT", True, "recorded", request_id_format(request_id), seen))
    if response.status >= 400:
        observations.append(Verdict("DV-OBS-ERROR-FORMAT", True, "recorded", error_dialect(response)[0], seen))
    return verdicts, observations


def judge_conventions(response: ReceivedResponse) -> list[Verdict]:
    """The SHOULD-level conventions every answer is held to."""
    verdicts = []
    has_id = bool(response.header("x-oss-request-id"))
    verdicts.append(Verdict("DV-REQUEST-ID", has_id, "x-oss-request-id present", "present" if has_id else "missing"))
    if response.status >= 400:
        problem = _error_shape_problem(response)
        verdicts.append(Verdict("DV-ERROR-SHAPE", problem is None, "an error the SDK reads the code of", problem or "readable"))
    if response.status in (429, 503) and is_throttle(response):
        ok = response.status == 503 and error_code(response) == THROTTLE_CODE
        verdicts.append(Verdict("DV-THROTTLE-CODE", ok, f"503 {THROTTLE_CODE}", describe_response(response)))
    return verdicts


def _changed(before: Snapshot, after: Snapshot, keys: frozenset[str] | None = None) -> list[str]:
    """Keys whose vector changed, vanished or appeared (restricted to ``keys`` unless None)."""
    out = []
    for key in set(before) | set(after):
        if keys is not None and key not in keys:
            continue
        if before.get(key) != after.get(key):
            out.append(key)
    return sorted(out)


def _sample(keys: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(k) for k in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def judge_effect(
    expectation: Expectation,
    status: int,
    target: Location,
    before: Mapping[Location, Snapshot],
    after: Mapping[Location, Snapshot],
    returned: Collection[str] = (),
    may_vanish: Mapping[Location, Collection[str]] | None = None,
) -> list[Verdict]:
    """Did the request change exactly what its answer allows, and nothing else?

    ``returned`` is what GetVectors of the requested keys still returned: after a 2xx, a key that
    either read path still shows is not gone. ``may_vanish`` names, per watched index, keys an earlier
    delete removed whose removal reads may not show yet: their vanishing is no collateral damage, and
    in the index under test (which held them before this request) neither is their lingering."""
    verdicts = []
    collateral: list[str] = []
    after = dict(after)
    if target in before and target in after:
        # removed before this request (an earlier example, or setup): a read may still show them, or not
        lingering = frozenset((may_vanish or {}).get(target, ())) - set(before[target])
        after[target] = {k: v for k, v in after[target].items() if k not in lingering}
    for location, snap in before.items():
        now = after[location]
        if location == target:
            untouchable = frozenset(set(snap) | set(now)) - expectation.requested
            collateral += [f"{location[1]}/{k}" for k in _changed(snap, now, untouchable)]
            # a requested key may vanish, never change or appear
            collateral += [f"{location[1]}/{k}" for k in _changed(snap, now, expectation.requested) if k in now]
        else:
            pending = frozenset((may_vanish or {}).get(location, ()))
            collateral += [
                f"{location[1]}@{location[0]}/{k}" for k in _changed(snap, now) if not (k in pending and k not in now)
            ]
    verdicts.append(
        Verdict(
            "DV-NO-COLLATERAL",
            not collateral,
            "no vector that was not requested changes",
            f"changed: {_sample(collateral)}" if collateral else "untouched",
        )
    )
    snap_before, snap_after = before[target], after[target]
    if 400 <= status < 500:
        changed = _changed(snap_before, snap_after)
        verdicts.append(
            Verdict(
                "DV-REJECT-NO-EFFECT",
                not changed,
                "a 4xx deletes nothing",
                f"changed: {_sample(changed)}" if changed else "nothing changed",
            )
        )
    elif 200 <= status < 300:
        candidates = [s for a in expectation.alternatives if a.status_matches(status) or a.status == 204 for s in a.deletes]
        if candidates:
            existed = frozenset(snap_before)
            listed = existed & frozenset(snap_after)
            fetched = existed & frozenset(returned)

            def left(s: frozenset[str]) -> tuple[int, int]:
                return len(s & listed), len(s & fetched)

            ok = any(left(s) == (0, 0) for s in candidates)
            still_listed, still_fetched = min(left(s) for s in candidates)
            verdicts.append(
                Verdict(
                    "DV-DELETES-REQUESTED",
                    ok,
                    "every requested key that existed is gone, by ListVectors and by GetVectors",
                    "all gone"
                    if ok
                    else f"{still_listed} requested key(s) still listed by ListVectors, "
                    f"{still_fetched} still returned by GetVectors",
                )
            )
    elif status == 503:
        verdicts.append(
            Verdict(
                "DV-THROTTLE-PARTIAL",
                not collateral,
                "after a 503 only requested keys may be gone",
                "as allowed" if not collateral else f"changed: {_sample(collateral)}",
            )
        )
    return verdicts

