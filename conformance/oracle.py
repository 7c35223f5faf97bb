"""What the documentation expects of the DeleteVectors request actually sent.

The oracle reads only the final request (its auth variant, headers and body bytes) and
the facts of the world it was sent into (does the bucket exist, which indexes exist).
It never asks which strategy made the request, so a shrunk example is judged for what
it is. Where the documentation is silent it widens the allowed answers and names the
OBSERVE requirement under which the answer is recorded; effects stay judged.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from conformance.catalog import requirement
from conformance.jsonparse import BodyClass, classify
from conformance.records import AuthKind, AuthSpec, Level
from conformance.signing import header_value

MAX_UNIQUE_KEYS = 500
MAX_KEY_CHARS = 1024
SURE_SKEW_SECONDS = 20 * 60  # the documented window is 15 min; leave room for the client's own clock

PARAM_INVALID = "VectorIndexParameterInvalid"
MALFORMED_JSON = "MalformedJson"
ACCESS_DENIED = "AccessDenied"
NO_SUCH_INDEX = "NoSuchVectorIndex"
NO_SUCH_BUCKET = "NoSuchBucket"


@dataclass(frozen=True)
class Allowed:
    """One acceptable answer: a status (exact, or a class like 400 -> "4xx"), an optional code,
    and for 2xx answers the key sets of which exactly one must have been deleted."""

    status: int | str
    code: str | tuple[str, ...] | None = None
    deletes: tuple[frozenset[str], ...] = ()

    def code_matches(self, code: str | None) -> bool:
        if self.code is None:
            return True
        return code in self.code if isinstance(self.code, tuple) else code == self.code

    def status_matches(self, status: int) -> bool:
        if isinstance(self.status, int):
            return status == self.status
        return f"{status // 100}xx" == self.status

    def describe(self) -> str:
        codes = " or ".join(self.code) if isinstance(self.code, tuple) else self.code
        text = str(self.status) + (f" {codes}" if codes else "")
        if self.deletes:
            sets = " or ".join(f"{len(s)} key(s)" for s in self.deletes)
            text += f", deleting {sets}"
        elif not (isinstance(self.status, int) and self.status < 300) and self.status != "2xx":
            text += ", nothing deleted"
        return text


@dataclass(frozen=True)
class Expectation:
    """The documentation's verdict on one request: who judges it, at what level, what may come back."""

    requirement: str
    alternatives: tuple[Allowed, ...]
    observe: tuple[str, ...] = ()
    secondary: tuple[tuple[str, tuple[Allowed, ...]], ...] = ()
    requested: frozenset[str] = frozenset()  # every key string any reading of the body names
    notes: tuple[str, ...] = ()
    also_checks: tuple[str, ...] = field(default=())  # further MUST ids this case exercises (e.g. absent keys)

    @property
    def level(self) -> Level:
        return requirement(self.requirement).level

    def describe(self) -> str:
        return " | ".join(a.describe() for a in self.alternatives)


@dataclass(frozen=True)
class World:
    """What is true of the target when the request is sent."""

    bucket_exists: bool
    index_exists: bool
    stored_keys: frozenset[str] = frozenset()
    index: str | None = None  # the name of the index under test; a body naming another index names a missing one


@dataclass(frozen=True)
class _Issue:
    requirement: str
    hard: bool  # documented error with a documented answer
    answer: Allowed


def _key_strings(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, list):
        for item in value:
            found |= _key_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            found |= _key_strings(item)
    return found


def _auth_issue(auth: AuthSpec) -> _Issue | None:
    kind = auth.kind
    if kind.is_valid:
        return None
    if kind is AuthKind.NONE:
        return _Issue("DV-AUTH-REQUIRED", True, Allowed(403, ACCESS_DENIED))
    if kind is AuthKind.OTHER_ACCOUNT:
        return _Issue("DV-AUTH-PERMISSION", True, Allowed(403, ACCESS_DENIED))
    if kind in (AuthKind.SKEWED_PAST, AuthKind.SKEWED_FUTURE) and 0 < abs(auth.skew_seconds) < SURE_SKEW_SECONDS:
        return _Issue("DV-OBS-AUTH-CODE", False, Allowed("4xx"))
    if kind is AuthKind.TAMPERED_BODY_MD5:
        return _Issue("DV-OBS-HEADERS", False, Allowed("4xx"))
    return _Issue("DV-AUTH-INVALID", True, Allowed("4xx"))


def _header_issues(headers: tuple[tuple[str, str], ...], body: bytes) -> list[_Issue]:
    issues = []
    content_type = header_value(headers, "content-type")
    if content_type != "application/json":
        issues.append(_Issue("DV-OBS-HEADERS", False, Allowed("4xx")))
    md5 = header_value(headers, "content-md5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
        issues.append(_Issue("DV-OBS-HEADERS", False, Allowed("4xx")))
    return issues


def _object_issues(obj: Any, world: World) -> tuple[list[_Issue], frozenset[str] | None]:
    """Issues with one reading of the body, and the unique keys it asks to delete (None if none)."""
    if not isinstance(obj, dict):
        return [_Issue("DV-KEYS-REQUIRED", True, Allowed("4xx"))], None
    issues: list[_Issue] = []
    unknown = [name for name in obj if name not in ("indexName", "keys")]
    keys_value = obj.get("keys")
    if "keys" not in obj:
        variants = [name for name in unknown if name.lower() == "keys"]
        if variants:
            issues.append(_Issue("DV-OBS-UNKNOWN-MEMBERS", False, Allowed("4xx")))
            keys_value = obj[variants[0]]
        else:
            return [_Issue("DV-KEYS-REQUIRED", True, Allowed(400, PARAM_INVALID))], None
    elif unknown:
        issues.append(_Issue("DV-OBS-UNKNOWN-MEMBERS", False, Allowed("4xx")))
    if not isinstance(keys_value, list) or not all(isinstance(k, str) for k in keys_value):
        # A server that binds the body to typed fields reports a type mismatch as a JSON error;
        # the documentation does not say which of its two 400 codes a wrong type gets.
        return [*issues, _Issue("DV-KEYS-TYPE", True, Allowed(400, (PARAM_INVALID, MALFORMED_JSON)))], None
    unique = frozenset(keys_value)
    if not unique:
        issues.append(_Issue("DV-KEYS-EMPTY", True, Allowed(400, PARAM_INVALID)))
    elif len(unique) > MAX_UNIQUE_KEYS:
        issues.append(_Issue("DV-LIMIT-501", True, Allowed(400, PARAM_INVALID)))
    index_name = obj.get("indexName")
    if not isinstance(index_name, str) or not index_name:
        issues.append(_Issue("DV-OBS-INDEXNAME", False, Allowed("4xx")))
    elif world.bucket_exists and (not world.index_exists or (world.index is not None and index_name != world.index)):
        issues.append(_Issue("DV-NO-SUCH-INDEX", True, Allowed(404, NO_SUCH_INDEX)))
    if any(not _key_length_documented(k) for k in unique):
        issues.append(_Issue("DV-OBS-KEY-LENGTH", False, Allowed("4xx")))
    if len(keys_value) != len(unique):
        issues.append(_Issue("DV-OBS-DUPLICATES", False, Allowed("4xx")))
        if len(keys_value) > MAX_UNIQUE_KEYS:
            issues.append(_Issue("DV-OBS-RAW-OVER-500", False, Allowed("4xx")))
    return issues, unique


def _key_length_documented(key: str) -> bool:
    """1 to 1024 characters, and nothing the characters-or-bytes ambiguity (spec 8 A5) could reject."""
    return 0 < len(key) <= MAX_KEY_CHARS and len(key.encode("utf-8", "surrogatepass")) <= MAX_KEY_CHARS


def _success(unique: frozenset[str], world: World, index_named: bool) -> Allowed:
    deletes = (unique,) if index_named else (unique, frozenset())
    return Allowed(204, None, deletes)


def expect_delete(*, auth: AuthSpec, headers: tuple[tuple[str, str], ...], body: bytes, world: World) -> Expectation:
    """The expectation for one DeleteVectors request, from the bytes that were sent."""
    parsed = classify(body)
    readings: tuple[Any, ...]
    if parsed.cls is BodyClass.VALID:
        readings = (parsed.value,)
    elif parsed.cls is BodyClass.MALFORMED:
        readings = ()
    else:
        readings = parsed.readings
    requested = frozenset().union(*(_key_strings(r) for r in readings)) if readings else frozenset()

    issues: list[_Issue] = []
    auth_issue = _auth_issue(auth)
    if auth_issue is not None:
        issues.append(auth_issue)
    if not world.bucket_exists:
        issues.append(_Issue("DV-NO-SUCH-BUCKET", True, Allowed(404)))
    issues.extend(_header_issues(headers, body))

    successes: list[Allowed] = []
    if parsed.cls is BodyClass.MALFORMED:
        issues.append(_Issue("DV-MALFORMED-JSON", True, Allowed(400, MALFORMED_JSON)))
    elif parsed.cls is BodyClass.AMBIGUOUS:
        # Some parser may accept it: record what happens, but a reading that is itself invalid
        # still has to be rejected, and no reading at all means nothing could be valid.
        any_valid_reading = False
        for reading in readings:
            reading_issues, unique = _object_issues(reading, world)
            if unique is not None and not any(i.hard for i in reading_issues):
                any_valid_reading = True
                successes.append(Allowed("2xx", None, (unique,)))
        if any_valid_reading:
            issues.append(_Issue("DV-OBS-AMBIGUOUS-JSON", False, Allowed("4xx")))
        else:
            issues.append(_Issue("DV-MALFORMED-JSON", True, Allowed("4xx")))
    else:
        reading_issues, unique = _object_issues(parsed.value, world)
        issues.extend(reading_issues)
        if unique is not None and not any(i.hard for i in reading_issues):
            index_named = isinstance(parsed.value.get("indexName"), str) and bool(parsed.value.get("indexName"))
            successes.append(_success(unique, world, index_named))

    return _decide(issues, successes, requested, world)


def _decide(issues: list[_Issue], successes: list[Allowed], requested: frozenset[str], world: World) -> Expectation:
    hard = [i for i in issues if i.hard]
    soft = [i for i in issues if not i.hard]
    observe = tuple(dict.fromkeys(i.requirement for i in soft))
    if hard:
        first = hard[0]
        if len(hard) == 1 and not soft:
            secondary: tuple[tuple[str, tuple[Allowed, ...]], ...] = ()
            if first.requirement == "DV-NO-SUCH-BUCKET":
                secondary = (("DV-NO-SUCH-BUCKET-CODE", (Allowed(404, NO_SUCH_BUCKET),)),)
            observe_code = ("DV-OBS-AUTH-CODE",) if first.requirement.startswith("DV-AUTH-") else ()
            return Expectation(first.requirement, (first.answer,), observe=observe_code, secondary=secondary, requested=requested)
        # Several documented errors, or one plus an undocumented condition: the status class is
        # certain, which code wins is not.
        return Expectation(
            first.requirement,
            (Allowed("4xx"),),
            observe=(*observe, "DV-OBS-PRECEDENCE"),
            requested=requested,
            notes=tuple(i.requirement for i in issues),
        )
    if soft:
        return Expectation(soft[0].requirement, (Allowed("4xx"), *successes), observe=observe, requested=requested)
    success = successes[0]
    unique = success.deletes[0]
    checks = ["DV-SUCCESS-204"]
    if len(unique) == MAX_UNIQUE_KEYS:
        checks.insert(0, "DV-LIMIT-500")
    if unique - world.stored_keys:
        checks.insert(0, "DV-ABSENT-KEYS-OK")
    return Expectation(checks[0], (success,), requested=requested, also_checks=tuple(checks[1:]))
