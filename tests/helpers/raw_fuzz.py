"""Raw HTTP/1.1 requests, well-formed or not, sent over plain sockets: what a fuzzer or a broken client sends.

``requests`` cannot produce most of these (unknown methods with odd targets, absolute targets without a
host, several ``?``, over-long request lines or header blocks, bad framing), and it hides resets behind
retries; a socket shows exactly what the server answered. Deterministic per seed, loopback only, every
socket operation bounded by a timeout. Shared by tests/emulator/test_emu_fuzz.py and benchmarks/bench_stress.py.
"""

from __future__ import annotations

import random
import socket
import time
from dataclasses import dataclass

STATUS_OK = frozenset({400, 405, 413, 414, 431})  # what an unservable request may get, besides any OSS error answer

_METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PROPFIND", "FOO", "ABCDEFG",
            "get", "M-SEARCH", "PURGE", "BREW", "X" * 40, "G\u00c9T", "GET\x00", "PO ST", ""]
_MARKERS = ["deleteVectors", "putVectors", "listVectors", "getVectors", "queryVectors", "putVectorIndex", "bucketInfo",
            "policy", "logging", "x-oss-signature", "x-oss-credential"]


@dataclass(frozen=True)
class RawRequest:
    """One request as bytes, and how to send it."""

    head: bytes
    body: bytes
    split: bool  # send the body in a second write, after a short pause (as urllib3 does)
    half_close: bool  # shut the write side after sending


@dataclass(frozen=True)
class RawAnswer:
    """What came back: a status, or the way the exchange failed."""

    status: int | None
    outcome: str  # "answered", "reset", "closed" (EOF before a status line), "timeout"
    first_line: bytes = b""
    head: bytes = b""  # the status line and headers of the (first final) answer

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, sep, value = line.partition(b":")
            if sep and key.strip().lower() == name.lower().encode():
                return value.strip().decode("latin-1")
        return None

    @property
    def reset(self) -> bool:
        return self.outcome == "reset"


def _target(rng: random.Random, host: str) -> str:
    query = "&".join(rng.choice(_MARKERS) + rng.choice(["", "=", "=1", "=%41", "=a?b"]) for _ in range(rng.randint(0, 3)))
    kind = rng.randrange(16)
    if kind == 0:
        return "http://" + rng.choice(["", "", "@", ":80", "[::1", "h:99999", "u@"]) + rng.choice(["", "/", "/?a", "?x"])
    if kind == 1:
        return rng.choice(["http:", "http:/", "https:///", "HTTP://", "http://?", "ftp://x/"])
    if kind == 2:
        return "/?" + "?".join(rng.choice(["a", "b=c", "", "deleteVectors"]) for _ in range(rng.randint(2, 2000)))
    if kind == 3:
        return "/" + "a" * rng.choice([100, 5000, 70000, 200000]) + "?" + query
    if kind == 4:
        return rng.choice(["*", "host:443", "%", "/%zz", "/\u00e9", "/a b", "/a\tb", "//", "/..", "?x", ""])
    if kind == 5:
        return f"http://{host}/?" + query + "?" * rng.randint(1, 5) + "x" * rng.choice([0, 9000])
    if kind == 6:
        return f"http://{host}/" + rng.choice(["", "obj", "%2F"]) + ("?" + query if query else "")
    return "/" + rng.choice(["", "", "bucket/", "b/x"]) + ("?" + query if query else "")


def _headers(rng: random.Random, host: str, body_len: int) -> tuple[list[str], bool]:
    """Header lines, and whether the framing they declare may leave the request incomplete."""
    out: list[str] = []
    open_ended = False
    if rng.random() < 0.9:
        out.append(f"Host: {rng.choice([host, host, 'b-1234567890123456.' + host, '', 'x' * 300, 'a b'])}")
    framing = rng.randrange(10)
    if framing < 6:
        out.append(f"Content-Length: {body_len}")
    elif framing == 6:
        out.append(f"Content-Length: {rng.choice(['abc', '-1', '1e3', '99999999999999999999', f'{body_len}, {body_len}'])}")
        open_ended = True
    elif framing == 7:
        out.append(f"Transfer-Encoding: {rng.choice(['chunked', 'gzip', 'chunked, gzip', 'identity'])}")
        open_ended = True
    for _ in range(rng.choice([0, 0, 1, 3, 10])):
        name = rng.choice(["Content-Type", "Content-MD5", "Authorization", "x-oss-date", "X-Junk", "Expect", "Connection",
                           "Upgrade", "Host", "Bad Name", "X\u00e9", "", "Content-Length"])
        value = rng.choice(["application/json", "100-continue", "close", "keep-alive", "upgrade", "websocket", "h2c",
                            "OSS4-HMAC-SHA256 Credential=x", "", "\x01\x7f", "v" * rng.choice([10, 9000, 70000])])
        out.append(f"{name}: {value}")
        open_ended |= name == "Content-Length"
    if rng.random() < 0.03:
        out += [f"X-H{i}: {i}" for i in range(rng.choice([200, 2000, 20000]))]
    return out, open_ended


def generate(rng: random.Random, host: str) -> RawRequest:
    """One random request aimed at ``host`` (used in the Host header and absolute targets)."""
    method = rng.choice(_METHODS)
    target = _target(rng, host)
    version = rng.choice(["HTTP/1.1"] * 12 + ["HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1", "http/1.1", ""])
    body = rng.choice([b"", b"", b"{}", b'{"indexName": "idx", "keys": ["a"]}', b"\x00\xff" * 10, b"x" * 100000])
    headers, open_ended = _headers(rng, host, len(body))
    eol = "\n" if rng.random() < 0.05 else "\r\n"
    line = " ".join(p for p in (method, target, version) if p) if rng.random() < 0.95 else f"{method}  {target} {version}"
    head = (line + eol + "".join(h + eol for h in headers) + eol).encode("utf-8", "surrogateescape")
    if rng.random() < 0.05:  # a second, pipelined request behind the first
        head += b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n" if not body else b""
    # A request whose framing may promise more than is sent is half-closed: the server then knows it is all there is.
    return RawRequest(head=head, body=body, split=bool(body) and rng.random() < 0.5,
                      half_close=open_ended or rng.random() < 0.3)


def send(port: int, request: RawRequest, timeout: float = 5.0, host: str = "127.0.0.1") -> RawAnswer:
    """Send one request on a fresh connection and read until the status line and headers arrived, or the end."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            if request.split:
                sock.sendall(request.head)
                time.sleep(0.002)
                sock.sendall(request.body)
            else:
                sock.sendall(request.head + request.body)
            if request.half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before it has read everything: the answer is what counts
        received = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in received or received.startswith(b"HTTP/1.1 1"):
            if received.startswith(b"HTTP/1.1 1") and b"\r\n\r\n" in received:  # 100 Continue: read on
                received = received.split(b"\r\n\r\n", 1)[1]
                continue
            if time.monotonic() > deadline:
                return RawAnswer(None, "timeout", received.split(b"\r\n", 1)[0])
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return RawAnswer(_status(received), "reset", received.split(b"\r\n", 1)[0])
            except TimeoutError:
                return RawAnswer(None, "timeout", received.split(b"\r\n", 1)[0])
            if not chunk:
                break
            received += chunk
    first = received.split(b"\r\n", 1)[0]
    status = _status(received)
    return RawAnswer(status, "answered" if status is not None else "closed", first, received.split(b"\r\n\r\n", 1)[0])


def _status(received: bytes) -> int | None:
    parts = received.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/1.") and parts[1].isdigit():
        return int(parts[1])
    return None
