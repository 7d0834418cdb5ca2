"""The app's exception handlers for Reflex: browser reports and failing events, logged safely."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

import pytest
from reflex.event import EventHandler, EventSpec
from reflex_base.event.processor.base_state_processor import process_event

from clerk_fullstack.core import safe_logs
from clerk_fullstack.core.safe_logs import MAX_LOGGED_CHARS
from clerk_fullstack.server import exception_handlers
from clerk_fullstack.server.exception_handlers import (
    FRONTEND_REPORTS_PER_WINDOW,
    ReportWindow,
    backend_error_toast,
    client_arguments_misfit,
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


def takes_nothing(state: object) -> None:
    """A handler without arguments, as `recheck_later` is."""


async def takes_nothing_in_the_background(state: object) -> None:
    """The same, as a coroutine (background handlers are)."""


def fails_inside(state: object) -> int:
    """A handler that takes its arguments, then raises a `TypeError` of its own."""
    return len(cast("Any", state))


async def failure_of(fn: Callable[..., Any], payload: dict[str, Any]) -> TypeError:
    """What Reflex's own dispatch raises calling `fn` with a client's `payload`."""
    with pytest.raises(TypeError) as raised:
        await process_event(
            handler=EventHandler(fn=fn), payload=payload, state=cast("Any", 5), root_state=None
        )
    return raised.value


@pytest.mark.parametrize("fn", [takes_nothing, takes_nothing_in_the_background])
async def test_arguments_a_handler_does_not_take_are_one_line_without_traceback(
    caplog: pytest.LogCaptureFixture, fn: Callable[..., Any]
) -> None:
    error = await failure_of(fn, {f"x\n{FORGED}" + "C" * 100_000: 1})
    assert client_arguments_misfit(error)
    factory = logging.getLogRecordFactory()
    safe_logs.install()
    try:
        with caplog.at_level(logging.WARNING, logger=exception_handlers.__name__):
            toast = log_backend_exception(error)
    finally:
        logging.setLogRecordFactory(factory)

    assert toast is backend_error_toast()  # the page is told, with the toast built once
    (record,) = caplog.records
    text = record.getMessage()
    assert "\n" not in text and "Traceback" not in text
    assert text.startswith("An event handler failed on the arguments a client sent: ")
    assert f"got an unexpected keyword argument 'x\\n{FORGED}" in text
    assert len(text) < MAX_LOGGED_CHARS + 60


async def test_a_missing_argument_is_the_clients_too() -> None:
    def needs_a_result(state: object, result: object) -> None:
        """Like `load`."""

    assert client_arguments_misfit(await failure_of(needs_a_result, {}))


async def test_a_type_error_inside_a_handler_keeps_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = await failure_of(fails_inside, {})
    assert not client_arguments_misfit(error)
    with caplog.at_level(logging.ERROR, logger=exception_handlers.__name__):
        log_backend_exception(error)
    (record,) = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[1] is error


def test_a_type_error_raised_elsewhere_is_not_the_clients() -> None:
    try:
        takes_nothing(**cast("Any", {"x": 1}))
    except TypeError as exc:
        assert not client_arguments_misfit(exc)  # not Reflex's dispatch calling a handler
    assert not client_arguments_misfit(TypeError("never raised"))
    assert not client_arguments_misfit(ValueError("not a TypeError"))
