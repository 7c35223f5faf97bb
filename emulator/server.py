"""Public entry point: run the emulator on a free port in a background thread.

    from emulator.server import EmulatorServer, EmulatorConfig, Identity
    with EmulatorServer(EmulatorConfig(identities=[Identity("AK", "SK", "1234567890123456")])) as srv:
        srv.url  # "http://127.0.0.1:PORT"

The listening socket is bound before the thread starts (so ``port=0`` yields a known free
port without races) and closed on stop. uvicorn parses HTTP with httptools and runs uvloop
when those optional packages are installed (markedly less per-request overhead), and falls
back to h11 and asyncio otherwise (``EmulatorConfig.http``/``loop`` force a choice). Both
parsers hand proxy-style absolute targets (``POST http://host/?op``) to the app unchanged,
and both answer malformed requests with HTTP rather than a reset (emulator/httpproto.py).
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from .app import EmulatorApp, EmulatorState
from .auth import Authenticator, Identity
from .faults import FaultSet, validate_fault_names
from .httpproto import BUFFER_LIMIT, RobustH11Protocol, http_protocols
from .options import Options, resolve_options
from .store import Store, Visibility
from .throttle import SlidingWindowLimiter

__all__ = ["EmulatorConfig", "EmulatorServer", "Identity"]


@dataclass(frozen=True)
class EmulatorConfig:
    """How to run one emulator (see docs/emulator.md for the options table)."""

    identities: Sequence[Identity]
    region: str = "cn-hangzhou"
    qps_limit: float | None = None
    data_path: str | Path | None = None
    faults: frozenset[str] = frozenset()
    options: Mapping[str, object] = field(default_factory=dict)
    http: str = "auto"  # "auto" (httptools if installed, else h11), "h11" or "httptools"
    loop: str = "auto"  # "auto" (uvloop if installed, else asyncio), "asyncio" or "uvloop"
    # called with (method, query string, status) of every answer the app gives: counting and recording
    # requests from a benchmark or a test without patching the emulator (answers the HTTP layer gives
    # to unparseable requests are not seen)
    on_answer: Callable[[str, str, int], None] | None = None

    def resolved_options(self) -> Options:
        return resolve_options(self.options)


class _Observed:
    """The app, telling ``on_answer`` the method, query and status of every answer it gives."""

    def __init__(self, app: Any, on_answer: Callable[[str, str, int], None]) -> None:
        self.app = app
        self.on_answer = on_answer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", ""))
        query = bytes(scope.get("query_string", b"")).decode("latin-1")

        async def observed(message: Any) -> None:
            if message.get("type") == "http.response.start":
                self.on_answer(method, query, int(message["status"]))
            await send(message)

        await self.app(scope, receive, observed)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def http_protocol(choice: str = "auto") -> type[asyncio.Protocol]:
    """The uvicorn ``http`` protocol for ``choice``: httptools (targets kept whole) or h11, both made robust.

    See emulator/httpproto.py: every request gets an HTTP answer, parse errors an OSS JSON error,
    and connections close without resetting an answer away.
    """
    if choice not in ("auto", "h11", "httptools"):
        raise ValueError(f"http must be auto, h11 or httptools, not {choice!r}")
    if choice == "h11" or (choice == "auto" and not _installed("httptools")):
        return RobustH11Protocol
    return http_protocols()[0]


def loop_setting(choice: str = "auto") -> str:
    """The uvicorn ``loop`` setting for ``choice``."""
    if choice not in ("auto", "asyncio", "uvloop"):
        raise ValueError(f"loop must be auto, asyncio or uvloop, not {choice!r}")
    if choice == "auto":
        return "uvloop" if _installed("uvloop") else "asyncio"
    return choice


class EmulatorServer:
    """A running emulator; start/stop are idempotent and may be repeated in one process."""

    def __init__(self, config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        if not config.identities:
            raise ValueError("at least one identity is required")
        self.config = config
        self.host = host
        self._requested_port = port
        self._options = config.resolved_options()
        self._faults = FaultSet(validate_fault_names(config.faults))
        self._http = http_protocol(config.http)
        self._loop = loop_setting(config.loop)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._store: Store | None = None
        self.port = 0

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def faults(self) -> frozenset[str]:
        return self._faults.names

    def set_faults(self, names: Iterable[str]) -> None:
        """Switch the active faults at runtime (thread-safe; unknown names raise ValueError)."""
        self._faults.set(names)

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on such sockets (else 40 ms Nagle stalls).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        opts = self._options
        store = Store(self.config.data_path, Visibility(opts.list_delete_lag_s, opts.get_delete_lag_s,
                                                        opts.put_visibility_lag_s, opts.lag_jitter))
        state = EmulatorState(
            store=store,
            authenticator=Authenticator(self.config.identities, self.config.region, self._options, self._faults),
            limiter=SlidingWindowLimiter(self.config.qps_limit, self._options.throttle_counts_rejected),
            faults=self._faults,
            options=self._options,
            region=self.config.region,
            setup_limiters=EmulatorState.setup_limiters_for(self._options),
        )
        app: Any = EmulatorApp(state)
        if self.config.on_answer is not None:
            app = _Observed(app, self.config.on_answer)
        uv_config = uvicorn.Config(
            app, http=self._http, loop=self._loop, lifespan="off", log_level="warning", access_log=False,
            timeout_graceful_shutdown=2, timeout_keep_alive=5, server_header=False, date_header=False,
            h11_max_incomplete_event_size=BUFFER_LIMIT,
        )
        server = uvicorn.Server(uv_config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"ossv-emulator-{self.port}", daemon=True)
        self._server, self._thread, self._socket, self._store = server, thread, sock, store
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("emulator failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread, sock, store = self._server, self._thread, self._socket, self._store
        self._server = self._thread = self._socket = self._store = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
        if sock is not None:
            sock.close()
        if store is not None:
            store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
