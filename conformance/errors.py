"""Why a check could not be judged, or why the target failed it: the suite's exceptions, in one place.

``HarnessError`` and ``OperationFailed`` carry the status and error code of the answer that stopped
them (when there was one), so callers decide by ``err.status``, never by matching text in a message.
"""

from __future__ import annotations

import json

from conformance.records import Exchange


class NonConformance(AssertionError):
    """The target broke a requirement at a binding level (Hypothesis shrinks on it)."""


class HarnessError(RuntimeError):
    """The harness could not judge (setup refused, network down): not the target's fault."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Refused(HarnessError):
    """The safety guard would not send this request here (e.g. into a user's bucket): not applicable."""


class OperationFailed(RuntimeError):
    """A setup/read-back call got an unexpected answer; the message is one redacted line."""

    def __init__(self, operation: str, exchange: Exchange, message: str) -> None:
        self.operation = operation
        self.exchange = exchange
        super().__init__(message)

    @property
    def status(self) -> int | None:
        return self.exchange.response.status if self.exchange.response is not None else None

    @property
    def code(self) -> str | None:
        response = self.exchange.response
        if response is None:
            return None
        try:
            inner = json.loads(response.body).get("Error")
        except (ValueError, AttributeError):
            return None
        code = inner.get("Code") if isinstance(inner, dict) else None
        return code if isinstance(code, str) else None
