"""Classify a request body the way the documentation's "JSON" has to be read.

The oracle must not fail a server over JSON whose validity is debatable, so a body
falls in one of three classes: clearly valid (RFC 8259, strict), clearly malformed
(every mainstream strict parser rejects it), or ambiguous (parsers differ: a BOM,
duplicate members, NaN literals, lone surrogates, raw control characters, invalid
UTF-8, trailing data after the value). For ambiguous bodies it lists every plausible
reading, so a 2xx can still be judged by its effect.
"""

from __future__ import annotations

import contextlib
import enum
import json
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
    readings: tuple[Any, ...] = field(default=())  # plausible lenient parses, when AMBIGUOUS


_BOM = b"\xef\xbb\xbf"


def _has_surrogate(value: Any) -> bool:
    """A string escape that decodes to half a surrogate pair: grammatical JSON, not Unicode text."""
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard literal {name}")


def _pairs_no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateMember(key)
        seen[key] = value
    return seen


class _DuplicateMember(ValueError):
    pass


def _strict(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_pairs_no_duplicates, strict=True)


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _lenient_readings(text: str) -> list[Any]:
    """Every reading a tolerant parser might produce."""
    readings: list[Any] = []
    for hook in (None, _first_wins):
        with contextlib.suppress(ValueError, RecursionError):
            readings.append(json.loads(text, strict=False, object_pairs_hook=hook))
    # a parser that stops after the first value (e.g. Jackson without FAIL_ON_TRAILING_TOKENS)
    with contextlib.suppress(ValueError, RecursionError):
        readings.append(json.JSONDecoder(strict=False).raw_decode(text.lstrip())[0])
    unique: list[Any] = []
    for reading in readings:
        if reading not in unique:
            unique.append(reading)
    return unique


def classify(body: bytes) -> ParsedBody:
    if not body.strip():
        return ParsedBody(BodyClass.AMBIGUOUS, "empty body", readings=())
    raw = body
    notes = []
    if raw.startswith(_BOM):
        notes.append("UTF-8 BOM")
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        notes.append("invalid UTF-8")
    if not notes:
        try:
            value = _strict(text)
            if _has_surrogate(value):
                return ParsedBody(BodyClass.AMBIGUOUS, "lone surrogate escape", readings=(value,))
            return ParsedBody(BodyClass.VALID, "strict JSON", value=value)
        except _DuplicateMember as dup:
            notes.append(f"duplicate member {dup}")
        except RecursionError:
            notes.append("nesting too deep for a recursive parser")
        except ValueError as err:
            message = str(err)
            if "non-standard literal" in message:
                notes.append(message)
            elif "Invalid control character" in message:
                notes.append("raw control character in a string")
            elif "Extra data" in message:
                notes.append("data after the JSON value")
            else:
                return ParsedBody(BodyClass.MALFORMED, message)
    return ParsedBody(BodyClass.AMBIGUOUS, ", ".join(notes), readings=tuple(_lenient_readings(text)))
