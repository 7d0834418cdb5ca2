"""The app's exception handlers for Reflex: browser reports and failing events, logged safely."""

from __future__ import annotations

import logging

import pytest
from reflex.event import EventSpec

from clerk_fullstack.core import safe_logs
from clerk_fullstack.core.safe_logs import MAX_LOGGED_CHARS
from clerk_fullstack.server import exception_handlers
from clerk_fullstack.server.exception_handlers import (
    FRONTEND_REPORTS_PER_WINDOW,
    ReportWindow,
    log_backend_exception,
    log_frontend_exception,
)

pytestmark = pytest.mark.unit

FORGED = "INFO:clerk_fullstack.api.webhooks:Webhook msg_1 for user_admin: deleted"


def test_the_window_allows_its_budget_then_reports_what_it_dropped() -> None:
    window = ReportWindow(limit=3, seconds=60)
    assert [window.allow(0.0 + n) for n in range(5)] == [(True, 0)] * 3 + [(False, 0)] * 2
    assert window.allow(60.0) == (True, 2)  # a new window, and the count of the last one
    assert window.allow(61.0) == (True, 0)


def test_a_browser_report_is_one_bounded_line(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exception_handlers, "_frontend_reports", ReportWindow(5, 60))
    with caplog.at_level(logging.WARNING, logger=exception_handlers.__name__):
        log_frontend_exception(Exception(f"boom\n{FORGED}\n" + "C" * 100_000))

    (record,) = caplog.records
    message = record.getMessage()
    assert "\n" not in message
    assert f"boom\\n{FORGED}" in message
    assert len(message) < MAX_LOGGED_CHARS + 60


def test_browser_reports_past_the_budget_are_counted_not_logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exception_handlers, "_frontend_reports", ReportWindow(5, 60))
    with caplog.at_level(logging.WARNING, logger=exception_handlers.__name__):
        for _ in range(FRONTEND_REPORTS_PER_WINDOW * 10):
            log_frontend_exception(Exception("flood"))
    assert len(caplog.records) == 5


def test_a_failing_event_logs_its_traceback_and_tells_the_page(
    caplog: pytest.LogCaptureFixture,
) -> None:
    factory = logging.getLogRecordFactory()
    safe_logs.install()  # as the app module does
    try:
        try:
            raise TypeError(f"load() got an unexpected keyword argument 'x\n{FORGED}'")
        except TypeError as exc:
            error = exc
        with caplog.at_level(logging.ERROR, logger=exception_handlers.__name__):
            toast = log_backend_exception(error)
    finally:
        logging.setLogRecordFactory(factory)

    assert isinstance(toast, EventSpec)
    (record,) = caplog.records
    text = record.getMessage()
    assert text.startswith("An event handler failed\nTraceback (most recent call last):\n")
    assert f'File "{__file__}"' in text
    assert f"TypeError: load() got an unexpected keyword argument 'x\\n{FORGED}'" in text
    assert not any(line.startswith(FORGED) for line in caplog.text.splitlines())
