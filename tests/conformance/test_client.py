"""RawClient: sends the spec's bytes verbatim, addresses like the service, signs as asked, redacts all."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import requests
from requests.adapters import HTTPAdapter

from conformance import signing
from conformance.client import USER_AGENT, MissingIdentity, RawClient
from conformance.config import Settings, load_settings
from conformance.records import AuthKind, AuthSpec, Exchange, RequestSpec
from tests.helpers.stub_server import Received, StubReply, StubServer

ACCOUNT = "1234567890123456"
KEY_ID = "LTAI5tPrimaryKeyId"
SECRET = "PrimarySecretValue-123"
TOKEN = "CAIS+PrimaryToken/abc=="
STS_SECRET = "StsSecretValue-456"
STS_TOKEN = "CAIS+StsToken/def=="
OTHER_SECRET = "OtherSecretValue-789"
NOW = datetime(2025, 4, 17, 1, 33, 47, tzinfo=UTC)


def make_settings(endpoint: str, *, token: str | None = None, sts: bool = True, other: bool = True) -> Settings:
    env = {
        "OSSV_ENDPOINT": endpoint,
        "OSSV_ACCOUNT_ID": ACCOUNT,
        "OSS_ACCESS_KEY_ID": KEY_ID,
        "OSS_ACCESS_KEY_SECRET": SECRET,
        "OSSV_TIMEOUT": "2",
    }
    if token:
        env["OSS_SESSION_TOKEN"] = token
    if sts:
        env.update(OSSV_STS_ACCESS_KEY_ID="STS.KeyId", OSSV_STS_ACCESS_KEY_SECRET=STS_SECRET, OSSV_STS_TOKEN=STS_TOKEN)
    if other:
        env.update(
            OSSV_OTHER_ACCOUNT_ID="999", OSSV_OTHER_ACCESS_KEY_ID="LTAI5tOtherKeyId", OSSV_OTHER_ACCESS_KEY_SECRET=OTHER_SECRET
        )
    return load_settings(environ=env)


def spec(**kw: object) -> RequestSpec:
    base: dict[str, object] = {
        "method": "POST",
        "query": "deleteVectors",
        "bucket": "examplebucket",
        "auth": AuthSpec(AuthKind.NONE),
    }
    base.update(kw)
    return RequestSpec(**base)  # type: ignore[arg-type]


def dump(exchange: Exchange) -> str:
    return repr(exchange) + json.dumps(exchange.to_json())


def test_bytes_sent_verbatim_invalid_utf8_no_content_type_bare_marker() -> None:
    body = b'\xff\xfe{"indexName": "i", "keys": ["\xc3\x28"]'
    with StubServer() as stub, RawClient(make_settings(stub.url)) as client:
        exchange = client.send(spec(body=body))
    (got,) = stub.requests
    assert got.method == "POST"
    assert got.target == "/?deleteVectors"
    assert got.body == body
    assert got.headers == [
        ("Host", f"examplebucket-{ACCOUNT}.127.0.0.1:{stub.port}"),
        ("User-Agent", USER_AGENT),
        ("Content-Length", str(len(body))),
    ]
    assert exchange.response is not None and exchange.response.status == 204
    assert exchange.request.body == body
    assert exchange.request.url == f"{stub.url}/?deleteVectors"
    assert list(exchange.request.headers) == got.headers
    assert exchange.spec is not None and exchange.spec.body == body


def test_duplicate_and_odd_headers_are_sent_as_given() -> None:
    headers = (
        ("X-Dup", "1"),
        ("x-dup", "2"),
        ("Content-Type", "text/weird; x=1"),
        ("User-Agent", "mine"),
        ("Accept-Encoding", "gzip"),
    )
    with StubServer() as stub, RawClient(make_settings(stub.url)) as client:
        client.send(spec(headers=headers, query="deleteVectors=&b=%2F&a"))
    (got,) = stub.requests
    assert got.target == "/?deleteVectors=&b=%2F&a"
    assert [h for h in got.headers if h[0].lower() not in ("host", "content-length")] == list(headers)


def test_get_without_body_has_no_content_length_and_lowercase_method_kept() -> None:
    with StubServer() as stub, RawClient(make_settings(stub.url)) as client:
        client.send(spec(method="GET", query="", bucket=None))
    (got,) = stub.requests
    assert got.target == "/"
    assert got.names() == ["Host", "User-Agent"]
    assert got.header("Host") == f"127.0.0.1:{stub.port}"


def test_delete_without_body_sends_content_length_zero_like_requests() -> None:
    with StubServer() as stub, RawClient(make_settings(stub.url)) as client:
        client.send(spec(method="DELETE", query=""))
    (got,) = stub.requests
    assert got.names() == ["Host", "User-Agent", "Content-Length"] and got.header("Content-Length") == "0"


def _signature_of(received: Received) -> str:
    """The signature the request carried (header or query), or "" when it carried none."""
    found = re.search(r"Signature=([0-9a-f]+)", received.header("Authorization") or "")
    if found:
        return found.group(1)
    return dict(signing.split_query(received.target.partition("?")[2])).get("x-oss-signature", "")


def test_header_auth_signature_verifies_server_side() -> None:
    with StubServer() as stub, RawClient(make_settings(stub.url, token=TOKEN)) as client:
        body = b'{"indexName": "i", "keys": ["a"]}'
        client.send(spec(body=body, headers=(("Content-Type", "application/json"),), auth=AuthSpec()))
    (got,) = stub.requests
    parsed = signing.parse_authorization(got.header("Authorization") or "")
    assert parsed.credential.access_key_id == KEY_ID
    assert got.header("x-oss-security-token") == TOKEN
    assert got.header("x-oss-content-sha256") == "UNSIGNED-PAYLOAD"
    trace = signing.verify_trace(
        method=got.method,
        query=got.target.partition("?")[2],
        headers=got.headers,
        secret=SECRET,
        timestamp=got.header("x-oss-date") or "",
        credential=parsed.credential,
        account_id=ACCOUNT,
        bucket="examplebucket",
        additional=parsed.additional_headers,
    )
    assert trace.signature == parsed.signature


def test_presigned_puts_signature_in_query_and_none_sends_nothing() -> None:
    with StubServer() as stub, RawClient(make_settings(stub.url, token=TOKEN)) as client:
        client.send(spec(auth=AuthSpec(AuthKind.PRESIGNED)))
        client.send(spec(auth=AuthSpec(AuthKind.NONE)))
    presigned, none = stub.requests
    assert presigned.header("Authorization") is None
    assert "x-oss-signature=" in presigned.target and "x-oss-expires=900" in presigned.target
    assert f"x-oss-security-token={quote(TOKEN, safe='')}" in presigned.target
    assert presigned.target.startswith("/?deleteVectors&x-oss-signature-version=OSS4-HMAC-SHA256")
    assert none.header("Authorization") is None and "x-oss" not in none.target
    assert not any(k.lower().startswith("x-oss-") for k in none.names())


@pytest.mark.parametrize("kind", list(AuthKind))
def test_every_auth_kind_is_sent_and_redacted(kind: AuthKind) -> None:
    """Each kind goes out, and neither secrets, tokens nor the signature it carried are in the record."""
    with StubServer() as stub, RawClient(make_settings(stub.url, token=TOKEN)) as client:
        exchange = client.send(spec(body=b'{"keys": ["a"]}', auth=AuthSpec(kind)))
    (got,) = stub.requests
    text = dump(exchange)
    for secret in (SECRET, TOKEN, STS_SECRET, STS_TOKEN, OTHER_SECRET, quote(TOKEN, safe=""), quote(STS_TOKEN, safe="")):
        assert secret not in text, (kind, secret)
    if kind is not AuthKind.NONE:
        signature = _signature_of(got)
        if len(signature) >= 8:
            assert signature not in text, kind
    assert KEY_ID not in text


def test_response_echoing_secrets_is_redacted() -> None:
    captured: list[str] = []

    def echo(received: Received) -> StubReply:
        sig = _signature_of(received)
        captured.append(sig)
        body = json.dumps({"Error": {"Code": "SignatureDoesNotMatch", "SignatureProvided": sig, "Token": TOKEN}}).encode()
        headers = [("Content-Type", "application/json"), ("x-echo-auth", received.header("Authorization") or "")]
        return StubReply(403, headers, body)

    with StubServer(echo) as stub, RawClient(make_settings(stub.url, token=TOKEN)) as client:
        exchange = client.send(spec(auth=AuthSpec()))
    assert exchange.response is not None and exchange.response.status == 403
    text = dump(exchange)
    assert captured[0] not in text and TOKEN not in text
    assert b"SignatureDoesNotMatch" in exchange.response.body


def test_missing_sts_identity_raises_so_the_suite_can_skip() -> None:
    with StubServer() as stub, RawClient(make_settings(stub.url, sts=False, other=False)) as client:
        for kind in (
            AuthKind.STS,
            AuthKind.STS_PRESIGNED,
            AuthKind.MISSING_STS_TOKEN,
            AuthKind.WRONG_STS_TOKEN,
            AuthKind.OTHER_ACCOUNT,
        ):
            with pytest.raises(MissingIdentity):
                client.send(spec(auth=AuthSpec(kind)))
    assert stub.requests == []


def test_transport_errors_are_recorded_not_raised() -> None:
    with StubServer() as stub:
        url = stub.url
    with RawClient(make_settings(url)) as client:
        exchange = client.send(spec(auth=AuthSpec()))
    assert exchange.response is None
    assert exchange.transport_error and "Connection" in exchange.transport_error
    assert SECRET not in dump(exchange)


def test_timeout_is_a_transport_error() -> None:
    with StubServer(lambda _r: StubReply(delay_s=1.5)) as stub:
        settings = dataclasses.replace(make_settings(stub.url), request_timeout_s=0.3)
        with RawClient(settings) as client:
            exchange = client.send(spec())
    assert exchange.response is None and exchange.transport_error is not None
    assert "Timeout" in exchange.transport_error or "timed out" in exchange.transport_error


class _Budget:
    def __init__(self) -> None:
        self.acquired = 0
        self.throttled = 0

    def acquire(self) -> None:
        self.acquired += 1

    def note_throttled(self) -> None:
        self.throttled += 1


def test_budget_acquired_per_send_and_503_noted() -> None:
    budget = _Budget()
    replies = iter([StubReply(204), StubReply(503, body=b'{"Error": {"Code": "QpsLimitExceeded"}}')])
    with StubServer(lambda _r: next(replies)) as stub, RawClient(make_settings(stub.url), budget) as client:  # type: ignore[arg-type]
        client.send(spec())
        client.send(spec())
    assert (budget.acquired, budget.throttled) == (2, 1)


class _CaptureAdapter(HTTPAdapter):
    """A transport that records the prepared request instead of resolving DNS."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response.raw = _Raw()
        response.request = request
        return response


class _Raw:
    headers: dict[str, str] = {"x-oss-request-id": "abc"}  # noqa: RUF012

    def read(self, decode_content: bool = False) -> bytes:
        return b"{}"

    def close(self) -> None:
        return


def test_dns_endpoint_connects_to_the_virtual_host() -> None:
    session = requests.Session()
    adapter = _CaptureAdapter()
    session.mount("https://", adapter)
    settings = make_settings("https://cn-hangzhou.oss-vectors.aliyuncs.com")
    with RawClient(settings, session=session, clock=lambda: NOW) as client:
        exchange = client.send(spec(auth=AuthSpec()))
        client.send(spec(method="GET", query="max-keys=10&prefix=my", bucket=None, auth=AuthSpec()))
    bucket_req, account_req = adapter.sent
    host = f"examplebucket-{ACCOUNT}.cn-hangzhou.oss-vectors.aliyuncs.com"
    assert bucket_req.url == f"https://{host}/?deleteVectors"
    assert bucket_req.headers["Host"] == host
    assert account_req.url == "https://cn-hangzhou.oss-vectors.aliyuncs.com/?max-keys=10&prefix=my"
    assert account_req.headers["Host"] == "cn-hangzhou.oss-vectors.aliyuncs.com"
    assert exchange.response is not None and exchange.response.body == b"{}"
    assert exchange.request.url == f"https://{host}/?deleteVectors"


def test_localhost_endpoint_carries_the_virtual_host_in_host_header() -> None:
    session = requests.Session()
    adapter = _CaptureAdapter()
    session.mount("http://", adapter)
    with RawClient(make_settings("http://localhost:9000"), session=session) as client:
        client.send(spec())
    (sent,) = adapter.sent
    assert sent.url == "http://localhost:9000/?deleteVectors"
    assert sent.headers["Host"] == f"examplebucket-{ACCOUNT}.localhost:9000"
    for unwanted in ("Accept", "Connection", "Content-Type"):
        assert unwanted not in sent.headers


def test_encoded_echoes_of_secrets_in_responses_are_redacted() -> None:
    """A server echoing the token JSON-escaped, URL-encoded or base64 (body and headers): none survives the record."""
    import base64

    odd_token = 'CAIS/Odd+Token"with"quotes=='
    forms = [
        json.dumps(odd_token)[1:-1],
        quote(odd_token, safe=""),
        base64.b64encode(odd_token.encode()).decode(),
        base64.b64encode(SECRET.encode()).decode(),
    ]

    def echo(received: Received) -> StubReply:
        body = json.dumps({"Error": {"Code": "InvalidSecurityToken", "Token": odd_token, "Secret": SECRET}}).encode()
        headers = [("Content-Type", "application/json"), ("x-echo-b64", forms[2]), ("x-echo-url", forms[1])]
        headers.append(("x-echo-s", forms[3]))
        return StubReply(403, headers, body)

    with StubServer(echo) as stub, RawClient(make_settings(stub.url, token=odd_token)) as client:
        exchange = client.send(spec(auth=AuthSpec(AuthKind.PRESIGNED)))
    text = dump(exchange)
    assert exchange.response is not None and exchange.response.status == 403
    for form in forms:
        assert form not in text, form
    assert b"InvalidSecurityToken" in exchange.response.body
