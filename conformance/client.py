"""The raw client: sends a RequestSpec exactly as given, signed as its AuthSpec says.

A conformance suite must be able to send what no SDK would (invalid JSON, invalid UTF-8, a
missing Content-Type, duplicate headers, a bare ``?deleteVectors``), so this client adds only
what addressing and signing need and strips everything ``requests`` would add on its own. It
never raises for transport problems (they are part of the record) and it redacts each
Exchange before returning it, so no secret or signature leaves this module in clear.

The wire form of a request (URL with a presigned signature or token, the Authorization and token
headers) exists only inside a ``_Wire`` value and the ``WireHeaders`` handed to ``requests``; both
print redacted, so a traceback through ``send`` shows no secret. While a request is in flight
its signature is known to the log filter (conformance.logsafety), which redacts it from the HTTP
library's debug log wherever it is echoed.
"""

from __future__ import annotations

import http.client
import ipaddress
import time
from collections.abc import Callable, ItemsView, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict
from urllib3.util import SKIP_HEADER

from conformance import __version__, logsafety
from conformance.accounting import RequestTally, operation_of
from conformance.auth_variants import Identities, MissingIdentity, Unsigned, apply_auth
from conformance.config import ConfigError, Settings
from conformance.ratelimit import RateBudget
from conformance.records import Exchange, ReceivedResponse, RequestSpec, SentRequest
from conformance.redact import Redactor, redact_patterns, redact_wire_headers
from conformance.signing import RedactedHeaders

__all__ = ["USER_AGENT", "MissingIdentity", "RawClient", "is_direct_host", "virtual_host"]

USER_AGENT = f"oss-vectors-conformance/{__version__}"
_BODYLESS_METHODS = frozenset({"GET", "HEAD"})  # requests sends Content-Length: 0 for every other method


def is_direct_host(host: str) -> bool:
    """IP literals and localhost have no DNS for virtual hosts: connect to them, name the bucket in Host."""
    if host.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def virtual_host(endpoint_netloc: str, bucket: str | None, account_id: str) -> str:
    """``{bucket}-{accountId}.{endpoint host[:port]}``, or the endpoint itself for account-scoped calls."""
    return endpoint_netloc if bucket is None else f"{bucket}-{account_id}.{endpoint_netloc}"


class _ItemsInOrder(ItemsView[str, str]):
    def __init__(self, owner: WireHeaders) -> None:
        super().__init__(owner)
        self._pairs = owner.pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._pairs))

    def __len__(self) -> int:
        return len(self._pairs)


class WireHeaders(CaseInsensitiveDict[str]):
    """Headers exactly as listed, duplicates and spelling kept, for urllib3 to write in order.

    urllib3 writes ``headers.items()`` one line each and only checks names with ``in``, so a
    mapping that iterates over the original pairs sends them verbatim.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: list[tuple[str, str]] = []
        super().__init__()
        for name, value in pairs:
            self.pairs.append((name, value))
            if name not in self:
                super().__setitem__(name, value)

    def __setitem__(self, key: str, value: str) -> None:
        self.pairs = [(k, v) for k, v in getattr(self, "pairs", []) if k.lower() != key.lower()] + [(key, value)]
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.pairs = [(k, v) for k, v in self.pairs if k.lower() != key.lower()]
        super().__delitem__(key)

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, _ in self.pairs])

    def __len__(self) -> int:
        return len(self.pairs)

    def items(self) -> ItemsView[str, str]:
        return _ItemsInOrder(self)

    def copy(self) -> WireHeaders:
        return WireHeaders(self.pairs)

    def __repr__(self) -> str:
        return f"WireHeaders({redact_wire_headers(self.pairs)!r})"


@dataclass(frozen=True, repr=False)
class _Wire:
    """A request's wire form: where it goes and its header lines, signature and token in clear."""

    url: str
    headers: list[tuple[str, str]]

    def __repr__(self) -> str:
        return f"_Wire(url={redact_patterns(self.url)!r}, headers={redact_wire_headers(self.headers)!r})"


def _has(headers: Iterable[tuple[str, str]], name: str) -> bool:
    lower = name.lower()
    return any(k.lower() == lower for k, _ in headers)


class RawClient:
    """Signs and sends RequestSpecs; returns redacted Exchanges, never raises on transport errors."""

    def __init__(
        self,
        settings: Settings,
        budget: RateBudget | None = None,
        session: requests.Session | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        tally: RequestTally | None = None,
    ) -> None:
        if settings.endpoint is None:
            raise ConfigError(
                "OSSV_ENDPOINT (not set): the client needs an endpoint; start the emulator and use Settings.with_endpoint"
            )
        if settings.account_id is None:
            raise ConfigError("OSSV_ACCOUNT_ID (not set): the client needs the account id of the buckets")
        self.settings = settings
        self.sent = 0  # requests sent, for the progress display
        self.tally = tally if tally is not None else RequestTally()  # by operation and purpose, for the reports
        self.budget = budget
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            session.trust_env = False  # config.py is the only reader of the environment (no proxies/.netrc)
        self.session = session
        self._clock = clock or (lambda: datetime.now(UTC))
        self.redactor = Redactor.of(settings.secrets)
        logsafety.register(settings.secrets)  # the log filter learns secrets the launcher made up, too
        self.identities = Identities(
            region=settings.region,
            account_id=settings.account_id,
            primary=settings.primary,
            sts=settings.sts,
            other=settings.other,
            other_account_id=settings.other_account_id,
        )
        parts = urlsplit(settings.endpoint)
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._direct = is_direct_host(parts.hostname or "")

    # --- addressing ---------------------------------------------------------------------

    def host_for(self, bucket: str | None) -> str:
        """The Host header value the real service expects for ``bucket``."""
        assert self.settings.account_id is not None
        return virtual_host(self._netloc, bucket, self.settings.account_id)

    def url_for(self, bucket: str | None, query: str) -> str:
        """Where to connect: the virtual host by name, or the endpoint itself for IPs/localhost."""
        netloc = self._netloc if self._direct else self.host_for(bucket)
        return f"{self._scheme}://{netloc}/" + (f"?{query}" if query else "")

    # --- sending ------------------------------------------------------------------------

    def wire_headers(self, spec: RequestSpec, signed: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The full header list as it goes on the wire: Host first, then the spec's and signing's."""
        headers = RedactedHeaders(signed)
        if not _has(headers, "Host"):
            headers.insert(0, ("Host", self.host_for(spec.bucket)))
        if not _has(headers, "User-Agent"):
            headers.append(("User-Agent", USER_AGENT))
        framed = _has(headers, "Content-Length") or _has(headers, "Transfer-Encoding")
        if not framed and (spec.body or spec.method.upper() not in _BODYLESS_METHODS):
            headers.append(("Content-Length", str(len(spec.body))))
        return headers

    def send(self, spec: RequestSpec) -> Exchange:
        """Sign at the current time, send once, record; raises only on misuse (MissingIdentity, bad detail)."""
        self.sent += 1
        self.tally.count(operation_of(spec.method, spec.query, spec.bucket))
        unsigned = Unsigned(method=spec.method, query=spec.query, headers=spec.headers, body=spec.body, bucket=spec.bucket)
        applied = apply_auth(spec.auth, unsigned, self.identities, self._clock())
        redactor = self.redactor.with_secrets(applied.extra_secrets)
        wire = _Wire(self.url_for(spec.bucket, applied.query), self.wire_headers(spec, applied.headers))
        sent = SentRequest(
            method=spec.method,
            url=redactor.redact_url(wire.url),
            headers=redactor.redact_headers(wire.headers),
            body=redactor.redact_bytes(spec.body),
        )

        prepared = self.session.prepare_request(requests.Request(method=spec.method, url=wire.url.split("?", 1)[0]))
        prepared.method = spec.method  # requests upper-cases it; send it as given
        prepared.url = wire.url  # byte-for-byte: requests would re-quote the query
        suppress = [] if _has(wire.headers, "Accept-Encoding") else [("Accept-Encoding", SKIP_HEADER)]  # no http.client default
        prepared.headers = WireHeaders(wire.headers + suppress)
        prepared.body = spec.body if spec.body else None

        if self.budget is not None:
            self.budget.acquire()
        started = time.perf_counter()
        try:
            with logsafety.in_flight(applied.extra_secrets):  # urllib3 logs the request line, query and all
                response = self.session.send(
                    prepared,
                    timeout=self.settings.request_timeout_s,
                    verify=self.settings.verify_tls,
                    allow_redirects=False,
                    stream=True,
                )
                try:
                    body = response.raw.read(decode_content=False)
                    raw_headers = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
                finally:
                    response.close()
        except (requests.RequestException, OSError, ValueError, http.client.HTTPException, urllib3.exceptions.HTTPError) as exc:
            elapsed = time.perf_counter() - started
            error = redactor.redact_text(f"{type(exc).__name__}: {exc}")
            return Exchange(request=sent, response=None, elapsed_s=elapsed, transport_error=error, spec=spec)
        elapsed = time.perf_counter() - started
        if response.status_code == 503 and self.budget is not None:
            self.budget.note_throttled()
        received = ReceivedResponse(
            status=response.status_code,
            headers=redactor.redact_headers(raw_headers),
            body=redactor.redact_bytes(body),
        )
        return Exchange(request=sent, response=received, elapsed_s=elapsed, spec=spec)

    # --- lifetime -----------------------------------------------------------------------

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RawClient(endpoint={self.settings.endpoint!r}, target={self.settings.target!r})"
