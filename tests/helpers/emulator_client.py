"""Raw, correctly signed HTTP requests to the emulator, built with conformance.signing."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import requests

from conformance import signing
from emulator.server import Identity

REGION = "cn-hangzhou"
ACCT = "1234567890123456"
OTHER_ACCT = "6543210987654321"
MAIN = Identity("LTAI5tMainKey", "MainSecret", ACCT)
STS = Identity("STS.TempKey", "TempSecret", ACCT, security_token="sts-token-value")
OTHER = Identity("LTAI5tOtherKey", "OtherSecret", OTHER_ACCT)
IDENTITIES = [MAIN, STS, OTHER]


def md5_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def as_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


@dataclass
class EmulatorClient:
    """Sends requests the way the SDK would (or bent on purpose through keyword arguments)."""

    url: str
    ident: Identity = MAIN
    session: requests.Session | None = None

    def __post_init__(self) -> None:
        self.session = self.session or requests.Session()
        self.port = urlparse(self.url).port

    def host_for(self, bucket: str | None, account: str | None = None) -> str:
        if bucket is None:
            return f"127.0.0.1:{self.port}"
        return f"{bucket}-{account or self.ident.account_id}.127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        bucket: str | None,
        query: str = "",
        body: Any = b"",
        *,
        headers: Sequence[tuple[str, str]] = (),
        mode: str = "header",
        at: datetime | None = None,
        region: str = REGION,
        product: str = "oss",
        account: str | None = None,
        secret: str | None = None,
        token: str | None = "default",
        content_type: str | None = "application/json",
        md5: bool = True,
        expires: int = 900,
        host: str | None = None,
    ) -> requests.Response:
        data = as_bytes(body)
        hdrs: list[tuple[str, str]] = []
        if content_type:
            hdrs.append(("Content-Type", content_type))
        if md5:
            hdrs.append(("Content-MD5", md5_b64(data)))
        hdrs += list(headers)
        account = account or self.ident.account_id
        creds = signing.Credentials(
            self.ident.access_key_id,
            secret if secret is not None else self.ident.access_key_secret,
            self.ident.security_token if token == "default" else token,
        )
        moment = at or datetime.now(UTC)
        if mode == "header":
            signed = signing.sign_header(method=method, query=query, headers=hdrs, credentials=creds, region=region,
                                         account_id=account, bucket=bucket, at=moment, product=product)
        elif mode == "query":
            signed = signing.presign(method=method, query=query, headers=hdrs, credentials=creds, region=region,
                                     account_id=account, bucket=bucket, at=moment, product=product, expires=expires)
        else:
            signed = signing.SignedRequest(query=query, headers=hdrs, trace=None)  # type: ignore[arg-type,unused-ignore]
        final_headers = dict(signed.headers)
        final_headers["Host"] = host or self.host_for(bucket, account)
        target = f"{self.url}/" + (f"?{signed.query}" if signed.query else "")
        assert self.session is not None
        return self.session.request(method, target, data=data, headers=final_headers, timeout=30)

    def call(self, marker: str, bucket: str, body: Any, **kw: Any) -> requests.Response:
        return self.request("POST", bucket, f"{marker}=", body, **kw)

    # conveniences for test setup ---------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        r = self.request("PUT", bucket)
        assert r.status_code == 200, r.text

    def create_index(self, bucket: str, index: str = "idx", dimension: int = 4, metric: str = "euclidean") -> None:
        body = {"indexName": index, "dataType": "float32", "dimension": dimension, "distanceMetric": metric}
        r = self.call("putVectorIndex", bucket, body)
        assert r.status_code == 200, r.text

    def put(self, bucket: str, index: str, keys: Iterable[str], meta: dict[str, Any] | None = None) -> None:
        keys = list(keys)
        for start in range(0, len(keys), 500):
            vectors = [{"key": k, "data": {"float32": [1.0, 2.0, 3.0, float(i)]}, "metadata": meta or {"i": i}}
                       for i, k in enumerate(keys[start:start + 500])]
            r = self.call("putVectors", bucket, {"indexName": index, "vectors": vectors})
            assert r.status_code == 200, r.text

    def keys(self, bucket: str, index: str = "idx") -> set[str]:
        found: list[str] = []
        token = None
        while True:
            body: dict[str, Any] = {"indexName": index, "maxResults": 1000}
            if token:
                body["nextToken"] = token
            r = self.call("listVectors", bucket, body)
            assert r.status_code == 200, r.text
            found += [v["key"] for v in r.json()["vectors"]]
            token = r.json().get("nextToken")
            if not token:
                return set(found)

    def get(self, bucket: str, keys: list[str], index: str = "idx") -> list[dict[str, Any]]:
        r = self.call("getVectors", bucket, {"indexName": index, "keys": keys, "returnData": True, "returnMetadata": True})
        assert r.status_code == 200, r.text
        return list(r.json()["vectors"])

    def delete(self, bucket: str, keys: Any, index: Any = "idx", **kw: Any) -> requests.Response:
        return self.call("deleteVectors", bucket, {"indexName": index, "keys": keys}, **kw)


def error_code(response: requests.Response) -> str | None:
    try:
        return str(response.json()["Error"]["Code"])
    except (ValueError, KeyError, TypeError):
        return None
