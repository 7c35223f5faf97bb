"""Log safety: the filter on every handler, the secrets registry, the in-flight signatures, scrubbed reports."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest

from conformance import logsafety
from conformance.secret import Secret

SECRET = 'L0g/Secret+Value"q"=='
SIG = "0f3c" * 16


@pytest.fixture
def handler() -> Iterator[logging.Handler]:
    """A handler on a private logger, like one a library or a test would add."""
    stream = io.StringIO()
    h = logging.StreamHandler(stream)
    logger = logging.getLogger("test.logsafety")
    logger.addHandler(h)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield h
    finally:
        logger.removeHandler(h)
        h.removeFilter(logsafety.FILTER)


def _text(h: logging.Handler) -> str:
    stream = h.stream  # type: ignore[attr-defined]
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


def test_attach_everywhere_reaches_every_logger_handler_and_last_resort(handler: logging.Handler) -> None:
    logsafety.attach_everywhere()
    try:
        assert logsafety.FILTER in handler.filters
        assert logging.lastResort is not None and logsafety.FILTER in logging.lastResort.filters
        logsafety.attach_everywhere()
        assert handler.filters.count(logsafety.FILTER) == 1  # idempotent
    finally:
        logsafety.detach_everywhere()
    assert logsafety.FILTER not in handler.filters


def test_pytest_handlers_are_found_on_the_logging_plugin() -> None:
    names = ("log_cli_handler", "log_file_handler", "caplog_handler", "report_handler")
    handlers = {name: logging.NullHandler() for name in names}
    config = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: SimpleNamespace(**handlers)))
    logsafety.attach_everywhere(config)
    try:
        assert all(logsafety.FILTER in h.filters for h in handlers.values())
    finally:
        logsafety.detach_everywhere(config)


def test_urllib3_request_lines_are_redacted_by_pattern_and_by_known_secret(handler: logging.Handler) -> None:
    logsafety.attach_filter(handler)
    logsafety.register([Secret(SECRET)])
    logger = logging.getLogger("test.logsafety")
    token = quote(SECRET, safe="")
    logger.debug(
        '%s://%s:%s "%s %s %s" %s %s',
        "http",
        "127.0.0.1",
        9,
        "POST",
        f"/?deleteVectors&x-oss-security-token={token}&x-oss-signature={SIG}",
        "HTTP/1.1",
        204,
        0,
    )
    logger.debug("echo %s and %s", SECRET, Secret(SECRET))
    text = _text(handler)
    assert SIG not in text and token not in text and SECRET not in text
    assert "x-oss-security-token=<redacted>&x-oss-signature=<redacted>" in text


def test_the_signature_in_flight_is_known_only_while_it_flies(handler: logging.Handler) -> None:
    logsafety.attach_filter(handler)
    logger = logging.getLogger("test.logsafety")
    with logsafety.in_flight([Secret(SIG)]):
        assert Secret(SIG) in logsafety.current_redactor().secrets
        logger.debug("response echoes %s", SIG)
    assert Secret(SIG) not in logsafety.current_redactor().secrets
    assert SIG not in _text(handler)


@dataclass
class _Report:
    longrepr: Any
    sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def longreprtext(self) -> str:
        return str(self.longrepr)


def test_reports_are_scrubbed_traceback_skip_reason_and_sections() -> None:
    logsafety.register([Secret(SECRET)])
    failed = _Report(f"url = 'http://h/?x-oss-signature={SIG}'\ntoken = {SECRET!r}", [("Captured stdout call", f"echo {SECRET}")])
    logsafety.redact_report(failed)
    assert SIG not in failed.longrepr and SECRET not in failed.longrepr and SECRET not in failed.sections[0][1]
    skipped = _Report(("f.py", 3, f"Skipped: {SECRET}"))
    logsafety.redact_report(skipped)
    assert SECRET not in skipped.longrepr[2] and skipped.longrepr[:2] == ("f.py", 3)
    clean = _Report(object())
    kept = clean.longrepr
    logsafety.redact_report(clean)
    assert clean.longrepr is kept  # nothing to hide: pytest's own rich form stays
