"""Session-wide fixtures of the project's own tests, and how ``-n N`` shares the tests out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n N`` without ``--dist``: work stealing instead of xdist's default ``load``.

    ``load`` hands out consecutive chunks of the collection, and a worker busy with long tests keeps
    its chunk: the end-to-end runs (tests/e2e, over half of the time, next to each other in collection
    order) all landed on one worker, which finished minutes after the other. Under ``worksteal`` a
    worker that runs dry takes the second half of the other's queue, so both finish together. An
    explicit ``--dist`` is left alone."""
    if config.getoption("dist") != "load" or any(a.startswith(("--dist", "-d")) for a in config.invocation_params.args):
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def children_share_a_bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """With ``PYTHONDONTWRITEBYTECODE`` set, every Python the tests start (the installed CLI, pytest,
    the emulator) compiles the project, and pytest rewrites its plugins' modules, from source again:
    over a second of each of the hundred or so runs. Give the children one bytecode cache instead,
    outside the repository (``PYTHONPYCACHEPREFIX``, under this session's temporary root, shared by the
    xdist workers), so the tree still gets no ``__pycache__``. Nothing the children do changes but how
    fast they start; without the variable (or with a prefix already set) this does nothing."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        yield
        return
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # popen-gwN's parent: the session's root, the same for every worker
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE")
        patch.setenv("PYTHONPYCACHEPREFIX", str(root / "pycache"))
        yield
