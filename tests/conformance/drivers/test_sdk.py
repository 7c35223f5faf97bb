"""The SDK driver in process: what it will send, what it records, how the SDK surfaced the answer."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("alibabacloud_oss_v2.vectors", reason="the official SDK is not installed")

from conformance import cli
from conformance.client import RawClient
from conformance.config import Settings
from conformance.drivers import NotExpressible, RawDriver, make_driver, sdk_available
from conformance.drivers.judging import judge_surface
from conformance.drivers.sdk import SdkDriver, translate
from conformance.limits import SDK_QUERY
from conformance.ops import VectorOps, sdk_spec, vector
from conformance.ops import delete_vectors_spec as _delete_vectors_spec
from conformance.records import AuthKind, AuthSpec, RequestSpec, SdkKind
from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.cli_runs import SDK, SDK_OWNER

BUCKET, INDEX = "sdkbucket", "idx"


def delete_vectors_spec(*args: Any, **kwargs: Any) -> RequestSpec:
    """DeleteVectors on the SDK's own request line (``?deleteVectors=``), the one it can express."""
    return _delete_vectors_spec(*args, query=SDK_QUERY, **kwargs)


def _settings(url: str) -> Settings:
    return Settings(
        endpoint=url,
        account_id=SDK_OWNER,
        access_key_id=SDK.env["OSS_ACCESS_KEY_ID"],
        access_key_secret=SDK.env["OSS_ACCESS_KEY_SECRET"],
        sts_access_key_id=SDK.env["OSSV_STS_ACCESS_KEY_ID"],
        sts_access_key_secret=SDK.env["OSSV_STS_ACCESS_KEY_SECRET"],
        sts_token=SDK.env["OSSV_STS_TOKEN"],
        other_account_id=SDK.env["OSSV_OTHER_ACCOUNT_ID"],
        other_access_key_id=SDK.env["OSSV_OTHER_ACCESS_KEY_ID"],
        other_access_key_secret=SDK.env["OSSV_OTHER_ACCESS_KEY_SECRET"],
    )


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(identities=SDK.identities)) as srv:
        raw = RawClient(_settings(srv.url))
        ops = VectorOps(raw)
        ops.put_vector_bucket(BUCKET)
        ops.put_vector_index(BUCKET, INDEX, 4)
        raw.close()
        yield srv
        srv.set_faults(())


@pytest.fixture
def driver(server: EmulatorServer) -> Iterator[SdkDriver]:
    d = SdkDriver(_settings(server.url))
    yield d
    d.close()
    server.set_faults(())


def _put(server: EmulatorServer, keys: list[str]) -> None:
    with RawClient(_settings(server.url)) as raw:
        VectorOps(raw).put_vectors(BUCKET, INDEX, [vector(k, [0.5, 1.0, 1.5, 2.0]) for k in keys])


# --- what the SDK can express


def test_an_sdk_shaped_spec_translates_to_the_sdk_call() -> None:
    call = translate(delete_vectors_spec(BUCKET, INDEX, ["a", "caf\u00e9", "a"], auth=AuthSpec(AuthKind.STS_PRESIGNED)))
    assert (call.bucket, call.index_name, call.keys) == (BUCKET, INDEX, ["a", "caf\u00e9", "a"])  # duplicates pass through
    assert (call.identity, call.presigned) == ("sts", True)
    assert translate(delete_vectors_spec(BUCKET, None, [])).index_name is None  # the SDK omits None fields
    assert translate(delete_vectors_spec(BUCKET, INDEX, None)).keys is None
    assert translate(_with_body(b"")).keys is None  # no field at all: the SDK sends an empty body...
    with pytest.raises(NotExpressible):
        translate(delete_vectors_spec(BUCKET, None, None))  # ...not the "{}" conformance.ops builds for it


_SDK = delete_vectors_spec(BUCKET, INDEX, ["a"])


def _with_body(body: bytes) -> RequestSpec:
    return sdk_spec("POST", BUCKET, "deleteVectors=", body)


@pytest.mark.parametrize(
    "spec",
    [
        _with_body(b'{"indexName": "idx", "keys": ["a",]}'),  # malformed
        _with_body(b'{"indexName":"idx","keys":["a"]}'),  # another formatting
        _with_body(b'{"keys": ["a"], "indexName": "idx"}'),  # another member order
        _with_body(b'{"indexName": "idx", "keys": "a"}'),  # wrong type
        _with_body(b'{"indexName": "idx", "keys": ["a"], "extra": 1}'),  # a member the model lacks
        _with_body(b'{"indexName": "idx", "indexName": "idx", "keys": ["a"]}'),  # duplicate members
        delete_vectors_spec(BUCKET, INDEX, ["a"], auth=AuthSpec(AuthKind.WRONG_SECRET)),
        delete_vectors_spec(BUCKET, INDEX, ["a"], auth=AuthSpec(AuthKind.NONE)),
        delete_vectors_spec(BUCKET, INDEX, ["a"], auth=AuthSpec(AuthKind.SKEWED_PAST, skew_seconds=1800)),
        RequestSpec("POST", "deleteVectors=", _SDK.body, (("Content-Type", "application/json"),), BUCKET),  # no Content-MD5
        RequestSpec("POST", "deleteVectors", _SDK.body, _SDK.headers, None),  # no bucket
        delete_vectors_spec("Not_A_Bucket", INDEX, ["a"]),
    ],
    ids=["malformed", "compact", "order", "wrong-type", "extra-member", "duplicate", "wrong-secret", "no-auth", "skewed",
         "no-md5", "no-bucket", "bad-bucket"],
)
def test_what_no_sdk_call_sends_is_not_expressible(spec: RequestSpec) -> None:
    with pytest.raises(NotExpressible):
        translate(spec)


# --- what it records


def test_sdk_delete_records_the_wire_exchange_redacted(server: EmulatorServer, driver: SdkDriver) -> None:
    _put(server, ["k1", "k2", "k3", "k4"])
    kinds = (AuthKind.HEADER, AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED)
    for kind, keys in zip(kinds, (["k1"], ["k2"], ["k3"], ["k4"]), strict=True):
        spec = delete_vectors_spec(BUCKET, INDEX, keys, auth=AuthSpec(kind))
        exchange = driver.send(spec)
        assert exchange.response is not None and exchange.response.status == 204, kind
        assert exchange.spec == spec
        assert exchange.request.body == spec.body  # the SDK sent exactly the spec's bytes
        sent = {k.lower(): v for k, v in exchange.request.headers}
        assert sent["host"] == f"{BUCKET}-{SDK_OWNER}.{server.url.split('//')[1]}"
        assert sent["user-agent"].endswith("/vector-client")
        out = exchange.sdk
        assert out is not None and out.kind is SdkKind.RESULT and out.status_code == 204
        assert out.request_id == exchange.response.header("x-oss-request-id")
        assert len(out.attempts) == 1 and out.attempts[0].response == exchange.response
        text = json.dumps(exchange.to_json())
        assert not [s for s in SDK.secrets if s in text], kind
        assert "Signature=<redacted>" in text or "x-oss-signature=<redacted>" in text
        assert [v.requirement for v in judge_surface(exchange) if not v.ok] == []


def test_a_raw_exchange_keeps_its_old_json_shape(server: EmulatorServer) -> None:
    with RawClient(_settings(server.url)) as raw:
        exchange = RawDriver(raw).send(delete_vectors_spec(BUCKET, INDEX, ["x"]))
    assert exchange.sdk is None and "sdk" not in exchange.to_json()


def test_an_error_surfaces_as_a_service_error(driver: SdkDriver) -> None:
    exchange = driver.send(delete_vectors_spec(BUCKET, "missing", ["a"]))
    out = exchange.sdk
    assert out is not None and out.kind is SdkKind.SERVICE_ERROR
    assert (out.status_code, out.code) == (404, "NoSuchVectorIndex")
    assert out.request_id == exchange.response.header("x-oss-request-id") if exchange.response else False
    assert all(v.ok for v in judge_surface(exchange))


def test_an_error_the_sdk_cannot_parse_fails_sdk_error_surfaces(server: EmulatorServer, driver: SdkDriver) -> None:
    server.set_faults({"error_json_charset"})
    exchange = driver.send(delete_vectors_spec(BUCKET, "missing", ["a"]))
    assert exchange.sdk is not None and exchange.sdk.code == "BadErrorResponse"
    failed = {v.requirement: v for v in judge_surface(exchange) if not v.ok}
    assert "SDK-ERROR-SURFACES" in failed and "NoSuchVectorIndex" in failed["SDK-ERROR-SURFACES"].expected


def test_a_200_success_fails_sdk_result(server: EmulatorServer, driver: SdkDriver) -> None:
    server.set_faults({"success_200_body"})
    exchange = driver.send(delete_vectors_spec(BUCKET, INDEX, ["a"]))
    assert exchange.sdk is not None and exchange.sdk.kind is SdkKind.RESULT and exchange.sdk.status_code == 200
    assert [v.requirement for v in judge_surface(exchange) if not v.ok] == ["SDK-RESULT"]


def test_the_sdks_own_retries_are_all_kept(server: EmulatorServer, driver: SdkDriver) -> None:
    server.set_faults({"throttle_without_limit"})  # more than 100 keys: always 503, nothing deleted
    exchange = driver.send(delete_vectors_spec(BUCKET, INDEX, [f"k{i}" for i in range(101)]))
    out = exchange.sdk
    assert out is not None and out.kind is SdkKind.SERVICE_ERROR and (out.status_code, out.code) == (503, "QpsLimitExceeded")
    assert [a.response.status for a in out.attempts if a.response] == [503, 503, 503]  # StandardRetryer: 3 attempts
    assert exchange.response == out.attempts[-1].response


# --- availability


def test_sdk_is_available_and_make_driver_builds_both(server: EmulatorServer) -> None:
    assert sdk_available() is None
    with RawClient(_settings(server.url)) as raw:
        assert make_driver("raw", raw.settings, raw).name == "raw"
        sdk = make_driver("sdk", raw.settings, raw)
        assert sdk.name == "sdk"
        sdk.close()
        with pytest.raises(ValueError):
            make_driver("go", raw.settings, raw)


def test_without_the_sdk_run_driver_sdk_prints_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "alibabacloud_oss_v2.vectors", None)  # import now fails
    assert sdk_available() is not None
    assert cli.main(["run", "--driver", "sdk", "--profile", "quick"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "SDK" in err


def test_the_harness_turns_not_expressible_into_a_skip() -> None:
    from conformance.harness import DeleteHarness
    from conformance.recorder import Recorder
    from conformance.waiting import Patience

    class SdkOnlyTarget:
        driver_name = "sdk"
        patience = Patience(0.0)

        def guard_spec(self, spec: RequestSpec) -> None:
            pass

        def send(self, spec: RequestSpec) -> None:
            raise NotExpressible("the body is not strict JSON")

    harness = DeleteHarness(SdkOnlyTarget(), Recorder("t", [], False))  # type: ignore[arg-type]
    with pytest.raises(pytest.skip.Exception, match="not expressible through the sdk driver: the body is not strict JSON"):
        harness.send(_with_body(b"{"))


def test_the_documented_request_line_is_the_sdks_request() -> None:
    """``POST /?deleteVectors`` (the API page) and ``?deleteVectors=`` (the SDK) canonicalise alike: the SDK sends it its way."""
    documented = RequestSpec("POST", "deleteVectors", _SDK.body, _SDK.headers, BUCKET)
    assert translate(documented) == translate(_SDK)
