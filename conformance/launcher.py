"""Start the bundled emulator as the default target.

This is the only module of the suite that knows the emulator exists, and it uses only its
public entry point (``emulator.server``). It makes fresh random identities for the run (an
owner, an STS identity, a second account) so every authentication check can run offline.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from typing import Any

from conformance.config import Settings

EMBEDDED_READ_LAG_S = 1.0


@dataclass
class Embedded:
    """A running embedded emulator and the settings that point at it."""

    server: Any
    settings: Settings

    def stop(self) -> None:
        self.server.stop()


def _account() -> str:
    return "1" + "".join(secrets.choice("0123456789") for _ in range(15))


def start(settings: Settings, *, qps_limit: float | None = None) -> Embedded:
    from emulator.server import EmulatorConfig, EmulatorServer, Identity

    owner, other = _account(), _account()
    ak, sk = "LTAI" + secrets.token_hex(8), secrets.token_urlsafe(24)
    sts_ak, sts_sk, sts_token = "STS." + secrets.token_hex(8), secrets.token_urlsafe(24), "CAIS" + secrets.token_urlsafe(48)
    other_ak, other_sk = "LTAI" + secrets.token_hex(8), secrets.token_urlsafe(24)
    config = EmulatorConfig(
        identities=[
            Identity(access_key_id=ak, access_key_secret=sk, account_id=owner),
            Identity(access_key_id=sts_ak, access_key_secret=sts_sk, account_id=owner, security_token=sts_token),
            Identity(access_key_id=other_ak, access_key_secret=other_sk, account_id=other),
        ],
        region=settings.region,
        qps_limit=qps_limit,
    )
    server = EmulatorServer(config, host="127.0.0.1", port=0)
    server.start()
    pointed = dataclasses.replace(
        settings,
        endpoint=server.url,
        account_id=owner,
        access_key_id=ak,
        access_key_secret=sk,
        session_token=None,
        sts_access_key_id=sts_ak,
        sts_access_key_secret=sts_sk,
        sts_token=sts_token,
        other_account_id=other,
        other_access_key_id=other_ak,
        other_access_key_secret=other_sk,
        read_lag_s=min(settings.read_lag_s, EMBEDDED_READ_LAG_S),
    )
    return Embedded(server, pointed)
