"""The emulator's HTTP layer (emulator/httpproto.py) subclasses uvicorn's two protocol classes, which are not
uvicorn's public interface. pyproject pins the uvicorn range these were tested with; this test fails loudly,
naming what moved, when a uvicorn release changes the internals the subclasses rely on."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# methods the subclasses override or call, and attributes they read, per protocol class
H11_METHODS = ("connection_made", "data_received", "eof_received", "send_400_response", "on_response_complete")
HTTPTOOLS_METHODS = (
    "connection_made",
    "data_received",
    "on_message_begin",
    "on_url",
    "on_message_complete",
    "on_response_complete",
    "send_400_response",
)
ATTRIBUTES = ("transport", "cycle", "flow", "server_state", "timeout_keep_alive_task", "config", "logger")
H11_ATTRIBUTES = ("conn",)
HTTPTOOLS_ATTRIBUTES = ("pipeline", "parser", "url", "scope")


def _assigned(cls: type, names: tuple[str, ...]) -> list[str]:
    source = "".join(inspect.getsource(c) for c in cls.__mro__ if c.__module__.startswith("uvicorn"))
    return [name for name in names if f"self.{name}" not in source]


@pytest.mark.parametrize(
    ("cls", "methods", "attributes"),
    [
        (H11Protocol, H11_METHODS, ATTRIBUTES + H11_ATTRIBUTES),
        (HttpToolsProtocol, HTTPTOOLS_METHODS, ATTRIBUTES + HTTPTOOLS_ATTRIBUTES),
    ],
    ids=["h11", "httptools"],
)
def test_the_uvicorn_internals_the_emulator_subclasses_are_still_there(
    cls: type, methods: tuple[str, ...], attributes: tuple[str, ...]
) -> None:
    missing_methods = [m for m in methods if not callable(getattr(cls, m, None))]
    missing_attributes = _assigned(cls, attributes)
    assert not missing_methods and not missing_attributes, (
        f"uvicorn {version('uvicorn')} changed {cls.__name__}: methods gone {missing_methods}, attributes gone "
        f"{missing_attributes}; emulator/httpproto.py relies on them (update it, then widen the pin in pyproject.toml)"
    )


def test_on_answer_sees_every_answer_the_app_gives() -> None:
    """The public hook benchmarks and tests count requests with (instead of patching the emulator's modules)."""
    import contextlib
    import urllib.request

    from emulator.server import EmulatorConfig, EmulatorServer, Identity

    seen: list[tuple[str, str, int]] = []
    config = EmulatorConfig(identities=[Identity("AK", "SK", "1234567890123456")], on_answer=lambda *a: seen.append(a))
    with EmulatorServer(config) as server:
        for path in ("/", "/?deleteVectors"):
            request = urllib.request.Request(server.url + path, method="POST", data=b"{}")
            with contextlib.suppress(OSError):  # a 403 raises: its status is what on_answer saw
                urllib.request.urlopen(request, timeout=5)
    assert [(m, q) for m, q, _ in seen] == [("POST", ""), ("POST", "deleteVectors")]
    assert all(status == 403 for _, _, status in seen)
