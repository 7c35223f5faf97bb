"""Start the bundled emulator as the default target, with identities made up for the run.

This is the only module of the suite that knows the emulator exists, and it uses only its
public entry point (``emulator.server``). ``RunIdentities.fresh()`` makes random identities for
one emulator (an owner, an STS identity of the owner's account, a key of a second account), so
every authentication check can run offline; the same identities give the emulator's
configuration (``emulator_config``), the suite's settings pointed at it (``settings_for``, through
``Settings.with_endpoint``) and, for a suite run in another process, its environment
(``environment``). ``start`` does all three for the plugin and ``replay``; the benchmarks use the
same helper for the emulators they start themselves.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.config import SETTINGS, Settings
from conformance.signing import Credentials

if TYPE_CHECKING:
    from emulator.server import EmulatorConfig, EmulatorServer, Identity

EMBEDDED_READ_LAG_S = 1.0
EMBEDDED_REGION = "cn-hangzhou"
_ENV = {s.name: s.env for s in SETTINGS}


def _account() -> str:
    return "1" + "".join(secrets.choice("0123456789") for _ in range(15))


def _key_id(prefix: str) -> str:
    return prefix + secrets.token_hex(8)


@dataclass(frozen=True)
class RunIdentities:
    """The three identities the suite works with, for one emulator; secrets are ``Secret`` values."""

    owner_account_id: str
    owner: Credentials
    sts: Credentials  # the owner's account, with a security token
    other_account_id: str
    other: Credentials  # another account: must be refused

    @classmethod
    def fresh(cls) -> RunIdentities:
        """Random account ids, key ids, secrets and token: nothing shared between runs."""
        return cls(
            owner_account_id=_account(),
            owner=Credentials(_key_id("LTAI"), secrets.token_urlsafe(24)),
            sts=Credentials(_key_id("STS."), secrets.token_urlsafe(24), "CAIS" + secrets.token_urlsafe(48)),
            other_account_id=_account(),
            other=Credentials(_key_id("LTAI"), secrets.token_urlsafe(24)),
        )

    def emulator_identities(self) -> list[Identity]:
        """The identities as the emulator knows them (it verifies signatures with the clear secrets)."""
        from emulator.server import Identity

        def known(credentials: Credentials, account_id: str) -> Identity:
            token = credentials.security_token
            return Identity(
                access_key_id=credentials.access_key_id,
                access_key_secret=credentials.access_key_secret.reveal(),
                account_id=account_id,
                security_token=token.reveal() if token is not None else None,
            )

        return [
            known(self.owner, self.owner_account_id),
            known(self.sts, self.owner_account_id),
            known(self.other, self.other_account_id),
        ]

    def emulator_config(self, *, region: str = EMBEDDED_REGION, qps_limit: float | None = None) -> EmulatorConfig:
        """An emulator configuration that knows these identities (and throttles at ``qps_limit``, if given)."""
        from emulator.server import EmulatorConfig

        return EmulatorConfig(identities=self.emulator_identities(), region=region, qps_limit=qps_limit)

    def settings_for(self, settings: Settings, endpoint: str) -> Settings:
        """``settings`` pointed at an emulator at ``endpoint`` that knows these identities."""
        return settings.with_endpoint(
            endpoint,
            self.owner_account_id,
            self.owner,
            sts=self.sts,
            other_account_id=self.other_account_id,
            other=self.other,
        )

    def environment(self, endpoint: str) -> dict[str, str]:
        """The environment variables that point a suite run in another process at ``endpoint`` as these identities.

        Clear values, by necessity: an environment is how a secret reaches a child process (never a flag).
        """
        values: dict[str, str] = {
            "endpoint": endpoint,
            "account_id": self.owner_account_id,
            "access_key_id": self.owner.access_key_id,
            "access_key_secret": self.owner.access_key_secret.reveal(),
            "sts_access_key_id": self.sts.access_key_id,
            "sts_access_key_secret": self.sts.access_key_secret.reveal(),
            "other_account_id": self.other_account_id,
            "other_access_key_id": self.other.access_key_id,
            "other_access_key_secret": self.other.access_key_secret.reveal(),
        }
        if self.sts.security_token is not None:
            values["sts_token"] = self.sts.security_token.reveal()
        return {_ENV[name]: value for name, value in values.items()}


@dataclass
class Embedded:
    """A running embedded emulator and the settings that point at it."""

    server: EmulatorServer
    settings: Settings

    def stop(self) -> None:
        self.server.stop()


def start(settings: Settings, *, qps_limit: float | None = None) -> Embedded:
    """An emulator on a free port of 127.0.0.1 with fresh identities, and ``settings`` pointed at it."""
    from emulator.server import EmulatorServer

    identities = RunIdentities.fresh()
    server = EmulatorServer(identities.emulator_config(region=settings.region, qps_limit=qps_limit), host="127.0.0.1", port=0)
    server.start()
    pointed = identities.settings_for(settings, server.url)
    return Embedded(server, dataclasses.replace(pointed, read_lag_s=min(settings.read_lag_s, EMBEDDED_READ_LAG_S)))
