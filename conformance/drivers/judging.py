"""Verdicts on how a driver surfaced an answer (today: the SDK's ``SdkOutcome``); none for raw exchanges.

The harness calls these after every judged exchange, so any property run under ``--driver sdk``
also says whether an SDK user would have seen the answer the endpoint sent: a 204 result with
its request id, a ServiceError carrying the endpoint's status and code, an STS or query-signed
call that is not refused, and a delete the SDK's own retries completed.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.judge import error_code, is_throttle
from conformance.records import AuthKind, Exchange, SdkKind, SdkOutcome, Verdict

PARSE_FAILURE = "BadErrorResponse"  # the code the SDK invents when it cannot read an error body
AUTH_MODES = frozenset({AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED})


def _raised(out: SdkOutcome) -> str:
    return f"the SDK raised {out.error_type}: {out.message[:200]}"


def judge_surface(exchange: Exchange) -> list[Verdict]:
    """SDK-RESULT, SDK-ERROR-SURFACES and SDK-AUTH-MODES for the final answer of one SDK call."""
    out, response = exchange.sdk, exchange.response
    if out is None or response is None:
        return []
    verdicts: list[Verdict] = []
    header_id = response.header("x-oss-request-id") or ""
    if 200 <= response.status < 300:
        expected = "a result with status_code 204 and the response's x-oss-request-id"
        if out.kind is SdkKind.RESULT:
            ok = out.status_code == 204 and bool(out.request_id) and out.request_id == header_id
            verdicts.append(Verdict("SDK-RESULT", ok, expected, f"status_code {out.status_code}, request_id {out.request_id!r}"))
        else:
            verdicts.append(Verdict("SDK-RESULT", False, expected, _raised(out)))
    else:
        sent = error_code(response)
        expected = f"ServiceError(status_code={response.status}, code={sent!r})"
        if out.kind is SdkKind.SERVICE_ERROR:
            ok = sent is not None and out.status_code == response.status and out.code == sent and out.code != PARSE_FAILURE
            observed = f"ServiceError(status_code={out.status_code}, code={out.code!r})"
            if sent is None:
                observed += "; the endpoint sent no error code the SDK could read"
            verdicts.append(Verdict("SDK-ERROR-SURFACES", ok, expected, observed))
        else:
            shown = "a result object" if out.kind is SdkKind.RESULT else _raised(out)
            verdicts.append(Verdict("SDK-ERROR-SURFACES", False, expected, shown))
    spec = exchange.spec
    if spec is not None and spec.auth.kind in AUTH_MODES:
        refused = response.status in (401, 403)
        verdicts.append(
            Verdict(
                "SDK-AUTH-MODES",
                not refused,
                f"the SDK's {spec.auth.kind.value} request is not refused",
                f"{response.status} {out.code or ''}".strip(),
            )
        )
    return verdicts


def retried_throttle(exchange: Exchange) -> bool:
    """The SDK met a throttle answer, retried on its own, and finally got a 2xx."""
    out, response = exchange.sdk, exchange.response
    if out is None or response is None or len(out.attempts) < 2 or not 200 <= response.status < 300:
        return False
    return any(is_throttle(a.response) for a in out.attempts[:-1])


def describe_attempts(exchange: Exchange) -> str:
    out = exchange.sdk
    if out is None:
        return ""
    return ", ".join(str(a.response.status) if a.response is not None else "no answer" for a in out.attempts)


def judge_surface_effect(exchange: Exchange, effect: Sequence[Verdict]) -> list[Verdict]:
    """SDK-RETRY-COMPLETES: after the SDK's own retries of a 503, the delete is complete."""
    if not retried_throttle(exchange):
        return []
    missing = [v for v in effect if v.requirement == "DV-DELETES-REQUESTED" and not v.ok]
    effect_seen = "; ".join(v.observed for v in missing) if missing else "all requested keys gone"
    observed = f"attempts {describe_attempts(exchange)}; {effect_seen}"
    return [Verdict("SDK-RETRY-COMPLETES", not missing, "the SDK's retries end in a complete delete", observed)]
