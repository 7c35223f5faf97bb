"""The one definition of "malformed JSON" the suite uses, from RFC 8259.

A body falls in one of three classes:

* **malformed**: not a JSON text by the RFC's grammar and encoding rules: nothing but whitespace,
  trailing data after the value, NaN/Infinity literals (§6), raw control characters in strings (§7),
  invalid UTF-8 (§8.1), broken structure. The documentation's answer is 400 MalformedJson.
* **ambiguous**: grammatical, but the RFC leaves the outcome to the implementation: a UTF-8 BOM that
  parsers MAY ignore (§8.1), duplicate member names (§4, "unpredictable"), escapes that decode to lone
  surrogates (§8.2), nesting deeper than a parser's limit (§9). ``readings`` lists every plausible parse,
  so a 2xx can still be judged by its effect.
* **valid**: everything else, parsed strictly.

``strategies/bodies.py`` marks every body family it generates with the class defined here, and a test
holds the two together, so a generator and the oracle cannot disagree on what "malformed" means.
"""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


class BodyClass(str, enum.Enum):
    VALID = "valid"
    MALFORMED = "malformed"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class ParsedBody:
    cls: BodyClass
    reason: str
    value: Any = None  # the strict parse, when VALID
    readings: tuple[Any, ...] = field(default=())  # plausible parses, when AMBIGUOUS

    @property
    def empty(self) -> bool:
        """No JSON text at all: a server may also read this as a request without its members (digest §8 A4)."""
        return self.reason == EMPTY


EMPTY = "empty body"
_BOM = b"\xef\xbb\xbf"


def strings_in(value: Any) -> list[str]:
    """Every string in a parsed value, member names included (iterative: bodies may nest deeply)."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return found


def _has_surrogate(value: Any) -> bool:
    """A string escape that decodes to half a surrogate pair: grammatical JSON, not Unicode text."""
    return any(0xD800 <= ord(c) <= 0xDFFF for text in strings_in(value) for c in text)


class _NotJson(ValueError):
    pass


class _DuplicateMember(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value (RFC 8259 §6)")


def _pairs_no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateMember(key)
        seen[key] = value
    return seen


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _strict(text: str, hook: Any = _pairs_no_duplicates) -> Any:
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=hook, strict=True)


MAX_DEPTH = 512  # deeper than this, parsers differ (RFC 8259 §9); the class must not depend on the caller's stack


def _structure(text: str) -> Iterator[str]:
    """The brackets of a text, outside strings (an iterative scan: bodies may nest too deeply to parse)."""
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[]{}":
            yield ch
    if in_string:
        yield '"'  # an unterminated string: nothing can balance it


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings."""
    depth = deepest = 0
    for ch in _structure(text):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _balanced(text: str) -> bool:
    """Brackets balance outside strings, and every string ends."""
    stack: list[str] = []
    for ch in _structure(text):
        if ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif ch == '"' or not stack or stack.pop() != ch:
            return False
    return not stack


def _readings(text: str) -> tuple[Any, ...]:
    """Every parse a conforming parser may produce: either member wins on duplicates."""
    readings: list[Any] = []
    for hook in (None, _first_wins):
        with contextlib.suppress(ValueError, RecursionError):
            reading = _strict(text, hook)
            if all(reading is not r and reading != r for r in readings):
                readings.append(reading)
    return tuple(readings)


def classify(body: bytes) -> ParsedBody:
    raw = body
    bom = raw.startswith(_BOM)
    if bom:
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ParsedBody(BodyClass.MALFORMED, "invalid UTF-8 (RFC 8259 §8.1)")
    if not text.strip(" \t\r\n"):
        return ParsedBody(BodyClass.MALFORMED, EMPTY if not bom else "a BOM and no JSON text")
    if _depth(text) > MAX_DEPTH:
        if not _balanced(text):
            return ParsedBody(BodyClass.MALFORMED, "unbalanced brackets")
        return ParsedBody(BodyClass.AMBIGUOUS, f"nesting deeper than {MAX_DEPTH} (RFC 8259 §9: parsers may limit it)")
    try:
        value = _strict(text)
    except _DuplicateMember as dup:
        return ParsedBody(BodyClass.AMBIGUOUS, f"duplicate member {dup} (RFC 8259 §4)", readings=_readings(text))
    except RecursionError:
        if not _balanced(text):
            return ParsedBody(BodyClass.MALFORMED, "unbalanced brackets")
        return ParsedBody(BodyClass.AMBIGUOUS, "nesting deeper than a parser may allow (RFC 8259 §9)")
    except ValueError as err:
        message = str(err)
        if "Invalid control character" in message:
            message = "raw control character in a string (RFC 8259 §7)"
        elif "Extra data" in message:
            message = "data after the JSON value (RFC 8259 §2)"
        return ParsedBody(BodyClass.MALFORMED, message)
    if bom:
        return ParsedBody(BodyClass.AMBIGUOUS, "UTF-8 BOM (RFC 8259 §8.1)", readings=(value,))
    try:
        surrogate = _has_surrogate(value)
    except RecursionError:  # pragma: no cover - strings_in is iterative; kept for exotic values
        surrogate = False
    if surrogate:
        return ParsedBody(BodyClass.AMBIGUOUS, "lone surrogate escape (RFC 8259 §8.2)", readings=(value,))
    return ParsedBody(BodyClass.VALID, "strict JSON", value=value)
