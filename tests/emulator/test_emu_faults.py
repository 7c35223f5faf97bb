"""One scenario per fault: the fault changes exactly the described behaviour, the healthy server does not."""

from __future__ import annotations

import itertools
import os
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from emulator.faults import FAULTS
from emulator.server import EmulatorConfig, EmulatorServer, Identity
from tests.helpers.emulator_client import ACCT, IDENTITIES, OTHER, STS, EmulatorClient, error_code

_names = itertools.count()


@dataclass
class Env:
    emu: EmulatorServer
    raw: EmulatorClient
    bucket: str

    def fresh_bucket(self) -> str:
        name = f"f{os.getpid() % 100000}x{next(_names)}"
        self.raw.create_bucket(name)
        self.raw.create_index(name)
        return name


def fresh_env(emu: EmulatorServer) -> Env:
    env = Env(emu, EmulatorClient(emu.url), "")
    env.bucket = env.fresh_bucket()
    return env


def outcome(r: Any) -> tuple[int, str | None]:
    return r.status_code, error_code(r)


def keys_501(env: Env) -> list[str]:
    keys = [f"k{i:04d}" for i in range(501)]
    env.raw.put(env.bucket, "idx", keys)
    return keys


# --- scenarios --------------------------------------------------------------------------


def s_accept_501(env: Env) -> Any:
    keys = keys_501(env)
    return env.raw.delete(env.bucket, keys).status_code, len(env.raw.keys(env.bucket))


def s_reject_500(env: Env) -> Any:
    keys = keys_501(env)[:500]
    return outcome(env.raw.delete(env.bucket, keys))


def s_empty(env: Env) -> Any:
    return env.raw.delete(env.bucket, []).status_code


def s_limit_code(env: Env) -> Any:
    return error_code(env.raw.delete(env.bucket, [f"k{i}" for i in range(501)]))


def s_string_keys(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["k"])
    return env.raw.delete(env.bucket, "k").status_code, env.raw.keys(env.bucket)


def s_coerced(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["1", "2", "3"])
    return env.raw.delete(env.bucket, [1, 2]).status_code, env.raw.keys(env.bucket)


def s_missing_keys(env: Env) -> Any:
    return env.raw.call("deleteVectors", env.bucket, {"indexName": "idx"}).status_code


def s_validate_after_delete(env: Env) -> Any:
    keys = keys_501(env)
    return env.raw.delete(env.bucket, keys).status_code, len(env.raw.keys(env.bucket))


def s_bad_json(env: Env) -> Any:
    return outcome(env.raw.call("deleteVectors", env.bucket, b'{"indexName": "idx", "keys": ["a"'))


def s_lenient(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", "b"])
    r = env.raw.call("deleteVectors", env.bucket, b"{'indexName': 'idx', 'keys': ['a',],}")
    return r.status_code, env.raw.keys(env.bucket)


def s_missing_index(env: Env) -> Any:
    return outcome(env.raw.delete(env.bucket, ["a"], index="nope"))


def s_missing_bucket(env: Env) -> Any:
    return outcome(env.raw.delete("nosuchbucket", ["a"]))


def s_absent_key(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a"])
    return outcome(env.raw.delete(env.bucket, ["a", "zz"])), env.raw.keys(env.bucket)


def s_prefix(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["doc-1", "doc-10", "doc-2"])
    env.raw.delete(env.bucket, ["doc-1"])
    return env.raw.keys(env.bucket)


def s_case(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["Doc", "doc", "DOC"])
    env.raw.delete(env.bucket, ["doc"])
    return env.raw.keys(env.bucket)


def s_strip(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", " a"])
    env.raw.delete(env.bucket, [" a"])
    return env.raw.keys(env.bucket)


NFC, NFD = unicodedata.normalize("NFC", "caf\u00e9"), unicodedata.normalize("NFD", "caf\u00e9")


def s_nfc(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", [NFC])
    env.raw.delete(env.bucket, [NFD])
    return env.raw.keys(env.bucket)


def s_cross_index(env: Env) -> Any:
    env.raw.create_index(env.bucket, "other")
    env.raw.put(env.bucket, "idx", ["a"])
    env.raw.put(env.bucket, "other", ["a", "b"])
    env.raw.delete(env.bucket, ["a"])
    return env.raw.keys(env.bucket, "other")


def s_cross_bucket(env: Env) -> Any:
    second = env.fresh_bucket()
    env.raw.put(env.bucket, "idx", ["a"])
    env.raw.put(second, "idx", ["a", "b"])
    env.raw.delete(env.bucket, ["a"])
    return env.raw.keys(second)


def s_first_100(env: Env) -> Any:
    keys = [f"k{i:03d}" for i in range(150)]
    env.raw.put(env.bucket, "idx", keys)
    return env.raw.delete(env.bucket, keys).status_code, len(env.raw.keys(env.bucket))


def s_survivors(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", "b"], meta={"color": "red"})
    env.raw.delete(env.bucket, ["a"])
    return [v.get("metadata") for v in env.raw.get(env.bucket, ["b"])]


def s_second_delete(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a"])
    env.raw.delete(env.bucket, ["a"])
    return outcome(env.raw.delete(env.bucket, ["a"]))


def s_put_after_delete(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a"])
    env.raw.delete(env.bucket, ["a"])
    env.raw.put(env.bucket, "idx", ["a"])
    return env.raw.keys(env.bucket)


def s_list_deleted(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", "b"])
    env.raw.delete(env.bucket, ["a"])
    return env.raw.keys(env.bucket), [v["key"] for v in env.raw.get(env.bucket, ["a", "b"])]


def s_get_deleted(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", "b"])
    env.raw.delete(env.bucket, ["a"])
    return env.raw.keys(env.bucket), [v["key"] for v in env.raw.get(env.bucket, ["a", "b"])]


def s_duplicates(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", "b"])
    return outcome(env.raw.delete(env.bucket, ["a", "a"])), env.raw.keys(env.bucket)


def s_md5(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a"])
    wrong = [("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")]
    return outcome(env.raw.delete(env.bucket, ["a"], md5=False, headers=wrong)), env.raw.keys(env.bucket)


def s_lost_update(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a", "b"])
    worker = threading.Thread(target=lambda: EmulatorClient(env.emu.url).delete(env.bucket, ["a"]))
    worker.start()
    time.sleep(0.015)
    env.raw.put(env.bucket, "idx", ["new"])
    worker.join()
    return env.raw.keys(env.bucket)


def s_success_200(env: Env) -> Any:
    r = env.raw.delete(env.bucket, ["a"])
    return r.status_code, r.content


def s_no_request_id(env: Env) -> Any:
    return "x-oss-request-id" in env.raw.delete(env.bucket, ["a"]).headers


def s_error_content_type(env: Env) -> Any:
    r = env.raw.call("deleteVectors", env.bucket, b"{")
    return r.headers["Content-Type"], r.content[:5]


def s_request_id(env: Env) -> Any:
    r = env.raw.call("deleteVectors", env.bucket, b"{")
    return r.json()["Error"]["RequestId"] == r.headers["x-oss-request-id"]


def s_bad_sig(env: Env) -> Any:
    return env.raw.delete(env.bucket, ["a"], secret="wrong").status_code


def s_skew(env: Env) -> Any:
    return env.raw.delete(env.bucket, ["a"], at=datetime.now(UTC) + timedelta(hours=1)).status_code


def s_expiry(env: Env) -> Any:
    return env.raw.delete(env.bucket, ["a"], mode="query", at=datetime.now(UTC) - timedelta(minutes=5), expires=60).status_code


def s_region(env: Env) -> Any:
    return env.raw.delete(env.bucket, ["a"], region="cn-beijing").status_code


def s_product(env: Env) -> Any:
    return env.raw.delete(env.bucket, ["a"], product="ossvector").status_code


def s_cross_account(env: Env) -> Any:
    env.raw.put(env.bucket, "idx", ["a"])
    r = EmulatorClient(env.emu.url, OTHER).delete(env.bucket, ["a"], account=ACCT)
    return r.status_code, env.raw.keys(env.bucket)


def s_anonymous(env: Env) -> Any:
    return outcome(env.raw.delete(env.bucket, ["a"], mode="none"))


def s_sts_unchecked(env: Env) -> Any:
    return EmulatorClient(env.emu.url, STS).delete(env.bucket, ["a"], token=None).status_code


def s_presigned(env: Env) -> Any:
    return outcome(env.raw.delete(env.bucket, ["a"], mode="query"))


def s_sts(env: Env) -> Any:
    return EmulatorClient(env.emu.url, STS).delete(env.bucket, ["a"]).status_code


def s_unknown_key(env: Env) -> Any:
    return EmulatorClient(env.emu.url, Identity("LTAI5tGhost", "x", ACCT)).delete(env.bucket, ["a"]).status_code


def s_without_limit(env: Env) -> Any:
    keys = [f"k{i:03d}" for i in range(101)]
    env.raw.put(env.bucket, "idx", keys)
    return outcome(env.raw.delete(env.bucket, keys)), len(env.raw.keys(env.bucket))


IVP = "VectorIndexParameterInvalid"
CASES: dict[str, tuple[Callable[[Env], Any], Any, Any]] = {
    "accept_501_keys": (s_accept_501, (204, 0), (400, 501)),
    "reject_500_keys": (s_reject_500, (400, IVP), (204, None)),
    "accept_empty_keys": (s_empty, 204, 400),
    "wrong_limit_code": (s_limit_code, "InvalidArgument", IVP),
    "keys_string_accepted": (s_string_keys, (204, set()), (400, {"k"})),
    "non_string_keys_coerced": (s_coerced, (204, {"3"}), (400, {"1", "2", "3"})),
    "missing_keys_field_ok": (s_missing_keys, 204, 400),
    "validate_after_delete": (s_validate_after_delete, (400, 1), (400, 501)),
    "malformed_json_wrong_code": (s_bad_json, (400, IVP), (400, "MalformedJson")),
    "malformed_json_500": (s_bad_json, (500, "InternalError"), (400, "MalformedJson")),
    "lenient_json": (s_lenient, (204, {"b"}), (400, {"a", "b"})),
    "missing_index_204": (s_missing_index, (204, None), (404, "NoSuchVectorIndex")),
    "missing_index_wrong_code": (s_missing_index, (404, "NoSuchIndex"), (404, "NoSuchVectorIndex")),
    "missing_bucket_403": (s_missing_bucket, (403, "AccessDenied"), (404, "NoSuchBucket")),
    "absent_key_404": (s_absent_key, ((404, "NoSuchKey"), {"a"}), ((204, None), set())),
    "prefix_match": (s_prefix, {"doc-2"}, {"doc-10", "doc-2"}),
    "case_insensitive_match": (s_case, set(), {"Doc", "DOC"}),
    "strip_whitespace": (s_strip, {" a"}, {"a"}),
    "unicode_nfc_match": (s_nfc, set(), {NFC}),
    "cross_index_delete": (s_cross_index, {"b"}, {"a", "b"}),
    "cross_bucket_delete": (s_cross_bucket, {"b"}, {"a", "b"}),
    "only_first_100": (s_first_100, (204, 50), (204, 0)),
    "touches_survivors": (s_survivors, [None], [{"color": "red"}]),
    "second_delete_404": (s_second_delete, (404, "NoSuchKey"), (204, None)),
    "put_after_delete_ignored": (s_put_after_delete, set(), {"a"}),
    "list_shows_deleted": (s_list_deleted, ({"a", "b"}, ["b"]), ({"b"}, ["b"])),
    "get_shows_deleted": (s_get_deleted, ({"b"}, ["a", "b"]), ({"b"}, ["b"])),
    "server_error_on_duplicates": (s_duplicates, ((500, "InternalError"), {"a", "b"}), ((204, None), {"b"})),
    "md5_unchecked": (s_md5, ((204, None), set()), ((400, "InvalidDigest"), {"a"})),
    "lost_update": (s_lost_update, {"b"}, {"b", "new"}),
    "success_200_body": (s_success_200, (200, b"{}"), (204, b"")),
    "success_no_request_id": (s_no_request_id, False, True),
    "error_xml": (s_error_content_type, ("application/json", b"<?xml"), ("application/json", b'{"Err')),  # XML labelled JSON
    "error_json_charset": (s_error_content_type, ("application/json; charset=utf-8", b'{"Err'), ("application/json", b'{"Err')),
    "error_request_id_mismatch": (s_request_id, False, True),
    "auth_accept_bad_signature": (s_bad_sig, 204, 403),
    "auth_ignore_skew": (s_skew, 204, 403),
    "auth_ignore_presign_expiry": (s_expiry, 204, 403),
    "auth_ignore_scope_region": (s_region, 204, 403),
    "auth_ignore_product": (s_product, 204, 403),
    "auth_cross_account": (s_cross_account, (204, set()), (403, {"a"})),
    "auth_anonymous_allowed": (s_anonymous, (204, None), (403, "AccessDenied")),
    "auth_anonymous_401": (s_anonymous, (401, "AccessDenied"), (403, "AccessDenied")),
    "auth_sts_token_unchecked": (s_sts_unchecked, 204, 403),
    "auth_reject_presigned": (s_presigned, (403, "SignatureDoesNotMatch"), (204, None)),
    "auth_reject_sts": (s_sts, 403, 204),
    "auth_unknown_key_accepted": (s_unknown_key, 204, 403),
    "throttle_without_limit": (s_without_limit, ((503, "QpsLimitExceeded"), 101), ((204, None), 0)),
}
THROTTLED = {"throttle_429", "throttle_collateral", "retry_after_throttle_noop"}


def test_every_fault_is_exercised() -> None:
    assert set(CASES) | THROTTLED == set(FAULTS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fault(name: str, emu: EmulatorServer) -> None:
    scenario, faulty, healthy = CASES[name]
    emu.set_faults({name})
    try:
        got = scenario(fresh_env(emu))
    finally:
        emu.set_faults(())
    assert got == faulty
    assert scenario(fresh_env(emu)) == healthy


# --- the two faults that need a QPS limit (a fresh limited server each: an empty window) --


def throttled_delete(faults: set[str]) -> tuple[int, set[str]]:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, qps_limit=5, faults=frozenset(faults))) as srv:
        env = fresh_env(srv)
        env.raw.put(env.bucket, "idx", ["a", "b", "c", "d"])
        for _ in range(10):  # spend the 1 s budget with harmless reads
            if env.raw.call("getVectorIndex", env.bucket, {"indexName": "idx"}).status_code != 200:
                break
        status = env.raw.delete(env.bucket, ["a"]).status_code
        time.sleep(1.05)
        return status, env.raw.keys(env.bucket)


def test_throttle_healthy() -> None:
    assert throttled_delete(set()) == (503, {"a", "b", "c", "d"})  # a 1-key batch has no strict prefix


def test_throttle_429() -> None:
    assert throttled_delete({"throttle_429"}) == (429, {"a", "b", "c", "d"})


def test_throttle_collateral() -> None:
    status, left = throttled_delete({"throttle_collateral"})
    assert status == 503 and "a" in left and left < {"a", "b", "c", "d"}


def throttled_then_retried(faults: set[str]) -> tuple[int, int, set[str]]:
    """A delete answered 503, then the same body sent again once the window has room."""
    options = {"throttle_partial_delete": False}  # a 503 then deletes nothing: the retry alone decides
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, qps_limit=5, faults=frozenset(faults), options=options)) as srv:
        env = fresh_env(srv)
        env.raw.put(env.bucket, "idx", ["a", "b", "c"])
        for _ in range(10):
            if env.raw.call("getVectorIndex", env.bucket, {"indexName": "idx"}).status_code != 200:
                break
        first = env.raw.delete(env.bucket, ["a", "b"]).status_code
        time.sleep(1.05)
        retry = env.raw.delete(env.bucket, ["a", "b"]).status_code
        return first, retry, env.raw.keys(env.bucket)


def test_retry_after_throttle_noop() -> None:
    assert throttled_then_retried({"retry_after_throttle_noop"}) == (503, 204, {"a", "b", "c"})
    assert throttled_then_retried(set()) == (503, 204, {"c"})
