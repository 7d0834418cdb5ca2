"""The app's exception handlers for Reflex: what a failing event or a browser's report logs.

Any socket client can send a frontend-exception report (Reflex's `handle_frontend_exception`
event, or its `client_error` socket event) with any text, as often as it likes, and an event
with arguments its handler does not take. Reflex's own handlers log that text whole, over
several lines. These log one escaped line of bounded length (`safe_logs.one_line`), a traceback
whose frames are the server's own, and at most `FRONTEND_REPORTS_PER_WINDOW` browser reports a
minute per process.

An event whose handler was never entered because the client's arguments do not fit its
signature (`client_arguments_misfit`) gets that one line and no traceback: its frames would all
be Reflex's dispatch, the same every time, and a client can send such events as fast as its
socket carries them (formatting their tracebacks was most of the server's work under that
flood). Every other failure keeps its traceback. Either way the page is told with the same
toast, built once per process.
"""

# No `from __future__ import annotations`: Reflex checks these handlers' annotations at start,
# evaluating string annotations in its own module.

import functools
import logging
import threading
import time

import reflex as rx
from reflex.event import EventSpec
from reflex_base.event.processor.base_state_processor import process_event

from clerk_fullstack.core.safe_logs import one_line

logger = logging.getLogger(__name__)

FRONTEND_REPORTS_PER_WINDOW = 20
"""Browser error reports logged per window and process; more are counted, not logged."""

FRONTEND_REPORT_WINDOW_SECONDS = 60.0

BACKEND_ERROR_TOAST = "An error occurred."
BACKEND_ERROR_DESCRIPTION = "Contact the website administrator."


class ReportWindow:
    """A fixed-window budget: `allow()` is True for the first `limit` calls of each window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._start = float("-inf")
        self._count = 0
        self._dropped = 0
        self._lock = threading.Lock()

    def allow(self, now: float) -> tuple[bool, int]:
        """Whether a report at `now` may be logged, and how many the last full window dropped."""
        with self._lock:
            dropped = 0
            if now - self._start >= self.seconds:
                self._start, self._count, dropped, self._dropped = now, 0, self._dropped, 0
            if self._count < self.limit:
                self._count += 1
                return True, dropped
            self._dropped += 1
            return False, dropped


_frontend_reports = ReportWindow(FRONTEND_REPORTS_PER_WINDOW, FRONTEND_REPORT_WINDOW_SECONDS)


def log_frontend_exception(exception: Exception) -> None:
    """Reflex's `frontend_exception_handler`: one bounded line per report, a few a minute."""
    allowed, dropped = _frontend_reports.allow(time.monotonic())
    if dropped:
        logger.warning("%d browser error reports were not logged (too many)", dropped)
    if allowed:
        logger.warning("Browser error report: %s", one_line(str(exception)))


def client_arguments_misfit(exception: BaseException) -> bool:
    """Whether `exception` is the `TypeError` of Reflex calling a handler with the client's
    arguments (one it does not take, one missing, a payload that is not a mapping).

    Python raises that error in the caller's frame, before the handler's own frame exists: the
    innermost frame of the traceback is then Reflex's `process_event`, where it calls the
    handler. A `TypeError` raised inside a handler, or anywhere deeper, has other frames below.
    """
    if not isinstance(exception, TypeError):
        return False
    tb = exception.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code is process_event.__code__


@functools.cache
def backend_error_toast() -> EventSpec:
    """The toast a failed event sends its page: always the same, so built once (an `EventSpec`
    is frozen, and its vars are immutable)."""
    toast: EventSpec = rx.toast(
        BACKEND_ERROR_TOAST,
        level="error",
        fallback_to_alert=True,
        description=BACKEND_ERROR_DESCRIPTION,
        position="top-center",
        id="backend_error",
    )
    return toast


def log_backend_exception(exception: Exception) -> EventSpec:
    """Reflex's `backend_exception_handler`: log the failure safely, then tell the page.

    A client's arguments that do not fit the handler are one line without a traceback; any
    other failure is logged with its traceback.
    """
    if client_arguments_misfit(exception):
        logger.warning(
            "An event handler failed on the arguments a client sent: %s",
            one_line(str(exception)),
        )
    else:
        logger.error("An event handler failed", exc_info=exception)
    return backend_error_toast()
