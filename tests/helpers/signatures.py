"""Every signature an emulator receives, for tests that search outputs for them (no signature may be printed)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from emulator.app import EmulatorApp

_HEADER = re.compile(r"Signature=([0-9a-fA-F]{16,})")
_QUERY = re.compile(r"x-oss-signature=([0-9a-fA-F]{16,})")


def record_signatures(patch: pytest.MonkeyPatch) -> set[str]:
    """Make every EmulatorApp record the signatures of the requests it answers into the returned set (until undone)."""
    signatures: set[str] = set()
    original = EmulatorApp.__call__

    async def recording(self: EmulatorApp, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            for name, value in scope["headers"]:
                if name.lower() == b"authorization":
                    signatures.update(_HEADER.findall(value.decode("latin-1")))
            signatures.update(_QUERY.findall(scope.get("query_string", b"").decode("latin-1")))
        await original(self, scope, receive, send)

    patch.setattr(EmulatorApp, "__call__", recording)
    return signatures
