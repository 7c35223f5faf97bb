"""A strict RFC 8259 reader for checking generated bodies: UTF-8 only, no BOM, no NaN/Infinity,
no duplicate member names, no lone surrogates."""

from __future__ import annotations

import json
from typing import Any


class NotStrictJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise NotStrictJson(f"non-standard literal {name}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        raise NotStrictJson("duplicate member names")
    return dict(pairs)


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise NotStrictJson("lone surrogate")
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def strict_loads(body: bytes) -> Any:
    """Parse ``body`` or raise (NotStrictJson, ValueError, RecursionError)."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise NotStrictJson("UTF-8 BOM")
    text = body.decode("utf-8")  # strict: rejects invalid and surrogate-encoding bytes
    value = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    _check_strings(value)
    return value


def rejects(body: bytes) -> bool:
    try:
        strict_loads(body)
    except (ValueError, RecursionError):
        return True
    return False
