"""Stress: concurrent clients of mixed valid operations plus fuzzed requests against one in-process emulator.

Usage::

    python -m benchmarks.bench_stress [--seconds 30] [--clients 8] [--fuzz 2000] [--http auto|httptools|h11] [--seed N]

Each client thread owns an index of a shared bucket and keeps a model of what it stored (key ->
version, carried in the metadata). It sends a weighted mix of PutVectors (new keys and
overwrites), DeleteVectors (stored and absent keys), GetVectors, ListVectors (paging through its
whole index), QueryVectors and the read-only setup operations, each correctly signed, over its own
keep-alive connection, and checks every answer against the model. Meanwhile a fuzz thread sends
``--fuzz`` requests spread over the run: raw socket requests from tests/helpers/raw_fuzz.py (bad
methods, targets, framing, header blocks, half-closes, pipelining) and, every fifth one, a correctly
signed request with a random body to a random operation of a separate bucket.

It prints, and all of these must be 0: 5xx answers, reset connections (a reset, or a connection
closed without an answer), unexpected answers to valid requests, lost vectors (stored per the model
but missing from GetVectors/ListVectors, or holding an older version) and resurrected vectors
(deleted per the model but returned). Then throughput per operation. Everything listens on
127.0.0.1; the run is bounded by ``--seconds`` and ``--fuzz``. It is a report, not a test: it exits 0.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from conformance import signing
from emulator.server import EmulatorConfig, EmulatorServer, Identity
from tests.helpers import raw_fuzz

REGION = "cn-hangzhou"
ACCOUNT = "1234567890123456"
AK, SK = "LTAIstressAccessKey", "stress-secret-not-a-real-one"
BUCKET, FUZZ_BUCKET = "stress", "stressfuzz"
DIMENSION = 4
MAX_MODEL = 3000  # keys per client before puts give way to deletes
RESETS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.RemoteDisconnected,
          http.client.BadStatusLine, http.client.IncompleteRead)
OPS = {  # weights of the valid mix
    "PutVectors": 30, "DeleteVectors": 25, "GetVectors": 20, "ListVectors": 6, "QueryVectors": 8,
    "GetVectorIndex": 4, "ListVectorIndexes": 3, "GetVectorBucket": 4,
}


def signed_headers(method: str, query: str, body: bytes, bucket: str, port: int) -> dict[str, str]:
    headers = [("Content-Type", "application/json"), ("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode())]
    signed = signing.sign_header(method=method, query=query, headers=headers, credentials=signing.Credentials(AK, SK),
                                 region=REGION, account_id=ACCOUNT, bucket=bucket, at=datetime.now(UTC))
    out = dict(signed.headers)
    out["Host"] = f"{bucket}-{ACCOUNT}.127.0.0.1:{port}"
    return out


class Connection:
    """One keep-alive connection; a reset is counted and the connection reopened."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.resets = 0

    def send(self, method: str, query: str, body: bytes, bucket: str = BUCKET) -> tuple[int, bytes] | None:
        headers = signed_headers(method, query, body, bucket, self.port)
        try:
            self.conn.request(method, "/?" + query if query else "/", body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.getheader("connection", "").lower() == "close":
                self.conn.close()
            return response.status, data
        except RESETS:
            self.resets += 1
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return None


@dataclass
class ClientTally:
    ops: Counter[str] = field(default_factory=Counter)
    five_xx: int = 0
    unexpected: list[str] = field(default_factory=list)
    lost: int = 0
    resurrected: int = 0


class Client(threading.Thread):
    """One client: its own index, a model of its vectors, a weighted mix of valid operations."""

    def __init__(self, n: int, port: int, deadline: float, seed: int) -> None:
        super().__init__(name=f"client-{n}", daemon=True)
        self.n, self.deadline = n, deadline
        self.index = f"c{n}"
        self.rng = random.Random(seed * 1000 + n)
        self.conn = Connection(port)
        self.model: dict[str, int] = {}  # key -> version
        self.uncertain: set[str] = set()  # keys of writes whose answer was lost to a reset
        self.tally = ClientTally()
        self.next_key = 0
        self.version = 0

    # helpers -------------------------------------------------------------------------------
    def _call(self, op: str, marker: str, payload: dict[str, Any], bucket: str = BUCKET) -> Any:
        result = self.conn.send("POST", f"{marker}=", json.dumps(payload).encode(), bucket)
        self.tally.ops[op] += 1
        if result is None:
            return None
        status, data = result
        if status >= 500:
            self.tally.five_xx += 1
        expected = 204 if op == "DeleteVectors" else 200
        if status != expected:
            self.tally.unexpected.append(f"{op} {status} {data[:120]!r}")
            return None
        return json.loads(data) if data else {}

    def _check_vectors(self, returned: list[dict[str, Any]], asked: set[str] | None) -> None:
        """Returned vectors against the model (``asked``: the keys requested; None: the whole index)."""
        seen = {v["key"]: v for v in returned}
        for key, item in seen.items():
            if key in self.uncertain:
                continue
            if key not in self.model:
                self.tally.resurrected += 1
            elif (item.get("metadata") or {}).get("v") != self.model[key]:
                self.tally.lost += 1  # an acknowledged overwrite (or the metadata) was lost
        expected = set(self.model) if asked is None else set(self.model) & asked
        self.tally.lost += len({k for k in expected - set(seen) if k not in self.uncertain})

    def _some_keys(self, count: int, absent: float = 0.2) -> list[str]:
        stored = list(self.model)
        keys = self.rng.sample(stored, min(count, len(stored)))
        keys += [f"c{self.n}-absent{self.rng.randrange(10**6)}" for _ in range(max(1, int(count * absent)))]
        return keys

    # operations ----------------------------------------------------------------------------
    def put(self) -> None:
        count = self.rng.randint(1, 50)
        keys: list[str] = []
        if self.model and self.rng.random() < 0.3:
            keys = self.rng.sample(list(self.model), min(count, len(self.model)))  # overwrites
        while len(keys) < count:
            keys.append(f"c{self.n}-k{self.next_key}")
            self.next_key += 1
        self.version += 1
        vectors = [{"key": k, "data": {"float32": [self.rng.random() for _ in range(DIMENSION)]},
                    "metadata": {"v": self.version}} for k in keys]
        answer = self._call("PutVectors", "putVectors", {"indexName": self.index, "vectors": vectors})
        if answer is None:
            self.uncertain.update(keys)
        else:
            self.model.update(dict.fromkeys(keys, self.version))

    def delete(self) -> None:
        keys = self._some_keys(self.rng.randint(1, 60))
        if self.rng.random() < 0.2:
            keys += keys[: self.rng.randint(1, len(keys))]  # duplicates collapse
        answer = self._call("DeleteVectors", "deleteVectors", {"indexName": self.index, "keys": keys})
        if answer is None:
            self.uncertain.update(keys)
        else:
            for key in keys:
                self.model.pop(key, None)

    def get(self) -> None:
        keys = list(dict.fromkeys(self._some_keys(self.rng.randint(1, 80))))[:100]
        answer = self._call("GetVectors", "getVectors",
                            {"indexName": self.index, "keys": keys, "returnMetadata": True})
        if answer is not None:
            self._check_vectors(answer["vectors"], set(keys))

    def list_all(self) -> None:
        returned: list[dict[str, Any]] = []
        token = None
        size = self.rng.choice([50, 500, 1000])
        while True:
            body: dict[str, Any] = {"indexName": self.index, "maxResults": size, "returnMetadata": True}
            if token:
                body["nextToken"] = token
            answer = self._call("ListVectors", "listVectors", body)
            if answer is None:
                return
            returned += answer["vectors"]
            token = answer.get("nextToken")
            if not token:
                break
        if len({v["key"] for v in returned}) != len(returned):
            self.tally.unexpected.append("ListVectors returned a key twice")
        self._check_vectors(returned, None)

    def query(self) -> None:
        answer = self._call("QueryVectors", "queryVectors", {
            "indexName": self.index, "queryVector": {"float32": [self.rng.random() for _ in range(DIMENSION)]},
            "topK": 5})
        if answer is not None:
            for item in answer["vectors"]:
                if item["key"] not in self.model and item["key"] not in self.uncertain:
                    self.tally.resurrected += 1

    def setup_reads(self, op: str) -> None:
        if op == "GetVectorIndex":
            self._call(op, "getVectorIndex", {"indexName": self.index})
        elif op == "ListVectorIndexes":
            self._call(op, "listVectorIndexes", {"maxResults": 5})
        else:
            result = self.conn.send("GET", "bucketInfo", b"")
            self.tally.ops[op] += 1
            if result is not None and result[0] != 200:
                self.tally.five_xx += result[0] >= 500
                self.tally.unexpected.append(f"{op} {result[0]}")

    def run(self) -> None:
        names, weights = list(OPS), list(OPS.values())
        while time.monotonic() < self.deadline:
            op = self.rng.choices(names, weights)[0]
            if op == "PutVectors" and len(self.model) > MAX_MODEL:
                op = "DeleteVectors"
            if op == "PutVectors":
                self.put()
            elif op == "DeleteVectors":
                self.delete()
            elif op == "GetVectors":
                self.get()
            elif op == "ListVectors":
                self.list_all()
            elif op == "QueryVectors":
                self.query()
            else:
                self.setup_reads(op)

    def final_check(self) -> None:
        """After the run: the whole index and every modelled key, once more."""
        self.list_all()
        keys = list(self.model)
        for start in range(0, len(keys), 100):
            chunk = keys[start:start + 100]
            answer = self._call("GetVectors", "getVectors", {"indexName": self.index, "keys": chunk, "returnMetadata": True})
            if answer is not None:
                self._check_vectors(answer["vectors"], set(chunk))


@dataclass
class FuzzTally:
    outcomes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def fuzz(port: int, count: int, seconds: float, seed: int, tally: FuzzTally) -> None:
    """``count`` fuzzed requests spread over ``seconds``; every fifth one correctly signed with a random body."""
    rng = random.Random(seed)
    host = f"127.0.0.1:{port}"
    markers = ["deleteVectors", "putVectors", "getVectors", "listVectors", "queryVectors", "putVectorIndex",
               "getVectorIndex", "deleteVectorIndex", "listVectorIndexes"]
    start = time.monotonic()
    for i in range(count):
        delay = start + seconds * i / count - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if i % 5 == 4:
            body = _random_body(rng)
            head = _signed_head("POST", f"{rng.choice(markers)}=", body, port)
            request = raw_fuzz.RawRequest(head=head, body=body, split=rng.random() < 0.3, half_close=rng.random() < 0.2)
        else:
            request = raw_fuzz.generate(rng, host)
        try:
            answer = raw_fuzz.send(port, request, timeout=10)
        except OSError as exc:  # could not even connect
            tally.outcomes[f"connect-error {exc.__class__.__name__}"] += 1
            continue
        tally.outcomes[answer.outcome] += 1
        if answer.status is not None:
            tally.statuses[answer.status] += 1
        if (answer.outcome != "answered" or (answer.status or 0) >= 500) and len(tally.examples) < 5:
            tally.examples.append(f"{answer.outcome} {answer.status} {request.head[:120]!r}")


def _random_body(rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    value: Any = {"indexName": rng.choice(["idx", "nope", "", 1, None]),
                  "keys": rng.choice([["a"], [], "a", [1, 2], ["x" * 1025], [f"k{i}" for i in range(501)]]),
                  "vectors": rng.choice([[], [{"key": "a", "data": {"float32": [1, 2, 3, 4]}}], "v", [{"key": 1}]]),
                  "maxResults": rng.choice([0, 1, 1001, "x"]), "nextToken": rng.choice(["", "!!", "eyJhIjoxfQ=="]),
                  "topK": rng.choice([0, 1, 1000, None]), "queryVector": {"float32": [1, 2, 3, 4]},
                  "dimension": rng.choice([0, 4, 5000]), "filter": rng.choice([{}, {"a": {"$nor": 1}}, []])}
    text = json.dumps({k: v for k, v in value.items() if rng.random() < 0.6})
    return (text[: rng.randrange(len(text))] if choice == 1 else text).encode()


def _signed_head(method: str, query: str, body: bytes, port: int) -> bytes:
    headers = signed_headers(method, query, body, FUZZ_BUCKET, port)
    lines = [f"{method} /?{query} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def setup(port: int, clients: int) -> None:
    conn = Connection(port)
    for bucket in (BUCKET, FUZZ_BUCKET):
        assert conn.send("PUT", "", b"", bucket) is not None
    for n in range(clients):
        body = json.dumps({"indexName": f"c{n}", "dataType": "float32", "dimension": DIMENSION,
                           "distanceMetric": "euclidean"}).encode()
        assert conn.send("POST", "putVectorIndex=", body) == (200, b"")
    body = json.dumps({"indexName": "idx", "dimension": DIMENSION}).encode()
    assert conn.send("POST", "putVectorIndex=", body, FUZZ_BUCKET) == (200, b"")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--fuzz", type=int, default=2000)
    parser.add_argument("--http", default="auto", choices=["auto", "httptools", "h11"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="switch an emulator fault on, to see the checks catch it (e.g. list_shows_deleted)")
    args = parser.parse_args(argv)

    config = EmulatorConfig(identities=[Identity(AK, SK, ACCOUNT)], region=REGION, http=args.http,
                            options={"max_indexes": 1000}, faults=frozenset(args.fault))
    with EmulatorServer(config, host="127.0.0.1", port=0) as srv:
        setup(srv.port, args.clients)
        start = time.monotonic()
        deadline = start + args.seconds
        clients = [Client(n, srv.port, deadline, args.seed) for n in range(args.clients)]
        fuzz_tally = FuzzTally()
        fuzzer = threading.Thread(target=fuzz, args=(srv.port, args.fuzz, args.seconds, args.seed, fuzz_tally), daemon=True)
        for thread in [*clients, fuzzer]:
            thread.start()
        for client in clients:
            client.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - start
        fuzzer.join(timeout=args.seconds + 120)
        ops = Counter[str]()
        for client in clients:
            ops.update(client.tally.ops)  # the final check below is not part of the timed mix
            client.final_check()
        parser_name = args.http if args.http != "auto" else ("httptools" if _has("httptools") else "h11")

    five_xx = sum(c.tally.five_xx for c in clients) + sum(n for s, n in fuzz_tally.statuses.items() if s >= 500)
    resets = sum(c.conn.resets for c in clients) + sum(n for o, n in fuzz_tally.outcomes.items() if o != "answered")
    unexpected = [u for c in clients for u in c.tally.unexpected]
    lost = sum(c.tally.lost for c in clients)
    resurrected = sum(c.tally.resurrected for c in clients)
    uncertain = sum(len(c.uncertain) for c in clients)
    total = sum(ops.values())

    print(f"bench_stress: {args.clients} clients x {elapsed:.1f} s + {sum(fuzz_tally.outcomes.values())} fuzzed requests,"
          f" parser {parser_name}, seed {args.seed}" + (f", faults {', '.join(args.fault)}" if args.fault else ""))
    print(f"  5xx answers:            {five_xx}")
    print(f"  reset connections:      {resets}")
    print(f"  unexpected answers:     {len(unexpected)}" + (f"  e.g. {unexpected[:3]}" if unexpected else ""))
    print(f"  lost vectors:           {lost}")
    print(f"  resurrected vectors:    {resurrected}")
    print(f"  (keys left uncertain by a reset: {uncertain})")
    print(f"  throughput:             {total / elapsed:.0f} valid requests/s ({total} in {elapsed:.1f} s)")
    for name in OPS:
        print(f"    {name:<18} {ops[name]:>7}  {ops[name] / elapsed:7.0f}/s")
    print(f"  fuzz outcomes:          {dict(fuzz_tally.outcomes)}")
    print(f"  fuzz statuses:          {dict(sorted(fuzz_tally.statuses.items()))}")
    for example in fuzz_tally.examples:
        print(f"    {example}")
    verdict = "all zero" if not (five_xx or resets or unexpected or lost or resurrected) else "NOT all zero"
    print(f"  verdict:                {verdict}")
    return 0


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    raise SystemExit(main())
