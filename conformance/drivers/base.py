"""What every driver module shares: the driver names, the Driver protocol, NotExpressible, the SDK's version.

A module of its own so that ``conformance.drivers`` (which picks a driver) and ``conformance.drivers.sdk``
(one driver) both import it and not each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from conformance.records import RAW as RAW  # the one spelling of the driver names lives with the vocabulary
from conformance.records import SDK as SDK

if TYPE_CHECKING:
    from conformance.records import Exchange, RequestSpec

DRIVERS = (RAW, SDK)
DEFAULT_DRIVER = RAW
SDK_DISTRIBUTION = "alibabacloud-oss-v2"
INSTALL_HINT = "pip install 'oss-vectors-conformance[sdk]'"


class NotExpressible(Exception):
    """The driver cannot send this spec as given (e.g. malformed JSON through an SDK): skip, don't judge."""


@runtime_checkable
class Driver(Protocol):
    """Sends one request under test and returns the redacted exchange."""

    name: str

    def send(self, spec: RequestSpec) -> Exchange: ...

    def close(self) -> None: ...


def sdk_version() -> str | None:
    """The installed SDK's version, or None."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version(SDK_DISTRIBUTION)
    except PackageNotFoundError:
        return None
