"""Drivers: who sends a DeleteVectors under test.

A driver takes a ``RequestSpec`` and returns an ``Exchange`` (already redacted), nothing else:
the raw driver sends the exact bytes; the SDK driver makes the official Python SDK send the same
request, so every property also answers "does this work for SDK users?". Setup and read-back
always stay on the raw client (``Target``): a driver only carries the request being judged.
A spec a driver cannot send raises ``NotExpressible``; the harness turns that into a skip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.drivers.base import (
    DEFAULT_DRIVER,
    DRIVERS,
    INSTALL_HINT,
    RAW,
    SDK,
    SDK_DISTRIBUTION,
    Driver,
    NotExpressible,
    sdk_version,
)

if TYPE_CHECKING:  # only types: naming the drivers (the command line, the plugin's options) stays cheap
    from conformance.client import RawClient
    from conformance.config import Settings
    from conformance.records import Exchange, RequestSpec

__all__ = [
    "DEFAULT_DRIVER",
    "DRIVERS",
    "INSTALL_HINT",
    "RAW",
    "SDK",
    "SDK_DISTRIBUTION",
    "Driver",
    "NotExpressible",
    "RawDriver",
    "make_driver",
    "sdk_available",
    "sdk_version",
]

class RawDriver:
    """The raw client as a driver: exact bytes, any signature, anything the spec says."""

    name = RAW

    def __init__(self, client: RawClient) -> None:
        self.client = client

    def send(self, spec: RequestSpec) -> Exchange:
        return self.client.send(spec)

    def close(self) -> None:
        """The client belongs to the caller (setup and read-back use it too)."""


def sdk_available() -> str | None:
    """None if the official SDK (with its vectors client) can be used, else a one-line reason."""
    try:
        import alibabacloud_oss_v2.vectors  # noqa: F401
    except ImportError as err:
        if getattr(err, "name", None) in ("alibabacloud_oss_v2", None) and sdk_version() is None:
            return f"the official SDK is not installed: {INSTALL_HINT}"
        return f"the official SDK cannot be imported ({err}); {INSTALL_HINT} (>= 1.4.1, with the vectors client)"
    return None


def make_driver(name: str, settings: Settings, client: RawClient) -> Driver:
    """The driver called ``name``; the SDK driver shares the raw client's request-rate budget."""
    if name == RAW:
        return RawDriver(client)
    if name == SDK:
        problem = sdk_available()
        if problem:
            raise RuntimeError(problem)
        from conformance.drivers.sdk import SdkDriver

        return SdkDriver(settings, budget=client.budget)
    raise ValueError(f"unknown driver {name!r}; one of {', '.join(DRIVERS)}")
