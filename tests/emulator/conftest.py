"""Fixtures: one emulator per test session (per xdist worker), faults reset after each test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.emulator_client import IDENTITIES, REGION, EmulatorClient

_counter = itertools.count()


@pytest.fixture(scope="session")
def emu() -> Iterator[EmulatorServer]:
    # many tests share this server, each with fresh buckets: lift the per-account bucket quota
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, region=REGION, options={"max_buckets": 100000})) as srv:
        yield srv


@pytest.fixture
def raw(emu: EmulatorServer) -> EmulatorClient:
    return EmulatorClient(emu.url)


@pytest.fixture
def faults(emu: EmulatorServer) -> Iterator[Callable[..., None]]:
    def enable(*names: str) -> None:
        emu.set_faults(names)

    yield enable
    emu.set_faults(())


@pytest.fixture
def bucket(raw: EmulatorClient) -> str:
    """A fresh bucket with an index "idx" (dimension 4); names are unique per worker and test."""
    name = f"b{os.getpid() % 100000}x{next(_counter)}"
    raw.create_bucket(name)
    raw.create_index(name)
    return name


@pytest.fixture(scope="session", params=["httptools", "h11"])
def fuzz_target(request: pytest.FixtureRequest) -> Iterator[tuple[EmulatorServer, str]]:
    """A dedicated emulator per HTTP parser (fuzzing may create and delete things) with a bucket, index "idx" and vectors."""
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, region=REGION, http=request.param)) as srv:
        raw = EmulatorClient(srv.url)
        raw.create_bucket("fuzz")
        raw.create_index("fuzz")
        raw.put("fuzz", "idx", ["a", "b", "c"])
        yield srv, "fuzz"
