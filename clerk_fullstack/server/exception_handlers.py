"""The app's exception handlers for Reflex: what a failing event or a browser's report logs.

Any socket client can send a frontend-exception report (Reflex's `handle_frontend_exception`
event, or its `client_error` socket event) with any text, as often as it likes, and an event
with arguments its handler does not take. Reflex's own handlers log that text whole, over
several lines. These log one escaped line of bounded length (`safe_logs.one_line`), a traceback
whose frames are the server's own, and at most `FRONTEND_REPORTS_PER_WINDOW` browser reports a
minute per process.
"""

# No `from __future__ import annotations`: Reflex checks these handlers' annotations at start,
# evaluating string annotations in its own module.

import logging
import threading
import time

import reflex as rx
from reflex.event import EventSpec

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


def log_backend_exception(exception: Exception) -> EventSpec:
    """Reflex's `backend_exception_handler`: log the traceback safely, then tell the page."""
    logger.error("An event handler failed", exc_info=exception)
    toast: EventSpec = rx.toast(
        BACKEND_ERROR_TOAST,
        level="error",
        fallback_to_alert=True,
        description=BACKEND_ERROR_DESCRIPTION,
        position="top-center",
        id="backend_error",
    )
    return toast
