"""ListVectors paging returns every stored key exactly once, for every key the emulator accepts.

Tokens stay short (under 512 bytes, the smaller documented bound) however long the last key of a
page is: a key of 1,024 four-byte characters would not fit in a 2,048-byte token, so such
positions live server-side and the token carries a short id.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import alibabacloud_oss_v2 as oss
import alibabacloud_oss_v2.vectors as ov
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.server import EmulatorConfig, EmulatorServer
from tests.helpers.emulator_client import ACCT, IDENTITIES, MAIN, REGION, EmulatorClient, error_code

_names = itertools.count()
SCALAR = st.characters(exclude_categories=["Cs"])  # any code point JSON can carry (no lone surrogates)
keys_strategy = st.one_of(
    st.text(SCALAR, min_size=1, max_size=12),
    st.text(SCALAR, min_size=1000, max_size=1024),
    st.sampled_from(["\u00fc" * 1024, "\U0001f600" * 1024, "\u4e2d" * 1024, "a" * 1024, "\x00", "\U0010ffff" * 1024]),
)


@pytest.fixture(scope="module")
def pager() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(identities=IDENTITIES, region=REGION, options={"max_buckets": 100000})) as srv:
        yield srv


def fresh_bucket(raw: EmulatorClient) -> str:
    name = f"pg{os.getpid() % 100000}x{next(_names)}"
    raw.create_bucket(name)
    raw.create_index(name)
    return name


def page_through(raw: EmulatorClient, bucket: str, size: int, segments: int = 1) -> list[str]:
    found: list[str] = []
    for seg in range(segments):
        token = None
        while True:
            body: dict[str, Any] = {"indexName": "idx", "maxResults": size}
            if segments > 1:
                body |= {"segmentCount": segments, "segmentIndex": seg}
            if token is not None:
                body["nextToken"] = token
            r = raw.call("listVectors", bucket, body)
            assert r.status_code == 200, r.text
            found += [v["key"] for v in r.json()["vectors"]]
            token = r.json().get("nextToken")
            if not token:
                break
            assert len(token.encode()) <= 512
    return found


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(keys=st.sets(keys_strategy, min_size=0, max_size=25), size=st.one_of(st.integers(1, 4), st.integers(1, 1000)),
       segments=st.sampled_from([1, 1, 1, 3]))
def test_paging_returns_every_key_exactly_once(pager: EmulatorServer, keys: set[str], size: int, segments: int) -> None:
    raw = EmulatorClient(pager.url)
    bucket = fresh_bucket(raw)
    if keys:
        raw.put(bucket, "idx", sorted(keys))
    found = page_through(raw, bucket, size, segments)
    assert len(found) == len(set(found)) and set(found) == keys
    if segments == 1:
        assert found == sorted(keys, key=lambda k: k.encode("utf-8"))  # bytewise key order


def test_tokens_are_opaque_and_checked(pager: EmulatorServer) -> None:
    raw = EmulatorClient(pager.url)
    bucket = fresh_bucket(raw)
    raw.put(bucket, "idx", ["\u00fc" * 1024, "\u00fc" * 1023 + "v", "z"])
    first = raw.call("listVectors", bucket, {"indexName": "idx", "maxResults": 2}).json()
    token = first["nextToken"]  # bytewise order: "z" < "ü…üv" < "ü…üü"; the page ends on a 2 KiB key
    assert len(token) < 512 and first["vectors"] == [{"key": "z"}, {"key": "\u00fc" * 1023 + "v"}]
    other = fresh_bucket(raw)
    for bad_body in ({"indexName": "idx", "nextToken": token, "segmentCount": 2, "segmentIndex": 0},
                     {"indexName": "idx", "nextToken": "x" * 2049}, {"indexName": "idx", "nextToken": token[:-2] + "AA"}):
        assert error_code(raw.call("listVectors", bucket, bad_body)) == "VectorIndexParameterInvalid", bad_body
    assert error_code(raw.call("listVectors", other, {"indexName": "idx", "nextToken": token})) == "VectorIndexParameterInvalid"
    # the position survives the deletion of the key it names
    raw.delete(bucket, ["\u00fc" * 1023 + "v"])
    rest = raw.call("listVectors", bucket, {"indexName": "idx", "maxResults": 10, "nextToken": token}).json()
    assert [v["key"] for v in rest["vectors"]] == ["\u00fc" * 1024]


def test_unmodified_sdk_paginator_pages_long_non_ascii_keys(pager: EmulatorServer) -> None:
    raw = EmulatorClient(pager.url)
    bucket = fresh_bucket(raw)
    keys = [f"{i:02d}" + ch * 1022 for i, ch in enumerate(["\u00fc", "\U0001f600", "\u4e2d", "a", "\u00e9"] * 5)]
    raw.put(bucket, "idx", keys)
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(MAIN.access_key_id, MAIN.access_key_secret)
    cfg.region, cfg.account_id, cfg.endpoint, cfg.proxy_host = REGION, ACCT, pager.url, {"http": pager.url}
    client = ov.Client(cfg)
    paginator = client.list_vectors_paginator(limit=3)
    pages = list(paginator.iter_page(ov.models.ListVectorsRequest(bucket=bucket, index_name="idx")))
    found = [v["key"] for page in pages for v in page.vectors or []]
    assert len(pages) == 9 and sorted(found) == sorted(keys) and len(found) == len(keys)
