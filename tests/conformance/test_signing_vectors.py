"""conformance.signing reproduces every published signing vector byte for byte.

The vectors were produced by the official SDK signer (spec README); the shared copy is checked
when present, and a copy kept in tests/data makes sure the check never silently skips in CI.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance import signing
from conformance.signing import Credentials
from tests.helpers.paths import DATA, REPO

SHARED_VECTORS = REPO.parent / "shared" / "spec" / "signing-vectors.json"
LOCAL_VECTORS = DATA / "signing-vectors.json"


def _load(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["vectors"])


def _sources() -> list[Any]:
    params = [pytest.param(LOCAL_VECTORS, id="tests-data")]
    marks = [] if SHARED_VECTORS.exists() else [pytest.mark.skip(reason=f"shared spec dir absent: {SHARED_VECTORS}")]
    params.append(pytest.param(SHARED_VECTORS, id="shared", marks=marks))
    return params


def _sign(vector: dict[str, Any]) -> signing.SignedRequest:
    inputs = vector["inputs"]
    creds = inputs["credentials"]
    url = urlsplit(inputs["url"])
    at = datetime.fromisoformat(inputs["signing_time"].replace("Z", "+00:00"))
    common: dict[str, Any] = {
        "method": inputs["method"],
        "query": url.query,
        "headers": [tuple(h) for h in inputs["headers_before_signing"]],
        "credentials": Credentials(creds["access_key_id"], creds["access_key_secret"], creds["security_token"]),
        "region": inputs["region"],
        "account_id": inputs["account_id"],
        "bucket": inputs["bucket"],
        "at": at,
        "product": inputs["product"],
        "additional_headers": inputs["additional_headers"],
    }
    if inputs["auth_method"] == "query":
        expires = datetime.fromisoformat(inputs["expiration_time"].replace("Z", "+00:00")) - at
        return signing.presign(expires=expires, **common)
    return signing.sign_header(**common)


def test_local_copy_matches_shared_vectors() -> None:
    if not SHARED_VECTORS.exists():
        pytest.skip(f"shared spec dir absent: {SHARED_VECTORS}")
    assert LOCAL_VECTORS.read_bytes() == SHARED_VECTORS.read_bytes(), "tests/data/signing-vectors.json is stale: copy it again"


@pytest.mark.parametrize("path", _sources())
def test_signing_reproduces_every_vector(path: Path) -> None:
    vectors = _load(path)
    assert len(vectors) >= 6
    for vector in vectors:
        name, inputs, out = vector["name"], vector["inputs"], vector["outputs"]
        signed = _sign(vector)
        trace = signed.trace
        assert trace.canonical_uri == out["canonical_uri"], name
        assert trace.canonical_request == out["canonical_request"], name
        assert hashlib.sha256(trace.canonical_request.encode()).hexdigest() == out["canonical_request_sha256"], name
        assert trace.scope == out["scope"], name
        assert trace.string_to_sign == out["string_to_sign"], name
        assert trace.signature == out["signature"], name

        keys = out["signing_keys_hex"]
        date = trace.timestamp[:8]
        secret = inputs["credentials"]["access_key_secret"]
        k_date = hmac.new(("aliyun_v4" + secret).encode(), date.encode(), hashlib.sha256).digest()
        k_region = hmac.new(k_date, inputs["region"].encode(), hashlib.sha256).digest()
        k_product = hmac.new(k_region, inputs["product"].encode(), hashlib.sha256).digest()
        assert (k_date.hex(), k_region.hex(), k_product.hex()) == (keys["k_date"], keys["k_region"], keys["k_product"]), name
        assert signing.signing_key(secret, date, inputs["region"], inputs["product"]).hex() == keys["signing_key"], name

        if inputs["auth_method"] == "query":
            url = urlsplit(inputs["url"])
            assert f"{url.scheme}://{url.netloc}{url.path}?{signed.query}" == out["url_after_signing"], name
            assert signing.split_query(signed.query) == [tuple(p) for p in out["query_params_in_order"]], name
            assert signed.headers == [tuple(h) for h in inputs["headers_before_signing"]], name
        else:
            assert signing.header_value(signed.headers, "Authorization") == out["authorization"], name
            assert signed.headers == [tuple(h) for h in out["headers_after_signing"]], name
            for header, value in out["headers_added_by_signer"].items():
                assert signing.header_value(signed.headers, header) == value, name


def test_client_wire_capture_signature_matches_header_vector() -> None:
    """The full-client capture carries the same Authorization as the signer-level vector."""
    data = json.loads(LOCAL_VECTORS.read_text(encoding="utf-8"))
    capture = data["client_wire_capture"]["header_auth"]
    plain = next(v for v in data["vectors"] if v["name"] == "delete_vectors_header_plain")
    assert signing.header_value([tuple(h) for h in capture["headers"]], "Authorization") == _authorization(_sign(plain))


def _authorization(signed: signing.SignedRequest) -> str | None:
    return signing.header_value(signed.headers, "Authorization")
