"""What an operation handler receives, and what it returns."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import jsonbody
from .addressing import Address
from .auth import Caller
from .errors import ServiceError
from .faults import FaultSet
from .options import Options
from .store import Store


@dataclass
class Reply:
    """A successful answer; errors travel as ServiceError instead."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    omit_request_id: bool = False

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Reply:
        return cls(status=status, body=json.dumps(payload).encode("utf-8"), content_type="application/json")


@dataclass
class OpContext:
    """Everything a handler may look at; handlers never touch the HTTP layer directly.

    ``caller`` is None only for a DeleteVectors whose check order authenticates later:
    ``authenticate`` then runs the deferred authentication (and the QPS decision).
    """

    op: str
    caller: Caller | None
    address: Address
    method: str
    headers: Sequence[tuple[str, str]]
    query: dict[str, str]
    body: bytes
    store: Store
    options: Options
    faults: FaultSet
    region: str
    throttled: bool = False
    authenticate: Callable[[], None] | None = None
    throttle_memory: set[bytes] | None = None  # the retry_after_throttle_noop fault's idempotency cache

    @property
    def account(self) -> str:
        """The account whose resources the request acts on (the host's, before a deferred authentication)."""
        if self.caller is not None:
            return self.caller.target_account
        if self.address.account_id is None:
            raise RuntimeError("the account of a path-style request is only known after authentication")
        return self.address.account_id

    @property
    def bucket(self) -> str:
        if self.address.bucket is None:
            raise ServiceError(400, "InvalidArgument", "This operation needs a bucket.")
        return self.address.bucket

    def fault(self, name: str) -> bool:
        return self.faults.active(name, self.op)

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or the documented MalformedJson (or configured) error."""
        try:
            value = jsonbody.parse(
                self.body,
                reject_duplicates=self.options.json_duplicate_members == "reject",
                lenient=self.fault("lenient_json"),
            )
        except jsonbody.MalformedJsonError as exc:
            if self.fault("malformed_json_500"):
                raise ServiceError(500, "InternalError", "We encountered an internal error. Please try again.") from None
            if self.fault("malformed_json_wrong_code"):
                raise ServiceError(400, "VectorIndexParameterInvalid", str(exc)) from None
            raise ServiceError(400, "MalformedJson", f"The JSON format in the request body is invalid: {exc}") from None
        if not isinstance(value, dict):
            code = self.options.non_object_body_code
            raise ServiceError(400, code, "The request body must be a JSON object.")
        return value

    def member(self, obj: dict[str, Any], name: str) -> Any:
        return jsonbody.member(obj, name, self.options.case_insensitive_fields)


def invalid(message: str) -> ServiceError:
    """The documented 400 for bad field values."""
    return ServiceError(400, "VectorIndexParameterInvalid", message)


def opt_int(ctx: OpContext, obj: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = ctx.member(obj, name)
    if value is jsonbody.MISSING or value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise invalid(f"{name} must be an integer in [{low}, {high}].")
    return value


def opt_bool(ctx: OpContext, obj: dict[str, Any], name: str) -> bool:
    value = ctx.member(obj, name)
    if value is jsonbody.MISSING or value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"{name} must be a boolean.")
    return value


def opt_str(ctx: OpContext, obj: dict[str, Any], name: str) -> str | None:
    value = ctx.member(obj, name)
    if value is jsonbody.MISSING or value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string.")
    return value


def key_length(ctx: OpContext, key: str) -> int:
    return len(key.encode("utf-8")) if ctx.options.key_length_unit == "bytes" else len(key)
