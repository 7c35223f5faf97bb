"""The emulator for any test suite: one call starts it on a free port and hands back what a client needs.

    from emulator.testing import run_emulator

    with run_emulator() as emu:
        emu.endpoint          # "http://127.0.0.1:PORT"
        emu.credentials       # a random key of a random account, made for this use only
        cfg = emu.sdk_config()  # a ready alibabacloud_oss_v2 Config (region, account, credentials, endpoint, proxy)

Every use gets a fresh in-memory store and fresh random identities (an owner, an STS identity of the
owner's account, a key of another account), so nothing leaks between uses. Only the public
``emulator.server`` API is used. The official SDK is imported only when ``sdk_config``/``vectors_client``
is called, so the emulator works without it installed. The pytest fixture built on this lives in
``emulator.pytest_plugin`` (fixture ``ossv_emulator``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from emulator.server import EmulatorConfig, EmulatorServer, Identity

__all__ = ["DEFAULT_REGION", "Credentials", "RunningEmulator", "Stopper", "run_emulator", "start_emulator"]

DEFAULT_REGION = "cn-hangzhou"


@dataclass(frozen=True)
class Credentials:
    """One identity the running emulator accepts; ``security_token`` is set for the STS identity."""

    access_key_id: str
    access_key_secret: str
    account_id: str
    security_token: str | None = None

    def __repr__(self) -> str:  # the secret stays out of test logs and assertion messages
        token = ", security_token=***" if self.security_token else ""
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret=***, account_id={self.account_id!r}{token})"

    def identity(self) -> Identity:
        return Identity(self.access_key_id, self.access_key_secret, self.account_id, security_token=self.security_token)


def _account_id() -> str:
    return "1" + "".join(secrets.choice("0123456789") for _ in range(15))


def random_identities() -> tuple[Credentials, Credentials, Credentials]:
    """An owner, an STS identity of the same account, and a key of another account; all random."""
    owner, other = _account_id(), _account_id()
    while other == owner:
        other = _account_id()
    return (
        Credentials("LTAI" + secrets.token_hex(10), secrets.token_urlsafe(24), owner),
        Credentials("STS." + secrets.token_hex(10), secrets.token_urlsafe(24), owner, "CAIS" + secrets.token_urlsafe(48)),
        Credentials("LTAI" + secrets.token_hex(10), secrets.token_urlsafe(24), other),
    )


class RunningEmulator:
    """A started emulator: its endpoint, the identities it knows, and SDK configurations pointing at it."""

    def __init__(
        self,
        server: EmulatorServer,
        credentials: Credentials,
        sts_credentials: Credentials,
        other_credentials: Credentials,
    ) -> None:
        self.server = server
        self.credentials = credentials
        self.sts_credentials = sts_credentials
        self.other_credentials = other_credentials

    def __repr__(self) -> str:
        return f"RunningEmulator(endpoint={self.endpoint!r}, region={self.region!r}, account_id={self.account_id!r})"

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.url

    @property
    def region(self) -> str:
        return self.server.config.region

    @property
    def account_id(self) -> str:
        """The account that owns what ``credentials`` creates."""
        return self.credentials.account_id

    def set_faults(self, names: Iterable[str]) -> None:
        """Switch named faults on (``()`` for healthy again); see ``ossv-emulator --list-faults``."""
        self.server.set_faults(names)

    def sdk_config(self, credentials: Credentials | None = None) -> Any:
        """A fresh ``alibabacloud_oss_v2.config.Config`` for this emulator, signing as ``credentials`` (default: the owner).

        The vectors client puts bucket and account into the host name
        (``bucket-ACCOUNT.127.0.0.1:PORT``), which does not resolve, so every request is routed
        through the emulator as an HTTP proxy (``proxy_host``); the emulator accepts such requests.
        """
        import alibabacloud_oss_v2 as oss  # lazy: the emulator itself does not need the SDK

        creds = credentials or self.credentials
        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
            creds.access_key_id, creds.access_key_secret, creds.security_token
        )
        cfg.region = self.region
        cfg.account_id = self.account_id  # the bucket owner's account, also when signing as another account
        cfg.endpoint = self.endpoint
        cfg.proxy_host = {"http": self.endpoint}
        return cfg

    def vectors_client(self, credentials: Credentials | None = None) -> Any:
        """``alibabacloud_oss_v2.vectors.Client(self.sdk_config(credentials))``."""
        import alibabacloud_oss_v2.vectors as oss_vectors

        return oss_vectors.Client(self.sdk_config(credentials))

    def stop(self) -> None:
        """Stop the server (idempotent): its socket is closed and its data is gone."""
        self.server.stop()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_emulator(
    *,
    region: str = DEFAULT_REGION,
    faults: Iterable[str] = (),
    options: Mapping[str, object] | None = None,
    qps_limit: float | None = None,
    data_path: str | Path | None = None,
    host: str = "127.0.0.1",
) -> RunningEmulator:
    """Start an emulator with fresh random identities on a free port of ``host``; the caller stops it."""
    owner, sts, other = random_identities()
    config = EmulatorConfig(
        identities=[owner.identity(), sts.identity(), other.identity()],
        region=region,
        qps_limit=qps_limit,
        data_path=data_path,
        faults=frozenset(faults),
        options=dict(options or {}),
    )
    server = EmulatorServer(config, host=host, port=0)
    server.start()
    return RunningEmulator(server, owner, sts, other)


@contextmanager
def run_emulator(
    *,
    region: str = DEFAULT_REGION,
    faults: Iterable[str] = (),
    options: Mapping[str, object] | None = None,
    qps_limit: float | None = None,
    data_path: str | Path | None = None,
    host: str = "127.0.0.1",
) -> Iterator[RunningEmulator]:
    """``with run_emulator() as emu:``: a fresh emulator for the block, stopped when it ends (also on errors)."""
    emu = start_emulator(region=region, faults=faults, options=options, qps_limit=qps_limit, data_path=data_path, host=host)
    try:
        yield emu
    finally:
        emu.stop()


class Stopper:
    """Stops emulators in background threads, so a test does not wait for uvicorn's shutdown (~0.2 s).

    A stopped-in-the-background emulator keeps its port until it is down, so a new one never gets
    it; ``join`` waits for every pending stop (the pytest plugin calls it at the end of the session).
    """

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def stop(self, emu: RunningEmulator) -> None:
        thread = threading.Thread(target=emu.stop, name=f"ossv-emulator-stop-{emu.server.port}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def join(self, timeout_s: float = 30.0) -> None:
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=timeout_s)
