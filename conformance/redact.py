"""Redaction of secrets from everything the suite records, prints or logs.

Redaction is a method, not a habit: one ``Redactor`` knows every secret in play and every
sensitive wire name (listed once, in ``SENSITIVE``); the client passes each exchange through it
before the exchange exists, so nothing downstream can leak what it never received.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

REDACTED = "<redacted>"
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


def _literal_forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret, safe="/"), quote_plus(secret)}


@dataclass(frozen=True)
class Redactor:
    """Knows the secret literals in play; every printable record goes through one of these."""

    secrets: frozenset[str] = frozenset()

    @classmethod
    def of(cls, secrets: Iterable[str | None]) -> Redactor:
        """Build from secrets, tokens and signatures; empty/None values are ignored."""
        return cls(frozenset(s for s in secrets if s))

    def with_secrets(self, extra: Iterable[str | None]) -> Redactor:
        """A redactor that also scrubs ``extra`` (e.g. the signature computed for one request)."""
        return Redactor(self.secrets | frozenset(s for s in extra if s))

    # --- literals ------------------------------------------------------------------

    def _forms(self) -> list[str]:
        forms: set[str] = set()
        for secret in self.secrets:
            if len(secret) >= MIN_LITERAL_LENGTH:
                forms |= _literal_forms(secret)
        # longest first, so a secret containing another is replaced whole
        return sorted(forms, key=lambda s: (-len(s), s))

    def scrub(self, text: str) -> str:
        """Replace every known secret literal (plain or URL-encoded) in ``text``."""
        for form in self._forms():
            text = text.replace(form, REDACTED)
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        """Scrub secret literals from a body; nothing else changes, so bodies stay judgeable.

        Patterns (``Signature=...``) are not applied here: a generated vector key could contain them.
        """
        for form in self._forms():
            data = data.replace(form.encode("utf-8"), REDACTED.encode("ascii"))
        return data

    # --- structure ------------------------------------------------------------------

    def redact_header_value(self, name: str, value: str) -> str:
        rule = _RULES.get(name.lower())
        if rule is Rule.SECRET:
            value = REDACTED
        elif rule is Rule.AUTHORIZATION:
            value = redact_authorization(value)
        elif rule is Rule.CREDENTIAL:
            value = mask_credential(value)
        return self.scrub(value)

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
        text = self.scrub(text)
        text = _SIGNATURE_RE.sub(_redact_group, text)
        text = _QUERY_SECRET_RE.sub(_redact_group, text)
        text = _CREDENTIAL_RE.sub(_mask_group, text)
        text = _ENCODED_CREDENTIAL_RE.sub(_mask_group, text)
        return re.sub(r"(x-oss-security-token\s*:\s*)(\S+)", _redact_group, text, flags=re.IGNORECASE)


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record and passes the text through a Redactor."""

    def __init__(self, redactor: Redactor, name: str = "") -> None:
        super().__init__(name)
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.redact_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact_text(record.exc_text)
        return True
