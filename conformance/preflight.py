"""One signed request before anything else: an unreachable endpoint or refused credentials is one line
and exit 2, not a hundred identical errors (``run`` and both sides of ``diff`` ask it first)."""

from __future__ import annotations

from conformance.client import RawClient
from conformance.config import Settings
from conformance.judge import error_code
from conformance.ops import list_vector_buckets_spec


def endpoint_problem(settings: Settings, client: RawClient) -> str | None:
    """Why the endpoint cannot be tested with these settings, or None."""
    exchange = client.send(list_vector_buckets_spec("ossvc-preflight-", None))
    if exchange.response is None:
        return f"cannot reach {settings.endpoint}: {exchange.transport_error}"
    status = exchange.response.status
    if status in (401, 403):
        code = error_code(exchange.response)
        return f"the endpoint refused the configured credentials: {status}" + (f" {code}" if code else "")
    return None
