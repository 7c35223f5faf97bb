"""Secret: never printable; and no frame of a traceback through settings, signing or the client holds one in clear."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import os
import pickle
import re
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

import pytest
import requests

from conformance import config, signing
from conformance.auth_variants import Identities, Unsigned, apply_auth
from conformance.client import RawClient
from conformance.config import load_settings
from conformance.records import VALID_AUTH, AuthKind, AuthSpec, RequestSpec
from conformance.secret import REDACTED, Secret, reveal, secret_or_none
from conformance.signing import Credentials

ACCOUNT = "1234567890123456"
SECRET = 'Pr1mary/Secret+Value"x"=='
TOKEN = 'CAIS/Primary+Token"y"=='
STS_SECRET = 'St5/Secret+Value"z"=='
STS_TOKEN = 'CAIS/Sts+Token"w"=='
OTHER_SECRET = 'Oth3r/Secret+Value"v"=='
ALL = (SECRET, TOKEN, STS_SECRET, STS_TOKEN, OTHER_SECRET)
NOW = datetime(2025, 4, 17, 1, 33, 47, tzinfo=UTC)
ENV = {
    "OSSV_ENDPOINT": "http://127.0.0.1:9",
    "OSSV_ACCOUNT_ID": ACCOUNT,
    "OSS_ACCESS_KEY_ID": "LTAI5tPrimaryKeyId",
    "OSS_ACCESS_KEY_SECRET": SECRET,
    "OSS_SESSION_TOKEN": TOKEN,
    "OSSV_STS_ACCESS_KEY_ID": "STS.KeyId",
    "OSSV_STS_ACCESS_KEY_SECRET": STS_SECRET,
    "OSSV_STS_TOKEN": STS_TOKEN,
    "OSSV_OTHER_ACCOUNT_ID": "999",
    "OSSV_OTHER_ACCESS_KEY_ID": "LTAI5tOtherKeyId",
    "OSSV_OTHER_ACCESS_KEY_SECRET": OTHER_SECRET,
}


def forms(value: str) -> set[str]:
    out = {value, quote(value, safe=""), quote(value, safe="/"), quote_plus(value), json.dumps(value)[1:-1]}
    return out | {base64.b64encode(value.encode()).decode()}


def assert_clean(text: str, *extra: str) -> None:
    found = [f for value in (*ALL, *extra) for f in forms(value) if f in text]
    assert not found, f"in clear: {found[:3]}"


# --- the type -------------------------------------------------------------------------------


def test_every_printable_form_is_redacted() -> None:
    s = Secret(SECRET)
    assert repr(s) == str(s) == f"{s}" == f"{s!r}" == format(s, "") == REDACTED
    assert SECRET not in repr([s, {"k": s}, (s,)])
    assert f"{s:>12}" == f"{REDACTED:>12}"


def test_it_is_no_str_so_misuse_fails_loudly() -> None:
    s = Secret(SECRET)
    assert not isinstance(s, str)
    with pytest.raises(TypeError):
        _ = "aliyun_v4" + s  # type: ignore[operator]
    with pytest.raises(TypeError):
        json.dumps({"secret": s})
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(AttributeError):
        s._value = "other"
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]


def test_comparable_hashable_copyable() -> None:
    s = Secret(SECRET)
    assert s == Secret(SECRET) and s == SECRET and SECRET == s  # noqa: SIM300 - the reflected comparison is the point
    assert s != Secret(SECRET + "x") and s != SECRET + "x" and s != 1
    assert hash(s) == hash(Secret(SECRET)) and len({s, Secret(SECRET)}) == 1
    assert copy.copy(s) is s and copy.deepcopy({"s": s})["s"] is s
    assert len(s) == len(SECRET) and bool(s) and not Secret("")
    assert Secret(s) == s and s.strip() == Secret(SECRET.strip())


def test_the_ways_out_are_explicit() -> None:
    s = Secret(SECRET)
    assert s.reveal() == SECRET and s.encode() == SECRET.encode() and reveal(s) == reveal(SECRET) == SECRET
    assert secret_or_none(None) is None and secret_or_none("") is None and secret_or_none(SECRET) == s
    assert secret_or_none(s) is s


def test_forms_cover_url_json_and_base64_echoes() -> None:
    texts = {f.reveal() for f in Secret(SECRET).forms()}
    assert forms(SECRET) <= texts
    assert quote(SECRET, safe="").lower() != quote(SECRET, safe="") and "%2f" in " ".join(texts)
    assert json.dumps(SECRET)[1:-1].replace("/", "\\/") in texts
    assert base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("=") in texts
    lengths = [len(f) for f in Secret(SECRET).forms()]
    assert lengths == sorted(lengths, reverse=True)


# --- where secrets live ---------------------------------------------------------------------


def test_settings_hold_secrets_as_secret_values() -> None:
    s = load_settings(environ=ENV)
    for name in ("access_key_secret", "session_token", "sts_access_key_secret", "sts_token", "other_access_key_secret"):
        assert isinstance(getattr(s, name), Secret), name
    assert s.secrets and all(isinstance(v, Secret) for v in s.secrets)
    assert set(s.secrets) == {Secret(v) for v in ALL}
    replaced = dataclasses.replace(s, access_key_secret="plain-from-the-launcher")  # what launcher.py does
    assert isinstance(replaced.access_key_secret, Secret) and replaced.access_key_secret == "plain-from-the-launcher"
    assert s.primary is not None and isinstance(s.primary.access_key_secret, Secret)
    assert isinstance(s.primary.security_token, Secret)
    assert_clean(repr(s) + repr(s.primary) + repr(s.sts) + repr(s.other) + repr(s.redacted()))


def test_credentials_wrap_plain_strings() -> None:
    creds = Credentials("AK", SECRET, TOKEN)
    assert isinstance(creds.access_key_secret, Secret) and isinstance(creds.security_token, Secret)
    assert Credentials("AK", SECRET, "").security_token is None
    assert creds == Credentials("AK", Secret(SECRET), Secret(TOKEN))
    assert_clean(repr(creds) + str(creds))


@pytest.mark.parametrize("kind", list(AuthKind))
def test_signing_results_print_redacted(kind: AuthKind) -> None:
    ids = Identities(
        region="cn-hangzhou",
        account_id=ACCOUNT,
        primary=Credentials("LTAI5tPrimaryKeyId", SECRET, TOKEN),
        sts=Credentials("STS.KeyId", STS_SECRET, STS_TOKEN),
        other=Credentials("LTAI5tOtherKeyId", OTHER_SECRET),
        other_account_id="999",
    )
    req = Unsigned("POST", "deleteVectors", (("Content-Type", "application/json"),), b"{}", "examplebucket")
    applied = apply_auth(AuthSpec(kind), req, ids, NOW)
    signature = applied.signature.reveal() if applied.signature is not None else ""
    assert applied.signature is None or isinstance(applied.signature, Secret)
    assert all(isinstance(s, Secret) for s in applied.extra_secrets)
    printed = repr(applied) + str(applied) + repr(applied.trace) + repr(applied.headers) + repr(ids)
    assert_clean(printed, *([signature] if signature else []))
    if applied.trace is not None:
        assert isinstance(applied.trace.signature, Secret)


def test_signing_accepts_plain_strings_and_secrets_alike() -> None:
    plain = signing.compute_signature(SECRET, "20250417", "cn-hangzhou", "oss", "x")
    wrapped = signing.compute_signature(Secret(SECRET), "20250417", "cn-hangzhou", "oss", "x")
    assert isinstance(plain, Secret) and plain == wrapped
    key = signing.signing_key(SECRET, "20250417", "cn-hangzhou")
    assert key == signing.signing_key(Secret(SECRET), "20250417", "cn-hangzhou")
    value = signing.authorization_value("AK", "scope", (), plain)
    assert value.endswith("Signature=" + plain.reveal())
    assert signing.authorization_value("AK", "scope", (), plain.reveal()) == value


# --- tracebacks with locals (what pytest --tb=long -l prints) -------------------------------


class _Interrupted(BaseException):
    """Something the client does not catch (as a KeyboardInterrupt mid-request would be)."""


class _InterruptingSession(requests.Session):
    """Receives the wire request, then interrupts: a traceback through every frame of RawClient.send."""

    def __init__(self) -> None:
        super().__init__()
        self.wire: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.wire.append(f"{request.url} {dict(request.headers)}")
        raise _Interrupted()


def _traceback_text(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return str(excinfo.getrepr(style="long", showlocals=True, truncate_locals=False, chain=True))


@pytest.mark.parametrize("kind", sorted(VALID_AUTH | {AuthKind.WRONG_STS_TOKEN, AuthKind.MALFORMED_AUTHORIZATION}))
def test_no_frame_of_a_traceback_through_the_client_holds_a_secret(kind: AuthKind) -> None:
    session = _InterruptingSession()
    client = RawClient(load_settings(environ=ENV), session=session)
    body = b'{"indexName": "i", "keys": ["a"]}'
    spec = RequestSpec("POST", "deleteVectors", body, (("Content-Type", "application/json"),), "examplebucket", AuthSpec(kind))
    with pytest.raises(_Interrupted) as excinfo:
        client.send(spec)
    text = _traceback_text(excinfo)  # now: the frames' locals are live, and this frame is one of them
    assert "client.py" in text and "wire " in text and "applied " in text  # the frame of send, with its locals
    (wire,) = session.wire
    assert "x-oss-security-token" in wire or "Signature=" in wire or "x-oss-signature=" in wire  # it was all there
    signatures = re.findall(r"(?:Signature=|x-oss-signature=)([0-9a-f]{16,})", wire)
    assert signatures or kind is AuthKind.MALFORMED_AUTHORIZATION
    assert_clean(text, *signatures)


def test_no_frame_of_a_traceback_through_load_settings_holds_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(settings: object, origins: object) -> None:
        raise RuntimeError("late failure")

    monkeypatch.setattr(config, "_check_whole", boom)
    monkeypatch.setattr(os, "environ", dict(ENV))  # what conformance.config reads
    with pytest.raises(RuntimeError) as excinfo:
        load_settings()
    text = _traceback_text(excinfo)
    assert "load_settings" in text and "env " in text and "values " in text
    assert_clean(text)


def test_the_sdk_driver_gives_the_sdk_secret_backed_credentials() -> None:
    pytest.importorskip("alibabacloud_oss_v2.vectors", reason="the official SDK is not installed")
    from conformance.drivers.sdk import SdkCredentialsProvider, SdkDriver

    settings = load_settings(environ=ENV)
    assert settings.sts is not None
    provider = SdkCredentialsProvider(settings.sts)
    creds = provider.get_credentials()
    assert creds.has_keys() and not creds.is_expired() and creds.expiration is None
    assert creds.access_key_id == "STS.KeyId" and creds.access_key_secret == STS_SECRET and creds.security_token == STS_TOKEN
    driver = SdkDriver(settings)
    try:
        client = driver.client("sts")
        assert client is driver.client("sts")
        assert_clean(repr(provider) + repr(creds) + repr(driver) + repr(driver.redactor) + repr(vars(driver.tap)))
    finally:
        driver.close()
