"""The two endpoints a diff compares, each with its own settings and the safety of ``run``.

A side's settings come from its own TOML file (``--a-config``) and/or its own environment prefix
(``--a-env-prefix OSSVB_``: every variable of the settings table with ``OSSV_`` or ``OSS_`` replaced by the
prefix, ``OSSVB_ENDPOINT``, ``OSSVB_ACCESS_KEY_ID``, ...; the prefix ``OSSV_`` means the ordinary names). A
side reads nothing else, so a shell's ``OSSV_*`` never leaks into the side that did not ask for it. A side
without an endpoint is the bundled emulator, started through ``conformance.launcher`` as ``run`` starts it.

Each opened side is a ``Target`` with run-unique names (the run id shared, the worker ``a`` or ``b``), a ledger
written through to ``<results>/ledger/<side>.json``, the guard, canaries checked at the end and teardown in
``finally`` (so also after a failure or Ctrl-C).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conformance import launcher
from conformance.client import RawClient
from conformance.config import CONFIG_ENV, SETTINGS, ConfigError, Settings, load_settings
from conformance.errors import HarnessError
from conformance.naming import Names
from conformance.preflight import endpoint_problem
from conformance.ratelimit import RateBudget
from conformance.target import Target

ORDINARY_PREFIX = "OSSV_"
_ENV_NAMES = (*(s.env for s in SETTINGS), CONFIG_ENV)


class SideError(ConfigError):
    """A side cannot be used (bad settings, unreachable, credentials refused): one line, exit 2."""


def prefixed(env_name: str, prefix: str) -> str:
    """``OSSV_ENDPOINT`` -> ``OSSVB_ENDPOINT``, ``OSS_ACCESS_KEY_ID`` -> ``OSSVB_ACCESS_KEY_ID``."""
    if prefix == ORDINARY_PREFIX:
        return env_name
    for stem in ("OSSV_", "OSS_"):
        if env_name.startswith(stem):
            return prefix + env_name[len(stem) :]
    return env_name


def _environment(environ: Mapping[str, str], prefix: str | None) -> dict[str, str]:
    """The side's view of the environment under the ordinary names (only its own prefixed variables)."""
    if prefix is None:
        return {}
    return {name: environ[prefixed(name, prefix)] for name in _ENV_NAMES if prefixed(name, prefix) in environ}


def _renamed(message: str, prefix: str | None) -> str:
    """A settings error names the variable the user set, not the ordinary one."""
    if prefix is None or prefix == ORDINARY_PREFIX:
        return message
    names = "|".join(sorted(_ENV_NAMES, key=len, reverse=True))
    return re.sub(rf"\b({names})\b", lambda m: prefixed(m.group(1), prefix), message)


@dataclass(frozen=True)
class SideSpec:
    """Where a side's settings come from, as given on the command line (no secret in it)."""

    label: str
    config: str | None = None
    env_prefix: str | None = None

    def flags(self) -> list[str]:
        """The command-line flags that name this side again (for replay commands)."""
        out = []
        if self.config is not None:
            out += [f"--{self.label}-config", self.config]
        if self.env_prefix is not None:
            out += [f"--{self.label}-env-prefix", self.env_prefix]
        return out

    def load(self, environ: Mapping[str, str]) -> Settings:
        if self.env_prefix is not None and not self.env_prefix.strip():
            raise SideError(f"side {self.label}: --{self.label}-env-prefix is empty")
        try:
            return load_settings({}, _environment(environ, self.env_prefix), self.config)
        except ConfigError as err:
            raise SideError(f"side {self.label}: {_renamed(str(err), self.env_prefix)}") from None

    def describe(self, settings: Settings) -> str:
        return "the bundled emulator" if settings.uses_emulator else str(settings.endpoint)


@dataclass
class Side:
    """One opened endpoint: its settings (pointed at the emulator when it is one), client and target."""

    label: str
    settings: Settings
    client: RawClient
    target: Target
    description: str
    problems: list[str] = field(default_factory=list)  # what the end found (canaries, cleanup)


@contextmanager
def opened(spec: SideSpec, settings: Settings, run_id: str, ledger_dir: Path) -> Iterator[Side]:
    """The side set up for the run, removed again whatever happens (failure, Ctrl-C)."""
    description = spec.describe(settings)
    embedded = launcher.start(settings) if settings.uses_emulator else None
    try:
        pointed = embedded.settings if embedded is not None else settings
        client = RawClient(pointed, RateBudget(pointed.max_rps))
        try:
            problem = endpoint_problem(pointed, client)
            if problem:
                raise SideError(f"side {spec.label}: {problem}")
            target = Target(pointed, client, Names(run_id, spec.label), ledger_dir / f"{spec.label}.json")
            side = Side(spec.label, pointed, client, target, description)
            try:
                try:
                    target.setup()
                except HarnessError as err:
                    raise SideError(f"side {spec.label}: cannot set up the target: {err}") from None
                yield side
            finally:
                side.problems += _finish(target)
        finally:
            client.close()
    finally:
        if embedded is not None:
            embedded.stop()


def _finish(target: Target) -> list[str]:
    """Canaries checked, everything removed; the problems, one line each (a failed cleanup is reported)."""
    if not target.ledger.items():
        return []
    problems: list[str] = []
    try:
        changed = target.check_canary()
        if changed:
            problems.append(changed)
    except HarnessError as err:
        problems.append(f"could not read the canary vectors: {err}")
    return problems + target.teardown()
