"""The options for correct-but-undocumented server behaviours: lagging reads, check order, setup throttling,
Connection: close, and the random combinations of correct alternatives."""

from __future__ import annotations

import itertools
import json
import random
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from conformance import signing
from emulator.options import (
    CHECK_STAGES,
    CORRECT_ALTERNATIVES,
    DEFAULT_CHECK_ORDER,
    OPTION_DOCS,
    random_combination,
    resolve_options,
)
from emulator.server import EmulatorConfig, EmulatorServer
from emulator.store import Visibility
from tests.helpers.emulator_client import ACCT, IDENTITIES, MAIN, REGION, EmulatorClient, error_code, md5_b64

IVP = "VectorIndexParameterInvalid"


def outcome(r: Any) -> tuple[int, str | None]:
    return r.status_code, error_code(r)


@contextmanager
def serving(**options: object) -> Iterator[tuple[EmulatorServer, EmulatorClient]]:
    """An emulator with ``options``, bucket "opt" and index "idx" (dimension 4)."""
    qps = options.pop("qps_limit", None)
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, options=options, qps_limit=qps)) as srv:  # type: ignore[arg-type]
        raw = EmulatorClient(srv.url)
        raw.create_bucket("opt")
        raw.create_index("opt")
        yield srv, raw


def listed(raw: EmulatorClient) -> set[str]:
    return raw.keys("opt")


def got(raw: EmulatorClient, keys: list[str]) -> list[str]:
    return [v["key"] for v in raw.get("opt", keys)]


def until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.monotonic()))


# --- lagging reads ------------------------------------------------------------------------


def test_list_delete_lag_keeps_deleted_vectors_listed_for_a_while() -> None:
    with serving(list_delete_lag_s=0.6) as (srv, raw):
        raw.put("opt", "idx", ["a", "b"])
        assert raw.delete("opt", ["a"]).status_code == 204
        start = time.monotonic()
        assert listed(raw) == {"a", "b"}  # List still shows it...
        assert got(raw, ["a", "b"]) == ["b"]  # ...Get does not lag
        query = {"indexName": "idx", "queryVector": {"float32": [1, 2, 3, 0]}, "topK": 5}
        assert {v["key"] for v in raw.call("queryVectors", "opt", query).json()["vectors"]} == {"a", "b"}  # Query follows List
        srv.set_faults({"absent_key_404"})  # a fault that looks the keys up in the store: it has no "a" any more
        assert outcome(raw.delete("opt", ["a"])) == (404, "NoSuchKey")
        srv.set_faults(())
        until(start + 0.75)
        assert listed(raw) == {"b"}


def test_get_delete_lag_and_a_later_put_shows_the_new_vector() -> None:
    with serving(get_delete_lag_s=0.6) as (_, raw):
        raw.put("opt", "idx", ["a"], meta={"v": "old"})
        raw.delete("opt", ["a"])
        start = time.monotonic()
        assert got(raw, ["a"]) == ["a"] and listed(raw) == set()
        raw.put("opt", "idx", ["a"], meta={"v": "new"})
        assert [v["metadata"] for v in raw.get("opt", ["a"])] == [{"v": "new"}]
        raw.delete("opt", ["a"])
        assert [v["metadata"] for v in raw.get("opt", ["a"])] == [{"v": "new"}]  # lags behind the second delete
        until(start + 0.75)
        assert got(raw, ["a"]) == []


def test_put_visibility_lag_shows_the_previous_state_meanwhile() -> None:
    with serving(put_visibility_lag_s=0.5) as (_, raw):
        raw.put("opt", "idx", ["a"], meta={"v": 1})
        assert listed(raw) == set() and got(raw, ["a"]) == []  # not visible yet
        time.sleep(0.6)
        raw.put("opt", "idx", ["a"], meta={"v": 2})  # an overwrite: reads show the old vector meanwhile
        assert [v["metadata"] for v in raw.get("opt", ["a"])] == [{"v": 1}]
        assert raw.delete("opt", ["a"]).status_code == 204  # the delete is not lagged: gone at once
        assert listed(raw) == set() and got(raw, ["a"]) == []
        time.sleep(0.6)
        assert listed(raw) == set() and got(raw, ["a"]) == []  # and never resurrected


def test_lagged_reads_page_and_segment_over_visible_rows() -> None:
    with serving(list_delete_lag_s=30) as (_, raw):
        keys = [f"k{i:03d}" for i in range(120)]
        raw.put("opt", "idx", keys)
        raw.delete("opt", keys[::2])
        raw.put("opt", "idx", ["new"])
        found: list[str] = []
        for seg in range(3):
            token = None
            while True:
                body: dict[str, Any] = {"indexName": "idx", "maxResults": 7, "segmentCount": 3, "segmentIndex": seg}
                if token:
                    body["nextToken"] = token
                page = raw.call("listVectors", "opt", body).json()
                found += [v["key"] for v in page["vectors"]]
                token = page.get("nextToken")
                if not token:
                    break
        assert sorted(found) == sorted([*keys, "new"])


def test_lag_jitter_is_a_fixed_per_key_fraction() -> None:
    vis = Visibility(list_delete=2.0, get_delete=1.0, put=0.5, jitter=True)
    fraction = zlib.crc32(b"doc") / 0xFFFFFFFF
    assert vis.lag("list", "delete", b"doc") == pytest.approx(2.0 * fraction)
    assert vis.lag("get", "delete", b"doc") == pytest.approx(1.0 * fraction)
    assert vis.lag("list", "put", b"doc") == vis.lag("get", "put", b"doc") == pytest.approx(0.5 * fraction)
    lags = [vis.lag("list", "delete", f"k{i}".encode()) for i in range(2000)]
    assert 0 <= min(lags) < 0.1 and 1.9 < max(lags) <= 2.0 and 0.9 < sum(lags) / len(lags) < 1.1
    assert Visibility(list_delete=2.0).lag("list", "delete", b"doc") == 2.0


def test_lag_jitter_end_to_end() -> None:
    keys = [f"j{i}" for i in range(40)]
    lag = {k: 1.5 * zlib.crc32(k.encode()) / 0xFFFFFFFF for k in keys}
    early = [k for k in keys if lag[k] < 0.4]
    late = [k for k in keys if lag[k] > 1.0]
    assert early and late
    with serving(list_delete_lag_s=1.5, lag_jitter=True) as (_, raw):
        raw.put("opt", "idx", keys)
        raw.delete("opt", keys)
        start = time.monotonic()
        until(start + 0.5)
        now = listed(raw)
        assert not now & set(early) and set(late) <= now


# --- the order of the DeleteVectors checks ---------------------------------------------


def test_every_permutation_is_a_valid_order() -> None:
    for order in itertools.permutations(CHECK_STAGES):
        assert sorted(resolve_options({"delete_check_order": ",".join(order)}).check_order) == sorted(CHECK_STAGES)
    for bad in ("auth,bucket", "auth,auth,bucket,digest,json,fields,index", "auth,bucket,digest,json,fields,index,nope"):
        with pytest.raises(ValueError):
            resolve_options({"delete_check_order": bad})
    assert resolve_options({}).check_order == CHECK_STAGES == tuple(DEFAULT_CHECK_ORDER.split(","))
    # the older option is an alias: false puts the key checks just before the index lookup
    assert resolve_options({"index_before_key_checks": False}).check_order == (
        "auth", "bucket", "digest", "json", "fields", "keys", "index")


PREREQUISITES = {"fields": ("json",), "index": ("fields", "bucket"), "keys": ("fields",)}
# What each single problem looks like on the wire, and the answer it gets when it is the first one found.
PROBLEMS: dict[str, tuple[int, str]] = {
    "auth": (403, "SignatureDoesNotMatch"),
    "bucket": (404, "NoSuchBucket"),
    "digest": (400, "InvalidDigest"),
    "json": (400, "MalformedJson"),
    "fields": (400, IVP),
    "index": (404, "NoSuchVectorIndex"),
    "keys": (400, IVP),
}


def effective(order: tuple[str, ...]) -> list[str]:
    """The order the checks actually run in: a check's prerequisites run first (an independent model)."""
    out: list[str] = []

    def run(stage: str) -> None:
        if stage in out:
            return
        for needed in PREREQUISITES.get(stage, ()):
            run(needed)
        out.append(stage)

    for stage in order:
        run(stage)
    return out


def json_bytes(body: Any) -> bytes:
    return json.dumps(body).encode()


def send(raw: EmulatorClient, problems: set[str], bucket: str) -> Any:
    body: Any = {"indexName": "nope" if "index" in problems else "idx", "keys": [""] if "keys" in problems else ["a"]}
    if "fields" in problems:
        body["keys"] = "a"
    data = b'{"indexName": "idx", "keys": ["a"' if "json" in problems else json_bytes(body)
    headers = [("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")] if "digest" in problems else []
    return raw.request("POST", "nosuch" if "bucket" in problems else bucket, "deleteVectors=", data,
                       headers=headers, md5="digest" not in problems, secret="wrong" if "auth" in problems else None)


ORDERS = [DEFAULT_CHECK_ORDER, ",".join(reversed(CHECK_STAGES)), *[str(o) for o in CORRECT_ALTERNATIVES["delete_check_order"]]]
ORDERS += [",".join(random.Random(seed).sample(CHECK_STAGES, len(CHECK_STAGES))) for seed in range(8)]


@pytest.mark.parametrize("order", ORDERS)
def test_check_order(order: str) -> None:
    stages = tuple(order.split(","))
    with serving(delete_check_order=order) as (_, raw):
        for stage in CHECK_STAGES:  # one problem alone: always its own answer, whatever the order
            raw.put("opt", "idx", ["a"])
            assert outcome(send(raw, {stage}, "opt")) == PROBLEMS[stage], stage
            assert raw.keys("opt") == {"a"}
        ran = effective(stages)
        for pair in itertools.combinations(CHECK_STAGES, 2):  # two problems: the check that runs first answers
            winner = min(pair, key=ran.index)  # (an unparsable body hides the problems of its members: json runs first)
            assert outcome(send(raw, set(pair), "opt")) == PROBLEMS[winner], pair
        assert raw.delete("opt", ["a"]).status_code == 204 and raw.keys("opt") == set()


def path_style_delete(srv: EmulatorServer, bucket: str, keys: list[str], secret: str = MAIN.access_key_secret) -> Any:
    """``POST /{bucket}/?deleteVectors=`` with a bare Host: the request names no account, only its credentials do."""
    body = json_bytes({"indexName": "idx", "keys": keys})
    signed = signing.sign_header(method="POST", query="deleteVectors=", headers=[("Content-Type", "application/json"),
                                 ("Content-MD5", md5_b64(body))], credentials=signing.Credentials(MAIN.access_key_id, secret),
                                 region=REGION, account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    headers = dict(signed.headers) | {"Host": f"127.0.0.1:{srv.port}"}
    return requests.post(f"{srv.url}/{bucket}/?deleteVectors=", data=body, headers=headers, timeout=30)


def test_path_style_request_authenticates_before_the_lookups() -> None:
    """The bucket check needs the caller's account, so authentication runs before it whatever the order."""
    with serving(delete_check_order="bucket,index,digest,json,fields,keys,auth") as (srv, raw):
        raw.put("opt", "idx", ["a", "b"])
        assert outcome(path_style_delete(srv, "opt", ["a"], secret="wrong")) == (403, "SignatureDoesNotMatch")
        assert outcome(path_style_delete(srv, "nosuch", ["a"], secret="wrong")) == (403, "SignatureDoesNotMatch")
        assert outcome(path_style_delete(srv, "nosuch", ["a"])) == (404, "NoSuchBucket")
        assert path_style_delete(srv, "opt", ["a"]).status_code == 204 and raw.keys("opt") == {"b"}


def test_auth_last_still_throttles_and_counts_only_authenticated_requests() -> None:
    with serving(delete_check_order="bucket,digest,json,fields,index,keys,auth", qps_limit=3,
                 throttle_partial_delete=False) as (_, raw):
        time.sleep(1.05)  # the setup requests used the window
        raw.put("opt", "idx", ["a", "b"])
        for _ in range(5):
            assert outcome(raw.delete("opt", ["a"], index="nope")) == (404, "NoSuchVectorIndex")
        statuses = [raw.delete("opt", ["zz"]).status_code for _ in range(4)]
        assert 503 in statuses and statuses[0] == 204


# --- throttling of setup operations ------------------------------------------------------


def test_setup_qps_limit_throttles_each_setup_operation_on_its_own() -> None:
    with serving(setup_qps_limit=3) as (_, raw):
        time.sleep(1.05)
        index = [raw.call("getVectorIndex", "opt", {"indexName": "idx"}) for _ in range(4)]
        assert [r.status_code for r in index[:3]] == [200, 200, 200]
        assert outcome(index[3]) == (503, "QpsLimitExceeded")
        error = index[3].json()["Error"]
        assert index[3].headers["Content-Type"] == "application/json"
        assert error["RequestId"] == index[3].headers["x-oss-request-id"] and error["EC"] == index[3].headers["x-oss-ec"]
        assert raw.call("listVectors", "opt", {"indexName": "idx"}).status_code == 200  # its own window
        assert all(raw.delete("opt", ["a"]).status_code == 204 for _ in range(10))  # DeleteVectors is not limited
        time.sleep(1.05)
        assert raw.call("getVectorIndex", "opt", {"indexName": "idx"}).status_code == 200


# --- Connection: close ---------------------------------------------------------------------


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_connection_close(http: str) -> None:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, http=http, options={"connection_close": True})) as srv:
        raw = EmulatorClient(srv.url)
        r = raw.request("PUT", "ccb")
        assert r.status_code == 200 and r.headers["Connection"] == "close"
        assert raw.request("PUT", "ccb").headers["Connection"] == "close"  # errors too
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: ccb-{ACCT}.127.0.0.1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            received = b""
            while chunk := sock.recv(65536):  # the server closes after the first answer
                received += chunk
        assert received.count(b"HTTP/1.1 ") == 1 and b"connection: close" in received.lower()


# --- combinations of correct alternatives ----------------------------------------------------


def test_correct_alternatives_are_valid_non_default_values() -> None:
    for name, values in CORRECT_ALTERNATIVES.items():
        assert name in OPTION_DOCS and values
        for value in values:
            assert value != OPTION_DOCS[name]["default"], name
            assert getattr(resolve_options({name: value}), name) == value
    assert "auth_header_whitespace" not in CORRECT_ALTERNATIVES  # the documented template has spaces


def test_random_combination_is_deterministic_and_distinct() -> None:
    assert random_combination(7) == random_combination(7)
    assert len({tuple(sorted(random_combination(s).items())) for s in range(50)}) > 40
    for seed in range(200):
        combo = random_combination(seed, size=5)
        assert len(combo) == 5
        assert all(value in CORRECT_ALTERNATIVES[name] for name, value in combo.items())
        resolve_options(combo)
    assert random_combination(1, size=0) == {}
    assert len(random_combination(1, size=len(CORRECT_ALTERNATIVES))) == len(CORRECT_ALTERNATIVES)
    with pytest.raises(ValueError):
        random_combination(1, size=len(CORRECT_ALTERNATIVES) + 1)


def eventually(check: Callable[[], bool], seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)  # slow enough for setup_qps_limit
    return True


@pytest.mark.parametrize("seed", range(6))
def test_a_combination_serves_valid_requests_as_documented(seed: int) -> None:
    combo = random_combination(seed)
    with serving(**combo) as (_, raw):
        raw.put("opt", "idx", ["a", "b", "c"])
        assert eventually(lambda: listed(raw) == {"a", "b", "c"}), combo
        assert raw.delete("opt", ["a", "b"]).status_code == 204, combo
        assert eventually(lambda: listed(raw) == {"c"} and got(raw, ["a", "b", "c"]) == ["c"]), combo
