"""Authentication and addressing: every check of emulator/auth.py, over raw HTTP."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import requests

from conformance import signing
from emulator.server import EmulatorServer, Identity
from tests.helpers.emulator_client import ACCT, MAIN, OTHER, OTHER_ACCT, STS, EmulatorClient, error_code


def status_code(r: requests.Response) -> tuple[int, str | None]:
    return r.status_code, error_code(r)


def test_valid_forms(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    assert raw.delete(bucket, ["a"]).status_code == 204
    assert raw.delete(bucket, ["a"], mode="query").status_code == 204
    sts = EmulatorClient(emu.url, STS)
    assert sts.delete(bucket, ["a"]).status_code == 204
    assert sts.delete(bucket, ["a"], mode="query").status_code == 204
    assert raw.request("GET", None, content_type="application/octet-stream").status_code == 200


def test_anonymous(raw: EmulatorClient, bucket: str) -> None:
    assert status_code(raw.delete(bucket, ["a"], mode="none")) == (403, "AccessDenied")


def test_bad_signature(raw: EmulatorClient, bucket: str) -> None:
    assert status_code(raw.delete(bucket, ["a"], secret="wrong")) == (403, "SignatureDoesNotMatch")
    assert status_code(raw.delete(bucket, ["a"], secret="wrong", mode="query")) == (403, "SignatureDoesNotMatch")


def test_tampered_after_signing(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    raw.put(bucket, "idx", ["a"])
    body = b'{"indexName": "idx", "keys": ["a"]}'
    signed = signing.sign_header(method="POST", query="deleteVectors=", headers=[("Content-Type", "application/json")],
                                 credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                 region="cn-hangzhou", account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    headers = dict(signed.headers) | {"Host": raw.host_for(bucket)}
    r = raw.session.post(f"{emu.url}/?deleteVectors=&extra=1", data=body, headers=headers)  # type: ignore[union-attr]
    assert status_code(r) == (403, "SignatureDoesNotMatch")
    headers["Content-Type"] = "text/plain"
    r = raw.session.post(f"{emu.url}/?deleteVectors=", data=body, headers=headers)  # type: ignore[union-attr]
    assert status_code(r) == (403, "SignatureDoesNotMatch")
    assert raw.keys(bucket) == {"a"}


def test_unknown_key(emu: EmulatorServer, bucket: str) -> None:
    ghost = EmulatorClient(emu.url, Identity("LTAI5tGhost", "x", ACCT))
    assert status_code(ghost.delete(bucket, ["a"])) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize("delta", [timedelta(minutes=16), timedelta(minutes=-16)])
def test_clock_skew(raw: EmulatorClient, bucket: str, delta: timedelta) -> None:
    r = raw.delete(bucket, ["a"], at=datetime.now(UTC) + delta)
    assert status_code(r) == (403, "RequestTimeTooSkewed")
    assert raw.delete(bucket, ["a"], at=datetime.now(UTC) + delta / 2).status_code == 204


def test_presign_expiry(raw: EmulatorClient, bucket: str) -> None:
    r = raw.delete(bucket, ["a"], mode="query", at=datetime.now(UTC) - timedelta(seconds=120), expires=60)
    assert status_code(r) == (403, "AccessDenied") and "expired" in r.json()["Error"]["Message"]
    r = raw.delete(bucket, ["a"], mode="query", at=datetime.now(UTC) - timedelta(hours=1), expires=7200)
    assert r.status_code == 204


def test_scope(raw: EmulatorClient, bucket: str) -> None:
    assert status_code(raw.delete(bucket, ["a"], region="cn-beijing")) == (403, "SignatureDoesNotMatch")
    assert status_code(raw.delete(bucket, ["a"], product="ossvector")) == (403, "SignatureDoesNotMatch")
    assert status_code(raw.delete(bucket, ["a"], mode="query", region="cn-beijing")) == (403, "SignatureDoesNotMatch")


def test_date_header(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    signed = signing.sign_header(method="POST", query="deleteVectors=", headers=[],
                                 credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                 region="cn-hangzhou", account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    base = {k: v for k, v in signed.headers if k.lower() != "x-oss-date"} | {"Host": raw.host_for(bucket)}
    r = raw.session.post(f"{emu.url}/?deleteVectors=", data=b"{}", headers=base)  # type: ignore[union-attr]
    assert status_code(r) == (403, "AccessDenied") and r.json()["Error"]["EC"] == "0002-00000503"
    r = raw.session.post(f"{emu.url}/?deleteVectors=", data=b"{}",  # type: ignore[union-attr]
                         headers=base | {"x-oss-date": "Thu, 17 Apr 2025 01:33:47 GMT"})
    assert status_code(r) == (403, "AccessDenied") and r.json()["Error"]["EC"] == "0002-00000502"


def test_content_sha256(raw: EmulatorClient, bucket: str) -> None:
    r = raw.delete(bucket, ["a"], mode="query", headers=[("x-oss-content-sha256", "e3b0c442")])
    assert status_code(r) == (400, "InvalidArgument") and r.json()["Error"]["EC"] == "0002-00000214"


def test_malformed_authorization(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    for value in ["OSS LTAI:sig", "OSS4-HMAC-SHA256 Credential=a/b", "OSS4-HMAC-SHA256 Signature=x", "garbage"]:
        r = raw.session.post(f"{emu.url}/?deleteVectors=", data=b"{}",  # type: ignore[union-attr]
                             headers={"Host": raw.host_for(bucket), "Authorization": value,
                                      "x-oss-date": signing.iso8601_basic(datetime.now(UTC))})
        assert status_code(r) == (403, "AccessDenied"), value


def test_authorization_whitespace(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    signed = signing.sign_header(method="POST", query="deleteVectors=", headers=[],
                                 credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                 region="cn-hangzhou", account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    headers = dict(signed.headers) | {"Host": raw.host_for(bucket)}
    headers["Authorization"] = headers["Authorization"].replace(",", ", ")
    r = raw.session.post(f"{emu.url}/?deleteVectors=", data=b'{"indexName": "idx", "keys": ["a"]}',  # type: ignore[union-attr]
                         headers=headers)
    assert r.status_code == 204


def test_sts_token(emu: EmulatorServer, bucket: str) -> None:
    sts = EmulatorClient(emu.url, STS)
    assert status_code(sts.delete(bucket, ["a"], token=None)) == (403, "InvalidSecurityToken")
    assert status_code(sts.delete(bucket, ["a"], token="other")) == (403, "InvalidSecurityToken")
    assert status_code(sts.delete(bucket, ["a"], token="other", mode="query")) == (403, "InvalidSecurityToken")
    plain = EmulatorClient(emu.url, MAIN)
    assert status_code(plain.delete(bucket, ["a"], token="unexpected")) == (403, "InvalidSecurityToken")


def test_cross_account(emu: EmulatorServer, raw: EmulatorClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a"])
    other = EmulatorClient(emu.url, OTHER)
    # the other account signs correctly for the victim's bucket host
    assert status_code(other.delete(bucket, ["a"], account=ACCT)) == (403, "AccessDenied")
    # and its own namespace has no such bucket
    assert status_code(other.delete(bucket, ["a"])) == (404, "NoSuchBucket")
    assert raw.keys(bucket) == {"a"}
    assert OTHER_ACCT != ACCT


def test_legacy_bucketless_uri(raw: EmulatorClient, emu: EmulatorServer) -> None:
    at = datetime.now(UTC)
    creds = signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret)
    headers = [("Content-Type", "application/octet-stream"), ("x-oss-date", signing.iso8601_basic(at)),
               ("x-oss-content-sha256", "UNSIGNED-PAYLOAD")]
    cred = signing.ParsedCredential(MAIN.access_key_id, at.strftime("%Y%m%d"), "cn-hangzhou", "oss", "aliyun_v4_request")
    trace = signing.verify_trace(method="GET", query="", headers=headers, secret=creds.access_key_secret,
                                 timestamp=signing.iso8601_basic(at), credential=cred, account_id=ACCT, bucket=None,
                                 additional=(), uri=signing.legacy_bucketless_canonical_uri("cn-hangzhou", ACCT))
    auth = signing.authorization_value(MAIN.access_key_id, trace.scope, (), trace.signature)
    r = raw.session.get(f"{emu.url}/", headers=dict(headers) | {"Authorization": auth})  # type: ignore[union-attr]
    assert r.status_code == 200 and "ListAllMyBucketsResult" in r.json()


def test_path_style(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    raw.put(bucket, "idx", ["a", "b"])
    body = b'{"indexName": "idx", "keys": ["a"]}'
    signed = signing.sign_header(method="POST", query="deleteVectors", headers=[("Content-Type", "application/json")],
                                 credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                 region="cn-hangzhou", account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    r = raw.session.post(f"{emu.url}/{bucket}/?deleteVectors", data=body, headers=dict(signed.headers))  # type: ignore[union-attr]
    assert r.status_code == 204, r.text
    assert raw.keys(bucket) == {"b"}


def test_absolute_form_target(raw: EmulatorClient, bucket: str, emu: EmulatorServer) -> None:
    raw.put(bucket, "idx", ["a"])
    body = b'{"indexName": "idx", "keys": ["a"]}'
    signed = signing.sign_header(method="POST", query="deleteVectors=", headers=[("Content-Type", "application/json")],
                                 credentials=signing.Credentials(MAIN.access_key_id, MAIN.access_key_secret),
                                 region="cn-hangzhou", account_id=ACCT, bucket=bucket, at=datetime.now(UTC))
    host = f"{bucket}-{ACCT}.cn-hangzhou.oss-vectors.aliyuncs.com"
    lines = [f"POST http://{host}/?deleteVectors= HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}",
             "Connection: close", *[f"{k}: {v}" for k, v in signed.headers]]
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 204"), reply[:200]
    assert raw.keys(bucket) == set()
