"""Log safety: no log record, test report or captured output of a suite run shows a secret.

Three pieces, installed together by ``install_log_redaction`` (the plugin calls it once the
suite is active, in the controller and in every xdist worker):

* one ``RedactingFilter`` on every log handler pytest or anyone else set up: pytest's live log
  (``--log-cli-level``), ``caplog``, the per-test report capture, ``--log-file``, and every handler
  of the root or any other logger (rescanned before each test). It redacts urllib3's and
  requests' debug lines (the request line carries ``x-oss-signature`` and
  ``x-oss-security-token``), uvicorn's access log of an embedded emulator, and any echo of a
  known secret in any encoding (handlers added later, by a fixture or a library, get it before the
  next test phase);
* a registry of the secrets in play: the configured ones, the ones the launcher makes up for an
  embedded emulator (the raw client and the SDK driver ``register`` theirs), and, per thread,
  the signatures of the request in flight (``in_flight``), so an echo of one is redacted too;
* a report hook that passes each test and collection report (its traceback text, with
  ``--tb=long -l`` the locals of every frame, including those of the HTTP library, and its
  captured stdout/stderr/log sections) through the same Redactor before the terminal, JUnit XML or
  xdist see it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from conformance.redact import RedactingFilter, Redactor
from conformance.secret import Secret

__all__ = [
    "FILTER",
    "attach_filter",
    "current_redactor",
    "in_flight",
    "install_log_redaction",
    "redact_report",
    "register",
]

_PLUGIN_NAME = "ossv-logsafety"
_lock = threading.Lock()
_base = Redactor()
_local = threading.local()


def register(secrets: Iterable[Secret | str | None]) -> None:
    """Make the log filter and the report hook know these secrets from now on."""
    global _base
    extra = Redactor.of(secrets).secrets
    if extra <= _base.secrets:
        return
    with _lock:
        _base = _base.with_secrets(extra)


def registered() -> frozenset[Secret]:
    return _base.secrets


@contextmanager
def in_flight(secrets: Iterable[Secret | str | None]) -> Iterator[None]:
    """While the body runs, this thread's log records are also scrubbed of ``secrets`` (a request's signature)."""
    previous: tuple[Secret, ...] = getattr(_local, "extra", ())
    _local.extra = previous + tuple(Redactor.of(secrets).secrets)
    _local.cached = None
    try:
        yield
    finally:
        _local.extra = previous
        _local.cached = None


def current_redactor() -> Redactor:
    """The registered secrets plus those of this thread's request in flight."""
    extra: tuple[Secret, ...] = getattr(_local, "extra", ())
    base = _base
    if not extra:
        return base
    cached: tuple[Redactor, Redactor] | None = getattr(_local, "cached", None)
    if cached is not None and cached[0] is base:
        return cached[1]
    redactor = base.with_secrets(extra)
    _local.cached = (base, redactor)
    return redactor


FILTER = RedactingFilter(current_redactor, name="")
"""The one filter: attached to every handler, it asks for the current redactor on every record."""


def attach_filter(handler: logging.Handler) -> None:
    if FILTER not in handler.filters:
        handler.addFilter(FILTER)


def _all_handlers(config: Any = None) -> Iterator[logging.Handler]:
    if config is not None:
        logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
        for name in ("log_cli_handler", "log_file_handler", "caplog_handler", "report_handler"):
            handler = getattr(logging_plugin, name, None)
            if isinstance(handler, logging.Handler):
                yield handler
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [lg for lg in list(logging.Logger.manager.loggerDict.values()) if isinstance(lg, logging.Logger)]
    for logger in loggers:
        yield from list(logger.handlers)
    if logging.lastResort is not None:
        yield logging.lastResort


def attach_everywhere(config: Any = None) -> None:
    """Put the filter on every handler there is now (pytest's own, and every logger's)."""
    for handler in _all_handlers(config):
        attach_filter(handler)


def detach_everywhere(config: Any = None) -> None:
    for handler in _all_handlers(config):
        handler.removeFilter(FILTER)


def redact_report(report: Any, redactor: Redactor | None = None) -> None:
    """Scrub a pytest report in place: traceback text (locals included), skip reason, captured sections."""
    redactor = redactor or current_redactor()
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, lineno, reason = longrepr
        report.longrepr = (path, lineno, redactor.redact_text(str(reason)))
    elif longrepr is not None:
        text = report.longreprtext
        clean = redactor.redact_text(text)
        if clean != text:  # keep pytest's rich form when there was nothing to hide
            report.longrepr = clean
    sections = getattr(report, "sections", None)
    if sections:
        report.sections = [(title, redactor.redact_text(content)) for title, content in sections]


def _make_plugin(config: Any) -> object:
    """The pytest side: filters onto pytest's handlers once they exist, reports scrubbed as they are made."""
    import pytest

    class LogSafetyPlugin:
        @pytest.hookimpl(trylast=True)
        def pytest_sessionstart(self) -> None:
            attach_everywhere(config)  # pytest's logging plugin has made its handlers by now

        def pytest_runtest_logstart(self) -> None:
            attach_everywhere(config)  # a handler added since (by a test, a library) is covered too

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_call(self) -> None:
            attach_everywhere(config)  # and one added by a fixture (an embedded emulator's uvicorn loggers)

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_makereport(self) -> Generator[None, Any, Any]:
            report = yield
            redact_report(report)
            return report

        @pytest.hookimpl(wrapper=True)
        def pytest_make_collect_report(self) -> Generator[None, Any, Any]:
            report = yield
            redact_report(report)
            return report

        def pytest_unconfigure(self) -> None:
            detach_everywhere(config)

    return LogSafetyPlugin()


def install_log_redaction(config: Any, settings: Any = None) -> None:
    """Install the redacting filter on every log handler, and the report hook; idempotent.

    ``settings`` (conformance.config.Settings) contributes its secrets; secrets made up later
    (an embedded emulator's) are registered by the client that uses them.
    """
    if settings is not None:
        register(settings.secrets)
    attach_everywhere(config)
    manager = config.pluginmanager
    if manager.get_plugin(_PLUGIN_NAME) is None:
        manager.register(_make_plugin(config), _PLUGIN_NAME)
