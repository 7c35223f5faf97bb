"""QueryVectors metadata filters (digest §5.5): $eq $ne $in $nin $exists $and $or $gt $gte $lt $lte.

A filter is validated once (so a bad filter is a 400 even on an empty index) and then
evaluated per vector. A list-valued metadata field matches $eq/$in when any element does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 8
MAX_FIELDS = 1024
COMPARISONS = ("$gt", "$gte", "$lt", "$lte")
OPERATORS = ("$eq", "$ne", "$in", "$nin", "$exists", *COMPARISONS)


class FilterError(ValueError):
    """The filter expression is not valid."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or _is_number(value)


def validate(expr: Any, depth: int = 1, counter: list[int] | None = None) -> None:
    counter = counter if counter is not None else [0]
    if depth > MAX_DEPTH:
        raise FilterError("filter nesting is deeper than 8 levels")
    if not isinstance(expr, dict) or not expr:
        raise FilterError("a filter must be a non-empty object")
    for name, cond in expr.items():
        counter[0] += 1
        if counter[0] > MAX_FIELDS:
            raise FilterError("filter has more than 1024 fields")
        if name in ("$and", "$or"):
            if not isinstance(cond, list) or not cond:
                raise FilterError(f"{name} needs a non-empty array")
            for sub in cond:
                validate(sub, depth + 1, counter)
        elif name.startswith("$"):
            raise FilterError(f"unknown logical operator {name}")
        elif isinstance(cond, dict):
            _validate_condition(name, cond)
        elif not _is_scalar(cond):
            raise FilterError(f"invalid value for field {name}")


def _validate_condition(name: str, cond: Mapping[str, Any]) -> None:
    if not cond:
        raise FilterError(f"empty condition for field {name}")
    for op, arg in cond.items():
        if op not in OPERATORS:
            raise FilterError(f"unknown operator {op}")
        if op in ("$in", "$nin"):
            if not isinstance(arg, list) or not arg or not all(_is_scalar(a) for a in arg):
                raise FilterError(f"{op} needs a non-empty array of values")
        elif op == "$exists":
            if not isinstance(arg, bool):
                raise FilterError("$exists needs a boolean")
        elif op in COMPARISONS:
            if not _is_number(arg):
                raise FilterError(f"{op} needs a number")
        elif not _is_scalar(arg):
            raise FilterError(f"{op} needs a string, number or boolean")


def _values(meta: Mapping[str, Any], name: str) -> list[Any] | None:
    if name not in meta:
        return None
    value = meta[name]
    return list(value) if isinstance(value, list) else [value]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and bool(a == b)
    return bool(a == b) and (isinstance(a, str) == isinstance(b, str))


def _test(op: str, arg: Any, values: list[Any] | None) -> bool:
    if op == "$exists":
        return (values is not None) is bool(arg)
    if values is None:
        return op in ("$ne", "$nin")
    if op == "$eq":
        return any(_same(v, arg) for v in values)
    if op == "$ne":
        return not any(_same(v, arg) for v in values)
    if op == "$in":
        return any(_same(v, a) for v in values for a in arg)
    if op == "$nin":
        return not any(_same(v, a) for v in values for a in arg)
    nums = [v for v in values if _is_number(v)]
    checks = {"$gt": lambda v: v > arg, "$gte": lambda v: v >= arg, "$lt": lambda v: v < arg, "$lte": lambda v: v <= arg}
    return any(bool(checks[op](v)) for v in nums)


def matches(expr: Mapping[str, Any], meta: Mapping[str, Any]) -> bool:
    """Evaluate a validated filter against one vector's metadata."""
    for name, cond in expr.items():
        if name == "$and":
            ok = all(matches(sub, meta) for sub in cond)
        elif name == "$or":
            ok = any(matches(sub, meta) for sub in cond)
        elif isinstance(cond, dict):
            ok = all(_test(op, arg, _values(meta, name)) for op, arg in cond.items())
        else:
            ok = _test("$eq", cond, _values(meta, name))
        if not ok:
            return False
    return True
