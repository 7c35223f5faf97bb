"""``Secret``: a value that never prints.

The access key secrets, the STS tokens and every signature the suite computes travel from the
settings down to the signer as ``Secret`` values. ``repr``, ``str`` and ``format`` give
``<redacted>``, so a traceback that shows locals (``pytest --tb=long -l``), a log line or an
f-string cannot reveal one; it is not a ``str``, so concatenating it or passing it to ``json``
fails loudly instead of leaking. Only two kinds of code unwrap it: the innermost HMAC
computation in conformance.signing, and the code that writes a token or signature into the wire
form of a request (``reveal()``). Equality with another Secret or a plain str is constant-time.

The Redactor asks each Secret for its printable echoes (``forms()``: plain, URL-encoded,
JSON-escaped, base64) and lets the Secret do the replacing (``scrub``), so even the redaction
code keeps no clear value in a local variable.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "Secret", "reveal", "secret_or_none"]

REDACTED = "<redacted>"


def _encoded_forms(value: str) -> set[str]:
    """Every way the suite, an HTTP library or a server could echo ``value`` in text."""
    forms = {value}
    for text in (quote(value, safe=""), quote(value, safe="/"), quote(value, safe="/:=+"), quote_plus(value)):
        forms.add(text)
        forms.add(_lower_percent(text))  # %2f as well as %2F
    for ascii_only in (True, False):
        escaped = json.dumps(value, ensure_ascii=ascii_only)[1:-1]
        forms.add(escaped)
        forms.add(escaped.replace("/", "\\/"))  # JSON may escape the solidus
    raw = value.encode("utf-8")
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms.add(text)
        forms.add(text.rstrip("="))
    forms.discard("")
    return forms


def _lower_percent(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


class Secret:
    """An immutable secret string whose every printable form is ``<redacted>``."""

    __slots__ = ("_bytes", "_forms", "_value")

    _value: str
    _bytes: bytes | None
    _forms: tuple[Secret, ...] | None

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value._value
        if not isinstance(value, str):
            raise TypeError(f"a Secret wraps a str, not {type(value).__name__}")
        object.__setattr__(self, "_value", value)
        object.__setattr__(self, "_bytes", None)
        object.__setattr__(self, "_forms", None)

    # --- never printable -----------------------------------------------------------------

    def __repr__(self) -> str:
        return REDACTED

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Secret is immutable")

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not serialised (it would be written in clear)")

    def __copy__(self) -> Secret:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    # --- comparable, hashable, sized (constant-time where it matters) ----------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self.encode(), other.encode())
        if isinstance(other, str):
            return hmac.compare_digest(self.encode(), other.encode("utf-8", "surrogatepass"))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)  # equal to a str of the same value, as __eq__ says

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    # --- the only ways out -----------------------------------------------------------------

    def reveal(self) -> str:
        """The clear value: for the innermost HMAC and the wire form of a request, nowhere else."""
        return self._value

    def encode(self, encoding: str = "utf-8", errors: str = "surrogatepass") -> bytes:
        """The clear value as bytes, for an HMAC key or a constant-time comparison (never for printing)."""
        if encoding == "utf-8" and errors == "surrogatepass":
            cached = self._bytes
            if cached is None:
                cached = self._value.encode("utf-8", "surrogatepass")
                object.__setattr__(self, "_bytes", cached)
            return cached
        return self._value.encode(encoding, errors)

    def strip(self) -> Secret:
        return Secret(self._value.strip())

    # --- redaction support -----------------------------------------------------------------

    def forms(self) -> tuple[Secret, ...]:
        """This secret as it could be echoed: plain, URL-encoded (either case), JSON-escaped, base64."""
        cached = self._forms
        if cached is None:
            cached = tuple(Secret(f) for f in sorted(_encoded_forms(self._value), key=lambda s: (-len(s), s)))
            object.__setattr__(self, "_forms", cached)
        return cached

    def scrub(self, text: str, replacement: str = REDACTED) -> str:
        """``text`` with every occurrence of this exact value replaced."""
        return text.replace(self._value, replacement) if self._value else text

    def scrub_bytes(self, data: bytes, replacement: bytes = REDACTED.encode("ascii")) -> bytes:
        value = self.encode()
        return data.replace(value, replacement) if value else data

    def occurs_in(self, text: str) -> bool:
        return bool(self._value) and self._value in text


def secret_or_none(value: str | Secret | None) -> Secret | None:
    """Wrap a plain str (empty means none); pass Secrets and None through."""
    if value is None or isinstance(value, Secret):
        return value or None
    return Secret(value) if value else None


def reveal(value: str | Secret) -> str:
    """The clear value of a Secret, or a plain str as it is (for APIs that accept both)."""
    return value.reveal() if isinstance(value, Secret) else value
