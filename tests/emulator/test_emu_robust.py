"""Requests a parser refuses or a client cuts short still get an HTTP answer, with both HTTP parsers.

Each case is one that used to end in a reset or an unanswered close somewhere: an unknown method, an
absolute target without a host, a long query with several ``?``, over-long targets and header blocks
(414/431), bodies over the limit (413, answered before the body is read), a client that half-closes,
junk pipelined behind a good request.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from emulator.httpproto import HEAD_LIMIT, TARGET_LIMIT
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers import raw_fuzz
from tests.helpers.emulator_client import ACCT, IDENTITIES, EmulatorClient, error_code

LIMIT = 1 << 20


@pytest.fixture(scope="module", params=["httptools", "h11"])
def srv(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(identities=IDENTITIES, http=request.param, options={"max_body_bytes": LIMIT})
    with EmulatorServer(config) as server:
        raw = EmulatorClient(server.url)
        raw.create_bucket("rob")
        raw.create_index("rob")
        yield server


def raw_send(srv: EmulatorServer, head: bytes, body: bytes = b"", *, half_close: bool = False,
             split: bool = False) -> raw_fuzz.RawAnswer:
    return raw_fuzz.send(srv.port, raw_fuzz.RawRequest(head=head, body=body, split=split, half_close=half_close))


def exchange(srv: EmulatorServer, data: bytes, half_close: bool = True) -> bytes:
    """Everything the server sends back until it closes."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


HOST = b"Host: rob-" + ACCT.encode() + b".127.0.0.1\r\n"


@pytest.mark.parametrize("head", [
    b"FOO / HTTP/1.1\r\n" + HOST + b"\r\n",  # unknown method
    b"PROPFIND /?deleteVectors HTTP/1.1\r\n" + HOST + b"Content-Length: 2\r\n\r\n{}",
    b"GET http:/// HTTP/1.1\r\nHost: x\r\n\r\n",  # absolute target without a host
    b"POST http:// HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"POST http:/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"GET http://?x HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /?" + b"deleteVectors?a?b=c?" * 600 + b" HTTP/1.1\r\n" + HOST + b"Content-Length: 0\r\n\r\n",  # several ?
    b"FOO /?" + b"a?b?" * 1500 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
])
def test_odd_requests_get_an_answer(srv: EmulatorServer, head: bytes) -> None:
    for half_close in (False, True):
        answer = raw_send(srv, head, half_close=half_close)
        assert answer.outcome == "answered" and answer.status is not None and answer.status < 500, answer
        assert answer.header("content-type") == "application/json" and answer.header("x-oss-request-id")


def test_long_target_is_414_and_large_head_is_431(srv: EmulatorServer) -> None:
    long_target = b"GET /?" + b"a" * (TARGET_LIMIT + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    large_head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"p" * (HEAD_LIMIT + 10) + b"\r\n\r\n"
    many_fields = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(9000)) + b"\r\n"
    for head, status in ((long_target, 414), (large_head, 431), (many_fields, 431)):
        assert raw_send(srv, head).status == status
    # heads without an end: refused once too much is buffered, before the parser holds it all
    endless_target = b"GET /?" + b"a" * (3 * HEAD_LIMIT)
    endless_field = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * (3 * HEAD_LIMIT)
    for head, status in ((endless_target, 414), (endless_field, 431)):
        assert raw_send(srv, head[:1000], head[1000:], split=True).status == status
    assert raw_send(srv, b"GET /?" + b"a" * (TARGET_LIMIT - 100) + b" HTTP/1.1\r\nHost: x\r\n\r\n").status == 403


def test_body_over_the_limit_is_413_without_a_reset(srv: EmulatorServer) -> None:
    raw = EmulatorClient(srv.url)
    for size in (LIMIT + 1, 30 * LIMIT):  # a little over, and far more than is ever read
        r = raw.call("putVectors", "rob", b"x" * size)
        assert (r.status_code, error_code(r), r.headers.get("Connection")) == (413, "EntityTooLarge", "close")

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"y" * 65536

    r = requests.post(f"{srv.url}/?putVectors", data=chunks(), headers={"Host": f"rob-{ACCT}.127.0.0.1"}, timeout=30)
    assert (r.status_code, error_code(r)) == (413, "EntityTooLarge")  # chunked: refused as it passes the limit
    declared = raw_send(srv, b"POST /?putVectors HTTP/1.1\r\n" + HOST + b"Content-Length: 99999999999\r\n\r\n",
                        b"z" * 1000, half_close=True)
    assert declared.status == 413  # answered from the Content-Length alone
    assert raw.call("putVectors", "rob", {"indexName": "idx", "vectors": []}).status_code == 400  # still serving


def test_half_closed_connections(srv: EmulatorServer) -> None:
    complete = b"GET / HTTP/1.1\r\n" + HOST + b"\r\n"
    assert exchange(srv, complete).startswith(b"HTTP/1.1 403 ")  # the request was whole: it is answered
    for cut in (b"GET / HTTP/1.1\r\nHo", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
                b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"):
        answer = exchange(srv, cut)
        assert answer.startswith(b"HTTP/1.1 400 ") and b'"InvalidRequest"' in answer, (cut, answer[:200])


def test_junk_behind_a_good_request_waits_for_its_answer(srv: EmulatorServer) -> None:
    good = b"GET / HTTP/1.1\r\n" + HOST + b"\r\n"
    for junk in (b"\x00\x01garbage\r\n\r\n", b"GET /a b HTTP/1.1\r\n\r\n", b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n"):
        answer = exchange(srv, good + junk, half_close=False)
        first, _, rest = answer.partition(b"\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 403 "), answer[:200]  # the good request's own answer comes first
        assert b"HTTP/1.1 4" in rest, answer  # then the junk's


def test_a_slow_client_gets_its_answer() -> None:
    """A body sent in small pieces with pauses (the answer is not sent before the request is whole)."""
    for http in ("httptools", "h11"):
        with EmulatorServer(EmulatorConfig(identities=IDENTITIES, http=http)) as server, \
                socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nab")
            time.sleep(0.05)
            sock.sendall(b"cdef")
            assert sock.recv(65536).startswith(b"HTTP/1.1 403 ")
