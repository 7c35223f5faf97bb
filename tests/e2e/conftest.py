"""Emulators for the end-to-end runs, one per test module: the fault proof's identities (``emulator``,
``throttling_emulator``) and the SDK driver's (``sdk_emulator``, ``sdk_throttling_emulator``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.server import EmulatorServer
from tests.helpers.cli_runs import FAULT, SDK, serving


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with serving(FAULT.identities) as server:
        yield server


@pytest.fixture(scope="module")
def throttling_emulator() -> Iterator[EmulatorServer]:
    with serving(FAULT.identities, qps_limit=10) as server:
        yield server


@pytest.fixture(scope="module")
def sdk_emulator() -> Iterator[EmulatorServer]:
    with serving(SDK.identities) as server:
        yield server


@pytest.fixture(scope="module")
def sdk_throttling_emulator() -> Iterator[EmulatorServer]:
    with serving(SDK.identities, qps_limit=6) as server:
        yield server
