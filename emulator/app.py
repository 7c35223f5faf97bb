"""The ASGI application: limits → addressing → authentication → throttling → routing → handler.

A plain ASGI callable (no Router: proxy-style absolute request targets, ``http://host/…`` in
the path, never match routes), speaking the ASGI messages directly rather than through
Starlette's Request/Response objects, which cost more than the work on the hot path.
Handlers are synchronous. They run inline on the event loop: each is one short SQLite
transaction under the store's lock, so a worker-thread hop would only add latency. The one
exception is the ``lost_update`` fault, whose handler sleeps between two transactions so that
concurrent requests interleave: while it is on, handlers run in worker threads.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from email.utils import formatdate

import anyio.to_thread
from starlette.types import Receive, Scope, Send

from conformance import signing

from . import addressing, errors
from .auth import Authenticator, Caller, RequestView, decoded_query
from .context import OpContext, Reply
from .errors import ServiceError
from .faults import FaultSet
from .httpproto import HEAD_LIMIT, TARGET_LIMIT
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
    # option setup_qps_limit: one limiter per operation other than DeleteVectors (empty when off)
    setup_limiters: dict[str, SlidingWindowLimiter] = field(default_factory=dict)
    throttle_memory: set[bytes] = field(default_factory=set)  # the retry_after_throttle_noop fault's cache

    @classmethod
    def setup_limiters_for(cls, options: Options) -> dict[str, SlidingWindowLimiter]:
        if not options.setup_qps_limit:
            return {}
        return {op: SlidingWindowLimiter(options.setup_qps_limit, options.throttle_counts_rejected)
                for op in HANDLERS if op != "DeleteVectors"}


class _BodyTooLarge(Exception):
    pass


def _too_large() -> ServiceError:
    return ServiceError(413, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")


def _declared_length(headers: list[tuple[str, str]]) -> int | None:
    value = signing.header_value(headers, "content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


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
        if self.state.options.connection_close or status == 413:
            # 413 answers before the body is read: the connection cannot carry another request
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        request_id = errors.new_request_id()
        method = str(scope["method"]).upper()
        raw_target = bytes(scope.get("raw_path") or scope["path"].encode())
        raw_query_bytes = bytes(scope.get("query_string", b""))
        raw_path = raw_target.decode("latin-1")
        raw_query = raw_query_bytes.decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        too_big = self._head_too_large(raw_target, raw_query_bytes, scope["headers"])
        address = addressing.resolve(raw_path if too_big is None else "/", signing.header_value(headers, "host"))
        query = decoded_query(raw_query) if too_big is None else {}
        op = route(method, [n for n in query if not n.startswith("x-oss-")], address.bucket_scoped)
        try:
            if too_big is not None:
                raise too_big
            limit = self.state.options.max_body_bytes
            declared = _declared_length(headers)
            if declared is not None and declared > limit:
                raise _too_large()  # answered before reading: the body never enters memory
            try:
                body = await _read_body(receive, limit)
            except _BodyTooLarge:
                raise _too_large() from None
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

    @staticmethod
    def _head_too_large(target: bytes, query: bytes, raw_headers: list[tuple[bytes, bytes]]) -> ServiceError | None:
        """414/431 for heads a parser accepted whole; the protocol layer stops longer ones before they are buffered."""
        if len(target) + len(query) + 1 > TARGET_LIMIT:
            return ServiceError(414, "RequestURITooLong", f"The request target is longer than {TARGET_LIMIT} bytes.")
        if sum(len(k) + len(v) + 4 for k, v in raw_headers) > HEAD_LIMIT:
            return ServiceError(431, "RequestHeaderTooLarge", f"The request head is larger than {HEAD_LIMIT} bytes.")
        return None

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
        # DeleteVectors runs its checks in the configured order; authentication may come later than here.
        deferred = op == "DeleteVectors" and state.options.check_sequence[0] != "auth"
        caller: Caller | None = None
        throttled = False
        if not deferred:
            caller = state.authenticator.authenticate(view, op, query)
            throttled = not state.limiter.admit()
            if throttled and op != "DeleteVectors":
                raise ServiceError(503, "QpsLimitExceeded", "QPS limit exceeded. The request rate is limited.")
        if op is None:
            raise ServiceError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        setup_limiter = state.setup_limiters.get(op)
        if setup_limiter is not None and not setup_limiter.admit():
            raise ServiceError(503, "QpsLimitExceeded", "QPS limit exceeded. The request rate is limited.")
        if address.extra_path:
            raise ServiceError(400, "InvalidArgument", "Vector buckets have no object paths; use '/'.")
        ctx = OpContext(op=op, caller=caller, address=address, method=method, headers=headers, query=query, body=body,
                        store=state.store, options=state.options, faults=state.faults, region=state.region,
                        throttled=throttled, throttle_memory=state.throttle_memory)
        if deferred:
            def authenticate() -> None:
                ctx.caller = state.authenticator.authenticate(view, op, query)
                ctx.throttled = not state.limiter.admit()
                ctx.authenticate = None

            ctx.authenticate = authenticate
        digest = None if throttled or op == "DeleteVectors" else errors.digest_error(
            signing.header_value(headers, "content-md5"), body)
        if digest is not None:
            # NoSuchBucket comes before InvalidDigest. Every handler of such an operation checks the bucket
            # first in its own transaction, so the separate check is only needed on this error path.
            if op in NEEDS_EXISTING_BUCKET:
                with state.store.tx() as tx:
                    require_bucket(ctx, tx)
            raise digest
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
        if self.state.options.error_format == "xml" or faults.active("error_xml", op):
            body = errors.xml_error_body(err, body_id, address.host)
            # labelled as JSON (the fault), the SDK tries to parse XML as JSON and reports BadErrorResponse
            headers["Content-Type"] = "application/json" if faults.active("error_xml", op) else "application/xml"
        else:
            body = errors.json_error_body(err, body_id, address.host, address.bucket)
            charset = faults.active("error_json_charset", op)
            headers["Content-Type"] = "application/json; charset=utf-8" if charset else "application/json"
        return self._response(err.status, headers, body)
