"""The ASGI application: addressing → authentication → throttling → routing → handler.

A plain ASGI callable (no Router: proxy-style absolute request targets, ``http://host/…`` in
the path, never match routes), speaking the ASGI messages directly rather than through
Starlette's Request/Response objects, which cost more than the work on the hot path.
Handlers are synchronous. They run inline on the event loop: each is one short SQLite
transaction under the store's lock, so a worker-thread hop would only add latency. The one
exception is the ``lost_update`` fault, whose handler sleeps between two transactions so that
concurrent requests interleave: while it is on, handlers run in worker threads.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from dataclasses import dataclass
from email.utils import formatdate

import anyio.to_thread
from starlette.types import Receive, Scope, Send

from conformance import signing

from . import addressing, errors
from .auth import Authenticator, RequestView, decoded_query
from .context import OpContext, Reply
from .errors import ServiceError
from .faults import FaultSet
from .operations import HANDLERS, NEEDS_EXISTING_BUCKET, route
from .ops_bucket import require_bucket
from .options import Options
from .store import Store
from .throttle import SlidingWindowLimiter

log = logging.getLogger("emulator")

# Faults whose handlers must run in a worker thread (they sleep so that requests interleave).
THREADED_FAULTS = frozenset({"lost_update"})


@dataclass
class EmulatorState:
    """Everything the app shares between requests."""

    store: Store
    authenticator: Authenticator
    limiter: SlidingWindowLimiter
    faults: FaultSet
    options: Options
    region: str


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise _BodyTooLarge
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        elif kind == "http.disconnect":
            raise _Disconnected
    if len(chunks) == 1:
        return chunks[0]
    return b"".join(chunks)


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The ``Date`` header value, formatted once per second."""
    global _date_cache
    now = int(time.time())
    cached = _date_cache
    if cached[0] == now:
        return cached[1]
    value = formatdate(now, usegmt=True)
    _date_cache = (now, value)
    return value


class EmulatorApp:
    """ASGI entry point for the emulator."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        try:
            status, headers, body = await self._handle(scope, receive)
        except _Disconnected:
            return  # the client went away before sending its whole body: nobody to answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        request_id = errors.new_request_id()
        method = str(scope["method"]).upper()
        raw_path = bytes(scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_query = bytes(scope.get("query_string", b"")).decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        address = addressing.resolve(raw_path, signing.header_value(headers, "host"))
        query = decoded_query(raw_query)
        op = route(method, [n for n in query if not n.startswith("x-oss-")], address.bucket_scoped)
        try:
            try:
                body = await _read_body(receive, self.state.options.max_body_bytes)
            except _BodyTooLarge:
                raise ServiceError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.") from None
            reply = await self._dispatch(op, method, address, headers, raw_query, query, body)
        except ServiceError as err:
            return self._error(err, op, request_id, address)
        except _Disconnected:
            raise
        except Exception:
            log.exception("unexpected error handling %s %s", method, raw_path)
            internal = ServiceError(500, "InternalError", "We encountered an internal error. Please try again.")
            return self._error(internal, op, request_id, address)
        return self._success(reply, request_id)

    async def _dispatch(
        self,
        op: str | None,
        method: str,
        address: addressing.Address,
        headers: list[tuple[str, str]],
        raw_query: str,
        query: dict[str, str],
        body: bytes,
    ) -> Reply:
        state = self.state
        view = RequestView(method=method, raw_query=raw_query, headers=headers, address=address)
        caller = state.authenticator.authenticate(view, op, query)
        throttled = not state.limiter.admit()
        if throttled and op != "DeleteVectors":
            raise ServiceError(503, "QpsLimitExceeded", "QPS limit exceeded. The request rate is limited.")
        if op is None:
            raise ServiceError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if address.extra_path:
            raise ServiceError(400, "InvalidArgument", "Vector buckets have no object paths; use '/'.")
        ctx = OpContext(op=op, caller=caller, address=address, method=method, headers=headers, query=query, body=body,
                        store=state.store, options=state.options, faults=state.faults, region=state.region,
                        throttled=throttled)
        md5 = signing.header_value(headers, "content-md5")
        if md5 is not None and not throttled and md5.strip() != base64.b64encode(hashlib.md5(body).digest()).decode():
            # NoSuchBucket comes before InvalidDigest. Every handler of such an operation checks the bucket
            # first in its own transaction, so the separate check is only needed on this error path.
            if op in NEEDS_EXISTING_BUCKET:
                with state.store.tx() as tx:
                    require_bucket(ctx, tx)
            raise ServiceError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
        if THREADED_FAULTS.isdisjoint(state.faults.names):
            return HANDLERS[op](ctx)
        return await anyio.to_thread.run_sync(HANDLERS[op], ctx)

    @staticmethod
    def _base_headers(request_id: str | None) -> dict[str, str]:
        out = {"Date": _http_date(), "Server": errors.SERVER}
        if request_id is not None:
            out["x-oss-request-id"] = request_id
        return out

    @staticmethod
    def _response(status: int, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, raw headers and body, with the same header bytes and order Starlette's Response produced."""
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        if not (status < 200 or status in (204, 304)) and all(k != b"content-length" for k, _ in raw):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        return status, raw, body

    def _success(self, reply: Reply, request_id: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        headers = self._base_headers(None if reply.omit_request_id else request_id)
        if reply.content_type:
            headers["Content-Type"] = reply.content_type
        headers.update(reply.headers)
        return self._response(reply.status, headers, reply.body)

    def _error(
        self, err: ServiceError, op: str | None, request_id: str, address: addressing.Address
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        faults = self.state.faults
        headers = self._base_headers(request_id)
        headers["x-oss-ec"] = err.ec
        body_id = errors.new_request_id() if faults.active("error_request_id_mismatch", op) else request_id
        if faults.active("error_xml", op):
            body = errors.xml_error_body(err, body_id, address.host)
            headers["Content-Type"] = "application/xml"
        else:
            body = errors.json_error_body(err, body_id, address.host, address.bucket)
            charset = faults.active("error_json_charset", op)
            headers["Content-Type"] = "application/json; charset=utf-8" if charset else "application/json"
        return self._response(err.status, headers, body)
