"""The HTTP/1.1 layer under the app: uvicorn's two protocols, made to answer every request with HTTP.

Stock uvicorn answers some malformed requests with a plain-text 400, others not at all: it closes
a connection whose request can never complete (the client half-closed it early) and, when it
closes with input still arriving (a rejected body, a request behind a malformed one), the kernel
sends RST and the client may lose the answer it was sent. Both protocols here, the httptools one
and the h11 one, therefore

* answer parse errors with an OSS JSON error (400; 414 for an over-long request target, 431 for
  an over-large header block), ``Connection: close``, after the answers of earlier pipelined
  requests of the connection;
* close *lingering*: when more input may be on its way, shut the write side and read and discard
  for up to ``LINGER_SECONDS`` before closing, so the answer reaches the client first;
* answer a request that a client half-closed before completing it with 400, and still answer a
  complete request whose client half-closed right after sending it;
* bound what a head may buffer (``HEAD_LIMIT``, ``TARGET_LIMIT``); the app applies the same limits
  exactly to heads that a parser accepted whole.

The httptools protocol also keeps request targets whole and hands connections with methods
llhttp does not know to the h11 protocol (see ``TargetPreservingHttpToolsProtocol``).
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Iterable
from email.utils import formatdate
from typing import Any, cast
from urllib.parse import unquote

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import errors
from .errors import ServiceError

TARGET_LIMIT = 16 * 1024  # request-target bytes (path and query): longer ones answer 414
HEAD_LIMIT = 64 * 1024  # request line plus header fields: larger heads answer 431
BUFFER_LIMIT = 2 * HEAD_LIMIT  # what a parser may buffer of an incomplete head before the request is refused
LINGER_SECONDS = 2.0

_MALFORMED = (400, "InvalidRequest", "The HTTP request is malformed.")
_INCOMPLETE = (400, "InvalidRequest", "The connection was half-closed before the request was complete.")
_TOO_LONG_TARGET = (414, "RequestURITooLong", f"The request target is longer than {TARGET_LIMIT} bytes.")
_TOO_LARGE_HEAD = (431, "RequestHeaderTooLarge", f"The request head is larger than {HEAD_LIMIT} bytes.")


class _AnsweredElsewhere(logging.Filter):
    """Drops uvicorn's warnings about requests these protocols answer themselves (a fuzzer would flood the log)."""

    EXPECTED = frozenset({"Invalid HTTP request received.", "Unsupported upgrade request."})

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.msg in self.EXPECTED) and not (
            record.levelno == logging.WARNING and str(record.msg).startswith("No supported WebSocket library"))


# A child of uvicorn's error logger: same handlers and level, minus the warnings above.
LOG = logging.getLogger("uvicorn.error.emulator")
LOG.addFilter(_AnsweredElsewhere())


def raw_error(status: int, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 error answer, shaped like the app's (§4.1), that closes the connection."""
    error = ServiceError(status, code, message)
    request_id = errors.new_request_id()
    body = errors.json_error_body(error, request_id, "", None)
    head = (
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
        f"date: {formatdate(usegmt=True)}\r\nserver: {errors.SERVER}\r\nx-oss-request-id: {request_id}\r\n"
        f"x-oss-ec: {error.ec}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class LingeringTransport(asyncio.Transport):
    """A transport whose ``close`` lingers while the protocol still expects input (see the module docstring).

    Everything else is the wrapped transport's; ``is_closing`` is already true while lingering, so
    uvicorn treats the connection as closed.
    """

    def __init__(self, inner: asyncio.Transport, protocol: _Lingerer) -> None:
        super().__init__()
        self.inner = inner
        self.protocol = protocol
        self.lingering = False
        self._timer: asyncio.TimerHandle | None = None

    def close(self) -> None:
        if self.lingering or self.inner.is_closing():
            return
        if not self.protocol.expects_more_input():
            self.inner.close()
            return
        self.lingering = True
        try:
            self.inner.resume_reading()
            if self.inner.can_write_eof():
                self.inner.write_eof()
        except (OSError, RuntimeError):
            self.inner.close()
            return
        self._timer = asyncio.get_running_loop().call_later(LINGER_SECONDS, self.finish)

    def finish(self) -> None:
        """Stop lingering and close now (the client went quiet, sent its end, or took too long)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.inner.is_closing():
            self.inner.close()

    def is_closing(self) -> bool:
        return self.lingering or self.inner.is_closing()

    def abort(self) -> None:
        self.finish()
        self.inner.abort()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        if isinstance(protocol, _Lingerer):
            self.protocol = protocol
        self.inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.inner.get_protocol()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def is_reading(self) -> bool:
        return self.inner.is_reading()

    def pause_reading(self) -> None:
        if not self.lingering:
            self.inner.pause_reading()

    def resume_reading(self) -> None:
        self.inner.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.inner.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.inner.get_write_buffer_limits()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.lingering:
            self.inner.write(data)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def write_eof(self) -> None:
        self.inner.write_eof()

    def can_write_eof(self) -> bool:
        return self.inner.can_write_eof()


class _Lingerer:
    """What LingeringTransport asks of its protocol."""

    def expects_more_input(self) -> bool:
        raise NotImplementedError


def _wrap(transport: asyncio.BaseTransport, protocol: _Lingerer) -> LingeringTransport:
    if isinstance(transport, LingeringTransport):
        transport.protocol = protocol  # a connection handed from one protocol to the other keeps its wrapper
        return transport
    return LingeringTransport(cast(asyncio.Transport, transport), protocol)  # uvloop's transports are duck-typed


def _stop_cycle(cycle: Any) -> bool:
    """Make a request's app stop waiting for a body that will not come; False if its answer is already under way."""
    if cycle is None or cycle.response_complete:
        return True
    if cycle.response_started:
        return False
    cycle.disconnected = True
    cycle.message_event.set()
    return True


class _H11Connection(h11.Connection):
    """h11's connection, remembering the last protocol error so that the answer can say what was wrong."""

    last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.last_error = exc
            raise


class RobustH11Protocol(H11Protocol, _Lingerer):
    """uvicorn's h11 protocol with the answers and lingering close of the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = LOG
        self.conn = _H11Connection(h11.SERVER, max_incomplete_event_size=BUFFER_LIMIT)
        self._ossv_failed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(_wrap(transport, self))

    def expects_more_input(self) -> bool:
        state = self.conn.their_state
        return (self._ossv_failed or state is h11.SEND_BODY or state is h11.ERROR
                or (state is h11.IDLE and bool(self.conn.trailing_data[0])))

    def _lingering(self) -> bool:
        return isinstance(self.transport, LingeringTransport) and self.transport.lingering

    def data_received(self, data: bytes) -> None:
        if self._lingering() or self._ossv_failed:
            return  # discarded: the connection is closing
        super().data_received(data)

    def eof_received(self) -> bool | None:  # type: ignore[override]  # True keeps the write side open
        if self._lingering() or self._ossv_failed:
            return None
        cycle = self.cycle
        pending = cycle is not None and not cycle.response_complete
        state = self.conn.their_state
        if state is h11.SEND_BODY or (state is h11.IDLE and self.conn.trailing_data[0]):
            if pending and cycle.response_started:
                return True
            self._ossv_fail(*_INCOMPLETE, eof=True)
            return True
        if pending:
            cycle.keep_alive = False  # answer what was asked, then close
            return True
        return None

    def send_400_response(self, msg: str) -> None:
        error = self.conn.last_error if isinstance(self.conn, _H11Connection) else None
        if error is not None and error.error_status_hint == 431:
            line_done = b"\n" in self.conn.trailing_data[0]
            self._ossv_fail(*(_TOO_LARGE_HEAD if line_done else _TOO_LONG_TARGET))
        else:
            self._ossv_fail(*_MALFORMED)

    def _ossv_fail(self, status: int, code: str, message: str, eof: bool = False) -> None:
        if not _stop_cycle(self.cycle):
            self.transport.close()
            return
        self._ossv_failed = True
        self.transport.write(raw_error(status, code, message))
        if eof and isinstance(self.transport, LingeringTransport):
            self.transport.inner.close()  # the client has sent everything it will: nothing to linger for
        else:
            self.transport.close()


def http_protocols() -> tuple[type[asyncio.Protocol], type[asyncio.Protocol]]:
    """(httptools protocol, h11 protocol); importing httptools only here keeps h11-only installs working."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class TargetPreservingHttpToolsProtocol(HttpToolsProtocol, _Lingerer):
        """uvicorn's httptools protocol, made to answer every request as its h11 protocol would.

        * ``raw_path``/``query_string`` are split from the request target as uvicorn's h11 protocol does:
          ``httptools.parse_url`` would drop the authority of an absolute-form target
          (``http://bucket-acct.host/?op``, how the SDK reaches the emulator through a proxy).
        * llhttp rejects methods it does not know (h11 passes any token, and the app answers 405) and
          treats CONNECT and ``Upgrade`` requests specially. A connection whose next request, seen at a
          message boundary, is not a plain ``GET``/``PUT``/``POST``/``DELETE``/``HEAD``/``OPTIONS``/``PATCH``
          request with its whole header block in hand and no ``Upgrade`` header is handed over to
          the h11 protocol for the rest of its life.
        * The answers, limits and lingering close of the module docstring.
        """

        _PLAIN_METHODS = (b"GET ", b"PUT ", b"POST ", b"DELETE ", b"HEAD ", b"OPTIONS ", b"PATCH ")

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.logger = LOG
            self._ossv_in_message = False
            self._ossv_in_head = False
            self._ossv_head_bytes = 0
            self._ossv_error: tuple[int, str, str] | None = None
            self._ossv_deferred: tuple[int, str, str] | None = None
            self._ossv_failed = False
            super().connection_made(_wrap(transport, self))

        def expects_more_input(self) -> bool:
            return self._ossv_failed or self._ossv_in_message or bool(self.pipeline)

        def _lingering(self) -> bool:
            return isinstance(self.transport, LingeringTransport) and self.transport.lingering

        def on_message_begin(self) -> None:
            self._ossv_in_message = True
            self._ossv_in_head = True
            self._ossv_head_bytes = 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            if len(self.url) > TARGET_LIMIT:
                self._ossv_error = _TOO_LONG_TARGET
                raise ValueError("request target too long")  # httptools turns it into HttpParserCallbackError

        def on_message_complete(self) -> None:
            self._ossv_in_message = False
            super().on_message_complete()

        def data_received(self, data: bytes) -> None:
            if self._lingering() or self._ossv_failed or self._ossv_deferred is not None:
                return  # discarded: the connection is closing
            if not self._ossv_in_message and not self._plain(data) and self._hand_over_to_h11(data):
                return
            super().data_received(data)
            if self._ossv_in_head and not self._ossv_failed and self._ossv_deferred is None:
                self._ossv_head_bytes += len(data)
                if self._ossv_head_bytes > BUFFER_LIMIT:  # on_url refused a long target already: it is the fields
                    self._ossv_error = _TOO_LARGE_HEAD
                    self.send_400_response("")

        def eof_received(self) -> bool | None:  # type: ignore[override]  # True keeps the write side open  # type: ignore[override]  # True keeps the write side open
            if self._lingering() or self._ossv_failed:
                return None
            cycle = self.cycle
            pending = cycle is not None and not cycle.response_complete
            if self._ossv_deferred is not None:
                return True  # answered once the pending answers are out
            if self._ossv_in_message:
                if pending and cycle.response_started:
                    return True
                self._ossv_fail(*_INCOMPLETE, eof=True)
                return True
            if pending or self.pipeline:
                cycle.keep_alive = False  # answer what was asked, then close
                return True
            return None

        def send_400_response(self, msg: str) -> None:
            error, self._ossv_error = self._ossv_error or _MALFORMED, None
            cycle = self.cycle
            if (cycle is not None and not cycle.response_complete and not cycle.more_body) or self.pipeline:
                # an earlier request of this connection is complete and still waits for its answer
                self._ossv_deferred = error
                self.flow.pause_reading()
                return
            self._ossv_fail(*error)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            deferred = self._ossv_deferred
            if deferred is not None and not self.pipeline and not self._ossv_failed:
                cycle = self.cycle
                if cycle is None or cycle.response_complete:
                    self._ossv_deferred = None
                    self._ossv_fail(*deferred)

        def _ossv_fail(self, status: int, code: str, message: str, eof: bool = False) -> None:
            if not _stop_cycle(self.cycle):
                self.transport.close()
                return
            self._ossv_failed = True
            self._ossv_in_head = False
            self.transport.write(raw_error(status, code, message))
            if eof and isinstance(self.transport, LingeringTransport):
                self.transport.inner.close()
            else:
                self.transport.close()

        @classmethod
        def _plain(cls, data: bytes) -> bool:
            if not data.startswith(cls._PLAIN_METHODS):
                return False
            end = data.find(b"\r\n\r\n")
            return end >= 0 and b"upgrade" not in data[:end].lower()

        def _hand_over_to_h11(self, data: bytes) -> bool:
            if self.cycle is not None and not self.cycle.response_complete:
                return False  # a response is still in flight on this connection: keep parsing here
            if self.timeout_keep_alive_task is not None:
                self.timeout_keep_alive_task.cancel()
                self.timeout_keep_alive_task = None
            self.connections.discard(self)
            successor = RobustH11Protocol(config=self.config, server_state=self.server_state, app_state=self.app_state,
                                          _loop=self.loop)
            self.transport.set_protocol(successor)
            successor.connection_made(self.transport)
            successor.data_received(data)
            return True

        def on_headers_complete(self) -> None:
            self._ossv_in_head = False
            target: bytes = self.url
            self.url = b"/"
            try:
                super().on_headers_complete()
            finally:
                self.url = target
            scope: Any = self.scope
            if "raw_path" in scope:  # absent only for a protocol upgrade, which the app doesn't serve
                raw_path, _, query = target.partition(b"?")
                scope["raw_path"] = raw_path
                scope["path"] = unquote(raw_path.decode("latin-1"))
                scope["query_string"] = query

    return TargetPreservingHttpToolsProtocol, RobustH11Protocol
