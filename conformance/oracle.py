"""What the documentation expects of the DeleteVectors request actually sent.

The oracle reads only the final request (its auth variant, headers and body bytes) and the facts
of the world it was sent into (does the bucket exist, which index is under test, which keys are
stored). It never asks which strategy made the request, so a shrunk example is judged for what it is.

It first collects every problem of the request, with no early return: authentication, bucket,
headers, body syntax, each member, key counts and lengths, index existence. A body a server may read
in more than one way (ambiguous JSON, member names in another case) gives one *interpretation* per
reading, each with its own problems. Then, per interpretation:

* no problem: a 2xx that deletes exactly the unique requested keys;
* exactly one documented problem: its documented answer;
* one or more problems where the documentation is silent, and nothing else: any 4xx that deletes
  nothing, or a 2xx with exactly the documented effect (recorded under the OBSERVE requirement);
* two or more problems with a documented one among them: the documentation does not say which code
  wins (digest §8 A6), so any 4xx that deletes nothing, the code recorded under DV-OBS-PRECEDENCE.

The allowed answers are the union over interpretations. A 5xx is never among them: the one documented
5xx is throttling, which the harness rides out.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from conformance.catalog import requirement
from conformance.jsonparse import BodyClass, classify, strings_in
from conformance.limits import (
    ACCESS_DENIED,
    INVALID_DIGEST,
    MALFORMED_JSON,
    MAX_KEY_CHARS,
    MAX_UNIQUE_KEYS,
    NO_SUCH_BUCKET,
    NO_SUCH_INDEX,
    PARAM_INVALID,
    SURE_SKEW_S,
)
from conformance.records import AuthKind, AuthSpec, Level
from conformance.signing import header_value

MEMBERS = ("indexName", "keys")
VALID_VARIANTS = frozenset({AuthKind.PRESIGNED, AuthKind.STS, AuthKind.STS_PRESIGNED})
VALID_FAMILY = "valid"


@dataclass(frozen=True)
class Allowed:
    """One acceptable answer: a status (exact, or a class like "4xx"), an optional code, and for 2xx
    answers the key sets of which exactly one must have been deleted."""

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

    @property
    def is_success(self) -> bool:
        return self.status == "2xx" or (isinstance(self.status, int) and 200 <= self.status < 300)

    def describe(self) -> str:
        codes = " or ".join(self.code) if isinstance(self.code, tuple) else self.code
        text = str(self.status) + (f" {codes}" if codes else "")
        if self.deletes:
            sets = " or ".join(f"{len(s)} key(s)" for s in self.deletes)
            text += f", deleting {sets}"
        elif not self.is_success:
            text += ", nothing deleted"
        return text


ANY_4XX = Allowed("4xx")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: documented (with its documented answer) or not.

    ``family`` names the kind of problem without the values drawn for it (``keys:duplicates``, not
    "13 entries"): two runs with different seeds give the same family to the same kind of request,
    so reference profiles can key what an endpoint answered by it.
    """

    requirement: str
    documented: bool
    answer: Allowed
    detail: str = ""
    family: str = ""


@dataclass(frozen=True)
class Expectation:
    """The documentation's verdict on one request: who judges it, at what level, what may come back."""

    requirement: str
    alternatives: tuple[Allowed, ...]
    observe: tuple[str, ...] = ()
    secondary: tuple[tuple[str, tuple[Allowed, ...]], ...] = ()
    requested: frozenset[str] = frozenset()  # every key string any reading of the body names
    notes: tuple[str, ...] = ()  # the problems that applied, for the report
    success_checks: tuple[str, ...] = field(default=())  # MUST ids that hold iff a valid request gets a 2xx
    family: str = VALID_FAMILY  # the request's input family: its problems' families, sorted, joined by " + "

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
    index: str | None = None  # the index under test; a body naming another index names a missing one


@dataclass(frozen=True)
class _Interpretation:
    """One way a server may read the request: its problems, and what a success would delete."""

    problems: tuple[Problem, ...]
    deletes: tuple[frozenset[str], ...] = ()  # empty when nothing could be a success


def _key_strings(value: Any) -> set[str]:
    """Every string a reading names (values only: member names are not keys)."""
    if isinstance(value, dict):
        return {s for v in value.values() for s in strings_in(v)}
    return set(strings_in(value))


_LITERAL = re.compile(rb'"((?:[^"\\]|\\.)*)"')


def _string_literals(body: bytes) -> frozenset[str]:
    """Every string a lenient parser could read out of a malformed body: those keys count as requested,
    so deleting them is judged as a wrong answer, not as collateral damage."""
    found = set()
    for match in _LITERAL.finditer(body):
        with contextlib.suppress(ValueError):
            value = json.loads(b'"' + match.group(1) + b'"')
            if isinstance(value, str):
                found.add(value)
        found.add(match.group(1).decode("utf-8", "replace"))
    return frozenset(found)


# --- the problems, each family on its own ------------------------------------------------------


def auth_problems(auth: AuthSpec) -> list[Problem]:
    kind = auth.kind
    if kind.is_valid:
        return []
    family = f"auth:{kind.value}" + (f":{auth.detail}" if auth.detail else "")  # details are a fixed list
    if kind is AuthKind.TAMPERED_BODY_MD5:  # a correct signature over a Content-MD5 of other bytes
        return [Problem("DV-CONTENT-MD5", True, Allowed(400, INVALID_DIGEST), "signed Content-MD5 of other bytes", family)]
    if kind is AuthKind.NONE:
        return [Problem("DV-AUTH-REQUIRED", True, Allowed(403, ACCESS_DENIED), "no authentication", family)]
    if kind is AuthKind.OTHER_ACCOUNT:
        return [Problem("DV-AUTH-PERMISSION", True, Allowed(403, ACCESS_DENIED), "another account's key", family)]
    if kind in (AuthKind.SKEWED_PAST, AuthKind.SKEWED_FUTURE) and abs(auth.skew_seconds) < SURE_SKEW_S:
        if auth.skew_seconds == 0:
            return []
        return [Problem("DV-OBS-AUTH-CODE", False, ANY_4XX, f"clock skew of {auth.skew_seconds} s", f"{family}:small")]
    return [Problem("DV-AUTH-INVALID", True, ANY_4XX, f"signature: {kind.value}", family)]


def header_problems(headers: tuple[tuple[str, str], ...], body: bytes) -> list[Problem]:
    problems = []
    content_type = header_value(headers, "content-type")
    if content_type != "application/json":
        shown = "absent" if content_type is None else repr(content_type)
        problems.append(Problem("DV-OBS-HEADERS", False, ANY_4XX, f"Content-Type {content_type!r}", f"content-type:{shown}"))
    md5 = header_value(headers, "content-md5")
    if md5 is not None:
        digest = hashlib.md5(body).digest()
        value = md5.strip()
        try:
            sent = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            sent = b""
        if not value:
            problems.append(Problem("DV-OBS-HEADERS", False, ANY_4XX, "empty Content-MD5", "content-md5:empty"))
        elif len(sent) != len(digest):
            problems.append(
                Problem("DV-CONTENT-MD5", True, ANY_4XX, "Content-MD5 that is not base64 of 16 bytes", "content-md5:not-16-bytes")
            )
        elif sent != digest:
            answer = Allowed(400, INVALID_DIGEST)
            problems.append(Problem("DV-CONTENT-MD5", True, answer, "Content-MD5 of other bytes", "content-md5:other-bytes"))
    return problems


def _key_length_documented(key: str) -> bool:
    """1 to 1024 characters, and nothing the characters-or-bytes ambiguity (spec 8 A5) could reject."""
    return 0 < len(key) <= MAX_KEY_CHARS and len(key.encode("utf-8", "surrogatepass")) <= MAX_KEY_CHARS


def _key_length_family(key: str) -> str:
    """Which side of the documented key length a key falls on ("" within it): servers differ on each."""
    if not key:
        return "key:empty"
    if len(key) > MAX_KEY_CHARS:
        return "key:over-1024-characters"
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_CHARS:
        return "key:over-1024-bytes"
    return ""


def _json_type(value: Any) -> str:
    """The JSON type of a member's value, as a family word (``ill-typed`` says too little: servers bind types)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list-with-non-strings"
    return "object"


def member_problems(obj: dict[str, Any], world: World) -> tuple[list[Problem], frozenset[str] | None, bool]:
    """Every problem of one reading of the body object, the unique keys it names (None if it names
    none usable), and whether it names an index."""
    problems: list[Problem] = []
    unknown = [name for name in obj if name not in MEMBERS]
    if unknown:
        cased = any(name.lower() in (m.lower() for m in MEMBERS) for name in unknown)
        family = "members:name-case" if cased else "members:unknown"
        problems.append(Problem("DV-OBS-UNKNOWN-MEMBERS", False, ANY_4XX, f"members {unknown[:3]}", family))

    unique: frozenset[str] | None = None
    if "keys" not in obj:
        problems.append(Problem("DV-KEYS-REQUIRED", True, Allowed(400, PARAM_INVALID), "no keys member", "keys:missing"))
    else:
        keys_value = obj["keys"]
        if not isinstance(keys_value, list) or not all(isinstance(k, str) for k in keys_value):
            # A server that binds the body to typed fields reports a type mismatch as a JSON error;
            # the documentation does not say which of its two 400 codes a wrong type gets.
            answer = Allowed(400, (PARAM_INVALID, MALFORMED_JSON))
            problems.append(Problem("DV-KEYS-TYPE", True, answer, "keys ill-typed", f"keys:{_json_type(keys_value)}"))
        else:
            unique = frozenset(keys_value)
            if not unique:
                problems.append(Problem("DV-KEYS-EMPTY", True, Allowed(400, PARAM_INVALID), "zero keys", "keys:none"))
            elif len(unique) > MAX_UNIQUE_KEYS:
                # over the limit whatever duplicates do: the count of unique keys is certain
                answer = Allowed(400, PARAM_INVALID)
                problems.append(Problem("DV-LIMIT-501", True, answer, f"{len(unique)} unique keys", "keys:over-500-unique"))
            elif len(keys_value) != len(unique):
                problems.append(Problem("DV-OBS-DUPLICATES", False, ANY_4XX, "duplicate keys", "keys:duplicates"))
                if len(keys_value) > MAX_UNIQUE_KEYS:
                    problems.append(
                        Problem("DV-OBS-RAW-OVER-500", False, ANY_4XX, f"{len(keys_value)} entries", "keys:over-500-entries")
                    )
            outside = sorted({f for f in map(_key_length_family, unique) if f})
            if outside:
                problems.append(
                    Problem("DV-OBS-KEY-LENGTH", False, ANY_4XX, "a key outside 1..1024 characters", " + ".join(outside))
                )

    index_name = obj.get("indexName")
    named = isinstance(index_name, str) and bool(index_name)
    if not named:
        shape = "missing" if "indexName" not in obj else "empty" if index_name == "" else _json_type(index_name)
        family = f"index-name:{shape}"
        problems.append(Problem("DV-OBS-INDEXNAME", False, ANY_4XX, "indexName missing, empty or ill-typed", family))
    elif world.bucket_exists and (not world.index_exists or (world.index is not None and index_name != world.index)):
        family = "index:missing" if not world.index_exists else "index:another"
        problems.append(Problem("DV-NO-SUCH-INDEX", True, Allowed(404, NO_SUCH_INDEX), "the index does not exist", family))
    return problems, unique, named


def _member_readings(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The object as read by a case-sensitive server, then every way a server that matches member
    names case-insensitively may read it (which of several spellings wins is its choice)."""
    choices: list[list[str]] = []
    for member in MEMBERS:
        spellings = [name for name in obj if name.lower() == member.lower()]
        choices.append(spellings if spellings and spellings != [member] else [])
    readings = [obj]
    for member, spellings in zip(MEMBERS, choices, strict=True):
        grown = []
        for reading in readings:
            for name in spellings:
                variant = {k: v for k, v in reading.items() if k.lower() != member.lower()}
                variant[member] = obj[name]
                if variant not in readings and variant not in grown:
                    grown.append(variant)
        readings += grown
    return readings


def _object_interpretations(value: Any, world: World) -> list[_Interpretation]:
    if not isinstance(value, dict):
        # valid JSON without the documented object: a request without members; which of the two
        # 400 codes a server gives it is not documented
        answer = Allowed(400, (PARAM_INVALID, MALFORMED_JSON))
        return [_Interpretation((Problem("DV-KEYS-REQUIRED", True, answer, "not an object", f"body:{_json_type(value)}"),))]
    out = []
    for reading in _member_readings(value):
        problems, unique, named = member_problems(reading, world)
        deletes: tuple[frozenset[str], ...] = ()
        if unique is not None:
            deletes = (unique,) if named else (unique, frozenset())
        out.append(_Interpretation(tuple(problems), deletes))
    return out


def _body_interpretations(body: bytes, world: World) -> tuple[list[_Interpretation], frozenset[str]]:
    parsed = classify(body)
    if parsed.cls is BodyClass.MALFORMED:
        answer = ANY_4XX if parsed.empty else Allowed(400, MALFORMED_JSON)
        family = "body:empty" if parsed.empty else "body:malformed"  # the reason names positions: not a family
        return [_Interpretation((Problem("DV-MALFORMED-JSON", True, answer, parsed.reason, family),))], _string_literals(body)
    if parsed.cls is BodyClass.VALID:
        return _object_interpretations(parsed.value, world), frozenset(_key_strings(parsed.value))
    # ambiguous: a parser may reject it (any 4xx), or read it one of the ways listed
    doubt = Problem("DV-OBS-AMBIGUOUS-JSON", False, ANY_4XX, parsed.reason, _ambiguity_family(parsed.reason))
    out = [_Interpretation((doubt,))]
    requested: set[str] = set()
    for reading in parsed.readings:
        requested |= _key_strings(reading)
        for interpretation in _object_interpretations(reading, world):
            out.append(_Interpretation((*interpretation.problems, doubt), interpretation.deletes))
    if len(out) == 1:  # no reading at all: nothing could be a success
        out = [_Interpretation((Problem("DV-MALFORMED-JSON", True, ANY_4XX, parsed.reason, doubt.family),))]
    return out, frozenset(requested)


_AMBIGUITIES = (("UTF-8 BOM", "json:bom"), ("duplicate member", "json:duplicate-member"),
                ("lone surrogate", "json:lone-surrogate"), ("nesting deeper", "json:deep-nesting"))


def _ambiguity_family(reason: str) -> str:
    """The kind of RFC 8259 latitude, without the member name or depth the reason names."""
    return next((family for prefix, family in _AMBIGUITIES if reason.startswith(prefix)), "json:ambiguous")


# --- deciding ----------------------------------------------------------------------------------


def _allowed(interpretation: _Interpretation) -> list[Allowed]:
    problems = interpretation.problems
    documented = [p for p in problems if p.documented]
    if not problems:
        return [Allowed(204, None, interpretation.deletes)]
    if len(problems) == 1 and documented:
        return [documented[0].answer]
    if not documented:  # only where the documentation is silent: rejected, or accepted with the effect
        return [ANY_4XX, *([Allowed("2xx", None, interpretation.deletes)] if interpretation.deletes else [])]
    return [ANY_4XX]


def _union(answers: list[Allowed]) -> tuple[Allowed, ...]:
    out: list[Allowed] = []
    if any(a == ANY_4XX for a in answers):
        answers = [a for a in answers if a.is_success or a == ANY_4XX]
    for answer in answers:
        if answer not in out:
            out.append(answer)
    return tuple(out)


def expect_delete(*, auth: AuthSpec, headers: tuple[tuple[str, str], ...], body: bytes, world: World) -> Expectation:
    """The expectation for one DeleteVectors request, from the bytes that were sent."""
    common: list[Problem] = auth_problems(auth)
    if not world.bucket_exists:
        common.append(Problem("DV-NO-SUCH-BUCKET", True, Allowed(404), "the bucket does not exist", "bucket:missing"))
    common += header_problems(headers, body)
    bodies, requested = _body_interpretations(body, world)
    interpretations = [_Interpretation((*common, *b.problems), b.deletes) for b in bodies]
    return _decide(interpretations, requested, world, auth)


def _decide(interpretations: list[_Interpretation], requested: frozenset[str], world: World, auth: AuthSpec) -> Expectation:
    alternatives = _union([a for i in interpretations for a in _allowed(i)])
    every = [p for i in interpretations for p in i.problems]
    notes = tuple(dict.fromkeys(p.detail or p.requirement for p in every))
    observe = tuple(dict.fromkeys(p.requirement for p in every if not p.documented))
    family = request_family(interpretations, auth)

    if not every:  # a valid request
        success = alternatives[0]
        checks = []
        if auth.kind in VALID_VARIANTS:
            checks.append("DV-AUTH-VALID-VARIANTS")
        if any(len(s) == MAX_UNIQUE_KEYS for s in success.deletes):
            checks.append("DV-LIMIT-500")
        if any(s - world.stored_keys for s in success.deletes):
            checks.append("DV-ABSENT-KEYS-OK")
        return Expectation("DV-SUCCESS-204", alternatives, requested=requested, success_checks=tuple(checks), family=family)

    if not any(a.is_success for a in alternatives):
        # rejected for sure; blame the first documented problem
        first = next((p for i in interpretations for p in i.problems if p.documented), every[0])
        single = len({i.problems for i in interpretations}) == 1 and len(interpretations[0].problems) == 1
        if single:
            secondary: tuple[tuple[str, tuple[Allowed, ...]], ...] = ()
            observe_code: tuple[str, ...] = ()
            if first.requirement == "DV-NO-SUCH-BUCKET":
                secondary = (("DV-NO-SUCH-BUCKET-CODE", (Allowed(404, NO_SUCH_BUCKET),)),)
            if first.requirement.startswith("DV-AUTH-"):
                observe_code = ("DV-OBS-AUTH-CODE",)
            elif first.requirement == "DV-CONTENT-MD5" and first.answer == ANY_4XX:
                observe_code = ("DV-OBS-HEADERS",)
            return Expectation(
                first.requirement,
                alternatives,
                observe=observe_code,
                secondary=secondary,
                requested=requested,
                notes=notes,
                family=family,
            )
        return Expectation(
            first.requirement,
            alternatives,
            observe=(*observe, "DV-OBS-PRECEDENCE"),
            requested=requested,
            notes=notes,
            family=family,
        )

    # some reading is rejected only where the documentation is silent: OBSERVE, effect still judged
    first_soft = next(p for i in interpretations for p in i.problems if not p.documented)
    several = any(len(i.problems) > 1 for i in interpretations)
    return Expectation(
        first_soft.requirement,
        alternatives,
        observe=(*observe, *(["DV-OBS-PRECEDENCE"] if several else [])),
        requested=requested,
        notes=notes,
        family=family,
    )


def request_family(interpretations: list[_Interpretation], auth: AuthSpec) -> str:
    """The request's input family, with no drawn value in it: per reading of the request (in the order the
    readings are made, so "the first duplicate names another index" and "the last one does" differ), its
    problems' families sorted and joined by " + " ("valid" for none, with the signing variant unless it is
    the plain header signature); readings joined by " | "."""
    valid = VALID_FAMILY if auth.kind is AuthKind.HEADER else f"{VALID_FAMILY} ({auth.kind.value})"
    labels = [" + ".join(sorted({p.family or p.requirement for p in i.problems})) or valid for i in interpretations]
    return " | ".join(labels) or valid
