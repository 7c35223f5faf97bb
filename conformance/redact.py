"""Redaction of secrets from everything the suite records, prints or logs.

Redaction is a method, not a habit: one ``Redactor`` knows every secret in play and every
sensitive wire name (listed once, in ``SENSITIVE``); the client passes each exchange through it
before the exchange exists, so nothing downstream can leak what it never received.

Secrets are ``Secret`` values (conformance.secret); the Redactor scrubs each in every form it
could be echoed in (plain, URL-encoded in either hex case, JSON-escaped, base64), and the
pattern rules (``Signature=``, ``x-oss-signature=``, the token header) need no knowledge at all.
conformance.logsafety puts the same redaction on every log handler and test report.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from conformance.secret import REDACTED, Secret

__all__ = [
    "MIN_LITERAL_LENGTH",
    "REDACTED",
    "SENSITIVE",
    "RedactingFilter",
    "Redactor",
    "Rule",
    "mask_credential",
    "mask_key_id",
    "redact_authorization",
    "redact_patterns",
    "redact_wire_headers",
]
# Literals shorter than this are not scrubbed from free text: replacing every "ab" would make
# bodies unreadable, and such a short value is no secret anyway. Structured redaction still applies.
MIN_LITERAL_LENGTH = 4


class Rule(enum.Enum):
    """How a sensitive header or query parameter is rewritten."""

    SECRET = "secret"  # the whole value becomes <redacted>
    AUTHORIZATION = "authorization"  # Signature= redacted, Credential= key id masked
    CREDENTIAL = "credential"  # AK/scope: the key id is masked


# The one list of sensitive wire names (headers and query parameters, lowercase).
SENSITIVE: tuple[tuple[str, Rule], ...] = (
    ("authorization", Rule.AUTHORIZATION),
    ("x-oss-security-token", Rule.SECRET),
    ("x-oss-signature", Rule.SECRET),
    ("x-oss-credential", Rule.CREDENTIAL),
)
_RULES = dict(SENSITIVE)


def mask_key_id(key_id: str) -> str:
    """Keep the first four characters of an access key id: enough to tell keys apart."""
    return key_id[:4] + "***"


_SIGNATURE_RE = re.compile(r"(Signature=)([^,\s&\"']*)")
_CREDENTIAL_RE = re.compile(r"(Credential=)([^/,\s\"']*)")
_ENCODED_CREDENTIAL_RE = re.compile(r"(x-oss-credential=)([^&\s\"'%/]*)", re.IGNORECASE)
_QUERY_SECRET_RE = re.compile(r"((?:x-oss-signature|x-oss-security-token)=)([^&\s\"']*)", re.IGNORECASE)
_TOKEN_LINE_RE = re.compile(r"(x-oss-security-token\s*:\s*)(\S+)", re.IGNORECASE)


def mask_credential(value: str) -> str:
    """Mask the key id of ``AK/scope`` (plain or with ``%2F``), keep the scope: it says what was signed."""
    found = re.search(r"%2F|/", value, re.IGNORECASE)
    if found is None:
        return mask_key_id(value)
    return mask_key_id(value[: found.start()]) + value[found.start() :]


def _mask_group(match: re.Match[str]) -> str:
    return match.group(1) + mask_key_id(match.group(2))


def _redact_group(match: re.Match[str]) -> str:
    return match.group(1) + REDACTED


def redact_authorization(value: str) -> str:
    """Hide the signature and mask the key id of an Authorization value, keep its shape."""
    return _CREDENTIAL_RE.sub(_mask_group, _SIGNATURE_RE.sub(_redact_group, value))


def redact_patterns(text: str) -> str:
    """Every sensitive pattern (``Signature=``, ``x-oss-signature=``, tokens, key ids), no literals.

    For printing values whose secrets are not known here: a header block, a query, a log line.
    """
    text = _SIGNATURE_RE.sub(_redact_group, text)
    text = _QUERY_SECRET_RE.sub(_redact_group, text)
    text = _CREDENTIAL_RE.sub(_mask_group, text)
    text = _ENCODED_CREDENTIAL_RE.sub(_mask_group, text)
    return _TOKEN_LINE_RE.sub(_redact_group, text)


def redact_wire_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers as they may be printed: each sensitive one rewritten by its rule (no literals needed)."""
    return [(name, _apply_rule(name, value)) for name, value in headers]


def _apply_rule(name: str, value: str) -> str:
    rule = _RULES.get(name.lower())
    if rule is Rule.SECRET:
        return REDACTED
    if rule is Rule.AUTHORIZATION:
        return redact_authorization(value)
    if rule is Rule.CREDENTIAL:
        return mask_credential(value)
    return value


def _as_secrets(values: Iterable[str | Secret | None]) -> frozenset[Secret]:
    return frozenset(v if isinstance(v, Secret) else Secret(v) for v in values if v)


@dataclass(frozen=True, repr=False)
class Redactor:
    """Knows the secrets in play (as ``Secret`` values) and every form in which one could be echoed.

    Each secret is scrubbed plain, URL-encoded (either hex case), JSON-escaped and base64-encoded,
    from text and from bytes. Its repr never shows them.
    """

    secrets: frozenset[Secret] = frozenset()
    _forms: tuple[Secret, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        secrets = _as_secrets(self.secrets)  # plain str accepted too
        forms = {form for secret in secrets if len(secret) >= MIN_LITERAL_LENGTH for form in secret.forms()}
        object.__setattr__(self, "secrets", secrets)
        # longest first, so a secret containing another is replaced whole
        object.__setattr__(self, "_forms", tuple(sorted(forms, key=len, reverse=True)))

    @classmethod
    def of(cls, secrets: Iterable[str | Secret | None]) -> Redactor:
        """Build from secrets, tokens and signatures; empty/None values are ignored."""
        return cls(_as_secrets(secrets))

    def with_secrets(self, extra: Iterable[str | Secret | None]) -> Redactor:
        """A redactor that also scrubs ``extra`` (e.g. the signature computed for one request)."""
        added = _as_secrets(extra) - self.secrets
        return Redactor(self.secrets | added) if added else self

    def __repr__(self) -> str:
        return f"Redactor(<{len(self.secrets)} secrets>)"

    # --- literals ------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """Replace every known secret, in every echoed form, in ``text``."""
        for form in self._forms:
            text = form.scrub(text)
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        """Scrub secret literals from a body; nothing else changes, so bodies stay judgeable.

        Patterns (``Signature=...``) are not applied here: a generated vector key could contain them.
        """
        for form in self._forms:
            data = form.scrub_bytes(data)
        return data

    # --- structure ------------------------------------------------------------------

    def redact_header_value(self, name: str, value: str) -> str:
        return self.scrub(_apply_rule(name, value))

    def redact_headers(self, headers: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return tuple((name, self.redact_header_value(name, value)) for name, value in headers)

    def redact_query(self, raw_query: str) -> str:
        """Rewrite sensitive parameters of a raw query string, keeping order and encoding."""
        if not raw_query:
            return raw_query
        parts = []
        for part in raw_query.split("&"):
            name, sep, value = part.partition("=")
            rule = _RULES.get(name.lower())
            if sep and rule is Rule.SECRET:
                value = REDACTED
            elif sep and rule is Rule.CREDENTIAL:
                value = mask_credential(value)
            elif sep and rule is Rule.AUTHORIZATION:
                value = REDACTED
            parts.append(name + sep + value)
        return self.scrub("&".join(parts))

    def redact_url(self, url: str) -> str:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:  # userinfo never belongs in a record
            netloc = REDACTED + "@" + netloc.rpartition("@")[2]
        return self.scrub(urlunsplit((parts.scheme, netloc, parts.path, self.redact_query(parts.query), parts.fragment)))

    def redact_text(self, text: str) -> str:
        """For log lines and messages: literals plus every sensitive pattern."""
        return redact_patterns(self.scrub(text))


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record and passes the text through a Redactor.

    ``redactor`` is a Redactor, or a function returning the one to use now (secrets learnt
    during the run, signatures of the request in flight). Idempotent: a record that passes
    several filtered handlers is redacted each time to the same text.
    """

    def __init__(self, redactor: Redactor | Callable[[], Redactor], name: str = "") -> None:
        super().__init__(name)
        self._redactor = redactor

    @property
    def redactor(self) -> Redactor:
        return self._redactor if isinstance(self._redactor, Redactor) else self._redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self.redactor
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep pytest's/logging's own error path, redacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redactor.redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redactor.redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redactor.redact_text(record.stack_info)
        return True
