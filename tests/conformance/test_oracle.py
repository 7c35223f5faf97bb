"""The oracle without a server: every problem alone gets its exact documented answer, and any two or
three problems together get "any 4xx, nothing deleted" (which code wins is undocumented, digest §8 A6)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.catalog import requirement
from conformance.limits import INVALID_DIGEST, MALFORMED_JSON, NO_SUCH_INDEX, PARAM_INVALID
from conformance.oracle import ANY_4XX, Allowed, Expectation, World, expect_delete
from conformance.records import AuthKind, AuthSpec, Level

INDEX = "ossvc0000aaaamainxt1"
STORED = frozenset({"doc-1", "doc-2"})


def md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


@dataclass(frozen=True)
class Req:
    """A request as data: what the oracle reads."""

    body: object = None  # a dict or list made JSON, or bytes sent as they are
    auth: AuthSpec = AuthSpec()  # noqa: RUF009 - frozen, and the default identity is what a plain request has
    content_type: str | None = "application/json"
    md5: str = "correct"  # correct | absent | wrong | garbage | empty
    bucket_exists: bool = True
    index_exists: bool = True

    def expect(self) -> Expectation:
        data = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        headers: list[tuple[str, str]] = []
        if self.content_type is not None:
            headers.append(("Content-Type", self.content_type))
        value = {"correct": md5(data), "absent": None, "wrong": md5(data + b"x"), "garbage": "zz", "empty": ""}[self.md5]
        if value is not None:
            headers.append(("Content-MD5", value))
        world = World(self.bucket_exists, self.index_exists, STORED, INDEX)
        return expect_delete(auth=self.auth, headers=tuple(headers), body=data, world=world)


def valid(**fields: object) -> dict[str, object]:
    return {"indexName": INDEX, "keys": ["doc-1"], **fields}


# requirement, exact alternatives (None: check only the requirement), the request
ALONE: list[tuple[str, str, tuple[Allowed, ...] | None, Req]] = [
    ("valid", "DV-SUCCESS-204", (Allowed(204, None, (frozenset({"doc-1"}),)),), Req(valid())),
    ("no_auth", "DV-AUTH-REQUIRED", (Allowed(403, "AccessDenied"),), Req(valid(), auth=AuthSpec(AuthKind.NONE))),
    ("other_account", "DV-AUTH-PERMISSION", (Allowed(403, "AccessDenied"),), Req(valid(), auth=AuthSpec(AuthKind.OTHER_ACCOUNT))),
    ("wrong_secret", "DV-AUTH-INVALID", (ANY_4XX,), Req(valid(), auth=AuthSpec(AuthKind.WRONG_SECRET))),
    ("missing_bucket", "DV-NO-SUCH-BUCKET", (Allowed(404),), Req(valid(), bucket_exists=False, index_exists=False)),
    ("wrong_md5", "DV-CONTENT-MD5", (Allowed(400, INVALID_DIGEST),), Req(valid(), md5="wrong")),
    (
        "signed_md5_of_other_bytes",
        "DV-CONTENT-MD5",
        (Allowed(400, INVALID_DIGEST),),
        Req(valid(), auth=AuthSpec(AuthKind.TAMPERED_BODY_MD5)),
    ),
    ("unreadable_md5", "DV-CONTENT-MD5", (ANY_4XX,), Req(valid(), md5="garbage")),
    ("malformed", "DV-MALFORMED-JSON", (Allowed(400, MALFORMED_JSON),), Req(b'{"indexName": "x", "keys": ["a",]}')),
    ("trailing_garbage", "DV-MALFORMED-JSON", (Allowed(400, MALFORMED_JSON),), Req(json.dumps(valid()).encode() + b"x")),
    ("nan", "DV-MALFORMED-JSON", (Allowed(400, MALFORMED_JSON),), Req(json.dumps(valid(x=float("nan"))).encode())),
    ("empty_body", "DV-MALFORMED-JSON", (ANY_4XX,), Req(b"")),
    ("keys_missing", "DV-KEYS-REQUIRED", (Allowed(400, PARAM_INVALID),), Req({"indexName": INDEX})),
    ("not_an_object", "DV-KEYS-REQUIRED", (Allowed(400, (PARAM_INVALID, MALFORMED_JSON)),), Req([valid()])),
    ("keys_string", "DV-KEYS-TYPE", (Allowed(400, (PARAM_INVALID, MALFORMED_JSON)),), Req(valid(keys="doc-1"))),
    ("keys_numbers", "DV-KEYS-TYPE", (Allowed(400, (PARAM_INVALID, MALFORMED_JSON)),), Req(valid(keys=[1, 2]))),
    ("keys_empty", "DV-KEYS-EMPTY", (Allowed(400, PARAM_INVALID),), Req(valid(keys=[]))),
    ("501_unique", "DV-LIMIT-501", (Allowed(400, PARAM_INVALID),), Req(valid(keys=[f"k{i}" for i in range(501)]))),
    (
        "501_unique_with_duplicates",
        "DV-LIMIT-501",
        (Allowed(400, PARAM_INVALID),),
        Req(valid(keys=[f"k{i}" for i in range(501)] + ["k0", "k1"])),
    ),
    ("missing_index", "DV-NO-SUCH-INDEX", (Allowed(404, NO_SUCH_INDEX),), Req(valid(), index_exists=False)),
    ("other_index", "DV-NO-SUCH-INDEX", (Allowed(404, NO_SUCH_INDEX),), Req(valid(indexName="someOtherIndex"))),
    ("index_name_missing", "DV-OBS-INDEXNAME", None, Req({"keys": ["doc-1"]})),
    ("duplicates", "DV-OBS-DUPLICATES", None, Req(valid(keys=["doc-1", "doc-1"]))),
    ("key_too_long", "DV-OBS-KEY-LENGTH", None, Req(valid(keys=["k" * 1025]))),
    ("unknown_member", "DV-OBS-UNKNOWN-MEMBERS", None, Req(valid(extra=1))),
    ("member_case", "DV-OBS-UNKNOWN-MEMBERS", None, Req({"IndexName": INDEX, "keys": ["doc-1"]})),
    ("content_type", "DV-OBS-HEADERS", None, Req(valid(), content_type="text/plain")),
    ("empty_md5", "DV-OBS-HEADERS", None, Req(valid(), md5="empty")),
    ("bom", "DV-OBS-AMBIGUOUS-JSON", None, Req(b"\xef\xbb\xbf" + json.dumps(valid()).encode())),
    ("small_skew", "DV-OBS-AUTH-CODE", None, Req(valid(), auth=AuthSpec(AuthKind.SKEWED_PAST, "", 60))),
]


@pytest.mark.parametrize(("name", "req_id", "alternatives", "req"), ALONE, ids=[a[0] for a in ALONE])
def test_every_problem_alone_gets_its_documented_answer(
    name: str, req_id: str, alternatives: tuple[Allowed, ...] | None, req: Req
) -> None:
    expectation = req.expect()
    assert expectation.requirement == req_id
    if alternatives is not None:
        assert expectation.alternatives == alternatives
        assert "DV-OBS-PRECEDENCE" not in expectation.observe
    if requirement(req_id).level is Level.OBSERVE:
        # where the documentation is silent: any 4xx, or a 2xx with exactly the documented effect; never a 5xx
        assert ANY_4XX in expectation.alternatives
        assert all(a.status in ("4xx", "2xx", 204) for a in expectation.alternatives)


def test_a_valid_request_blames_what_makes_it_special_when_refused() -> None:
    presigned = Req(valid(), auth=AuthSpec(AuthKind.PRESIGNED)).expect()
    assert presigned.requirement == "DV-SUCCESS-204" and presigned.success_checks == ("DV-AUTH-VALID-VARIANTS",)
    five_hundred = Req(valid(keys=[f"k{i}" for i in range(500)])).expect()
    assert "DV-LIMIT-500" in five_hundred.success_checks and "DV-ABSENT-KEYS-OK" in five_hundred.success_checks
    assert Req(valid()).expect().success_checks == ()


def test_a_missing_keys_member_still_counts_the_missing_index() -> None:
    """No early return: a server that looks the index up first answers 404, and that is allowed."""
    expectation = Req({"indexName": INDEX}, index_exists=False).expect()
    assert expectation.alternatives == (ANY_4XX,)
    assert "DV-OBS-PRECEDENCE" in expectation.observe
    assert expectation.level is Level.MUST


# --- combinations --------------------------------------------------------------------------

Change = tuple[str, bool, object]  # (group, documented, how it changes a Req)

PROBLEMS: dict[str, tuple[str, bool]] = {  # name -> (group: at most one per group, documented)
    "no_auth": ("auth", True),
    "wrong_secret": ("auth", True),
    "other_account": ("auth", True),
    "missing_bucket": ("where", True),
    "missing_index": ("where", True),
    "wrong_md5": ("md5", True),
    "unreadable_md5": ("md5", True),
    "malformed": ("body", True),
    "keys_missing": ("body", True),
    "keys_string": ("body", True),
    "keys_empty": ("body", True),
    "501_unique": ("body", True),
    "content_type": ("content_type", False),
    "unknown_member": ("extra", False),
    "index_name_missing": ("index_member", False),
}


def _apply(req: Req, name: str) -> Req:
    body = req.body if isinstance(req.body, dict) else None
    if name == "no_auth":
        return replace(req, auth=AuthSpec(AuthKind.NONE))
    if name == "wrong_secret":
        return replace(req, auth=AuthSpec(AuthKind.WRONG_SECRET))
    if name == "other_account":
        return replace(req, auth=AuthSpec(AuthKind.OTHER_ACCOUNT))
    if name == "missing_bucket":
        return replace(req, bucket_exists=False, index_exists=False)
    if name == "missing_index":
        return replace(req, index_exists=False)
    if name in ("wrong_md5", "unreadable_md5"):
        return replace(req, md5="wrong" if name == "wrong_md5" else "garbage")
    if name == "content_type":
        return replace(req, content_type="text/plain")
    assert body is not None
    if name == "malformed":
        return replace(req, body=json.dumps(body).encode()[:-1] + b",}")
    if name == "keys_missing":
        return replace(req, body={k: v for k, v in body.items() if k != "keys"})
    if name == "keys_string":
        return replace(req, body={**body, "keys": "doc-1"})
    if name == "keys_empty":
        return replace(req, body={**body, "keys": []})
    if name == "501_unique":
        return replace(req, body={**body, "keys": [f"k{i}" for i in range(501)]})
    if name == "unknown_member":
        return replace(req, body={**body, "extra": True})
    if name == "index_name_missing":
        return replace(req, body={k: v for k, v in body.items() if k != "indexName"})
    raise AssertionError(name)


ORDER = ["content_type", "unknown_member", "index_name_missing", "keys_missing", "keys_string", "keys_empty", "501_unique"]


@st.composite
def combinations(draw: st.DrawFn) -> list[str]:
    groups: dict[str, list[str]] = {}
    for name, (group, _) in PROBLEMS.items():
        groups.setdefault(group, []).append(name)
    chosen_groups = draw(st.lists(st.sampled_from(sorted(groups)), min_size=2, max_size=3, unique=True))
    names = [draw(st.sampled_from(groups[g])) for g in chosen_groups]
    if "malformed" in names:  # a malformed body has no members to be wrong, and names no index to look up
        names = [n for n in names if PROBLEMS[n][0] not in ("extra", "index_member") and n != "missing_index"]
    if "missing_index" in names and "index_name_missing" in names:  # no index named: nothing to look up
        names.remove("missing_index")
    if len(names) < 2 or not any(PROBLEMS[n][1] for n in names):
        from hypothesis import reject

        reject()
    return names


@settings(max_examples=400, deadline=None)
@given(names=combinations())
def test_two_or_three_problems_get_any_4xx_that_deletes_nothing(names: list[str]) -> None:
    req = Req(valid())
    for name in sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else -1):
        req = _apply(req, name)
    expectation = req.expect()
    assert expectation.alternatives == (ANY_4XX,), (names, expectation)
    assert expectation.level is Level.MUST
    assert "DV-OBS-PRECEDENCE" in expectation.observe
    assert not any(a.deletes for a in expectation.alternatives)


# --- input families: what reference profiles key an endpoint's answers by


def test_a_family_names_the_kind_of_problem_never_a_drawn_value() -> None:
    assert Req(valid()).expect().family == "valid"
    assert Req(valid(), auth=AuthSpec(AuthKind.PRESIGNED)).expect().family == "valid (presigned)"
    dup_a = Req(valid(keys=["doc-1", "doc-1"])).expect().family
    dup_b = Req(valid(keys=["x", "y", "x", "y", "y"])).expect().family
    assert dup_a == dup_b == "keys:duplicates"
    assert Req(valid(keys=["a"] * 501)).expect().family == "keys:duplicates + keys:over-500-entries"
    skews = {Req(valid(), auth=AuthSpec(AuthKind.SKEWED_PAST, skew_seconds=s)).expect().family for s in (1300, 4000)}
    assert skews == {"auth:skewed_past"}
    assert Req(valid(), auth=AuthSpec(AuthKind.WRONG_REGION, "us-west-1")).expect().family == "auth:wrong_region:us-west-1"
    members = {Req(valid(**{name: 1})).expect().family for name in ("extra", "comment")}
    assert members == {"members:unknown"}
    assert Req(valid(), content_type=None).expect().family == "content-type:absent"
    assert Req(b"{not json").expect().family == Req(b'{"keys": [}').expect().family == "body:malformed"


def test_families_tell_apart_what_servers_may_answer_differently() -> None:
    lengths = {
        "": "key:empty",
        "k" * 1025: "key:over-1024-characters",
        "\u00e9" * 1000: "key:over-1024-bytes",  # 1000 code points, 2000 UTF-8 bytes: the characters-or-bytes question
    }
    for key, family in lengths.items():
        assert Req(valid(keys=[key])).expect().family == family
    names = {Req({"keys": ["doc-1"], **extra}).expect().family for extra in ({}, {"indexName": ""}, {"indexName": 5})}
    assert names == {"index-name:missing", "index-name:empty", "index-name:number"}
    # duplicate members: which one names another index decides what a last-wins parser deletes
    first_other = b'{"indexName": "other", "indexName": "' + INDEX.encode() + b'", "keys": ["doc-1"]}'
    last_other = b'{"indexName": "' + INDEX.encode() + b'", "indexName": "other", "keys": ["doc-1"]}'
    assert Req(first_other).expect().family != Req(last_other).expect().family
    assert "json:duplicate-member" in Req(first_other).expect().family
