"""pytest plugin (entry point ``pytest11``: ``ossv_emulator``): a fresh OSS Vectors emulator per test.

    def test_delete(ossv_emulator):
        client = ossv_emulator.vectors_client()    # the official SDK, pointed at the emulator
        ...

Inert unless a test requests the ``ossv_emulator`` fixture: loading the plugin imports nothing
but pytest, starts nothing and registers one marker. Each requesting test gets its own emulator
(fresh in-memory store, fresh random identities, its own port), so no state crosses tests; the
server starts in a few milliseconds and is stopped in the background after the test, all of them
joined at the end of the session. Configure one test with the marker, whose keywords are those of
``emulator.testing.start_emulator``:

    @pytest.mark.ossv_emulator(faults=["absent_key_404"], options={"max_delete_keys": 100}, qps_limit=50)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from emulator.testing import RunningEmulator, Stopper

MARKER = "ossv_emulator"
_STOPPER = pytest.StashKey["Stopper"]()
_ALLOWED = frozenset({"region", "faults", "options", "qps_limit", "data_path", "host"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(faults=(), options=None, qps_limit=None, region='cn-hangzhou', data_path=None): "
        "configure the emulator the ossv_emulator fixture starts for this test",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    stopper = config.stash.get(_STOPPER, None)
    if stopper is not None:
        stopper.join()


def _stopper(config: pytest.Config) -> Stopper:
    stopper = config.stash.get(_STOPPER, None)
    if stopper is None:
        from emulator.testing import Stopper

        stopper = config.stash[_STOPPER] = Stopper()
    return stopper


def _marker_kwargs(node: pytest.Item) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(MARKER))):  # the closest marker wins, keyword by keyword
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keywords only", pytrace=False)
        unknown = sorted(set(marker.kwargs) - _ALLOWED)
        if unknown:
            allowed = ", ".join(sorted(_ALLOWED))
            pytest.fail(f"@pytest.mark.{MARKER}: unknown keyword {unknown[0]!r} (one of {allowed})", pytrace=False)
        kwargs.update(marker.kwargs)
    return kwargs


@pytest.fixture
def ossv_emulator(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    """A fresh OSS Vectors emulator on 127.0.0.1 for this test (see ``emulator.testing.RunningEmulator``)."""
    from emulator.testing import start_emulator

    emu = start_emulator(**_marker_kwargs(request.node))
    try:
        yield emu
    finally:
        _stopper(request.config).stop(emu)
