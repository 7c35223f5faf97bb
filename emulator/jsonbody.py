"""Strict JSON request-body parsing (MalformedJson is the documented answer, digest §5.1).

Python's ``json`` module is more permissive than RFC 8259 (NaN/Infinity literals, lone
surrogate escapes, a BOM when given bytes); everything outside the RFC is rejected here so
the emulator's notion of "malformed" is the standard one. ``lenient_json`` (a fault) runs a
JSON5-ish rewrite first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

MISSING: Any = object()
_SHALLOW = 64  # fewer brackets than this cannot nest deeply enough to hit the recursion limit


class MalformedJsonError(ValueError):
    """The body is not one RFC 8259 JSON text in UTF-8."""


def _reject_constant(name: str) -> Any:
    raise MalformedJsonError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedJsonError(f"number {text[:40]} is out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise MalformedJsonError(f"duplicate member {name!r}")
        out[name] = value
    return out


# What json.loads(text, parse_constant=..., parse_float=..., object_pairs_hook=...) builds on every call,
# built once (decoders are stateless; the json module shares its own default decoder the same way).
_STRICT = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_STRICT_NO_DUPLICATES = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
)


def relax(text: str) -> str:
    """Rewrite single-quoted strings and trailing commas into strict JSON (lenient_json fault)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif ch == "'":
            j, buf = i + 1, []
            while j < n and text[j] != "'":
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1] if text[j + 1] == "'" else text[j:j + 2])
                    j += 2
                    continue
                buf.append('\\"' if text[j] == '"' else text[j])
                j += 1
            out.append('"' + "".join(buf) + '"')
            i = j + 1
        elif ch == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "]}":
                i = j
                continue
            out.append(ch)
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse(body: bytes, *, reject_duplicates: bool = False, lenient: bool = False) -> Any:
    """Parse a request body; raises MalformedJsonError for anything that is not strict JSON."""
    if not body:
        raise MalformedJsonError("the request body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJsonError("the request body is not valid UTF-8") from None
    if text.startswith("\ufeff"):
        raise MalformedJsonError("a byte-order mark is not allowed")
    if lenient:
        text = relax(text)
    try:
        value = (_STRICT_NO_DUPLICATES if reject_duplicates else _STRICT).decode(text)
        if ("\\" in text and "\\u" in text) or text.count("[") + text.count("{") > _SHALLOW:
            # Lone surrogates can only come from \\u escapes (UTF-8 decoding rejects them), and only deep
            # nesting can make re-serialisation recurse too far: skip this round trip for everything else.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except MalformedJsonError:
        raise
    except (ValueError, RecursionError, UnicodeEncodeError) as exc:
        raise MalformedJsonError(f"the request body is not valid JSON: {str(exc)[:120]}") from None
    return value


def member(obj: Mapping[str, Any], name: str, case_insensitive: bool = False) -> Any:
    """A member of a JSON object, or MISSING; optionally matched case-insensitively (§2)."""
    if name in obj:
        return obj[name]
    if case_insensitive:
        lower = name.lower()
        for key, value in obj.items():
            if key.lower() == lower:
                return value
    return MISSING
