"""Redactor: structured redaction of the sensitive names, literal scrubbing of every known secret."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, quote_plus

import pytest

from conformance.redact import REDACTED, SENSITIVE, RedactingFilter, Redactor, mask_key_id, redact_authorization

SECRET = "SuperSecret/Value+1="
TOKEN = "CAIS+token/with==chars"
SIG = "c96fb2163570c8597f9fbc7e8de7d47a17d69fcb1e54af3fb514a6772b646a8c"
AUTH = f"OSS4-HMAC-SHA256 Credential=LTAI5tFakeKey/20250417/cn-hangzhou/oss/aliyun_v4_request,Signature={SIG}"
R = Redactor.of([SECRET, TOKEN, None, ""])


def test_sensitive_names_live_in_one_tuple() -> None:
    names = [n for n, _ in SENSITIVE]
    assert names == ["authorization", "x-oss-security-token", "x-oss-signature", "x-oss-credential"]


def test_authorization_keeps_shape_hides_signature_masks_key() -> None:
    out = redact_authorization(AUTH)
    assert SIG not in out and "LTAI5tFakeKey" not in out
    assert out == f"OSS4-HMAC-SHA256 Credential=LTAI***/20250417/cn-hangzhou/oss/aliyun_v4_request,Signature={REDACTED}"
    assert mask_key_id("LTAI5tFakeKey") == "LTAI***"


def test_headers() -> None:
    headers = [
        ("Authorization", AUTH),
        ("X-OSS-Security-Token", TOKEN),
        ("Content-Type", "application/json"),
        ("x-echo", f"s={SECRET}"),
    ]
    out = R.redact_headers(headers)
    assert out[0][1].endswith(f"Signature={REDACTED}")
    assert out[1] == ("X-OSS-Security-Token", REDACTED)
    assert out[2] == ("Content-Type", "application/json")
    assert out[3] == ("x-echo", f"s={REDACTED}")


def test_url_query_params() -> None:
    url = (
        "https://b-1.cn-hangzhou.oss-vectors.aliyuncs.com/?deleteVectors&x-oss-date=20250417T013347Z"
        f"&x-oss-credential=LTAI5tFakeKey%2F20250417%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"
        f"&x-oss-security-token={quote(TOKEN, safe='')}&x-oss-signature={SIG}"
    )
    out = R.redact_url(url)
    assert SIG not in out and quote(TOKEN, safe="") not in out and "LTAI5tFakeKey" not in out
    assert (
        "?deleteVectors&x-oss-date=20250417T013347Z&x-oss-credential=LTAI***%2F20250417%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&"
        in out
    )
    assert out.endswith(f"x-oss-security-token={REDACTED}&x-oss-signature={REDACTED}")
    assert R.redact_url("http://user:pw@h/") == f"http://{REDACTED}@h/"


@pytest.mark.parametrize("form", [SECRET, TOKEN, quote(SECRET, safe=""), quote_plus(TOKEN), quote(TOKEN, safe="/")])
def test_literals_plain_and_url_encoded_are_scrubbed_from_text_and_bytes(form: str) -> None:
    assert form not in R.scrub(f"before {form} after")
    assert form.encode() not in R.redact_bytes(b"\xff\xfe" + form.encode() + b"\x00")
    assert R.redact_bytes(b"\xff\xfe" + form.encode()).startswith(b"\xff\xfe")


def test_bytes_bodies_are_otherwise_untouched() -> None:
    body = b'{"keys": ["Signature=abc", "x-oss-signature=1"]}'
    assert R.redact_bytes(body) == body


def test_text_redacts_patterns_too() -> None:
    text = f"sent {AUTH} to ?x-oss-signature={SIG}&x-oss-security-token=abc with x-oss-security-token: zzz"
    out = R.redact_text(text)
    assert SIG not in out and "LTAI5tFakeKey" not in out and "abc" not in out and "zzz" not in out


def test_with_secrets_adds_per_request_literals() -> None:
    r = R.with_secrets([SIG, None])
    assert SIG not in r.redact_bytes(f'{{"SignatureProvided": "{SIG}"}}'.encode()).decode()
    assert SECRET not in r.scrub(SECRET)


def test_short_literals_are_not_scrubbed_from_free_text() -> None:
    assert Redactor.of(["ab"]).scrub("abc") == "abc"


def test_logging_filter(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    handler_filter = RedactingFilter(R)
    logger.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            logger.info("secret %s token %s auth %s", SECRET, TOKEN, AUTH)
            try:
                raise RuntimeError(f"boom {SECRET}")
            except RuntimeError:
                logger.exception("failed")
    finally:
        logger.removeFilter(handler_filter)
    text = caplog.text
    assert SECRET not in text and TOKEN not in text and SIG not in text
    assert REDACTED in text


ODD = 'Odd/Secret+With"Quotes"=='  # every encoding changes it


def _echoes(value: str) -> list[str]:
    import base64
    import json

    return [
        value,
        quote(value, safe=""),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(value, safe="")),  # lower-case hex digits
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value)[1:-1].replace("/", "\\/"),
        base64.b64encode(value.encode()).decode(),
        base64.b64encode(value.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(value.encode()).decode(),
    ]


@pytest.mark.parametrize("echo", _echoes(ODD))
def test_encoded_echoes_are_scrubbed_from_bodies_headers_and_text(echo: str) -> None:
    r = Redactor.of([ODD])
    body = f'{{"Error": {{"Code": "X", "Echo": "{echo}"}}}}'.encode()
    assert echo.encode() not in r.redact_bytes(body) and b"<redacted>" in r.redact_bytes(body)
    assert echo not in r.redact_headers([("x-echo", f"v={echo}")])[0][1]
    assert echo not in r.redact_text(f"log line {echo} end")
    assert echo not in r.redact_url(f"http://h/?echo={echo}")


def test_lower_case_percent_encoding_is_an_echo_too() -> None:
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(ODD, safe=""))
    assert lower != quote(ODD, safe="")
    assert lower not in Redactor.of([ODD]).scrub(lower)


def test_redactor_prints_no_secret_and_takes_secret_values() -> None:
    from conformance.secret import Secret

    r = Redactor.of([Secret(ODD), SECRET, None])
    assert ODD not in repr(r) and SECRET not in repr(r) and "2 secrets" in repr(r)
    assert r.with_secrets([SECRET]) is r
    assert ODD not in r.scrub(ODD) and r == Redactor.of([ODD, SECRET])


def test_filter_with_a_redactor_provider_and_stack_info() -> None:
    current = [Redactor()]
    f = RedactingFilter(lambda: current[0])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", (ODD,), None, sinfo=f"stack {ODD}")
    current[0] = Redactor.of([ODD])
    assert f.filter(record)
    assert ODD not in record.getMessage() and record.stack_info is not None and ODD not in record.stack_info
    assert f.filter(record) and record.getMessage() == "value <redacted>"  # idempotent
