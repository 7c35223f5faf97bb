"""The plugin's command-line options, and whether this pytest run is the suite at all.

Every setting of the table in ``conformance.config`` is an ``--ossv-<name>`` option (secrets too,
so that giving one is refused in one line by ``load_settings`` rather than by argparse); the others
select checks, share the run id, name a baseline or a reference profile, turn the progress line on, pick the driver.

The reference options (``--ossv-reference``, ``--ossv-record-reference``, ``--ossv-fail-on-reference-diff``)
are plain run options like the baseline, not rows of the settings table: they name this invocation's
comparison, not a property of the target, so they have no business in ``replay`` or ``matrix`` (which load
the settings too), and a ``record_reference`` in a shared TOML file would overwrite the profile on every run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.config import SETTINGS, Settings, load_settings
from conformance.drivers import DEFAULT_DRIVER, DRIVERS
from conformance.plugin.state import CONTROLLER, WORKERINPUT_KEY

SUITE_DIR = Path(__file__).resolve().parent.parent / "suite"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ossv", "OSS Vectors DeleteVectors conformance")
    for setting in SETTINGS:
        group.addoption(setting.flag, dest="ossv_" + setting.name, default=None, help=setting.flag_help)
    group.addoption("--ossv-config", dest="ossv_config", default=None, help="TOML settings file (env OSSV_CONFIG)")
    group.addoption(
        "--ossv-requirement", dest="ossv_requirement", action="append", default=[], help="run only checks of this requirement id"
    )
    group.addoption("--ossv-expectations", dest="ossv_expectations", default=None, help="expectations TOML for the target")
    group.addoption("--ossv-run-id", dest="ossv_run_id", default=None, help="run id shared by all workers (set by the runner)")
    group.addoption("--ossv-baseline", dest="ossv_baseline", default=None, help="compare the run with this results directory")
    group.addoption("--ossv-progress", dest="ossv_progress", action="store_true", default=False, help="show a progress line")
    group.addoption(
        "--ossv-reference",
        dest="ossv_reference",
        default=None,
        help="check every OBSERVE answer against this reference profile (a file, or 'emulator' for the bundled one)",
    )
    group.addoption(
        "--ossv-record-reference", dest="ossv_record_reference", default=None, help="write this run's reference profile here"
    )
    group.addoption(
        "--ossv-fail-on-reference-diff",
        dest="ossv_fail_on_reference_diff",
        action="store_true",
        default=False,
        help="an OBSERVE answer that differs from the reference makes a conformant run exit 6",
    )
    group.addoption(
        "--ossv-suite", dest="ossv_suite", action="store_true", default=False, help="activate even if the suite path is not named"
    )
    group.addoption(
        "--ossv-driver",
        dest="ossv_driver",
        choices=DRIVERS,
        default=DEFAULT_DRIVER,
        help="send the DeleteVectors under test raw or through the official SDK",
    )


def workerinput(config: pytest.Config) -> dict[str, Any] | None:
    """xdist's input to this worker, or None in the controller (or without xdist)."""
    value = getattr(config, "workerinput", None)
    return value if isinstance(value, dict) else None


def shared_input(config: pytest.Config) -> str | None:
    """The controller's ``SharedRun`` as JSON, when this process is an xdist worker of an active run."""
    given = workerinput(config)
    return str(given[WORKERINPUT_KEY]) if given is not None and WORKERINPUT_KEY in given else None


def is_active(config: pytest.Config) -> bool:
    """The suite is collected (by path or ``--pyargs`` name), ``--ossv-suite`` was given, or the controller said so."""
    if config.getoption("ossv_suite") or shared_input(config) is not None:
        return True
    for arg in config.args:
        path = arg.split("::")[0]
        if path in ("conformance", "conformance.suite") or path.startswith("conformance.suite."):
            return True
        try:
            resolved = Path(path).resolve()
        except OSError:
            continue
        if resolved == SUITE_DIR or SUITE_DIR in resolved.parents:
            return True
    return False


def settings_from(config: pytest.Config) -> Settings:
    """The settings: ``--ossv-...`` options > environment > TOML file > defaults (``ConfigError`` if bad)."""
    cli: dict[str, object] = {s.name: config.getoption("ossv_" + s.name) for s in SETTINGS}
    cli["config"] = config.getoption("ossv_config")
    return load_settings(cli)


def worker_of(config: pytest.Config) -> str:
    given = workerinput(config)
    return str(given["workerid"]) if given else CONTROLLER
